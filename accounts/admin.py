from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Invitation, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["village", "commune"]
    readonly_fields = ["created_at", "created_by"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "phone", "is_active", "is_superuser", "last_login"]
    search_fields = ["full_name", "email", "phone"]
    inlines = [MembershipInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Memberships removed here end through the service, which revokes API tokens."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.membership_end(membership=membership, by=request.user)
        for membership in instances:
            if membership.pk is None:
                membership.created_by = request.user
            membership.save()
        formset.save_m2m()
        return None

    fieldsets = (
        (None, {"fields": ("email", "phone", "password")}),
        (_("Personal information"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "phone", "full_name", "password1", "password2"),
            },
        ),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "village", "commune", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__full_name", "user__email", "village__name", "commune__name"]
    autocomplete_fields = ["user", "village", "commune"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.membership_end(membership=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset.select_related("user"):
            services.membership_end(membership=membership, by=request.user)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "role", "village", "commune", "created_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["full_name", "email", "phone"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
