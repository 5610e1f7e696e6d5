"""Live updates: a WebSocket client of the village dashboard receives the village's events."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from households.live import village_live_notify
from tests.ws import connect, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(headers: list[tuple[bytes, bytes]], village_id: Any) -> tuple[Any, bool]:
    return await connect(f"/ws/villages/{village_id}/live/", headers)


def _round_trip(user: Any, village: Any) -> dict[str, Any]:
    headers = session_headers(user)

    async def scenario() -> dict[str, Any]:
        communicator, connected = await _connect(headers, village.pk)
        assert connected
        await sync_to_async(village_live_notify)(
            village=village, kind="member_joined", message="Trần Văn Bình đã tham gia."
        )
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return event

    return async_to_sync(scenario)()


def test_staff_of_the_village_receive_its_events(village_head, village) -> None:
    event = _round_trip(village_head, village)
    assert event == {"kind": "member_joined", "message": "Trần Văn Bình đã tham gia."}


@pytest.mark.parametrize("who", ["anonymous", "resident", "outsider"])
def test_others_are_refused_at_the_handshake(who, request, village) -> None:
    user = None if who == "anonymous" else request.getfixturevalue(who)
    headers = session_headers(user)

    async def scenario() -> bool:
        communicator, connected = await _connect(headers, village.pk)
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_a_foreign_origin_is_refused(village_head, village) -> None:
    headers = session_headers(village_head, origin=b"https://evil.example")

    async def scenario() -> bool:
        communicator, connected = await _connect(headers, village.pk)
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


@pytest.mark.broker
def test_events_travel_through_the_redis_channel_layer(village_head, village) -> None:
    from channels_redis.core import RedisChannelLayer

    assert isinstance(get_channel_layer(), RedisChannelLayer)
    event = _round_trip(village_head, village)
    assert event["kind"] == "member_joined"
