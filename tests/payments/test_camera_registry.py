"""The home camera item read from the cameras app: a fact on the checklist and in the figures."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cameras import services as camera_services
from cameras.models import Camera
from payments import services
from payments.figures import SPEC_BY_CODE
from payments.models import Item, Method, Observation, Value
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

CAMERA = SPEC_BY_CODE["camera_households"]
FIBRE = SPEC_BY_CODE["fibre_households"]


def _camera(village: Any, household: Any, by: Any, *, port: int, consent_days_ago: int) -> Camera:
    return camera_services.camera_create(
        village=village,
        by=by,
        name=f"Camera nhà {household.house_number}",
        kind=Camera.Kind.HOUSEHOLD,
        household=household,
        consent_on=timezone.localdate() - timedelta(days=consent_days_ago),
        stream_url=f"rtsp://10.20.0.{port - 18500}:554/live",
    )


def _counts(spec: Any, village: Any, day: Any = None) -> tuple[int, int]:
    day = day or timezone.localdate()
    return spec.counts(day, villages=[village.pk]).get(village.pk, (0, 0))


def test_a_joined_household_camera_counts_and_other_items_do_not_move(
    world: Any, village_head: Any
) -> None:
    village, household = world.village, world.household
    neighbour = HouseholdFactory(lane=world.lane, village=village, house_number="7")
    before_camera, before_fibre = _counts(CAMERA, village), _counts(FIBRE, village)
    assert before_camera[0] == 0
    _camera(village, household, village_head, port=18554, consent_days_ago=30)

    today = timezone.localdate()
    assert _counts(CAMERA, village) == (1, before_camera[1])
    assert _counts(FIBRE, village) == before_fibre
    assert list(CAMERA.records(village, today).values_list("pk", flat=True)) == [household.pk]
    assert neighbour.pk in set(CAMERA.missing(village, today).values_list("pk", flat=True))
    # Before the consent was recorded, the camera was not joined.
    assert _counts(CAMERA, village, today - timedelta(days=31))[0] == 0
    assert _counts(CAMERA, village, today - timedelta(days=30))[0] == 1


def test_a_disabled_camera_or_a_public_one_does_not_count(world: Any, village_head: Any) -> None:
    village, household = world.village, world.household
    camera = _camera(village, household, village_head, port=18555, consent_days_ago=5)
    camera_services.camera_create(
        village=village,
        by=village_head,
        name="Camera cổng làng",
        kind=Camera.Kind.PUBLIC,
        lane=world.lane,
        stream_url="rtsp://10.20.0.56:554/live",
    )
    assert _counts(CAMERA, village)[0] == 1
    Camera.objects.filter(pk=camera.pk).update(enabled=False)
    assert _counts(CAMERA, village)[0] == 0


def test_a_manual_observation_still_counts_and_is_still_possible(
    world: Any, village_head: Any, digital_team: Any
) -> None:
    village, household = world.village, world.household
    other = HouseholdFactory(lane=world.lane, village=village, house_number="9")
    services.adoption_record(
        household=other,
        entries=[services.Entry(item=Item.CAMERA, value=Value.YES)],
        observed_on=timezone.localdate(),
        method=Method.SEEN,
        by=digital_team,
    )
    _camera(village, household, village_head, port=18557, consent_days_ago=2)
    # The team said "no" for the camera household: the registry's fact still counts it once.
    services.adoption_record(
        household=household,
        entries=[services.Entry(item=Item.CAMERA, value=Value.NO)],
        observed_on=timezone.localdate(),
        method=Method.TOLD,
        by=digital_team,
    )
    assert Observation.objects.filter(household=household, item=Item.CAMERA).count() == 1
    yes, _total = _counts(CAMERA, village)
    assert yes == 2
    assert set(CAMERA.records(village, timezone.localdate()).values_list("pk", flat=True)) == {
        household.pk,
        other.pk,
    }


def test_the_checklist_shows_the_registry_fact_read_only(
    client: Client, world: Any, village_head: Any, digital_team: Any
) -> None:
    household = world.household
    client.force_login(digital_team)
    url = reverse("payments_checklist", args=[household.pk])
    html = client.get(url).content.decode()
    fact = re.search(r'data-testid="camera-registry">([^<]*)<', html).group(1)
    assert "chưa có camera" in fact
    _camera(world.village, household, village_head, port=18558, consent_days_ago=3)
    html = client.get(url).content.decode()
    fact = re.search(r'data-testid="camera-registry">([^<]*)<', html).group(1)
    assert "đã kết nối" in fact and f"Camera nhà {household.house_number}" in fact
    assert "rtsp" not in html
    # The manual value can still be chosen and saved.
    assert 'name="h-camera"' in html
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', html).group(1)
    response = client.post(
        reverse("payments_checklist_save", args=[household.pk]),
        {
            "token": token,
            "observed_on": timezone.localdate().isoformat(),
            "method": "seen",
            "h-camera": "yes",
        },
    )
    assert response.status_code == 302
    assert Observation.objects.get(household=household, item=Item.CAMERA).value == "yes"


def test_the_figure_list_marks_the_registry_households(
    client: Client, world: Any, village_head: Any
) -> None:
    _camera(world.village, world.household, village_head, port=18559, consent_days_ago=1)
    client.force_login(village_head)
    html = client.get(reverse("payments_figure_list", args=["camera_households"])).content.decode()
    assert world.household.house_number in html
    assert "Có (sổ camera)" in html
    figures = client.get(reverse("payments_figures")).content.decode()
    assert "Camera gia đình kết nối mạng lưới của thôn" in figures
