"""Administration: categories (with their extra questions) and a read-only view of the rest.

Reports change only through the workflow pages, which keep their history and tell the
reporter; the admin shows them for support, without the reporter's contact in the list.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from feedback.models import ApiKey, Category, Report, ZaloEvent, ZaloFollower


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "village", "code", "urgent", "ack_hours", "resolve_hours", "active"]
    list_filter = ["urgent", "active"]
    search_fields = ["name", "village__name"]
    raw_id_fields = ["village"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ["tracking_code", "village", "category", "status", "created_at", "hidden"]
    list_filter = ["status", "hidden"]
    search_fields = ["tracking_code", "public_code"]
    list_select_related = ["village", "category"]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnly):
    list_display = ["name", "village", "prefix", "active", "created_at"]
    exclude = ["key_hash"]


@admin.register(ZaloFollower)
class ZaloFollowerAdmin(ReadOnly):
    """Who wrote to the village's Zalo OA, and who linked themselves to a resident (with when
    they consented, and how the link was proven); links change only through the follower's
    own "share" in Zalo, a code, the office's confirmation (feedback.zalo_link) or unlinking."""

    list_display = [
        "user_id",
        "village",
        "following",
        "resident",
        "consent_at",
        "verified_how",
        "verified_at",
        "last_interaction_at",
        "created_at",
    ]
    list_filter = ["following"]
    search_fields = ["user_id"]
    list_select_related = ["village", "resident"]


@admin.register(ZaloEvent)
class ZaloEventAdmin(ReadOnly):
    """The OA webhook's events as received, with what became of each (for support)."""

    list_display = ["received_at", "event_name", "user_id", "outcome", "processed_at"]
    list_filter = ["event_name"]
    search_fields = ["user_id", "key"]
