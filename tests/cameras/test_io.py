"""Import and export of the camera list: a preview first, then all cameras or none."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cameras import crypto
from cameras import io as camera_io
from cameras.models import Camera, ImportJob
from tests.cameras.factories import CameraFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Tên camera,Loại,Ngõ/xóm,Số nhà chủ camera,Ngày hộ đồng ý,Vĩ độ,Kinh độ,"
    "Luồng chính (RTSP),Mật khẩu"
)


def _csv(*rows: str) -> SimpleUploadedFile:
    content = "\n".join([HEADER, *rows]).encode("utf-8")
    return SimpleUploadedFile("camera.csv", content, content_type="text/csv")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_a_good_file_is_previewed_then_written_whole(security_officer, world) -> None:
    client = _client(security_officer)
    lane = world.lane.name
    upload = _csv(
        f"Cổng làng,Công cộng,{lane},,,18.2461,106.0021,rtsp://admin:bi-mat@10.20.0.11/s1,",
        f"Nhà 5A,Hộ gia đình,{lane},5A,01/11/2026,,,rtsp://10.20.0.12/s1,mk-2",
    )
    response = client.post(reverse("camera_import"), {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.CHECKED and job.errors == []
    assert not Camera.objects.exists()  # nothing before the confirmation
    assert "bi-mat" not in str(job.rows) and "mk-2" not in str(job.rows)
    preview = client.get(reverse("camera_import_job", args=[job.pk])).content.decode()
    assert "Cổng làng" in preview and "bi-mat" not in preview

    response = client.post(reverse("camera_import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.written == 2
    gate = Camera.objects.get(name="Cổng làng")
    assert gate.stream_url == "rtsp://10.20.0.11/s1"
    assert crypto.decrypt(gate.credentials) == crypto.Credentials("admin", "bi-mat")
    home = Camera.objects.get(name="Nhà 5A")
    assert home.household == world.household and home.consent_on.isoformat() == "2026-11-01"
    assert crypto.decrypt(home.credentials).password == "mk-2"
    # Confirming twice writes nothing more.
    client.post(reverse("camera_import_confirm", args=[job.pk]))
    assert Camera.objects.count() == 2


def test_one_bad_row_stops_the_whole_file_with_reasons(security_officer, world) -> None:
    CameraFactory(village=world.village, name="Đã có", stream_url="rtsp://10.20.0.50/s1")
    client = _client(security_officer)
    lane = world.lane.name
    upload = _csv(
        f"Tốt,Công cộng,{lane},,,,,rtsp://10.20.0.11/s1,",
        f"Không đồng ý,Hộ gia đình,{lane},5A,,,,rtsp://10.20.0.12/s1,",
        "Sai giao thức,Công cộng,,,,,,ftp://10.20.0.13/s1,",
        "Mạng lạ,Công cộng,,,,,,rtsp://192.168.9.9/s1,",
        "Trùng địa chỉ,Công cộng,,,,,,rtsp://10.20.0.50/s1,",
        "Tốt,Công cộng,,,,,,rtsp://10.20.0.14/s1,",
        "Ngõ lạ,Công cộng,Ngõ Không Có,,,,,rtsp://10.20.0.15/s1,",
        "Siêu dữ liệu,Công cộng,,,,,,rtsp://169.254.169.254/,",
    )
    response = client.post(reverse("camera_import"), {"file": upload})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    by_row = {e["row"]: e["message"] for e in job.errors}
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9}
    assert "consent" in by_row[3]
    assert "ftp" in by_row[4]
    assert "allowed camera network" in by_row[5]
    assert "already registered at this address" in by_row[6]
    assert "row 2" in by_row[7]
    assert "Ngõ Không Có" in by_row[8]
    assert "metadata" in by_row[9]
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was written" in page
    assert client.post(reverse("camera_import_confirm", args=[job.pk])).status_code == 302
    assert Camera.objects.count() == 1


def test_if_the_registry_changed_meanwhile_nothing_is_written(security_officer, world) -> None:
    client = _client(security_officer)
    client.post(
        reverse("camera_import"),
        {
            "file": _csv(
                "Một,Công cộng,,,,,,rtsp://10.20.0.11/s1,",
                "Hai,Công cộng,,,,,,rtsp://10.20.0.12/s1,",
            )
        },
    )
    job = ImportJob.objects.get()
    CameraFactory(village=world.village, name="Hai", stream_url="rtsp://10.20.0.99/s")
    client.post(reverse("camera_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert Camera.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("camera.xls", b"\xd0\xcf\x11\xe0", "old Excel"),
        ("camera.pdf", b"%PDF-1.4", ".xlsx or a .csv"),
        ("camera.csv", b"", "empty"),
        ("camera.csv", "Tên,Không biết\nA,B".encode(), "Unknown column"),
        ("camera.csv", "Tên camera\nA".encode(), "is missing"),
        ("camera.xlsx", b"PK\x03\x04 not really a workbook", "damaged"),
    ],
)
def test_a_bad_file_gets_a_clear_answer(security_officer, world, name, content, message) -> None:
    client = _client(security_officer)
    response = client.post(reverse("camera_import"), {"file": SimpleUploadedFile(name, content)})
    if response.status_code == 302:
        page = client.get(response["Location"]).content.decode()
    else:
        page = response.content.decode()
        assert response.status_code == 400
    assert message in page
    assert not Camera.objects.exists()


def test_the_export_goes_back_in_and_never_holds_credentials(security_officer, world) -> None:
    CameraFactory(
        village=world.village,
        name="Cổng làng",
        lane=world.lane,
        stream_url="rtsp://10.20.0.11/s1",
        credentials=crypto.encrypt(crypto.Credentials("admin", "bi-mat-xuat")),
    )
    CameraFactory(village=world.village, name='=HYPERLINK("x")', stream_url="rtsp://10.20.0.12/s")
    client = _client(security_officer)
    response = client.get(reverse("camera_export"), {"format": "xlsx"})
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == camera_io.HEADERS
    assert "bi-mat-xuat" not in str(rows) and "admin" not in str(rows)
    formula = next(r for r in rows if r[0] and r[0].startswith("=HYPERLINK"))
    assert formula[0] == '=HYPERLINK("x")'
    assert sheet.cell(row=3, column=1).data_type == "s"
    csv_text = b"".join(client.get(reverse("camera_export"), {"format": "csv"}).streaming_content)
    assert "'=HYPERLINK" in csv_text.decode("utf-8-sig")
    assert client.get(reverse("camera_export"), {"format": "pdf"}).status_code == 400

    # The exported file imports back (without the credentials it never held).
    Camera.objects.all().delete()
    workbook = Workbook()
    target = workbook.active
    for row in rows:
        if not str(row[0]).startswith("="):  # the import refuses formulas outright
            target.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("camera.xlsx", buffer.getvalue())
    client.post(reverse("camera_import"), {"file": upload})
    job = ImportJob.objects.get()
    assert job.errors == [], job.errors
    client.post(reverse("camera_import_confirm", args=[job.pk]))
    imported = Camera.objects.get()
    assert (imported.name, imported.lane, imported.stream_url) == (
        "Cổng làng",
        world.lane,
        "rtsp://10.20.0.11/s1",
    )
    assert imported.credentials == ""


def test_a_long_list_is_written_by_a_background_job_that_shows_its_progress(
    security_officer, world, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from cameras.tasks import import_run_task

    monkeypatch.setattr(camera_io, "INLINE_WRITE_MAX_ROWS", 1)
    client = _client(security_officer)
    client.post(
        reverse("camera_import"),
        {
            "file": _csv(
                "Một,Công cộng,,,,,,rtsp://10.20.0.11/s1,mk-1",
                "Hai,Công cộng,,,,,,rtsp://10.20.0.12/s1,",
            )
        },
    )
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("camera_import_confirm", args=[job.pk]))
    assert response.status_code == 302 and len(queued) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.confirmed_by == security_officer
    assert not Camera.objects.exists()

    job.report_progress(1, 2)
    page = client.get(reverse("camera_import_job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="progress" max="100" value="50">' in page
    assert 'data-testid="confirm"' not in page
    # A second tap while it runs queues nothing and changes nothing.
    with django_capture_on_commit_callbacks(execute=False) as again:
        client.post(reverse("camera_import_confirm", args=[job.pk]))
    assert again == []

    queued[0]()  # the worker (in-process) writes the list
    job.refresh_from_db()
    assert (job.status, job.written, job.progress) == (ImportJob.Status.DONE, 2, 100)
    assert job.finished_at is not None and "credentials" not in job.rows[0]
    assert set(Camera.objects.values_list("name", flat=True)) == {"Một", "Hai"}
    page = client.get(reverse("camera_import_job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page and "<progress" not in page

    # Delivered twice, the task writes once.
    assert import_run_task(str(job.pk)) == ImportJob.Status.DONE
    assert Camera.objects.count() == 2


def test_a_background_write_that_finds_the_registry_changed_writes_nothing(
    security_officer, world, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(camera_io, "INLINE_WRITE_MAX_ROWS", 1)
    client = _client(security_officer)
    client.post(
        reverse("camera_import"),
        {
            "file": _csv(
                "Một,Công cộng,,,,,,rtsp://10.20.0.11/s1,",
                "Hai,Công cộng,,,,,,rtsp://10.20.0.12/s1,",
            )
        },
    )
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        CameraFactory(village=world.village, name="Hai", stream_url="rtsp://10.20.0.99/s")
        client.post(reverse("camera_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert any("nothing was written" in e["message"] for e in job.errors)
    assert Camera.objects.count() == 1
