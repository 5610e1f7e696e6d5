"""Criteria sets through the interface: formset, validation in Vietnamese, versions."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from reports.models import CriteriaSet, Criterion, Indicator

pytestmark = pytest.mark.django_db


def _row(n: int, **values: str) -> dict[str, str]:
    base = {
        "criterion_number": "1",
        "criterion_title": "Địa chỉ số",
        "name": "Hộ có mã địa chỉ số",
        "source": "measure",
        "measure_code": "households_digital_address",
        "threshold_kind": "percent",
        "threshold_value": "90",
    }
    base.update(values)
    return {f"rows-{n}-{k}": v for k, v in base.items()}


def _post_with_province(user, rows: list[dict[str, str]], province_id: int | str) -> object:
    data = {
        "name": "Bộ tiêu chí thôn thông minh xã",
        "province": str(province_id),
        "legal_basis_number": "15/QĐ-UBND",
        "legal_basis_date": "2025-03-01",
        "effective_from": "2025-03-01",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for row in rows:
        data.update(row)
    client = Client()
    client.force_login(user)
    return client.post(reverse("reports_set_create"), data)


@pytest.fixture
def province_id(village) -> int:
    return village.commune.province_id


def test_a_province_manager_creates_a_provincial_set_without_code(
    province_manager, province_id
) -> None:
    rows = [
        _row(0),
        _row(
            1,
            name="Wi-Fi nhà văn hóa",
            source="attested",
            measure_code="",
            threshold_kind="yes",
            threshold_value="",
        ),
        _row(
            2,
            criterion_number="2",
            criterion_title="Camera",
            name="Camera công cộng",
            measure_code="public_cameras_count",
            threshold_kind="count",
            threshold_value="3",
        ),
    ]
    before = CriteriaSet.objects.count()
    # a province's manager writes sets for their province only: no national set
    assert _post_with_province(province_manager, rows, "").status_code == 400
    assert CriteriaSet.objects.count() == before
    response = _post_with_province(province_manager, rows, province_id)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = CriteriaSet.objects.get(name="Bộ tiêu chí thôn thông minh xã")
    assert CriteriaSet.objects.count() == before + 1
    assert created.status == CriteriaSet.Status.DRAFT
    assert list(created.criteria.values_list("number", "title")) == [
        (1, "Địa chỉ số"),
        (2, "Camera"),
    ]
    assert Indicator.objects.filter(criterion__criteria_set=created).count() == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("chín mươi", "Ngưỡng phải là một số."),
        ("120", "Tỷ lệ phần trăm không được vượt quá 100."),
        ("-5", "Ngưỡng không được là số âm."),
    ],
)
def test_a_bad_threshold_is_refused_in_vietnamese_and_nothing_is_saved(
    province_manager, province_id, value, message
) -> None:
    before = (CriteriaSet.objects.count(), Criterion.objects.count(), Indicator.objects.count())
    response = _post_with_province(province_manager, [_row(0, threshold_value=value)], province_id)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert before == (
        CriteriaSet.objects.count(),
        Criterion.objects.count(),
        Indicator.objects.count(),
    )


def test_an_indicator_with_no_measure_and_no_attestation_is_refused(
    province_manager, province_id
) -> None:
    response = _post_with_province(province_manager, [_row(0, measure_code="")], province_id)
    assert response.status_code == 400
    assert "Chọn một phép đo" in response.content.decode()


def test_a_set_in_use_is_never_edited_in_place_but_versioned(province_manager, village) -> None:
    national = CriteriaSet.objects.get(province__isnull=True, status="in_use")
    client = Client()
    client.force_login(province_manager)
    # national sets belong to the administrators
    assert client.post(reverse("reports_set_new_version", args=[national.pk])).status_code == 403
    provincial = CriteriaSet.objects.create(
        name="Bộ tỉnh",
        province=village.commune.province,
        legal_basis_number="02/QĐ",
        legal_basis_date=date(2025, 1, 1),
        effective_from=date(2025, 1, 1),
        status="in_use",
    )
    criterion = Criterion.objects.create(criteria_set=provincial, number=1, title="Địa chỉ số")
    Indicator.objects.create(
        criterion=criterion,
        name="Hộ có mã",
        source="measure",
        measure_code="households_digital_address",
        threshold_kind="percent",
        threshold_value=90,
    )
    edit = client.get(reverse("reports_set_edit", args=[provincial.pk]))
    assert edit.status_code == 302  # back to the set: no edit form for a set in use
    response = client.post(reverse("reports_set_new_version", args=[provincial.pk]))
    copy = CriteriaSet.objects.get(family=provincial.family, version=2)
    assert response.status_code == 302
    assert copy.status == "draft" and copy.previous_id == provincial.pk
    assert Indicator.objects.get(criterion__criteria_set=copy).threshold_value == 90
    client.post(reverse("reports_set_put_in_use", args=[copy.pk]), {"reason": "Sửa ngưỡng"})
    provincial.refresh_from_db()
    copy.refresh_from_db()
    assert (provincial.status, copy.status) == ("retired", "in_use")
    # the original's indicators are untouched
    assert Indicator.objects.get(criterion__criteria_set=provincial).threshold_value == 90


def test_an_empty_draft_cannot_be_put_in_use(province_manager, village) -> None:
    draft = CriteriaSet.objects.create(
        name="Nháp",
        province=village.commune.province,
        legal_basis_number="03/QĐ",
        legal_basis_date=date(2025, 1, 1),
        effective_from=date(2025, 1, 1),
    )
    client = Client()
    client.force_login(province_manager)
    response = client.post(
        reverse("reports_set_put_in_use", args=[draft.pk]), {"reason": "Áp dụng"}, follow=True
    )
    assert "Bộ tiêu chí chưa có tiêu chí nào." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"
