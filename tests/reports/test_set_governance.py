"""Who writes which criteria set, which set a commune is scored by, and the record of why.

A province's set is written by the province's criteria managers (or an administrator); a
commune official writes only the commune's own variant and chooses which set the commune
adopts; every change to a set in use needs a reason and is shown in the set's history.
"""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from reports import engine
from reports.models import (
    CommuneCriteria,
    CriteriaSet,
    CriteriaSetEvent,
    Criterion,
    Indicator,
    ProvinceManager,
)
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db


def _set(province, *, commune=None, status="in_use", name="Bộ tỉnh") -> CriteriaSet:
    criteria_set = CriteriaSet.objects.create(
        name=name,
        province=province,
        commune=commune,
        legal_basis_number="07/QĐ-UBND",
        legal_basis_date=date(2025, 1, 1),
        effective_from=date(2025, 1, 1),
        status=status,
    )
    criterion = Criterion.objects.create(criteria_set=criteria_set, number=1, title="Địa chỉ số")
    Indicator.objects.create(
        criterion=criterion,
        name="Hộ có mã",
        source="measure",
        measure_code="households_digital_address",
        threshold_kind="percent",
        threshold_value=90,
    )
    return criteria_set


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def official_elsewhere(other_village):
    """A commune official of another commune of the same province."""
    assert other_village.commune.province_id == other_village.commune.province_id
    user = UserFactory(full_name="Bùi Văn Khác")
    membership(user, Role.COMMUNE_OFFICIAL, other_village)
    return user


def _create_form(province_id, commune_id="") -> dict[str, str]:
    return {
        "name": "Bộ tiêu chí mới",
        "province": str(province_id),
        "commune": str(commune_id),
        "legal_basis_number": "15/QĐ-UBND",
        "legal_basis_date": "2025-03-01",
        "effective_from": "2025-03-01",
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
        "rows-0-criterion_number": "1",
        "rows-0-criterion_title": "Địa chỉ số",
        "rows-0-name": "Hộ có mã địa chỉ số",
        "rows-0-source": "measure",
        "rows-0-measure_code": "households_digital_address",
        "rows-0-threshold_kind": "percent",
        "rows-0-threshold_value": "90",
    }


@pytest.mark.parametrize("who", ["commune_official", "official_elsewhere"])
def test_no_commune_official_writes_the_provinces_set(request, village, who) -> None:
    user = request.getfixturevalue(who)
    provincial = _set(village.commune.province)
    draft = _set(village.commune.province, status="draft", name="Bộ tỉnh nháp")
    client = _client(user)
    reason = {"reason": "Thử đổi bộ của tỉnh"}
    assert (
        client.post(reverse("reports_set_retire", args=[provincial.pk]), reason).status_code == 403
    )
    assert (
        client.post(reverse("reports_set_put_in_use", args=[draft.pk]), reason).status_code == 403
    )
    assert client.post(reverse("reports_set_new_version", args=[provincial.pk])).status_code == 403
    assert client.get(reverse("reports_set_edit", args=[draft.pk])).status_code == 403
    before = CriteriaSet.objects.count()
    response = client.post(reverse("reports_set_create"), _create_form(village.commune.province_id))
    assert response.status_code == 400
    assert "Chỉ cán bộ quản lý bộ tiêu chí của tỉnh" in response.content.decode()
    assert CriteriaSet.objects.count() == before
    provincial.refresh_from_db()
    draft.refresh_from_db()
    assert (provincial.status, draft.status) == ("in_use", "draft")
    assert not CriteriaSetEvent.objects.exists()


def test_the_province_manager_changes_the_set_with_a_reason_kept_in_its_history(
    village, province_manager
) -> None:
    provincial = _set(village.commune.province)
    client = _client(province_manager)
    url = reverse("reports_set_retire", args=[provincial.pk])
    page = client.post(url, {"reason": "  "}, follow=True).content.decode()
    assert "Hãy cho biết lý do của thay đổi này." in page
    provincial.refresh_from_db()
    assert provincial.status == "in_use"
    client.post(reverse("reports_set_new_version", args=[provincial.pk]))
    copy = CriteriaSet.objects.get(family=provincial.family, version=2)
    client.post(
        reverse("reports_set_put_in_use", args=[copy.pk]),
        {"reason": "Quyết định 20/QĐ-UBND sửa ngưỡng"},
    )
    provincial.refresh_from_db()
    copy.refresh_from_db()
    assert (provincial.status, copy.status) == ("retired", "in_use")
    events = {
        (e.criteria_set_id, e.action, e.reason, e.by_id) for e in CriteriaSetEvent.objects.all()
    }
    assert (
        copy.pk,
        "put_in_use",
        "Quyết định 20/QĐ-UBND sửa ngưỡng",
        province_manager.pk,
    ) in events
    assert (
        provincial.pk,
        "replaced",
        "Quyết định 20/QĐ-UBND sửa ngưỡng",
        province_manager.pk,
    ) in events
    history = client.get(reverse("reports_set_detail", args=[copy.pk])).content.decode()
    assert "Quyết định 20/QĐ-UBND sửa ngưỡng" in history
    assert "Cán bộ Sở" in history


def test_a_province_manager_of_one_province_does_not_write_anothers(village) -> None:
    from tests.factories import ProvinceFactory

    elsewhere = ProvinceFactory(code="01", name="Hà Nội", codename="ha_noi")
    user = UserFactory()
    ProvinceManager.objects.create(user=user, province=elsewhere)
    provincial = _set(village.commune.province)
    response = _client(user).post(
        reverse("reports_set_retire", args=[provincial.pk]), {"reason": "Không phải tỉnh mình"}
    )
    assert response.status_code == 403


def test_a_commune_keeps_its_own_variant_that_scores_only_it(
    village, other_village, commune_official, official_elsewhere
) -> None:
    provincial = _set(village.commune.province)
    client = _client(commune_official)
    response = client.post(
        reverse("reports_set_create"),
        _create_form("", commune_id=village.commune_id),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    own = CriteriaSet.objects.get(commune=village.commune)
    assert own.province_id == village.commune.province_id
    assert (
        client.post(
            reverse("reports_set_put_in_use", args=[own.pk]), {"reason": "Xã áp dụng bộ riêng"}
        ).status_code
        == 302
    )
    own.refresh_from_db()
    assert own.status == "in_use"
    assert engine.set_for_village(village) == own
    assert engine.set_for_village(other_village) == provincial
    # the other commune's official cannot touch it, nor make a set for a commune not theirs
    elsewhere = _client(official_elsewhere)
    assert (
        elsewhere.post(reverse("reports_set_retire", args=[own.pk]), {"reason": "x"}).status_code
        == 403
    )
    response = elsewhere.post(
        reverse("reports_set_create"), _create_form("", commune_id=village.commune_id)
    )
    assert response.status_code == 400
    assert CriteriaSet.objects.filter(commune=village.commune).count() == 1


def test_a_commune_adopts_a_set_with_a_reason_and_only_its_own(
    village, other_village, commune_official, official_elsewhere
) -> None:
    provincial = _set(village.commune.province)
    national = CriteriaSet.objects.get(province__isnull=True, status="in_use")
    url = reverse("reports_commune_criteria", args=[village.commune_id])
    client = _client(commune_official)
    assert engine.set_for_village(village) == provincial
    refused = client.post(url, {"criteria_set": str(national.pk), "reason": ""})
    assert refused.status_code == 400
    assert "Hãy cho biết lý do của thay đổi này." in refused.content.decode()
    assert not CommuneCriteria.objects.exists()
    done = client.post(url, {"criteria_set": str(national.pk), "reason": "Theo bộ quốc gia"})
    assert done.status_code == 302
    assert engine.set_for_village(village) == national
    assert engine.set_for_village(other_village) == provincial
    page = client.get(url).content.decode()
    assert "Theo bộ quốc gia" in page and "Hoàng Thị Lan" in page
    # another commune's official cannot choose for this commune
    other = _client(official_elsewhere)
    assert other.post(url, {"criteria_set": "", "reason": "x"}).status_code in (403, 404)
    assert engine.set_for_village(village) == national
    # back to the province's set
    client.post(url, {"criteria_set": "", "reason": "Trở lại bộ của tỉnh"})
    assert engine.set_for_village(village) == provincial
    assert list(
        CriteriaSetEvent.objects.filter(commune=village.commune)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["adopted", "adoption_ended"]
