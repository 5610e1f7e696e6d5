"""The background jobs' shared life (villageportal.jobs): every kind left waiting expires alike."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from cameras.models import ImportJob as CameraImport
from households.models import ImportJob as RegistryImport
from households.tasks import jobs_expire_task
from payments.models import AdoptionImport
from villageportal.jobs import expire_waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _aged(job, days: float):
    type(job).objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))
    return job


def test_jobs_of_every_kind_left_waiting_a_day_expire_and_let_go_of_what_they_kept(
    village, village_head, media
) -> None:
    registry = RegistryImport(
        village=village, created_by=village_head, original_name="ho.xlsx", status="checked"
    )
    registry.file.save("ho.xlsx", ContentFile(b"rows"), save=False)
    registry.save()
    stored = media / registry.file.name
    assert stored.exists()
    cameras = CameraImport.objects.create(
        village=village, original_name="camera.xlsx", rows=[{"name": "Chợ"}]
    )
    adoption = AdoptionImport.objects.create(
        village=village, original_name="so-hoa.xlsx", status="checked", rows=[{"row": 2}]
    )
    for job in (registry, cameras, adoption):
        _aged(job, days=2)
    # Recent, or no longer waiting: left alone.
    fresh = CameraImport.objects.create(village=village, original_name="moi.xlsx", rows=[{}])
    running = _aged(
        AdoptionImport.objects.create(village=village, original_name="x.xlsx", status="running"),
        days=2,
    )

    assert jobs_expire_task.delay().get() == 3

    registry.refresh_from_db()
    assert registry.status == RegistryImport.Status.FAILED
    assert [e["code"] for e in registry.errors][:1] == ["expired"]
    assert not registry.file and not stored.exists()
    cameras.refresh_from_db()
    adoption.refresh_from_db()
    assert (cameras.status, cameras.rows) == (CameraImport.Status.CANCELLED, [])
    assert (adoption.status, adoption.rows) == (AdoptionImport.Status.CANCELLED, [])
    assert cameras.finished_at and adoption.finished_at
    fresh.refresh_from_db()
    running.refresh_from_db()
    assert fresh.status == CameraImport.Status.CHECKED and fresh.rows == [{}]
    assert running.status == AdoptionImport.Status.RUNNING
    assert expire_waiting() == 0  # nothing left to expire: running it again changes nothing
