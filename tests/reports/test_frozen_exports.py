"""A closed period's exports write the figures its close froze, say who closed it and when,
and are computed again only once the period is reopened."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.models import Village
from reports import services
from reports.models import ExportJob, PeriodClose
from tests.factories import HouseholdFactory
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(world, commune_official, settings, tmp_path: Path) -> dict[str, Any]:
    """A month closed with 1 of 2 households addressed; then three more got addresses."""
    settings.MEDIA_ROOT = str(tmp_path)
    Village.objects.update(valid_from=date(2020, 1, 1))
    HouseholdFactory(lane=world.lane, digital_address="DP-1")
    criteria_set = small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 60),
        name="Bộ chốt kỳ",
    )
    period = services.period_close(
        commune=world.village.commune,
        criteria_set=criteria_set,
        kind="month",
        day=timezone.localdate(),
        by=commune_official,
    )
    for n in range(3):
        HouseholdFactory(lane=world.lane, digital_address=f"SAU-{n}")
    return {"set": criteria_set, "period": period, "village": world.village}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _job_file(client: Client, response: Any) -> bytes:
    assert response.status_code == 302, response.content[:300]
    job = ExportJob.objects.order_by("-created_at").first()
    assert response["Location"] == reverse("reports_export_job", args=[job.pk])
    download = client.get(reverse("reports_export_download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content)


def _period_export(client: Client, period: PeriodClose, fmt: str, capture: Any) -> bytes:
    with capture(execute=True):
        response = client.post(reverse("reports_period_export", args=[period.pk]), {"fmt": fmt})
    return _job_file(client, response)


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_period_csv_writes_the_frozen_figure_and_who_closed_it(
    commune_official, closed, django_capture_on_commit_callbacks
) -> None:
    client = _client(commune_official)
    rows = _csv(_period_export(client, closed["period"], "csv", django_capture_on_commit_callbacks))
    row = next(r for r in rows if r["Thôn"] == closed["village"].name)
    # frozen: 1 of 2 (50%, not met); today's records would give 4 of 5 (80%, met)
    assert (row["Tử số"], row["Mẫu số"], row["Kết quả"]) == ("1", "2", "Chưa đạt")
    origin = row["Nguồn số liệu"]
    closed_at = timezone.localtime(closed["period"].closed_at)
    assert "chốt ngày" in origin and closed_at.strftime("%d/%m/%Y") in origin
    assert "Hoàng Thị Lan" in origin


def test_the_period_xlsx_and_pdf_write_the_frozen_figures(
    commune_official, closed, django_capture_on_commit_callbacks
) -> None:
    client = _client(commune_official)
    sheet = load_workbook(
        io.BytesIO(
            _period_export(client, closed["period"], "xlsx", django_capture_on_commit_callbacks)
        )
    ).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("chốt ngày" in c and "Hoàng Thị Lan" in c for c in cells)
    assert "0.5" in cells and "0.8" not in cells
    pdf = _period_export(client, closed["period"], "pdf", django_capture_on_commit_callbacks)
    # lines joined: a long line of the PDF wraps anywhere
    text = " ".join(
        " ".join(page.get_textpage().get_text_range().split())
        for page in pypdfium2.PdfDocument(pdf)
    )
    assert "Hoàng Thị Lan" in text and "1/2" in text and "4/5" not in text


def test_the_commune_and_village_exports_of_the_closed_date_are_frozen_too(
    commune_official, closed, django_capture_on_commit_callbacks
) -> None:
    client = _client(commune_official)
    village, criteria_set = closed["village"], closed["set"]
    day = date.fromisoformat(closed["period"].figures["as_of"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports_commune_export", args=[village.commune_id]),
            {"fmt": "csv", "set": criteria_set.pk, "date": day.isoformat()},
        )
    rows = _csv(_job_file(client, response))
    assert ExportJob.objects.get().period == closed["period"]
    row = next(r for r in rows if r["Thôn"] == village.name)
    assert (row["Tử số"], row["Mẫu số"]) == ("1", "2")
    direct = client.get(
        reverse("reports_village_export", args=[village.pk, "csv"]),
        {"set": criteria_set.pk, "date": day.isoformat()},
    )
    row = _csv(direct.content)[0]
    assert (row["Tử số"], row["Mẫu số"]) == ("1", "2") and "chốt ngày" in row["Nguồn số liệu"]
    # another day is not frozen: it is computed from the records
    page = client.get(
        reverse("reports_village", args=[village.pk]),
        {"set": criteria_set.pk, "date": day.isoformat()},
    ).content.decode()
    assert 'data-testid="closed-period"' in page
    earlier = day - timedelta(days=1)
    other = client.get(
        reverse("reports_village_export", args=[village.pk, "csv"]),
        {"set": criteria_set.pk, "date": earlier.isoformat()},
    )
    assert "chốt ngày" not in other.content.decode("utf-8-sig")


def test_a_reopened_period_is_computed_again(
    commune_official, closed, django_capture_on_commit_callbacks
) -> None:
    period = services.period_reopen(
        period=closed["period"], reason="Bổ sung địa chỉ số", by=commune_official
    )
    client = _client(commune_official)
    rows = _csv(_period_export(client, period, "csv", django_capture_on_commit_callbacks))
    row = next(r for r in rows if r["Thôn"] == closed["village"].name)
    assert (row["Tử số"], row["Mẫu số"], row["Kết quả"]) == ("4", "5", "Đạt")
    assert "mở lại" in row["Nguồn số liệu"]


def test_a_job_queued_while_closed_and_run_after_reopening_is_computed_again(
    commune_official, closed
) -> None:
    from reports.tasks import export_run_task

    job = ExportJob.objects.create(
        commune=closed["village"].commune,
        criteria_set=closed["set"],
        period=closed["period"],
        as_of=date.fromisoformat(closed["period"].figures["as_of"]),
        fmt="csv",
        created_by=commune_official,
    )
    services.period_reopen(period=closed["period"], reason="Sửa", by=commune_official)
    export_run_task(str(job.pk))
    job.refresh_from_db()
    rows = _csv(job.file.read())
    assert rows[0]["Tử số"] == "4" or any(r["Tử số"] == "4" for r in rows)


def test_the_period_page_says_who_closed_it_and_offers_the_export(commune_official, closed) -> None:
    page = (
        _client(commune_official)
        .get(reverse("reports_period", args=[closed["period"].pk]))
        .content.decode()
    )
    assert "Hoàng Thị Lan" in page
    assert reverse("reports_period_export", args=[closed["period"].pk]) in page


def test_a_period_export_needs_a_format_and_is_405_on_get(commune_official, closed) -> None:
    client = _client(commune_official)
    url = reverse("reports_period_export", args=[closed["period"].pk])
    assert client.post(url, {"fmt": "docx"}).status_code == 400
    assert client.get(url).status_code == 405
    assert not ExportJob.objects.exists()
