"""Provider settings kept in the database: ZNS templates, the Zalo OA token's state (never its
secrets), and the messages whose fate is unknown, for staff to check and settle."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from announcements import services
from announcements.models import UnknownDelivery, ZaloToken, ZnsTemplate


@admin.register(ZnsTemplate)
class ZnsTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "template_id", "kind", "active"]
    list_filter = ["active", "kind"]
    search_fields = ["name", "template_id"]


@admin.register(ZaloToken)
class ZaloTokenAdmin(admin.ModelAdmin):
    list_display = ["app_id", "expires_at", "refreshed_at", "last_error"]
    readonly_fields = ["app_id", "expires_at", "refreshed_at", "last_error"]
    fields = ["app_id", "expires_at", "refreshed_at", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _resolve(request: HttpRequest, queryset: QuerySet, *, sent: bool) -> None:
    done = 0
    for delivery in queryset:
        try:
            services.delivery_unknown_resolve(delivery=delivery, sent=sent, by=request.user)
            done += 1
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    messages.success(request, _("%(count)s messages settled.") % {"count": done})


@admin.register(UnknownDelivery)
class UnknownDeliveryAdmin(admin.ModelAdmin):
    list_display = readonly_fields = (
        "announcement",
        "resident",
        "channel",
        "address",
        "request_id",
        "first_tried_at",
        "reason",
    )
    list_filter = ["channel"]
    actions = ["mark_arrived", "send_again"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("announcement", "resident")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("The person got it: mark as sent"))
    def mark_arrived(self, request: HttpRequest, queryset: QuerySet) -> None:
        _resolve(request, queryset, sent=True)

    @admin.action(description=_("The person did not get it: send again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        _resolve(request, queryset, sent=False)
