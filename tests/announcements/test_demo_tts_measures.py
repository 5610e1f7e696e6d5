"""The demo, the reach measure, and the speech text."""

import shutil
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from announcements import selectors, services, tts
from announcements.models import Announcement, Delivery, Preference, SpeakerCluster
from households.models import Village
from reports.registry import MEASURES
from tests.announcements.factories import AnnouncementFactory
from tests.factories import HouseholdFactory, ResidentFactory


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_offline_engine_makes_a_wav() -> None:
    audio = tts.synthesize("Thông báo lúc 7h30 ngày 15/11/2026.")
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    assert len(audio) > 10_000


@pytest.mark.django_db
def test_the_reach_measure_counts_households_reached_in_30_days(world, gateway) -> None:
    other = HouseholdFactory(lane=world.lane, village=world.village)
    ResidentFactory(household=other, full_name="Không điện thoại", is_head=True)
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    while services.deliveries_drain(channel="sms"):
        pass
    measure = MEASURES["announcement_reach"]
    villages = Village.objects.filter(pk=world.village.pk)
    figure = measure.compute(villages, timezone.localdate())[world.village.pk]
    assert (figure.numerator, figure.denominator) == (1, 2)
    assert list(measure.missing(world.village, timezone.localdate())) == [other]
    later = timezone.localdate() + timedelta(days=31)
    assert measure.compute(villages, later)[world.village.pk].numerator == 0


@pytest.mark.django_db
def test_the_demo_has_every_kind_every_state_two_clusters_and_is_idempotent() -> None:
    call_command("seed_demo")
    village = Village.objects.get(name="Thôn Đông Phú")
    kinds = set(Announcement.objects.filter(village=village).values_list("kind", flat=True))
    assert kinds == set(Announcement.Kind.values)
    states = set(
        Delivery.objects.filter(announcement__village=village).values_list("status", flat=True)
    )
    assert states == set(Delivery.Status.values)
    assert SpeakerCluster.objects.filter(village=village).count() == 2
    assert Preference.objects.exists()
    # The lane notice sent with SMS and Zalo off still reached the lane: its loudspeakers
    # played it.
    notice = Announcement.objects.get(village=village, audience="lanes", loudspeakers=True)
    reach = selectors.reach(announcement=notice)
    lanes = {lane["key"]: lane for lane in reach["lanes"]}
    assert lanes["loudspeakers"]["households"] == reach["audience_households"] > 0
    assert reach["reached_households"] == reach["audience_households"]
    count = Announcement.objects.count()
    call_command("seed_demo")
    assert Announcement.objects.count() == count


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.django_db
def test_an_announcement_on_the_loudspeakers_gets_its_audio(world, settings, tmp_path) -> None:
    from announcements import speakers

    settings.MEDIA_ROOT = str(tmp_path)
    cluster, _key = speakers.cluster_create(village=world.village, name="Cụm 1", lanes=[])
    announcement = AnnouncementFactory(
        village=world.village, channels=[], loudspeakers=True, title="Lịch tiêm 8h00 ngày 5/12"
    )
    services.announcement_send(announcement=announcement)
    assert speakers.items_render(announcement_id=announcement.pk) == 1
    item = cluster.items.get()
    assert item.audio.read(4) == b"RIFF"


def test_the_beat_entries_are_registered(settings) -> None:
    assert "announcements-kick-deliveries" in settings.CELERY_BEAT_SCHEDULE
    assert "announcements-send-due" in settings.CELERY_BEAT_SCHEDULE
