"""Import of adoption status from official lists: check first, then all rows or none."""

import io
import re
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


def _upload(team: Client, name: str, content: bytes, mode: str = "all") -> Any:
    return team.post(
        reverse("payments_import"),
        {
            "file": SimpleUploadedFile(name, content),
            "observed_on": timezone.localdate().isoformat(),
            "mode": mode,
        },
    )


@pytest.fixture
def confirm(team: Client, django_capture_on_commit_callbacks: Any) -> Any:
    """Confirm a job the way the page does; the queued task runs in-process after commit."""

    def post(job: AdoptionImport, **data: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return team.post(reverse("payments_import_confirm", args=[job.pk]), data)

    return post


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def test_a_valid_list_is_checked_then_imported(team: Client, ids: dict, confirm: Any) -> None:
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
    confirm(job)
    job.refresh_from_db()
    assert job.status == "done" and job.written == 5
    assert set(Observation.objects.values_list("method", flat=True)) == {"official_list"}
    # confirming twice writes nothing more
    confirm(job)
    assert Observation.objects.count() == 5


def test_an_xlsx_list_is_read(team: Client, ids: dict, confirm: Any) -> None:
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
    confirm(job)
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
    team: Client, ids: dict, row: str, message: str, confirm: Any
) -> None:
    content = _csv(f"Số CCCD,VNeID,Ngày\n042090000002,Mức 2,\n{row}\n")
    _upload(team, "sai.csv", content)
    job = AdoptionImport.objects.get()
    assert job.errors and message in str(job.errors), job.errors
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert "import-confirm" not in page
    confirm(job)
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


# ---------------------------------------------------------------------------------------
# Rows with errors: all rows or none (the default), or only the valid rows, as in the
# registry's import


def _mixed(code: str) -> bytes:
    """Five rows: rows 2 and 5 are valid (3 values), rows 3, 4 and 6 are not."""
    return _csv(
        "STT,Số CCCD,Mã hộ,VNeID,Tài khoản thanh toán,Cáp quang\n"
        "1,042090000001,,Mức 2,Có,\n"  # the head: VNeID and e-payment
        "2,042090000003,,Mức 2,,\n"  # a child of 10: no VNeID level
        "3,042090000002,,Mức 1,Lạ,\n"  # a word that is not Có or Không
        f"4,,{code},,,Có\n"  # the household: fibre
        "5,042090000009,,Mức 2,,\n"  # nobody of this village
    )


def _errors_by_row(job: AdoptionImport) -> dict[int, list[tuple[str, str]]]:
    rows: dict[int, list[tuple[str, str]]] = {}
    for e in job.errors:
        rows.setdefault(e["row"], []).append((e["column"], e["message"]))
    return rows


def _assert_the_bad_rows_are_listed(job: AdoptionImport) -> None:
    errors = _errors_by_row(job)
    assert set(errors) == {3, 4, 6}, job.errors
    assert errors[3] == [
        ("VNeID", "Nguyễn Văn Cường chưa đủ 14 tuổi: không ghi mức VNeID cho trẻ dưới 14 tuổi.")
    ]
    assert errors[4] == [
        ("Tài khoản thanh toán", "Vui lòng ghi “Có” hoặc “Không”, không ghi “Lạ”.")
    ]
    assert errors[6] == [("Số CCCD", "Không có nhân khẩu nào của thôn có số CCCD 042090000009.")]


def test_the_upload_form_offers_the_registry_choice_all_or_nothing_by_default(
    team: Client,
) -> None:
    page = team.get(reverse("payments_import")).content.decode()
    assert "Nếu một số dòng có lỗi" in page
    assert "Nhập tất cả các dòng hoặc không nhập dòng nào" in page
    assert "Chỉ nhập các dòng hợp lệ" in page
    assert re.search(r'<input[^>]*value="all"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="valid"[^>]*checked', page)


def test_all_or_nothing_with_bad_rows_writes_nothing(team: Client, ids: dict, confirm: Any) -> None:
    _upload(team, "danh-sach.csv", _mixed(ids["household"].public_code))
    job = AdoptionImport.objects.get()
    assert (job.status, job.mode, job.total_rows, len(job.rows)) == ("checked", "all", 5, 2)
    _assert_the_bad_rows_are_listed(job)
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-errors"' in page and "Tài khoản thanh toán" in page
    assert "import-confirm" not in page  # no "import all rows" while a row is wrong
    assert "Chỉ nhập 2 dòng hợp lệ" in page  # the registry's offer, in its words
    for data in ({}, {"mode": "all"}):
        response = confirm(job, **data)
        assert response.status_code == 302
        shown = team.get(response.url).content.decode()
        assert "Một số dòng có lỗi nên chưa ghi dữ liệu nào" in shown
        job.refresh_from_db()
        assert job.status == "checked"
        assert Observation.objects.count() == 0


def test_only_the_valid_rows_are_written_when_chosen_at_the_upload(
    team: Client, ids: dict, confirm: Any
) -> None:
    _upload(team, "danh-sach.csv", _mixed(ids["household"].public_code), mode="valid")
    job = AdoptionImport.objects.get()
    assert (job.status, job.mode) == ("checked", "valid")
    confirm(job, mode="valid")  # as the page's button posts
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.written) == ("done", 2, 3)
    head = ids["head"]
    assert Observation.objects.count() == 3
    assert set(Observation.objects.values_list("resident_id", "item", "value")) == {
        (head.pk, "vneid", "level2"),
        (head.pk, "epayment", "yes"),
        (None, "fibre", "yes"),
    }
    assert not Observation.objects.filter(resident__in=[ids["child"], ids["youth"]]).exists()
    _assert_the_bad_rows_are_listed(job)
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-rows-written">2<' in page
    assert 'data-testid="import-rows-skipped">3<' in page
    assert "Số dòng không được nhập" in page and "Chỉ nhập các dòng hợp lệ" in page
    assert "<td>4</td><td>Tài khoản thanh toán</td>" in page
    assert "không ghi “Lạ”" in page


def test_only_the_valid_rows_can_be_chosen_at_the_confirmation(
    team: Client, ids: dict, confirm: Any
) -> None:
    _upload(team, "danh-sach.csv", _mixed(ids["household"].public_code))
    job = AdoptionImport.objects.get()
    confirm(job, mode="valid")
    job.refresh_from_db()
    assert (job.status, job.mode, job.rows_written) == ("done", "valid", 2)
    assert Observation.objects.count() == 3


def test_an_xlsx_list_with_only_the_valid_rows(team: Client, ids: dict, confirm: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH"])
    sheet.append(["Số CCCD", "VNeID", "Chữ ký số"])
    sheet.append(["042090000001", "Mức 2", "Có"])
    sheet.append(["042090000002", "Mức 9", "Không"])
    sheet.append(["042090000002", "Mức 1", "Không"])
    buffer = io.BytesIO()
    book.save(buffer)
    _upload(team, "ds.xlsx", buffer.getvalue(), mode="valid")
    job = AdoptionImport.objects.get()
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "VNeID")]
    confirm(job)  # the mode chosen at the upload
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.written) == ("done", 2, 4)
    assert Observation.objects.count() == 4
    assert Observation.objects.filter(resident=ids["youth"], item="vneid").get().value == "level1"


def test_a_list_without_a_valid_row_cannot_be_confirmed(
    team: Client, ids: dict, confirm: Any
) -> None:
    _upload(team, "sai.csv", _csv("Số CCCD,VNeID\n042090000009,Mức 2\n"), mode="valid")
    job = AdoptionImport.objects.get()
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert "import-valid-only" not in page and "Không có dòng nào" in page
    confirm(job, mode="valid")
    job.refresh_from_db()
    assert job.status == "checked" and not Observation.objects.exists()


def test_an_unknown_mode_is_refused_and_changes_nothing(
    team: Client, ids: dict, confirm: Any
) -> None:
    _upload(team, "danh-sach.csv", _mixed(ids["household"].public_code))
    job = AdoptionImport.objects.get()
    response = confirm(job, mode="some")
    assert "Vui lòng chọn cách nhập dữ liệu" in team.get(response.url).content.decode()
    job.refresh_from_db()
    assert (job.status, job.mode) == ("checked", "all") and not Observation.objects.exists()


# ---------------------------------------------------------------------------------------
# The write runs as a background job with its progress


def _checked(team: Client, ids: dict) -> AdoptionImport:
    code = ids["household"].public_code
    _upload(
        team,
        "danh-sach.csv",
        _csv(f"Số CCCD,Mã hộ,VNeID,Cáp quang\n042090000001,,Mức 2,\n,{code},,Có\n"),
    )
    job = AdoptionImport.objects.get()
    assert job.status == "checked" and not job.errors, job.errors
    return job


def test_confirming_queues_the_job_and_its_page_follows_it(
    team: Client, ids: dict, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from payments.tasks import import_run_task

    job = _checked(team, ids)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = team.post(reverse("payments_import_confirm", args=[job.pk]))
    assert response.status_code == 302 and len(queued) == 1
    job.refresh_from_db()
    assert job.status == "running" and job.confirmed_by == village_head
    assert not Observation.objects.exists()
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-progress"' in page and 'http-equiv="refresh"' in page
    assert "import-confirm" not in page
    # A second tap while it runs queues nothing and changes nothing.
    with django_capture_on_commit_callbacks(execute=False) as again:
        team.post(reverse("payments_import_confirm", args=[job.pk]))
    assert again == []

    assert import_run_task(str(job.pk)) == "done"
    job.refresh_from_db()
    assert (job.status, job.written, job.progress, job.rows) == ("done", 2, 100, [])
    assert job.finished_at is not None
    assert set(Observation.objects.values_list("recorded_by", flat=True)) == {village_head.pk}
    # The task delivered twice writes once.
    assert import_run_task(str(job.pk)) == "done"
    assert Observation.objects.count() == 2
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page and "Đã ghi nhận 2 giá trị" in page


def test_progress_is_reported_while_the_rows_are_written(
    team: Client, ids: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payments import imports

    job = _checked(team, ids)
    imports.import_confirm(job=job, by=None)
    seen: list[int] = []
    original = imports._set_progress

    def spy(job: AdoptionImport, done: int, total: int) -> None:
        original(job, done, total)
        seen.append(imports.job_progress(AdoptionImport.objects.get(pk=job.pk)))

    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(imports, "_set_progress", spy)
    imports.import_run(job=job)
    assert seen == [50, 99]
    assert imports.job_progress(AdoptionImport.objects.get(pk=job.pk)) == 100


def test_a_registry_change_before_the_run_fails_the_job_and_writes_nothing(
    team: Client, ids: dict, django_capture_on_commit_callbacks: Any
) -> None:
    from households.models import Resident
    from payments.tasks import import_run_task

    job = _checked(team, ids)
    with django_capture_on_commit_callbacks(execute=False):
        team.post(reverse("payments_import_confirm", args=[job.pk]))
    # The head's birth date is corrected to a child's: a VNeID level no longer fits.
    head = ids["head"]
    Resident.objects.filter(pk=head.pk).update(birth_date=ids["child"].birth_date)
    assert import_run_task(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and "14" in str(job.errors)
    assert not Observation.objects.exists()
    page = team.get(reverse("payments_import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-errors"' in page and 'http-equiv="refresh"' not in page


def test_with_only_the_valid_rows_a_row_that_fails_at_the_write_is_skipped(
    team: Client, ids: dict, django_capture_on_commit_callbacks: Any
) -> None:
    from households.models import Resident
    from payments.tasks import import_run_task

    job = _checked(team, ids)
    with django_capture_on_commit_callbacks(execute=False):
        team.post(reverse("payments_import_confirm", args=[job.pk]), {"mode": "valid"})
    head = ids["head"]
    Resident.objects.filter(pk=head.pk).update(birth_date=ids["child"].birth_date)
    assert import_run_task(str(job.pk)) == "done"
    job.refresh_from_db()
    assert (job.rows_written, job.written) == (1, 1)
    assert [(e["row"], "14" in e["message"]) for e in job.errors] == [(2, True)]
    assert list(Observation.objects.values_list("resident_id", "item")) == [(None, "fibre")]


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_writes_a_confirmed_import(
    tmp_path: Any, team: Client, ids: dict, village_head: Any
) -> None:
    from payments import imports
    from payments.tasks import import_run_task
    from tests.workers import celery_worker

    job = _checked(team, ids)
    with celery_worker(tmp_path) as worker:
        AdoptionImport.objects.filter(pk=job.pk).update(
            status=AdoptionImport.Status.RUNNING, confirmed_by=village_head
        )
        worker.run(import_run_task, str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.written) == ("done", 2)
    assert imports.job_progress(job) == 100
    assert Observation.objects.filter(method="official_list").count() == 2
