"""The national default set: thresholds checked against the texts and their sources in the
notes, shipped as a new version (the version in use was not edited), attestations kept."""

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from households.models import Province
from reports import engine, services
from reports.defaults import NATIONAL, install_defaults, upgrade
from reports.models import CriteriaSet, Criterion, Indicator
from tests.factories import VillageFactory

pytestmark = pytest.mark.django_db

MODELS = {
    "CriteriaSet": CriteriaSet,
    "Criterion": Criterion,
    "Indicator": Indicator,
    "Province": Province,
}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"  # noqa: E501 (one pixel)


def _national() -> CriteriaSet:
    return CriteriaSet.objects.get(province__isnull=True, status="in_use")


def _threshold(criteria_set: CriteriaSet, code: str) -> Decimal:
    return Indicator.objects.get(
        criterion__criteria_set=criteria_set, measure_code=code
    ).threshold_value


def test_the_checked_set_is_a_new_version_and_the_first_is_kept_retired() -> None:
    national = _national()
    first = CriteriaSet.objects.get(family=national.family, version=1)
    assert national.version == 2 and national.previous == first
    assert first.status == "retired"
    # the first version is untouched: its own (unchecked) team threshold and no notes
    assert _threshold(first, "digital_team_members") == 3 and first.notes == ""
    assert _threshold(national, "digital_team_members") == 1
    assert _threshold(national, "smartphone_working_age") == 80


def test_the_notes_cite_the_sources_and_mark_provincial_practice() -> None:
    notes = _national().notes
    assert "319/QĐ-TTg" in notes and "924/QĐ-TTg" in notes and "1127/QĐ-BTTTT" in notes
    assert "thực tiễn của tỉnh" in notes and "không phải ngưỡng quốc gia" in notes
    assert "lawnet.vn" in notes and "01/HD-STTTT" in notes
    assert "chưa đối chiếu" in notes  # what could not be checked says so


def test_the_set_page_shows_the_notes(village_head) -> None:
    client = Client()
    client.force_login(village_head)
    page = client.get(reverse("reports_set_detail", args=[_national().pk])).content.decode()
    assert 'data-testid="set-notes"' in page and "319/QĐ-TTg" in page


def test_upgrading_again_changes_nothing_and_installing_finds_the_set() -> None:
    assert upgrade(NATIONAL, models=MODELS) is None
    install_defaults()  # finds the national set under its new name: no third copy
    assert CriteriaSet.objects.filter(province__isnull=True).count() == 2


def test_a_renamed_attested_indicator_keeps_its_lineage() -> None:
    national = _national()
    first = national.previous
    old = Indicator.objects.get(
        criterion__criteria_set=first,
        name="Hồ sơ thủ tục hành chính được xử lý trực tuyến (ít nhất 50%)",
    )
    new = Indicator.objects.get(
        criterion__criteria_set=national,
        name="Hồ sơ thủ tục hành chính được xử lý trực tuyến đạt ngưỡng của tỉnh",
    )
    assert new.lineage == old.lineage


def test_a_later_change_makes_another_version_and_attestations_carry_over(
    village_head, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    village = VillageFactory(valid_from=date(2020, 1, 1))
    current = _national()
    wifi = Indicator.objects.get(
        criterion__criteria_set=current, name="Wi-Fi miễn phí tại nhà văn hóa thôn"
    )
    services.attestation_create(
        indicator=wifi,
        village=village,
        met=True,
        value=None,
        attested_on=timezone.localdate(),
        note="",
        evidence=SimpleUploadedFile("wifi.png", PNG),
        by=village_head,
    )
    changed = copy.deepcopy(NATIONAL)
    _title, indicators = changed["criteria"][0]
    indicators[0] = ("Hộ gia đình có cáp quang", "measure", "fibre_households", "percent", 85)
    newer = upgrade(changed, models=MODELS)
    current.refresh_from_db()
    assert newer.version == 3 and current.status == "retired"
    assert _national() == newer
    assert _threshold(newer, "fibre_households") == 85
    assert _threshold(current, "fibre_households") == 80  # the retired version is unchanged
    report = engine.evaluate_village(
        criteria_set=newer, village=village, as_of=timezone.localdate()
    )
    wifi_result = next(
        r for c in report.criteria for r in c.indicators if r.indicator.name.startswith("Wi-Fi")
    )
    assert wifi_result.passed is True


def test_a_retired_family_is_left_alone() -> None:
    CriteriaSet.objects.filter(province__isnull=True).update(status="retired")
    changed = copy.deepcopy(NATIONAL)
    changed["notes"] = "khác"
    assert upgrade(changed, models=MODELS) is None
    assert not CriteriaSet.objects.filter(province__isnull=True, status="in_use").exists()
