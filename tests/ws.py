"""Helpers for WebSocket tests: a signed-in user's handshake headers, and connecting."""

from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from villageportal.asgi import application


def session_headers(user: Any, origin: bytes = b"http://testserver") -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin)]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return headers


async def connect(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[Any, bool]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _subprotocol = await communicator.connect(timeout=5)
    return communicator, connected
