"""Attachments and loudspeaker audio are served through views that check who asks."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from announcements import speakers
from announcements.models import SpeakerItem
from tests.announcements.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def _with_attachment(village, **fields):
    announcement = AnnouncementFactory(village=village, channels=["web"], **fields)
    announcement.attachment.save("lich-hop.pdf", ContentFile(PDF))
    return announcement


def test_a_published_public_attachment_is_open_to_everyone(client, world) -> None:
    announcement = _with_attachment(world.village, status="sent", sent_at=timezone.now())
    page = client.get(reverse("announcement_public", args=[announcement.public_code]))
    link = reverse("announcement_public_attachment", args=[announcement.public_code])
    assert link in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_draft_or_private_attachment_is_not_public(client, world) -> None:
    draft = _with_attachment(world.village)
    private = _with_attachment(
        world.village, status="sent", sent_at=timezone.now(), is_public=False
    )
    for announcement in (draft, private):
        url = reverse("announcement_public_attachment", args=[announcement.public_code])
        assert client.get(url).status_code == 404
    # The stored file is not reachable by its path either: only media/public/ is served.
    assert client.get("/media/" + draft.attachment.name).status_code == 404


def test_a_loudspeaker_fetches_only_its_own_audio(client, world) -> None:
    cluster, key = speakers.cluster_create(village=world.village, name="Cụm 1", lanes=[])
    _other, other_key = speakers.cluster_create(village=world.village, name="Cụm 2", lanes=[])
    announcement = AnnouncementFactory(village=world.village, channels=[])
    item = SpeakerItem.objects.create(cluster=cluster, announcement=announcement)
    item.audio.save("thong-bao.wav", ContentFile(b"RIFF....WAVEfmt "))
    url = reverse("announcement_speaker_audio", args=[item.pk])
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {other_key}"}).status_code == 404
    response = client.get(url, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"RIFF")
    playlist = client.get(
        reverse("announcement_speaker_playlist"), headers={"Authorization": f"Bearer {key}"}
    ).json()
    assert all(i["audio"] is None or i["audio"].endswith(url) for i in playlist["items"])
