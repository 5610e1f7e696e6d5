"""The search document keeps the address in one part and each person's name in another."""

from django.db import migrations

from households.services import search_text


def rebuild(apps, schema_editor):
    Household = apps.get_model("households", "Household")
    Resident = apps.get_model("households", "Resident")
    names: dict[int, list[str]] = {}
    current = Resident.objects.filter(left_on__isnull=True, deleted_at__isnull=True).order_by(
        "household_id", "-is_head", "birth_date", "pk"
    )
    for household_id, full_name in current.values_list("household_id", "full_name").iterator():
        names.setdefault(household_id, []).append(full_name)
    changed = []
    for household in Household.objects.select_related("lane").iterator(chunk_size=2000):
        lane_name = household.lane.name if household.lane_id else ""
        address = (
            household.house_number,
            household.digital_address,
            lane_name,
            household.business_name,
        )
        document = search_text(address, names.get(household.pk, []))
        if document != household.search_document:
            household.search_document = document
            changed.append(household)
        if len(changed) >= 2000:
            Household.objects.bulk_update(changed, ["search_document"])
            changed = []
    Household.objects.bulk_update(changed, ["search_document"])


class Migration(migrations.Migration):
    dependencies = [("households", "0008_head_check_by_primary_key")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True)]
