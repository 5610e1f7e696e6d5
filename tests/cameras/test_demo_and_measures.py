import io
from datetime import timedelta

import pytest
from django.utils import timezone

from cameras import demo
from cameras.models import Camera, CameraState, Status, UptimeDay
from households.models import Lane, Village
from reports.registry import MEASURES
from tests.cameras.factories import CameraFactory
from tests.factories import HouseholdFactory, LaneFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_the_demo_adds_cameras_with_history_and_is_idempotent() -> None:
    villages = []
    for index, lanes in enumerate((13, 5, 3)):
        village = VillageFactory(name=f"Thôn Demo {index}")
        for n in range(lanes):
            lane = LaneFactory(village=village, name=f"Ngõ {n}", sort_order=n)
            HouseholdFactory(lane=lane, village=village)
        villages.append(village)
    out = io.StringIO()
    demo.seed(villages, out)
    first = Camera.objects.count()
    demo.seed(villages, out)
    assert Camera.objects.count() == first
    model = villages[0]
    public = Camera.objects.filter(village=model, kind=Camera.Kind.PUBLIC)
    assert public.count() == 19
    assert Camera.objects.filter(village=villages[1], kind="household").count() == 190
    assert Camera.objects.filter(village=villages[2], kind="public").count() == 5
    household = Camera.objects.filter(village=model, kind="household")
    assert household.exists() and not household.filter(consent_on__isnull=True).exists()
    states = CameraState.objects.filter(camera__village=model)
    assert states.filter(status=Status.OFFLINE).count() == 4
    assert public.filter(maintenance=True).count() == 1
    # The model village leaves a lane without a public camera.
    covered = set(public.values_list("lane_id", flat=True))
    assert Lane.objects.filter(village=model).exclude(pk__in=covered).count() == 1
    assert (
        UptimeDay.objects.filter(camera__village=model).count()
        == 30 * Camera.objects.filter(village=model).count()
    )


def test_the_report_measures_count_public_cameras_and_their_uptime(world) -> None:
    today = timezone.localdate()
    a = CameraFactory(village=world.village)
    CameraFactory(village=world.village, enabled=False)
    CameraFactory(village=world.village, installed_on=today + timedelta(days=5))
    b = CameraFactory(village=world.other_village)
    UptimeDay.objects.create(camera=a, day=today, probes=100, ok=90)
    UptimeDay.objects.create(camera=a, day=today - timedelta(days=40), probes=100, ok=0)
    UptimeDay.objects.create(camera=b, day=today - timedelta(days=1), probes=50, ok=50)
    villages = Village.objects.all()
    counts = MEASURES["public_cameras_count"].compute(villages, today)
    assert counts[world.village.pk].numerator == 1
    assert counts[world.other_village.pk].numerator == 1
    uptime = MEASURES["public_cameras_uptime_30d"].compute(villages, today)
    assert uptime[world.village.pk].percent == 90
    assert uptime[world.other_village.pk].percent == 100
    assert MEASURES["public_cameras_count"].compute(villages, today - timedelta(days=400)) == {}
