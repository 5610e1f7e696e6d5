"""The staff pages, the public page and feed, the resident feed, webhooks and loudspeakers."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from announcements import services, speakers
from announcements.gateways import sign
from announcements.models import Acknowledgement, Announcement, Delivery, Preference
from tests.announcements.factories import AnnouncementFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _form(**extra: object) -> dict[str, object]:
    return {
        "title": "Họp thôn",
        "body": "Mời các hộ dự họp.",
        "kind": "general",
        "audience": "village",
        "channels": ["web", "sms"],
        "is_public": "on",
        "action": "review",
        **extra,
    }


def send_through_confirmation(client, data: dict[str, object]):
    """The compose page's two steps: the form (a draft that could be sent), then "Send" on the
    confirmation page with the fingerprint of what it showed."""
    response = client.post(reverse("announcement_create"), data)
    assert response.status_code == 302, response.content.decode()
    confirm = client.get(response.url)
    assert confirm.status_code == 200
    fingerprint = confirm.context["summary"]["fingerprint"]
    return client.post(response.url, {"fingerprint": fingerprint})


def test_the_head_composes_counts_and_sends(client, village_head, world, gateway) -> None:
    client.force_login(village_head)
    response = client.post(reverse("announcement_create"), _form(action="count"))
    assert response.status_code == 200
    counter = response.content.decode()
    assert 'data-field="households">1<' in counter and 'data-field="people">2<' in counter
    assert "SMS: <strong>2</strong>" in counter
    assert not Announcement.objects.exists()
    response = send_through_confirmation(client, _form())
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert announcement.status == "sent"
    assert Delivery.objects.filter(announcement=announcement, channel="sms").count() == 2
    # In-process jobs: the drain already ran at commit, through the local gateway.
    detail = client.get(reverse("announcement_detail", args=[announcement.pk]))
    assert detail.status_code == 200
    assert "SMS" in detail.content.decode()


def test_the_live_count_endpoint(client, village_head, world, gateway) -> None:
    client.force_login(village_head)
    response = client.get(
        reverse("announcement_audience"),
        {"audience": "lanes", "lanes": [world.lane.pk], "channels": ["sms"]},
    )
    assert response.json() == {"people": 2, "households": 1, "channels": {"sms": 2}}
    response = client.get(reverse("announcement_audience"), {"audience": "nonsense"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("thong-bao.pdf", b"MZ\x90\x00 not a pdf", "không phải PDF"),
        ("anh.png", b"%PDF-1.4 a pdf named png", "không phải ảnh"),
        ("virus.exe", b"MZ", "PDF"),
    ],
)
def test_an_attachment_that_is_not_what_its_name_says_is_refused(
    client, village_head, world, name, content, message
) -> None:
    client.force_login(village_head)
    upload = SimpleUploadedFile(name, content)
    response = client.post(reverse("announcement_create"), _form(attachment=upload))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Announcement.objects.exists()


def test_a_too_large_attachment_is_refused(client, village_head, world, settings) -> None:
    settings.ANNOUNCEMENTS_ATTACHMENT_MAX_BYTES = 1000
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "red").save(buffer, "PNG")
    client.force_login(village_head)
    upload = SimpleUploadedFile("anh.png", buffer.getvalue() + b"\0" * 2000)
    response = client.post(reverse("announcement_create"), _form(attachment=upload))
    assert "quá lớn" in response.content.decode()
    assert not Announcement.objects.exists()


def test_a_time_in_the_past_and_an_empty_audience_are_refused(client, village_head, world) -> None:
    client.force_login(village_head)
    past = (timezone.localtime() - timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("announcement_create"), _form(send_at=past))
    assert "trong quá khứ" in response.content.decode()
    world.household.residents.update(left_on=timezone.localdate(), is_head=False)
    response = client.post(reverse("announcement_create"), _form(channels=["web"]))
    assert response.status_code == 200
    assert "Không có người nhận" in response.content.decode()
    assert not Announcement.objects.exists()


def test_public_page_feed_and_home_section_show_public_announcements_only(client, world) -> None:
    public = AnnouncementFactory(
        village=world.village, title="Lịch phun thuốc", status="sent", sent_at=timezone.now()
    )
    AnnouncementFactory(
        village=world.village,
        title="Riêng một hộ",
        status="sent",
        sent_at=timezone.now(),
        is_public=False,
    )
    page = client.get(reverse("village_announcements", args=[world.village.pk])).content.decode()
    assert "Lịch phun thuốc" in page and "Riêng một hộ" not in page
    feed = client.get(reverse("village_announcements_feed", args=[world.village.pk]))
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert "Lịch phun thuốc" in body and "Riêng một hộ" not in body
    assert public.public_code in body
    detail = client.get(reverse("announcement_public", args=[public.public_code]))
    assert detail.status_code == 200


def test_a_resident_reads_answers_and_sets_preferences(client, world) -> None:
    resident = world.household.residents.get(full_name="Nguyễn Văn An")
    user = UserFactory(full_name=resident.full_name)
    resident.account = user
    resident.save()
    meeting = AnnouncementFactory(
        village=world.village, channels=["web"], kind="meeting", ask_acknowledgement=True
    )
    services.announcement_send(announcement=meeting)
    services.deliveries_drain(channel="web")
    client.force_login(user)
    page = client.get(reverse("my_announcements"))
    assert meeting.title in page.content.decode()
    assert Delivery.objects.get(announcement=meeting).status == "read"
    client.post(reverse("my_announcement_answer", args=[meeting.public_code]), {"answer": "attend"})
    assert Acknowledgement.objects.get().answer == "attend"
    response = client.post(
        reverse("my_preferences"), {"web": "on", "sms": "on", "quiet_from": "22:00"}
    )
    assert "cả hai" in response.content.decode()
    client.post(
        reverse("my_preferences"),
        {"web": "on", "sms": "on", "quiet_from": "22:00", "quiet_until": "06:00"},
    )
    preference = Preference.objects.get(resident=resident)
    assert preference.zalo is False and str(preference.quiet_until) == "06:00:00"


def test_webhooks_need_a_valid_signature(client, world, gateway, settings) -> None:
    settings.ANNOUNCEMENTS_SMS_WEBHOOK_SECRET = "bi-mat"
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="sms")
    delivery = Delivery.objects.first()
    body = json.dumps({"reference": delivery.idempotency_key, "status": "delivered"}).encode()
    url = reverse("announcement_webhook", args=["sms"])
    bad = client.post(url, body, content_type="application/json", headers={"X-Signature": "00"})
    assert bad.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    good = client.post(
        url, body, content_type="application/json", headers={"X-Signature": sign("bi-mat", body)}
    )
    assert good.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    garbage = b"not json"
    response = client.post(
        url,
        garbage,
        content_type="application/json",
        headers={"X-Signature": sign("bi-mat", garbage)},
    )
    assert response.status_code == 400


def test_loudspeakers_fetch_their_playlist_with_their_key(client, world) -> None:
    cluster, key = speakers.cluster_create(village=world.village, name="Cụm 1", lanes=[world.lane])
    announcement = AnnouncementFactory(
        village=world.village, channels=[], loudspeakers=True, kind="emergency"
    )
    services.announcement_send(announcement=announcement)
    url = reverse("announcement_speaker_playlist")
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    playlist = client.get(url, headers={"Authorization": f"Bearer {key}"}).json()
    assert [item["title"] for item in playlist["items"]] == [announcement.title]
    item_id = playlist["items"][0]["id"]
    played = client.post(
        reverse("announcement_speaker_played"),
        json.dumps({"item": item_id}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert played.status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {key}"}).json()["items"] == []
    assert cluster.is_silent()
    client.post(
        reverse("announcement_speaker_heartbeat"), headers={"Authorization": f"Bearer {key}"}
    )
    cluster.refresh_from_db()
    assert not cluster.is_silent()
    assert cluster.key_hash != key


def test_the_public_village_section_lists_the_latest_public_announcements(world) -> None:
    from django.template.loader import render_to_string

    AnnouncementFactory(
        village=world.village, title="Lịch cắt điện", status="sent", sent_at=timezone.now()
    )
    AnnouncementFactory(village=world.village, title="Bản nháp riêng")
    html = render_to_string("announcements/_public_village.html", {"village": world.village})
    assert "Lịch cắt điện" in html and "Bản nháp riêng" not in html


def test_the_dashboard_tile_counts_households_reached(client, village_head, world, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="sms")
    client.force_login(village_head)
    page = client.get(reverse("dashboard")).content.decode()
    assert "1/1 hộ đã nhận được tin" in page


def test_a_group_is_edited_and_removed_unless_in_use(world, officer) -> None:
    from django.test import Client

    from announcements.models import Group
    from tests.factories import ResidentFactory

    member = ResidentFactory(household=world.household, full_name="Lê Thị Hội")
    group = Group.objects.create(village=world.village, name="Chi hội phụ nữ", kind="womens_union")
    client = Client()
    client.force_login(officer)
    url = reverse("announcement_group_edit", args=[group.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": " ", "kind": "womens_union"})
    assert bad.status_code == 400
    group.refresh_from_db()
    assert group.name == "Chi hội phụ nữ"
    done = client.post(
        url, {"name": "Hội phụ nữ thôn", "kind": "womens_union", "members": [member.pk]}
    )
    assert done.status_code == 302
    group.refresh_from_db()
    assert group.name == "Hội phụ nữ thôn" and list(group.members.all()) == [member]

    used = AnnouncementFactory(village=world.village, channels=["web"])
    used.groups.add(group)
    client.post(reverse("announcement_group_delete", args=[group.pk]))
    assert Group.objects.filter(pk=group.pk).exists()  # kept: an announcement went to it
    used.groups.clear()
    client.post(reverse("announcement_group_delete", args=[group.pk]))
    assert not Group.objects.filter(pk=group.pk).exists()
