"""Exports: the official .xlsx layout, a PDF with an embedded Vietnamese font, CSV, and the
background job (in-process, and through a real worker process)."""

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from households.models import Village
from reports.models import ExportJob
from tests.factories import HouseholdFactory, LaneFactory, VillageFactory
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def criteria_set(world, media):
    Village.objects.update(valid_from=date(2020, 1, 1))
    HouseholdFactory(lane=world.lane, digital_address="DP-1")
    return small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 50),
        ("Wi-Fi tại nhà văn hóa", "attested", "", "yes", None),
    )


def _download(user, village, fmt: str, criteria_set) -> bytes:
    client = Client()
    client.force_login(user)
    response = client.get(
        reverse("reports_village_export", args=[village.pk, fmt]), {"set": criteria_set.pk}
    )
    assert response.status_code == 200
    return response.content


def test_the_xlsx_is_laid_out_as_an_official_report(village_head, village, criteria_set) -> None:
    sheet = load_workbook(io.BytesIO(_download(village_head, village, "xlsx", criteria_set))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN TIÊU CHÍ THÔN THÔNG MINH" in cells
    assert any("01/QĐ-UBND" in c for c in cells)  # legal basis
    assert any(village.name in c and village.commune.name in c for c in cells)
    assert "Đạt" in cells
    assert "NGƯỜI LẬP BIỂU" in cells and "(Ký, ghi rõ họ tên)" in cells


def test_the_xlsx_keeps_figures_as_numbers_that_excel_can_sum(
    village_head, village, criteria_set
) -> None:
    sheet = load_workbook(io.BytesIO(_download(village_head, village, "xlsx", criteria_set))).active
    rows = {
        row[0].value if row[0].value != "Số tiêu chí đạt" else "met": row
        for row in sheet.iter_rows()
        if row and row[0].value is not None
    }
    numerator, denominator, share, threshold = rows[1][3:7]  # No. 1, digital addresses
    assert (numerator.value, denominator.value) == (1, 2)
    assert numerator.data_type == denominator.data_type == "n"
    assert (share.value, share.number_format) == (0.5, "0.0%")
    assert share.data_type == "n"
    assert (threshold.value, threshold.number_format, threshold.data_type) == (
        0.5,
        '"≥ "0%',
        "n",
    )
    met = rows["met"][1]
    assert (met.value, met.number_format, met.data_type) == (1, '0"/2"', "n")
    # Nothing that is a number anywhere in the sheet is stored as text.
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if t.replace(".", "").replace("%", "").isdigit()]


def test_the_pdf_embeds_a_font_and_reads_in_vietnamese(village_head, village, criteria_set) -> None:
    content = _download(village_head, village, "pdf", criteria_set)
    assert b"/FontFile2" in content  # the TrueType font is embedded
    assert b"LiberationSerif" in content  # Times New Roman's metric twin, as Decree 30 asks
    text = pypdfium2.PdfDocument(content)[0].get_textpage().get_text_range()
    assert "BÁO CÁO" in text
    assert "Wi-Fi tại nhà văn hóa" in text
    assert "50,0%" in text  # a decimal comma


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_follows_the_administrative_document_format(
    village_head, village, criteria_set
) -> None:
    """Decree 30/2020/NĐ-CP: issuing body, national name, motto, number, place and date,
    title and subject, body, recipients, the signer's title and name, in that order."""
    moment = datetime(2026, 2, 3, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    with time_machine.travel(moment, tick=False):
        content = _download(village_head, village, "pdf", criteria_set)
    pages = pypdfium2.PdfDocument(content)
    text = _flat(" ".join(p.get_textpage().get_text_range() for p in pages))
    commune = village.commune.name.removeprefix("Xã ")
    parts = [
        f"UBND {village.commune.name.upper()}",
        village.name.upper(),
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-",
        f"{commune}, ngày 03 tháng 02 năm 2026",
        "BÁO CÁO",
        f"Kết quả thực hiện tiêu chí thôn thông minh của {village.name}",
        "Thực hiện Bộ thử nghiệm (Quyết định số 01/QĐ-UBND",
        "Nơi nhận:",
        "- Lưu: thôn.",
        "TRƯỞNG THÔN",
        village_head.full_name,
    ]
    positions = [text.find(part) for part in parts]
    assert -1 not in positions, [p for p, at in zip(parts, positions, strict=True) if at < 0]
    assert positions == sorted(positions)
    assert text.startswith(parts[0])  # the issuing body opens the page, at the top left
    # The national name sits at the right of the issuing body, on the same line.
    first = pages[0].get_textpage()
    issuer = first.search(f"UBND {village.commune.name.upper()}").get_next()
    national = first.search("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").get_next()
    issuer_box = first.get_charbox(issuer[0])
    national_box = first.get_charbox(national[0])
    assert issuer_box[0] < national_box[0]
    assert abs(issuer_box[1] - national_box[1]) < 3


def test_the_csv_has_the_same_figures(village_head, village, criteria_set) -> None:
    text = _download(village_head, village, "csv", criteria_set).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    first = rows[0]
    assert (first["Tử số"], first["Mẫu số"], first["Kết quả"]) == ("1", "2", "Đạt")
    assert rows[1]["Kết quả"] == "Chưa đạt"


def test_a_commune_export_runs_as_a_job_with_a_download_link(
    commune_official, village, criteria_set, django_capture_on_commit_callbacks
) -> None:
    for n in range(3):
        other = VillageFactory(commune=village.commune, valid_from=date(2020, 1, 1))
        HouseholdFactory(lane=LaneFactory(village=other), digital_address=f"X{n}")
    client = Client()
    client.force_login(commune_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports_commune_export", args=[village.commune_id]),
            {"fmt": "xlsx", "set": criteria_set.pk, "date": ""},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports_export_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert reverse("reports_export_download", args=[job.pk]) in page
    sheet = load_workbook(
        io.BytesIO(
            b"".join(
                client.get(reverse("reports_export_download", args=[job.pk])).streaming_content
            )
        )
    ).active
    names = [r[1] for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], int)]
    assert len(names) == 4 and village.name in names


def test_a_bad_export_request_is_refused_clearly(commune_official, village, criteria_set) -> None:
    client = Client()
    client.force_login(commune_official)
    url = reverse("reports_commune_export", args=[village.commune_id])
    for data in (
        {"fmt": "docx", "set": criteria_set.pk},
        {"fmt": "csv", "set": "x"},
        {"fmt": "csv", "set": criteria_set.pk, "date": "2999-01-01"},
    ):
        assert client.post(url, data).status_code == 400
    assert not ExportJob.objects.exists()


@pytest.fixture
def worker(tmp_path: Path, media: Path) -> Any:
    from tests.workers import celery_worker

    with celery_worker(tmp_path, MEDIA_ROOT=str(media)) as process:
        yield process


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_writes_the_export(worker, commune_official, village, criteria_set):
    from reports.tasks import export_run_task

    job = ExportJob.objects.create(
        commune=village.commune,
        criteria_set=criteria_set,
        as_of=date.today(),
        fmt="csv",
        created_by=commune_official,
    )
    worker.run(export_run_task, str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    text = job.file.read().decode("utf-8-sig")
    assert village.name in text


def test_old_export_files_are_purged(commune_official, village, criteria_set, media) -> None:
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from reports import services

    old = ExportJob.objects.create(
        commune=village.commune,
        criteria_set=criteria_set,
        as_of=date.today(),
        fmt="csv",
        status="done",
        created_by=commune_official,
    )
    old.file.save("cu.csv", ContentFile(b"a"), save=True)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = ExportJob.objects.create(
        commune=village.commune,
        criteria_set=criteria_set,
        as_of=date.today(),
        fmt="csv",
        created_by=commune_official,
    )
    path = Path(old.file.path)
    assert services.exports_purge() == 1
    assert list(ExportJob.objects.all()) == [recent]
    assert not path.exists()
