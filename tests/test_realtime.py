"""Live updates: a WebSocket client of the village dashboard receives the village's events."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from households.services import village_live_notify
from villageportal.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(user: Any) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return headers


async def _connect(user_headers: list[tuple[bytes, bytes]], village_id: Any) -> tuple[Any, bool]:
    communicator = WebsocketCommunicator(
        application, f"/ws/villages/{village_id}/live/", headers=user_headers
    )
    connected, _subprotocol = await communicator.connect(timeout=5)
    return communicator, connected


def _round_trip(user: Any, village: Any) -> dict[str, Any]:
    headers = _headers(user)

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
    headers = _headers(user)

    async def scenario() -> bool:
        communicator, connected = await _connect(headers, village.pk)
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_a_foreign_origin_is_refused(village_head, village) -> None:
    headers = [h for h in _headers(village_head) if h[0] != b"origin"]
    headers.append((b"origin", b"https://evil.example"))

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
