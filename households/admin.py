from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from households.models import Commune, Household, Lane, Province, Resident, Village


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name"]
    list_select_related = ["province"]


class ReadOnlyRegistryAdmin(admin.ModelAdmin):
    """The registry is edited through the portal's pages, which validate and keep history."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LaneInline(admin.TabularInline):
    model = Lane
    extra = 0
    fields = ["name", "sort_order"]
    readonly_fields = ["name", "sort_order"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune", "valid_from", "valid_until"]
    list_filter = ["kind"]
    search_fields = ["name", "commune__name"]
    autocomplete_fields = ["commune", "replaced_by"]
    list_select_related = ["commune"]
    inlines = [LaneInline]


@admin.register(Lane)
class LaneAdmin(ReadOnlyRegistryAdmin):
    list_display = ["name", "village", "sort_order"]
    search_fields = ["name", "village__name"]
    list_select_related = ["village"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyRegistryAdmin):
    list_display = ["house_number", "lane", "village", "public_code"]
    search_fields = ["house_number", "public_code"]
    list_select_related = ["lane", "village"]
    raw_id_fields = ["lane", "village"]


@admin.register(Resident)
class ResidentAdmin(ReadOnlyRegistryAdmin):
    list_display = ["full_name", "household", "is_head"]
    search_fields = ["full_name"]
    raw_id_fields = ["household"]
