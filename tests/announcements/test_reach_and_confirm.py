"""Reach by every channel and household, the confirmation step, the speech preview and the
lane page's notices."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from announcements import selectors, services, speakers
from announcements.models import Announcement, Delivery, Sighting, SpeakerItem
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.test_pages import _form
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


class FakeEngine:
    """Stands in for espeak-ng: WAV bytes that say which text they were made from."""

    def synthesize(self, text: str) -> bytes:
        return b"RIFF" + text.encode()


class BrokenEngine:
    def synthesize(self, text: str) -> bytes:
        raise OSError("engine crashed")


@pytest.fixture
def hamlet(world):
    """Three lanes: 5A on the world's lane; 12 and 14 on lane B; 16 on lane C."""
    lane_b = LaneFactory(village=world.village, name="Ngõ B")
    lane_c = LaneFactory(village=world.village, name="Ngõ C")
    homes = {"5A": world.household}
    for number, lane, head in [
        ("12", lane_b, "Lê Văn Cường"),
        ("14", lane_b, "Phạm Thị Dung"),
        ("16", lane_c, "Đỗ Văn Em"),
    ]:
        homes[number] = HouseholdFactory(village=world.village, lane=lane, house_number=number)
        ResidentFactory(household=homes[number], full_name=head, is_head=True)
    an = world.household.residents.get(full_name="Nguyễn Văn An")
    an.account = UserFactory(full_name=an.full_name)
    an.save()
    return {"lane_b": lane_b, "lane_c": lane_c, "homes": homes, "an": an}


def _sent_with_speakers(world, hamlet) -> Announcement:
    """A village-wide notice on the web, SMS (switched off) and the loudspeakers of lane B,
    which played it."""
    cluster, _key = speakers.cluster_create(
        village=world.village, name="Cụm loa xóm B", lanes=[hamlet["lane_b"]]
    )
    announcement = AnnouncementFactory(
        village=world.village, channels=["web", "sms"], loudspeakers=True
    )
    services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="web")
    item = SpeakerItem.objects.get(announcement=announcement, cluster=cluster)
    speakers.item_played(cluster=cluster, item_id=item.pk)
    return announcement


def test_reach_counts_the_web_page_and_the_loudspeakers_when_sms_is_off(
    client, world, hamlet, settings
) -> None:
    announcement = _sent_with_speakers(world, hamlet)
    # Pushed into An's feed is not proof: nothing reached 5A yet.
    before = selectors.reach(announcement=announcement)
    assert [h.house_number for h in before["not_reached"]] == ["5A", "16"]
    client.force_login(hamlet["an"].account)
    page = client.get(reverse("announcement_public", args=[announcement.public_code]))
    assert page.status_code == 200
    assert services.announcement_received(user=hamlet["an"].account, code=announcement.public_code)

    reach = selectors.reach(announcement=announcement)
    assert (reach["reached_households"], reach["audience_households"]) == (3, 4)
    # Every member of a household the loudspeaker covered heard it, and An saw it.
    assert (reach["reached_people"], reach["audience_people"]) == (3, 5)
    lanes = {lane["key"]: lane for lane in reach["lanes"]}
    assert (lanes["web"]["households"], lanes["web"]["people"]) == (1, 1)
    assert lanes["push"]["households"] == 1
    assert (lanes["loudspeakers"]["households"], lanes["loudspeakers"]["people"]) == (2, 2)
    assert lanes["sms"]["state"] == "off"
    assert lanes["zalo"]["state"] == "not_chosen"
    by_house = {h.house_number: h.lanes for h in reach["households"]}
    assert by_house == {
        "5A": ["web", "push"],
        "12": ["loudspeakers"],
        "14": ["loudspeakers"],
        "16": [],
    }
    assert [(h.house_number, h.head, h.lane) for h in reach["not_reached"]] == [
        ("16", "Đỗ Văn Em", "Ngõ C")
    ]


def test_the_staff_page_shows_reach_by_channel_household_and_who_nothing_reached(
    client, world, hamlet, village_head, settings
) -> None:
    announcement = _sent_with_speakers(world, hamlet)
    Sighting.objects.create(
        announcement=announcement,
        resident=hamlet["an"],
        household_id=world.household.pk,
        via="feed",
    )
    client.force_login(village_head)
    page = client.get(reverse("announcement_detail", args=[announcement.pk])).content.decode()
    assert "Đã tiếp cận 3/4 hộ" in page
    assert "Đã tắt" in page  # SMS: off, not "0 reached"
    assert "Cụm loa xóm B" in page and "đã phát lúc" in page
    not_reached = page.split('data-testid="not-reached"')[1].split("</ul>")[0]
    assert "16" in not_reached and "Đỗ Văn Em" in not_reached and "Lê Văn Cường" not in not_reached


def test_a_sighting_counts_once_and_only_for_the_announcements_village(world, hamlet) -> None:
    announcement = AnnouncementFactory(
        village=world.village, status="sent", sent_at=timezone.now(), channels=["web"]
    )
    an = hamlet["an"]
    assert services.sighting_record(announcement=announcement, resident=an, via="page")
    assert not services.sighting_record(announcement=announcement, resident=an, via="page")
    stranger = world.other_village.households.get().residents.get()
    assert not services.sighting_record(announcement=announcement, resident=stranger, via="page")
    draft = AnnouncementFactory(village=world.village, channels=["web"])
    assert not services.sighting_record(announcement=draft, resident=an, via="page")
    assert Sighting.objects.count() == 1


# The confirmation step ---------------------------------------------------------------------


def test_nothing_is_sent_before_the_confirmation_and_the_confirmation_sends_once(
    client, village_head, world, gateway
) -> None:
    client.force_login(village_head)
    response = client.post(reverse("announcement_create"), _form())
    draft = Announcement.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("announcement_confirm", args=[draft.pk])
    assert draft.status == "draft" and not Delivery.objects.exists()

    confirm = client.get(response.url)
    text = confirm.content.decode()
    assert "1 hộ, 2 người" in text
    assert "SMS: 2 người" in text
    fingerprint = confirm.context["summary"]["fingerprint"]
    assert not Delivery.objects.exists()

    sent = client.post(response.url, {"fingerprint": fingerprint})
    assert sent.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent"
    first_sent_at, count = draft.sent_at, Delivery.objects.count()
    assert count == 2  # SMS to both; web only reaches residents with an account
    again = client.post(response.url, {"fingerprint": fingerprint}, follow=True)
    assert "không gửi lại" in again.content.decode()
    draft.refresh_from_db()
    assert draft.sent_at == first_sent_at and Delivery.objects.count() == count


def test_a_changed_audience_or_a_forged_fingerprint_sends_nothing(
    client, village_head, world, gateway
) -> None:
    client.force_login(village_head)
    url = client.post(reverse("announcement_create"), _form()).url
    fingerprint = client.get(url).context["summary"]["fingerprint"]
    refused = client.post(url, {"fingerprint": "forged"})
    assert refused.status_code == 409
    assert "Chưa gửi gì" in refused.content.decode()
    ResidentFactory(household=world.household, full_name="Trần Văn Mới", phone="+84981234567")
    changed = client.post(url, {"fingerprint": fingerprint})
    assert changed.status_code == 409
    assert "3 người" in changed.content.decode()  # shown again, with the new count
    assert Announcement.objects.get().status == "draft" and not Delivery.objects.exists()


def test_a_bad_form_goes_back_with_messages_and_saves_nothing(client, village_head, world) -> None:
    client.force_login(village_head)
    response = client.post(
        reverse("announcement_create"), _form(title="", audience="lanes", channels=[])
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "chọn ít nhất một ngõ" in text and "chọn ít nhất một kênh" in text
    assert not Announcement.objects.exists()


def test_the_way_back_changes_the_draft(client, village_head, world) -> None:
    client.force_login(village_head)
    url = client.post(reverse("announcement_create"), _form(channels=["web"])).url
    draft = Announcement.objects.get()
    form = client.get(reverse("announcement_edit", args=[draft.pk]))
    assert 'value="Họp thôn"' in form.content.decode()
    response = client.post(
        reverse("announcement_edit", args=[draft.pk]),
        _form(title="Họp thôn (sửa)", channels=["web"]),
    )
    assert response.status_code == 302 and response.url == url
    draft.refresh_from_db()
    assert draft.title == "Họp thôn (sửa)" and draft.status == "draft"
    assert Announcement.objects.count() == 1


def test_a_sent_announcement_cannot_be_changed_or_confirmed_again(
    client, village_head, world
) -> None:
    client.force_login(village_head)
    sent = AnnouncementFactory(
        village=world.village, status="sent", sent_at=timezone.now(), channels=["web"]
    )
    edit = client.get(reverse("announcement_edit", args=[sent.pk]))
    assert edit.status_code == 302
    confirm = client.get(reverse("announcement_confirm", args=[sent.pk]))
    assert confirm.status_code == 302


def test_the_household_picker_is_searchable_by_house_number_and_head(
    client, village_head, world, hamlet
) -> None:
    client.force_login(village_head)
    page = client.get(reverse("announcement_create")).content.decode()
    assert "12 · Lê Văn Cường (Ngõ B)" in page
    assert 'data-search="12 · le van cuong (ngo b)"' in page


def test_the_counter_says_how_many_households_the_loudspeakers_reach(
    client, village_head, world, hamlet
) -> None:
    speakers.cluster_create(village=world.village, name="Cụm loa xóm B", lanes=[hamlet["lane_b"]])
    client.force_login(village_head)
    url = reverse("announcement_audience")
    counted = client.get(url, {"audience": "village", "channels": ["web"], "loudspeakers": "on"})
    assert counted.json() == {
        "people": 5,
        "households": 4,
        "channels": {"web": 1},
        "loudspeaker_households": 2,
    }
    page = client.post(
        reverse("announcement_create"),
        _form(action="count", channels=["web"], loudspeakers="on"),
    ).content.decode()
    assert 'data-field="loudspeaker-households">2<' in page


# The speech preview ---------------------------------------------------------------------------


@pytest.fixture
def fake_engine(settings):
    settings.ANNOUNCEMENTS_TTS_ENGINE = "tests.announcements.test_reach_and_confirm.FakeEngine"


def test_staff_hear_the_loudspeaker_text_before_sending(
    client, village_head, officer, world, fake_engine
) -> None:
    draft = AnnouncementFactory(
        village=world.village, title="Phun thuốc", channels=[], loudspeakers=True
    )
    for user in (village_head, officer):
        client.force_login(user)
        response = client.get(reverse("announcement_speech", args=[draft.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/wav"
        assert response.content.startswith(b"RIFF") and "Phun thuốc".encode() in response.content
    confirm = client.get(reverse("announcement_confirm", args=[draft.pk])).content.decode()
    assert reverse("announcement_speech", args=[draft.pk]) in confirm


def test_the_speech_preview_is_refused_to_others_and_leaves_nothing_on_failure(
    client, world, outsider, resident, village_head, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    draft = AnnouncementFactory(village=world.village, channels=[], loudspeakers=True)
    url = reverse("announcement_speech", args=[draft.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(resident)
    assert client.get(url).status_code in (403, 404)
    settings.ANNOUNCEMENTS_TTS_ENGINE = "tests.announcements.test_reach_and_confirm.BrokenEngine"
    client.force_login(village_head)
    failed = client.get(url)
    assert failed.status_code == 503
    assert list(Path(tmp_path).rglob("*")) == []


# The lane page ----------------------------------------------------------------------------------


def test_a_lane_notice_shows_on_its_lane_page_and_not_on_other_lanes(client, world, hamlet) -> None:
    now = timezone.now()
    notice = AnnouncementFactory(
        village=world.village, title="Cắt nước ngõ B", audience="lanes", status="sent", sent_at=now
    )
    notice.lanes.set([hamlet["lane_b"]])
    AnnouncementFactory(
        village=world.village, title="Họp toàn thôn", audience="village", status="sent", sent_at=now
    )
    private = AnnouncementFactory(
        village=world.village,
        title="Riêng ngõ B",
        audience="lanes",
        status="sent",
        sent_at=now,
        is_public=False,
    )
    private.lanes.set([hamlet["lane_b"]])
    lane_b = client.get(
        reverse("qrsigns_lane", args=[world.village.pk, hamlet["lane_b"].pk])
    ).content.decode()
    lane_c = client.get(
        reverse("qrsigns_lane", args=[world.village.pk, hamlet["lane_c"].pk])
    ).content.decode()
    assert "Cắt nước ngõ B" in lane_b and "Họp toàn thôn" in lane_b
    assert "Riêng ngõ B" not in lane_b
    assert "Cắt nước ngõ B" not in lane_c and "Họp toàn thôn" in lane_c
