from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse

from qrsigns import printing, services
from qrsigns.models import SheetJob, Sign
from tests.factories import LaneFactory


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _codes(pdf_bytes: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    # Only QR codes: a run of printed text can read as a one-dimensional barcode ("76").
    qr = zxingcpp.BarcodeFormat.QRCode
    return [
        r.text
        for page in pdf
        for r in zxingcpp.read_barcodes(page.render(scale=2).to_pil(), formats=qr)
    ]


@pytest.mark.django_db
def test_a_sheet_is_built_as_a_job_and_downloaded(
    village_head, world, media, django_capture_on_commit_callbacks
) -> None:
    for n in range(3):
        LaneFactory(village=world.village, name=f"Xóm {n}")
    services.signs_ensure(village=world.village, by=None, door_plates=False)
    client = _client(village_head)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("qrsigns_sheet_create"),
            {"kinds": ["lane_start", "lane_end"], "per_page": "4"},
        )
    job = SheetJob.objects.get()
    assert response["Location"] == reverse("qrsigns_sheet_detail", kwargs={"pk": job.pk})
    assert (job.status, job.progress, job.total) == ("done", 100, 8)
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="download"' in page
    download = client.get(reverse("qrsigns_sheet_download", kwargs={"pk": job.pk}))
    pdf = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf"
    assert len(pypdfium2.PdfDocument(pdf)) == 2
    signs = Sign.objects.filter(village=world.village)
    assert sorted(_codes(pdf)) == sorted(printing.qr_payload(s) for s in signs)


@pytest.mark.django_db
def test_a_running_job_shows_its_progress_and_refreshes(village_head, world) -> None:
    job = SheetJob.objects.create(
        village=world.village, kinds=["lane_start"], status="running", progress=40, total=10
    )
    page = _client(village_head).get(reverse("qrsigns_sheet_detail", kwargs={"pk": job.pk}))
    html = page.content.decode()
    assert '<progress id="progress" max="100" value="40">' in html
    assert 'http-equiv="refresh"' in html
    assert reverse("qrsigns_sheet_download", kwargs={"pk": job.pk}) not in html
    download = _client(village_head).get(reverse("qrsigns_sheet_download", kwargs={"pk": job.pk}))
    assert download.status_code == 404


@pytest.mark.django_db
def test_bad_sheet_requests_are_refused_with_a_message(village_head, world) -> None:
    client = _client(village_head)
    for data in ({"kinds": ["nope"], "per_page": "1"}, {"kinds": ["lane_start"], "per_page": "3"}):
        assert client.post(reverse("qrsigns_sheet_create"), data).status_code == 400
    response = client.post(
        reverse("qrsigns_sheet_create"), {"kinds": ["heritage"], "per_page": "1"}
    )
    assert response.status_code == 400
    assert "Thôn không có biển nào đang hoạt động" in response.content.decode()
    assert not SheetJob.objects.exists()


@pytest.mark.django_db
def test_building_twice_does_the_work_once(world, media) -> None:
    services.signs_ensure(village=world.village, by=None, door_plates=False)
    job = SheetJob.objects.create(village=world.village, kinds=["lane_start"], total=1)
    first = services.sheet_build(job=job)
    name = first.file.name
    second = services.sheet_build(job=job)
    assert second.status == "done" and second.file.name == name


@pytest.fixture
def worker(tmp_path: Path, media: Path) -> Any:
    from tests.workers import celery_worker

    with celery_worker(tmp_path, MEDIA_ROOT=str(media)) as process:
        yield process


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_builds_the_sheet(worker, world, media) -> None:
    from qrsigns.tasks import sheet_build_task

    LaneFactory(village=world.village, name="Xóm Giếng")
    services.signs_ensure(village=world.village, by=None, door_plates=True)
    job = SheetJob.objects.create(
        village=world.village, kinds=list(Sign.Kind.values), per_page=2, total=5
    )
    worker.run(sheet_build_task, str(job.pk), timeout=120)
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    pdf = (media / job.file.name).read_bytes()
    signs = Sign.objects.filter(village=world.village)
    assert sorted(_codes(pdf)) == sorted(printing.qr_payload(s) for s in signs)


@pytest.mark.django_db
def test_old_sheets_are_purged_and_can_be_built_again(
    village_head, world, media, settings, django_capture_on_commit_callbacks
) -> None:
    import os
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    settings.QRSIGNS_SHEET_KEEP_DAYS = 7
    now = timezone.now()
    old, recent = (
        SheetJob.objects.create(
            village=world.village,
            kinds=["lane_start"],
            per_page=2,
            status=SheetJob.Status.DONE,
            progress=100,
            finished_at=now - timedelta(days=days),
        )
        for days in (8, 2)
    )
    for job in (old, recent):
        job.file.save(f"bien-qr-{job.pk}.pdf", ContentFile(b"%PDF-1.4 test"))
    folder = media / "signsheets"
    # A file no job points to: one left by a build cut off long ago, one being written now.
    (folder / "orphan-old.pdf").write_bytes(b"%PDF")
    stamp = (now - timedelta(days=9)).timestamp()
    os.utime(folder / "orphan-old.pdf", (stamp, stamp))
    (folder / "orphan-new.pdf").write_bytes(b"%PDF")
    # Written "now" by the test's clock, which a moved clock (tests/clock.py) sets apart from
    # the file system's.
    os.utime(folder / "orphan-new.pdf", (now.timestamp(), now.timestamp()))
    old_file = media / old.file.name

    assert services.sheets_purge(now=now) == 2

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old_file.exists() and old.file.name == ""
    assert (media / recent.file.name).exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [Path(recent.file.name).name, "orphan-new.pdf"]
    )
    client = _client(village_head)
    page = client.get(reverse("qrsigns_sheet_detail", kwargs={"pk": old.pk})).content.decode()
    assert 'data-testid="sheet-purged"' in page and 'data-testid="download"' not in page
    assert "7 ngày" in page
    assert client.get(reverse("qrsigns_sheet_download", kwargs={"pk": old.pk})).status_code == 404
    # The page's button builds the same sheet again.
    services.signs_ensure(village=world.village, by=None, door_plates=False)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("qrsigns_sheet_create"), {"kinds": ["lane_start"], "per_page": "2"}
        )
    assert again.status_code == 302
    assert SheetJob.objects.count() == 3
    assert services.sheets_purge(now=now) == 0


def test_the_beat_schedule_purges_sheets_daily() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["qrsigns-purge-sheets"]
    assert entry["task"] == "qrsigns.tasks.sheets_purge_task"
    assert entry["schedule"] == 24 * 3600.0


def test_the_sheet_file_is_named_by_the_time_in_vietnam(village_head, world, media) -> None:
    from datetime import UTC, datetime

    from django.core.files.base import ContentFile

    job = SheetJob.objects.create(
        village=world.village,
        kinds=["lane_start"],
        per_page=2,
        status=SheetJob.Status.DONE,
        progress=100,
    )
    # 20:30 in UTC is already half past three the next morning in Vietnam.
    SheetJob.objects.filter(pk=job.pk).update(created_at=datetime(2026, 12, 7, 20, 30, tzinfo=UTC))
    job.refresh_from_db()
    job.file.save(f"bien-qr-{job.pk}.pdf", ContentFile(b"%PDF-1.4 test"))
    response = _client(village_head).get(reverse("qrsigns_sheet_download", kwargs={"pk": job.pk}))
    assert 'filename="bien-qr-20261208-0330.pdf"' in response["Content-Disposition"]


@pytest.mark.django_db
def test_lane_signs_print_lane_by_lane_start_before_end(world) -> None:
    second = LaneFactory(
        village=world.village, name="Xóm Giữa", sort_order=world.lane.sort_order + 1
    )
    services.signs_ensure(village=world.village, by=None, door_plates=True)
    signs = list(
        services._sheet_signs(
            village_id=world.village.pk, kinds=["lane_end", "lane_start", "door_plate"], lane=None
        )
    )
    printed = [(s.kind, (s.lane or s.household.lane).name) for s in signs]
    assert printed == [
        ("lane_start", world.lane.name),
        ("lane_end", world.lane.name),
        ("lane_start", second.name),
        ("lane_end", second.name),
        ("door_plate", world.lane.name),
    ]


@pytest.mark.django_db
def test_the_signs_of_one_lane_are_printed_again_alone(
    village_head, world, media, django_capture_on_commit_callbacks
) -> None:
    lost = LaneFactory(village=world.village, name="Xóm Bãi")
    services.signs_ensure(village=world.village, by=None, door_plates=False)
    client = _client(village_head)
    sign = Sign.objects.get(lane=lost, kind="lane_start")
    detail = client.get(reverse("qrsigns_sign_detail", kwargs={"code": sign.code})).content
    link = f"{reverse('qrsigns_sheet_list')}?lane={lost.pk}"
    assert link.encode() in detail
    form = client.get(link).content.decode()
    assert f'<option value="{lost.pk}" selected>' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("qrsigns_sheet_create"),
            {"kinds": ["lane_start", "lane_end"], "per_page": "1", "lane": str(lost.pk)},
        )
    job = SheetJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.total, job.lane) == ("done", 2, lost)
    pdf = b"".join(
        client.get(reverse("qrsigns_sheet_download", kwargs={"pk": job.pk})).streaming_content
    )
    ours = Sign.objects.filter(lane=lost)
    assert sorted(_codes(pdf)) == sorted(printing.qr_payload(s) for s in ours)


@pytest.mark.django_db
def test_another_villages_lane_is_refused_and_nothing_is_queued(village_head, world) -> None:
    services.signs_ensure(village=world.village, by=None, door_plates=False)
    theirs = LaneFactory(village=world.other_village, name="Xóm Lạ")
    for lane in (str(theirs.pk), "abc", "-1"):
        response = _client(village_head).post(
            reverse("qrsigns_sheet_create"),
            {"kinds": ["lane_start"], "per_page": "1", "lane": lane},
        )
        assert response.status_code == 400
        assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    assert not SheetJob.objects.exists()
    # A lane asked for in the address that is not the village's is simply not preselected.
    page = _client(village_head).get(f"{reverse('qrsigns_sheet_list')}?lane={theirs.pk}")
    assert page.status_code == 200
    assert '<option value="" selected>' in page.content.decode()
