"""Administrators appoint the province's criteria managers."""

from django.contrib import admin

from reports.models import ProvinceManager


@admin.register(ProvinceManager)
class ProvinceManagerAdmin(admin.ModelAdmin):
    list_display = ["user", "province", "created_at"]
    list_filter = ["province"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["province"]
