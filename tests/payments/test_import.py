"""Import of adoption status from official lists: check first, then all rows or none."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from payments.models import AdoptionImport, Observation

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client: Client, village_head: Any) -> Client:
    client.force_login(village_head)
    return client


@pytest.fixture
def ids(family: dict) -> dict:
    family["head"].national_id = "042090000001"
    family["head"].save()
    family["youth"].national_id = "042090000002"
    family["youth"].save()
    family["child"].national_id = "042090000003"
    family["child"].save()
    return family


def _upload(team: Client, name: str, content: bytes) -> Any:
    return team.post(
        reverse("payments_import"),
        {
            "file": SimpleUploadedFile(name, content),
            "observed_on": timezone.localdate().isoformat(),
        },
    )


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_a_valid_list_is_checked_then_imported(team: Client, ids: dict) -> None:
    code = ids["household"].public_code
    content = _csv(
        "STT,Số CCCD,Mã hộ,VNeID,Tài khoản thanh toán,Cáp quang\n"
        "1,042090000001,,Mức 2,Có,\n"
        "2,042090000002,,Mức 1,Không,\n"
        f"3,,{code},,,Có\n"
    )
    response = _upload(team, "danh-sach.csv", content)
    job = AdoptionImport.objects.get()
    assert response.status_code == 302 and job.status == "checked" and not job.errors
    assert not Observation.objects.exists()  # nothing before confirmation
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert "import-confirm" in page
    team.post(reverse("payments_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.written == 5
    assert set(Observation.objects.values_list("method", flat=True)) == {"official_list"}
    # confirming twice writes nothing more
    team.post(reverse("payments_import_confirm", args=[job.pk]))
    assert Observation.objects.count() == 5


def test_an_xlsx_list_is_read(team: Client, ids: dict) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH KÍCH HOẠT VNEID"])
    sheet.append(["Số CCCD", "VNeID", "Ngày"])
    sheet.append(["042090000001", "Mức 2", "01/03/2025"])
    buffer = io.BytesIO()
    book.save(buffer)
    _upload(team, "vneid.xlsx", buffer.getvalue())
    job = AdoptionImport.objects.get()
    assert job.status == "checked" and not job.errors, job.errors
    team.post(reverse("payments_import_confirm", args=[job.pk]))
    row = Observation.objects.get()
    assert row.value == "level2" and str(row.observed_on) == "2025-03-01"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("042090000009,Mức 2,", "CCCD"),  # nobody of this village
        ("042090000003,Mức 2,", "14"),  # a child
        ("042090000001,Mức 5,", "Mức 2"),  # unknown level
        ("042090000001,Mức 2,01/01/2999", "tương lai"),  # in the future
    ],
)
def test_one_bad_row_means_nothing_is_written(
    team: Client, ids: dict, row: str, message: str
) -> None:
    content = _csv(f"Số CCCD,VNeID,Ngày\n042090000002,Mức 2,\n{row}\n")
    _upload(team, "sai.csv", content)
    job = AdoptionImport.objects.get()
    assert job.errors and message in str(job.errors), job.errors
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert "import-confirm" not in page
    team.post(reverse("payments_import_confirm", args=[job.pk]))
    assert not Observation.objects.exists()


def test_a_resident_of_another_village_is_not_found(team: Client, ids: dict, world: Any) -> None:
    stranger = world.other_village.households.first().residents.first()
    stranger.national_id = "042090000077"
    stranger.save()
    _upload(team, "x.csv", _csv("Số CCCD,VNeID\n042090000077,Mức 2\n"))
    assert AdoptionImport.objects.get().errors


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("list.pdf", b"%PDF-1.4"),
        ("list.csv", b""),
        ("list.xlsx", b"not a zip"),
        ("list.csv", "Họ tên,Ghi chú\nAn,x\n".encode()),
    ],
)
def test_unreadable_files_are_refused_clearly(
    team: Client, ids: dict, name: str, content: bytes
) -> None:
    response = _upload(team, name, content)
    assert response.status_code in (302, 400)
    assert not Observation.objects.exists()
    if response.status_code == 302:
        assert AdoptionImport.objects.get().status == "failed"
