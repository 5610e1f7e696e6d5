"""The synthetic population generator, on small numbers (SQLite and PostgreSQL alike).

No timings here: the speed figures live in bench/ and docs/benchmarks.md.
"""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from households.models import Commune, Household, Lane, Resident, Village, natural_key
from villageportal.text import fold

pytestmark = pytest.mark.django_db

HOUSEHOLDS, VILLAGES = 80, 3


def _generate(**options: object) -> str:
    out = StringIO()
    options = {"households": HOUSEHOLDS, "villages": VILLAGES, "seed": 7, **options}
    call_command("generate_population", stdout=out, **options)
    return out.getvalue()


def test_it_creates_villages_lanes_households_and_residents() -> None:
    printed = _generate()
    assert Village.objects.count() == VILLAGES
    assert Household.objects.count() == HOUSEHOLDS
    for village in Village.objects.all():
        assert 8 <= village.lanes.count() <= 20
        assert village.commune.code  # a commune of the official list
    residents = Resident.objects.count()
    assert 2.5 * HOUSEHOLDS <= residents <= 5 * HOUSEHOLDS
    assert Household.objects.filter(status=Household.Status.ACTIVE).count() == HOUSEHOLDS
    assert f"{HOUSEHOLDS} households" in printed and "Done in" in printed
    # The official list was loaded first.
    assert Commune.objects.count() > 3000


def test_every_household_has_exactly_one_head_living_in_it() -> None:
    _generate()
    heads = Household.objects.annotate(
        heads=Count("residents", filter=Q(residents__is_head=True))
    ).values_list("heads", flat=True)
    assert set(heads) == {1}
    assert not Resident.objects.filter(is_head=True).exclude(relationship="head").exists()
    assert set(Resident.objects.values_list("relationship", flat=True)) <= set(
        Resident.Relationship.values
    )


def test_id_numbers_are_unique_and_have_twelve_digits() -> None:
    _generate()
    _generate()  # the same seed again: the numbers must still not collide
    ids = list(Resident.objects.exclude(national_id="").values_list("national_id", flat=True))
    assert len(ids) > HOUSEHOLDS
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"\d{12}", number) for number in ids)


def test_names_are_vietnamese_with_diacritics() -> None:
    _generate()
    names = list(Resident.objects.values_list("full_name", flat=True))
    assert all(len(name.split()) >= 3 for name in names)
    with_marks = [name for name in names if not name.isascii()]
    assert len(with_marks) > len(names) / 2
    assert any(re.search("[ễệầạảốờứữịỳđĐ]", name) for name in names)
    village_names = list(Village.objects.values_list("name", flat=True))
    assert all(
        name.startswith(("Thôn ", "Bản ", "Làng ", "Ấp ", "Tổ dân phố ")) for name in village_names
    )


def test_derived_columns_and_unique_codes_are_filled() -> None:
    _generate()
    pattern = re.compile(settings.DIGITAL_ADDRESS_PATTERN)
    households = list(Household.objects.prefetch_related("residents").select_related("lane"))
    for household in households:
        assert household.house_number_key == natural_key(household.house_number)
        assert household.lane.village_id == household.village_id
        document = household.search_document
        assert document.startswith(" ") and fold(household.lane.name) in document
        for resident in household.residents.all():
            assert fold(resident.full_name) in document
        assert len(household.public_code) >= 8
        assert household.latitude is not None and household.longitude is not None
        if household.digital_address:
            assert pattern.match(household.digital_address)
        if not household.is_business:
            assert household.business_name == household.business_kind == ""
    codes = [h.public_code for h in households]
    assert len(codes) == len(set(codes))
    addresses = [h.digital_address for h in households if h.digital_address]
    assert len(addresses) == len(set(addresses))


def test_running_twice_adds_villages_without_collisions() -> None:
    _generate()
    _generate()
    assert Village.objects.count() == 2 * VILLAGES
    assert Household.objects.count() == 2 * HOUSEHOLDS
    names = list(Village.objects.values_list("commune_id", "name"))
    assert len(names) == len(set(names))
    addresses = list(Household.objects.exclude(digital_address="").values_list("digital_address"))
    assert len(addresses) == len(set(addresses))


def test_one_commune_can_hold_every_village() -> None:
    _generate(commune="18673", villages=4, households=40)
    _generate(commune="18673", villages=4, households=40)
    commune = Commune.objects.get(code="18673")
    assert Village.objects.filter(commune=commune).count() == 8
    assert Village.objects.exclude(commune=commune).count() == 0
    names = list(Village.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))


def test_an_unknown_commune_is_refused() -> None:
    with pytest.raises(CommandError, match="99999"):
        _generate(commune="99999")
    assert not Village.objects.exists()


def test_synthetic_rows_write_no_history_events() -> None:
    from households.models import HouseholdEvent, LaneEvent, ResidentEvent

    _generate()
    assert Lane.objects.exists()
    assert not HouseholdEvent.objects.exists()
    assert not ResidentEvent.objects.exists()
    assert not LaneEvent.objects.exists()


def test_without_superuser_rights_the_history_triggers_are_ignored_instead(monkeypatch) -> None:
    """The fallback for a PostgreSQL role that may not set session_replication_role."""
    from django.db import connection

    from households.management.commands.generate_population import Command
    from households.models import HouseholdEvent, ResidentEvent

    if connection.vendor != "postgresql":
        pytest.skip("history triggers exist on PostgreSQL only")
    monkeypatch.setattr(Command, "_history_mode", lambda self: "ignore")
    _generate()
    assert Household.objects.count() == HOUSEHOLDS
    assert not HouseholdEvent.objects.exists()
    assert not ResidentEvent.objects.exists()
