import pytest
from django.core.management import call_command

from accounts.models import Membership, User
from accounts.roles import Role
from households.models import Commune, Household, Lane, Province, Resident, Village

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Province, Commune, Village, Lane, Household, Resident, User, Membership)
    )


def test_the_demo_builds_a_commune_with_a_model_village_and_is_idempotent(capsys) -> None:
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert Province.objects.count() == 34
    assert Commune.objects.count() > 3000
    model = Village.objects.get(name="Thôn Đông Phú")
    assert Village.objects.filter(commune=model.commune).count() == 3
    assert model.lanes.count() == 13
    households = Household.objects.filter(village=model).count()
    residents = Resident.objects.filter(household__village=model).count()
    assert 280 <= households <= 320
    assert residents > 1000
    assert Resident.objects.filter(full_name__contains="ễ").exists()
    # One user per role, and every household has exactly one head.
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role)
    assert Resident.objects.filter(is_head=True).count() == Household.objects.count()
    relationships = set(Resident.objects.values_list("relationship", flat=True))
    assert relationships <= set(Resident.Relationship.values)
    assert set(Resident.objects.filter(is_head=True).values_list("relationship", flat=True)) == {
        "head"
    }
    printed = capsys.readouterr().out
    assert "truongthon@example.com" in printed and "0912000001" in printed


def test_the_territory_loader_keeps_official_codes(db) -> None:
    call_command("load_territory")
    hanoi = Province.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.division_type == "thanh_pho_trung_uong"
    commune = Commune.objects.get(code="18673")
    assert commune.name == "Xã Cẩm Xuyên"
    assert commune.province.name == "Hà Tĩnh"
