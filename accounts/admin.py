from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "role", "village", "commune", "created_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["full_name", "email", "phone"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
