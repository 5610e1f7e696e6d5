"""Sharing an announcement to the village's Zalo group: the count of shares and of the
openings of the shared link."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from announcements import services
from announcements.models import Share, ShareLanding
from tests.announcements.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db


def _sent(village: object, **fields: object) -> object:
    defaults = {"status": "sent", "sent_at": timezone.now(), "channels": ["web"]}
    return AnnouncementFactory(village=village, **{**defaults, **fields})


def _share(client: object, announcement: object, via: str = "sheet") -> object:
    return client.post(reverse("announcement_share", args=[announcement.pk]), {"via": via})


def test_the_page_offers_the_public_link_with_its_share_marker(
    client, village, village_head
) -> None:
    announcement = _sent(village, body="Mời các hộ " * 40)
    client.force_login(village_head)
    page = client.get(reverse("announcement_detail", args=[announcement.pk]))
    share = page.context["share"]
    assert share["shareable"]
    assert share["link"].endswith(f"/announcements/a/{announcement.public_code}/?via=zalo-share")
    assert share["text"].startswith(announcement.title + "\n")
    assert len(share["text"]) < len(announcement.title) + 170  # a short body, not all of it
    assert 'data-testid="share-zalo"' in page.content.decode()
    assert "Chia sẻ lên Zalo: 0 lần, 0 lượt mở từ liên kết chia sẻ" in page.content.decode()


def test_a_draft_or_non_public_announcement_has_no_share_button(
    client, village, village_head
) -> None:
    client.force_login(village_head)
    for announcement in (
        AnnouncementFactory(village=village, channels=["web"]),
        _sent(village, is_public=False),
    ):
        page = client.get(reverse("announcement_detail", args=[announcement.pk]))
        assert not page.context["share"]["shareable"]
        assert 'data-testid="share-zalo"' not in page.content.decode()
        response = _share(client, announcement)
        assert response.status_code == 400
        assert "công khai" in response.json()["error"]
    assert not Share.objects.exists()


def test_a_share_is_counted_once_for_a_double_tap(client, village, village_head) -> None:
    announcement = _sent(village)
    client.force_login(village_head)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = _share(client, announcement)
        second = _share(client, announcement, via="copy")
    assert first.status_code == second.status_code == 200
    assert first.json() == {"counted": True, "shares": 1, "landings": 0}
    assert second.json()["counted"] is False
    with time_machine.travel(start + timedelta(seconds=services.SHARE_REPEAT_SECONDS + 1)):
        third = _share(client, announcement, via="copy")
    assert third.json() == {"counted": True, "shares": 2, "landings": 0}
    assert list(Share.objects.order_by("pk").values_list("via", "user")) == [
        ("sheet", village_head.pk),
        ("copy", village_head.pk),
    ]


def test_two_people_sharing_at_once_count_twice(client, village, village_head, officer) -> None:
    announcement = _sent(village)
    for user in (village_head, officer):
        client.force_login(user)
        assert _share(client, announcement).json()["counted"] is True
    assert Share.objects.filter(announcement=announcement).count() == 2


def test_an_unknown_way_is_refused_and_changes_nothing(client, village, village_head) -> None:
    announcement = _sent(village)
    client.force_login(village_head)
    response = _share(client, announcement, via="facebook")
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Share.objects.exists()


def test_residents_and_other_villages_cannot_count_shares(
    client, village, resident, outsider
) -> None:
    announcement = _sent(village)
    client.force_login(resident)
    assert _share(client, announcement).status_code in (403, 404)
    client.force_login(outsider)
    assert _share(client, announcement).status_code == 404
    client.logout()
    assert _share(client, announcement).status_code == 302
    assert not Share.objects.exists()


def test_the_count_needs_a_post_with_the_csrf_token(village, village_head) -> None:
    from django.test import Client

    announcement = _sent(village)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(village_head)
    assert strict.get(reverse("announcement_share", args=[announcement.pk])).status_code == 405
    assert _share(strict, announcement).status_code == 403
    assert not Share.objects.exists()


def test_landings_through_the_shared_link_count_once_per_browser_session(client, village) -> None:
    announcement = _sent(village)
    url = reverse("announcement_public", args=[announcement.public_code])
    assert client.get(url).status_code == 200  # not through the shared link
    assert not ShareLanding.objects.exists()
    first = client.get(url, {"via": "zalo-share"})
    assert first.status_code == 200
    cookie = first.cookies["vp_shared"]
    assert cookie.value == announcement.public_code
    assert not cookie["expires"] and not cookie["max-age"]  # ends with the browser session
    client.get(url, {"via": "zalo-share"})
    assert ShareLanding.objects.filter(announcement=announcement).count() == 1
    client.cookies.clear()  # another browser session
    client.get(url, {"via": "zalo-share"})
    assert ShareLanding.objects.filter(announcement=announcement).count() == 2
    # A draft's public page does not exist, and a landing on it is not counted.
    draft = AnnouncementFactory(village=announcement.village, channels=["web"])
    draft_url = reverse("announcement_public", args=[draft.public_code])
    assert client.get(draft_url, {"via": "zalo-share"}).status_code == 404
    assert ShareLanding.objects.count() == 2


def test_the_reach_page_shows_shares_and_landings(client, village, village_head) -> None:
    announcement = _sent(village)
    client.force_login(village_head)
    _share(client, announcement)
    visitor_url = reverse("announcement_public", args=[announcement.public_code])
    from django.test import Client

    for _ in range(3):
        Client().get(visitor_url, {"via": "zalo-share"})
    page = client.get(reverse("announcement_detail", args=[announcement.pk])).content.decode()
    assert "Chia sẻ lên Zalo: 1 lần, 3 lượt mở từ liên kết chia sẻ" in page
