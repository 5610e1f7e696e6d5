"""Alerts reach the right people, by e-mail and as a live event on the village dashboards."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.utils import timezone

from cameras import alerts
from cameras.models import Alert
from households.live import village_group_name
from tests.cameras.factories import CameraFactory
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db


def test_security_officers_and_the_head_are_told_and_dashboards_hear_it(
    world, security_officer, village_head, officer, outsider, django_capture_on_commit_callbacks
) -> None:
    # A security officer of another village hears nothing.
    other = UserFactory(full_name="Công an thôn khác")
    membership(other, "security_officer", world.other_village)
    camera = CameraFactory(village=world.village, name="Camera chợ")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(village_group_name(world.village.pk), channel)

    with django_capture_on_commit_callbacks(execute=True):
        alert = alerts.camera_alert(camera=camera, kind=Alert.Kind.DOWN, at=timezone.now())

    assert alert.recipients == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [security_officer.email, village_head.email]
    )
    assert mail.outbox[0].subject.endswith("Camera mất kết nối: Camera chợ")
    event = async_to_sync(layer.receive)(channel)
    assert event["payload"]["kind"] == "camera_down"
    assert event["payload"]["camera"] == camera.pk
    assert "Camera chợ" in event["payload"]["message"]


def test_nothing_goes_out_if_the_transaction_rolls_back(
    world, security_officer, django_capture_on_commit_callbacks
) -> None:
    camera = CameraFactory(village=world.village)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alerts.camera_alert(camera=camera, kind=Alert.Kind.DOWN, at=timezone.now())
    assert callbacks  # queued for after the commit...
    assert mail.outbox == []  # ...and not sent before it


def test_many_cameras_down_at_once_make_one_message_per_person(
    world, security_officer, village_head, django_capture_on_commit_callbacks
) -> None:
    cameras = [CameraFactory(village=world.village, name=f"Camera {n}") for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        records = alerts.cameras_alert(
            [(camera, Alert.Kind.DOWN) for camera in cameras], at=timezone.now()
        )
    assert len(records) == 5 and Alert.objects.count() == 5
    assert len(mail.outbox) == 2
    assert "5 camera mất kết nối" in mail.outbox[0].subject
    assert all(f"Camera {n}" in mail.outbox[0].body for n in range(5))
