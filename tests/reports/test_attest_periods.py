"""Attestations with evidence, snapshots and trends, period closes and reopenings."""

import io
import os
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from households.models import Village
from reports import services
from reports.models import Attestation, PeriodClose, PeriodEvent, Snapshot
from tests.factories import HouseholdFactory
from tests.feedback.conftest import jpeg_with_gps
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture
def criteria_set(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    Village.objects.update(valid_from=date(2020, 1, 1))
    return small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 50),
        ("Wi-Fi", "attested", "", "yes", None),
    )


def _attest(user, village, indicator, **data):
    client = Client()
    client.force_login(user)
    return client.post(reverse("reports_attest", args=[village.pk, indicator.pk]), data)


def _files(tmp_path) -> list[str]:
    return [f for _, _, files in os.walk(tmp_path) for f in files]


def test_an_attestation_with_a_photo_makes_the_indicator_pass(
    village_head, village, criteria_set, tmp_path
) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
    response = _attest(
        village_head,
        village,
        wifi,
        met="on",
        attested_on=timezone.localdate().isoformat(),
        note="Wi-Fi tại nhà văn hóa",
        evidence=SimpleUploadedFile("wifi.png", PNG, content_type="image/png"),
    )
    assert response.status_code == 302
    attestation = Attestation.objects.get()
    assert attestation.evidence_name == "wifi.jpg"  # re-encoded by the image cleaner
    client = Client()
    client.force_login(village_head)
    page = client.get(
        reverse("reports_village", args=[village.pk]) + f"?set={criteria_set.pk}"
    ).content.decode()
    assert reverse("reports_evidence", args=[attestation.pk]) in page
    download = client.get(reverse("reports_evidence", args=[attestation.pk]))
    with Image.open(io.BytesIO(b"".join(download.streaming_content))) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_photo_as_evidence_loses_its_gps_position(
    village_head, village, criteria_set, tmp_path
) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
    response = _attest(
        village_head,
        village,
        wifi,
        met="on",
        attested_on=timezone.localdate().isoformat(),
        evidence=SimpleUploadedFile("wifi.jpg", jpeg_with_gps((800, 600)), "image/jpeg"),
    )
    assert response.status_code == 302
    with Attestation.objects.get().evidence.open("rb") as handle:
        data = handle.read()
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and "exif" not in image.info
    assert b"PhoneMaker" not in data


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("lon.png", _png((12_000, 12_000), "1"), "tối đa 50 megapixel"),
        ("cut.jpg", jpeg_with_gps((800, 600))[:3000], "không phải là ảnh đọc được"),
    ],
)
def test_a_photo_that_cannot_be_cleaned_is_refused_as_evidence(
    village_head, village, criteria_set, tmp_path, name, content, message
) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
    response = _attest(
        village_head,
        village,
        wifi,
        met="on",
        attested_on=timezone.localdate().isoformat(),
        evidence=SimpleUploadedFile(name, content),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attestation.objects.exists()
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Hãy đính kèm ảnh hoặc tài liệu làm minh chứng."),
        (("virus.exe", b"MZ\x90\x00"), "Minh chứng phải là ảnh"),
        (("anh.png", b"not a png at all"), "Nội dung tệp không khớp với loại tệp."),
    ],
)
def test_an_attestation_without_valid_evidence_is_refused_and_leaves_no_file(
    village_head, village, criteria_set, tmp_path, upload, message
) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
    data = {"met": "on", "attested_on": timezone.localdate().isoformat()}
    if upload:
        data["evidence"] = SimpleUploadedFile(upload[0], upload[1])
    response = _attest(village_head, village, wifi, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attestation.objects.exists()
    assert _files(tmp_path) == []


def test_an_attestation_dated_before_the_village_existed_is_refused(
    village_head, village, criteria_set, tmp_path
) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
    response = _attest(
        village_head,
        village,
        wifi,
        met="on",
        attested_on="2019-01-01",
        evidence=SimpleUploadedFile("wifi.png", PNG),
    )
    assert response.status_code == 400
    assert "chưa tồn tại" in response.content.decode()
    assert not Attestation.objects.exists() and _files(tmp_path) == []


def test_a_security_officer_cannot_attest(security_officer, village, criteria_set) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
    assert _attest(security_officer, village, wifi, met="on").status_code == 403


def test_nightly_snapshots_are_idempotent_and_feed_the_trend(
    village_head, village, criteria_set
) -> None:
    today = timezone.localdate()
    # a month ago the registry had nothing yet: the past is read from the history
    services.snapshots_take(taken_on=today - timedelta(days=30))
    services.snapshots_take(taken_on=today)
    HouseholdFactory(lane=village.lanes.first(), digital_address="MOI-1")
    services.snapshots_take(taken_on=today)  # twice the same day: the day's rows are replaced
    rows = Snapshot.objects.filter(village=village, measure_code="households_digital_address")
    assert [(s.numerator, s.denominator) for s in rows.order_by("taken_on")] == [(0, 0), (1, 2)]
    Snapshot.objects.create(
        village=village,
        measure_code="households_digital_address",
        taken_on=today - timedelta(days=60),
        numerator=0,
        denominator=1,
    )
    client = Client()
    client.force_login(village_head)
    page = client.get(
        reverse("reports_village", args=[village.pk]) + f"?set={criteria_set.pk}"
    ).content.decode()
    assert "<polyline" in page and "+50,0" in page


def test_the_beat_schedule_has_the_nightly_snapshots() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reports-nightly-snapshots"]
    assert entry["task"] == "reports.tasks.snapshots_take_task"


def test_a_closed_period_keeps_its_figures_until_reopened_with_a_reason(
    commune_official, village, criteria_set
) -> None:
    client = Client()
    client.force_login(commune_official)
    last_month = timezone.localdate()
    response = client.post(
        reverse("reports_period_close", args=[village.commune_id]),
        {"kind": "month", "day": last_month.isoformat(), "set": criteria_set.pk},
    )
    period = PeriodClose.objects.get()
    assert response.status_code == 302 and period.is_closed
    frozen = period.figures["villages"][str(village.pk)]
    assert frozen["criteria"][0]["indicators"][0]["denominator"] == 1
    # new data after the close does not change the frozen figures
    HouseholdFactory(lane=village.lanes.first(), digital_address="SAU-CHOT")
    again = client.post(
        reverse("reports_period_close", args=[village.commune_id]),
        {"kind": "month", "day": last_month.isoformat(), "set": criteria_set.pk},
        follow=True,
    )
    assert "Kỳ này đã được chốt." in again.content.decode()
    period.refresh_from_db()
    assert period.figures["villages"][str(village.pk)] == frozen
    # reopening needs a reason, and is logged
    refused = client.post(reverse("reports_period_reopen", args=[period.pk]), {"reason": ""})
    period.refresh_from_db()
    assert refused.status_code == 302 and period.is_closed
    client.post(reverse("reports_period_reopen", args=[period.pk]), {"reason": "Sai số liệu"})
    period.refresh_from_db()
    assert not period.is_closed
    event = PeriodEvent.objects.get(action="reopen")
    assert (event.reason, event.by) == ("Sai số liệu", commune_official)


def test_a_village_head_cannot_reopen_a_period(
    village_head, commune_official, village, criteria_set
):
    period = services.period_close(
        commune=village.commune,
        criteria_set=criteria_set,
        kind="year",
        day=timezone.localdate(),
        by=commune_official,
    )
    client = Client()
    client.force_login(village_head)
    response = client.post(reverse("reports_period_reopen", args=[period.pk]), {"reason": "x"})
    assert response.status_code == 403
    period.refresh_from_db()
    assert period.is_closed


def test_an_attestation_carries_over_to_a_new_version_of_the_set(
    village_head, village, criteria_set
) -> None:
    wifi = criteria_set.criteria.get(number=2).indicators.get()
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
    copy = services.criteria_set_new_version(criteria_set=criteria_set, by=None)
    from reports import engine

    report = engine.evaluate_village(criteria_set=copy, village=village, as_of=timezone.localdate())
    assert report.criteria[1].indicators[0].passed is True


def test_an_attestation_refreshes_the_public_village_page(
    village_head, village, criteria_set, django_capture_on_commit_callbacks
) -> None:
    from villageportal import public_cache

    wifi = criteria_set.criteria.get(number=2).indicators.get()
    before = public_cache.version(village.pk)
    with django_capture_on_commit_callbacks(execute=True):
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
    assert public_cache.version(village.pk) == before + 1
