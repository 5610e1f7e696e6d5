"""Live push: a resident's open feed and the village dashboards get the new announcement."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from announcements import services
from tests.announcements.factories import AnnouncementFactory
from tests.factories import UserFactory
from tests.ws import connect, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_residents_feed_and_the_dashboard_receive_the_announcement(world, village_head) -> None:
    resident = world.household.residents.get(full_name="Nguyễn Văn An")
    user = UserFactory(full_name=resident.full_name)
    resident.account = user
    resident.save()
    stranger = UserFactory(full_name="Người lạ")
    announcement = AnnouncementFactory(village=world.village, channels=["web"])
    headers = {who: session_headers(who) for who in (user, stranger, village_head)}

    async def scenario() -> tuple[dict, dict, dict, bool]:
        feed, ok = await connect("/ws/announcements/feed/", headers[user])
        assert ok
        other, ok = await connect("/ws/announcements/feed/", headers[stranger])
        assert ok
        dashboard, ok = await connect(
            f"/ws/villages/{world.village.pk}/live/", headers[village_head]
        )
        assert ok
        await sync_to_async(services.announcement_send)(announcement=announcement)
        staff_event = await dashboard.receive_json_from(timeout=5)
        reach_event = await dashboard.receive_json_from(timeout=5)
        resident_event = await feed.receive_json_from(timeout=5)
        stranger_got_nothing = await other.receive_nothing(timeout=0.5)
        for communicator in (feed, other, dashboard):
            await communicator.disconnect()
        return staff_event, reach_event, resident_event, stranger_got_nothing

    staff_event, reach_event, resident_event, stranger_got_nothing = async_to_sync(scenario)()
    # The workers (in-process here) drained the web row: the reach follows on the dashboard.
    assert reach_event["kind"] == "announcement_reach"
    assert reach_event["announcement"] == announcement.pk
    assert (reach_event["total"], reach_event["sent"], reach_event["queued"]) == (1, 1, 0)
    assert staff_event["kind"] == "announcement_sent"
    assert announcement.title in staff_event["message"]
    assert resident_event == {
        "kind": "announcement",
        "message": announcement.title,
        "code": announcement.public_code,
    }
    assert stranger_got_nothing


def test_anonymous_users_cannot_open_the_feed(db) -> None:
    headers = session_headers(None)

    async def scenario() -> bool:
        communicator, connected = await connect("/ws/announcements/feed/", headers)
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_a_push_the_residents_page_received_counts_as_reach(world) -> None:
    from announcements import selectors
    from announcements.models import Sighting

    resident = world.household.residents.get(full_name="Nguyễn Văn An")
    user = UserFactory(full_name=resident.full_name)
    resident.account = user
    resident.save()
    stranger = UserFactory(full_name="Người lạ")
    announcement = AnnouncementFactory(village=world.village, channels=["web"])
    headers = {who: session_headers(who) for who in (user, stranger)}

    async def scenario() -> None:
        feed, ok = await connect("/ws/announcements/feed/", headers[user])
        other, other_ok = await connect("/ws/announcements/feed/", headers[stranger])
        assert ok and other_ok
        await sync_to_async(services.announcement_send)(announcement=announcement)
        pushed = await feed.receive_json_from(timeout=5)
        # The stranger claims to have received it: not addressed to them, nothing counts.
        await other.send_json_to({"received": pushed["code"]})
        await feed.send_json_to({"received": pushed["code"]})
        await feed.send_json_to({"received": pushed["code"]})  # twice: counted once
        await feed.receive_nothing(timeout=0.5)
        await other.receive_nothing(timeout=0.5)
        for communicator in (feed, other):
            await communicator.disconnect()

    async_to_sync(scenario)()
    assert list(Sighting.objects.values_list("resident_id", "via")) == [(resident.pk, "push")]
    lanes = {lane["key"]: lane for lane in selectors.reach(announcement=announcement)["lanes"]}
    assert lanes["push"]["households"] == 1
