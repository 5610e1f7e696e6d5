"""A page cache in front of Django for the public pages behind the QR signs.

The public pages (village home, lane, heritage site, door plate) are the same for every
visitor and are already cached per village version inside the view
(``qrsigns.public_views._cached_page``). Going through Django's request handling and middleware
for each scan still costs about two milliseconds of Python, and with many phones at once the
requests queue behind each other: that, not the page, is what fills the server. This ASGI
middleware keeps the finished responses of those pages in the process and answers from them
without entering Django, as exactly as the view's cache: each kept response carries the village
and the version it was rendered at, and is used only while that is still the village's version
(see ``_Versions``: changes are announced to every process through Redis).

What is kept and when:

- only responses the view marked with ``EDGE_HEADER`` (``"<village id> <version>"``), status
  200, without ``Set-Cookie``; the marker is removed before anything leaves the server;
- only for GET and HEAD requests without a session cookie: signed-in users always go through
  Django, so whatever the portal does for them still applies;
- keyed by the path, the query string and the language cookie: the inputs the pages vary on;
  a bounded number of entries, oldest out first;
- ``If-None-Match`` is answered with 304 as the view would.

With a cache backend other than Redis or the local-memory one (the embedded default), the
middleware passes everything to Django.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

EDGE_HEADER = "X-Edge-Cache"
_EDGE_HEADER_BYTES = EDGE_HEADER.lower().encode()
MAX_ENTRIES = 1024
REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
LOCMEM_BACKEND = "django.core.cache.backends.locmem.LocMemCache"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Entry:
    village: str
    version: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None


class _Versions:
    """A village's public version as ``villageportal.public_cache.version`` gives it, without
    blocking the event loop.

    With Redis, each server process subscribes to the channel on which
    ``villageportal.public_cache.bump`` announces every change, and keeps the versions it has
    read until a change to that village is announced: a hot page then costs no round trip at
    all. While the subscription is not confirmed (starting, or Redis lost and being
    reconnected) nothing is kept and every request reads the version from Redis; a kept
    version is also read again after ``TRUST_SECONDS`` whatever happens, so that a connection
    that died silently cannot keep a page old for longer. With the local-memory cache (the
    embedded default, one process) the version is read from memory.
    """

    TRUST_SECONDS = 30.0

    def __init__(self) -> None:
        config = settings.CACHES["default"]
        self.enabled = config["BACKEND"] in (REDIS_BACKEND, LOCMEM_BACKEND)
        self._location: str | None = None
        if config["BACKEND"] == REDIS_BACKEND:
            location = config["LOCATION"]
            self._location = location[0] if isinstance(location, list | tuple) else location
        self._redis: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task | None = None
        self.listening = False
        # village -> (version, when read); changed only by this event loop's tasks.
        self._kept: dict[str, tuple[int, float]] = {}
        self._announcements = 0

    async def get(self, village: str) -> int | None:
        from django.core.cache import cache

        from villageportal import public_cache

        if self._location is None:
            value = cache.get(public_cache.key(village))  # local memory: no I/O to wait for
            return None if value is None else int(value)
        self.start()
        now = time.monotonic()
        kept = self._kept.get(village)
        if kept is not None and self.listening and now - kept[1] < self.TRUST_SECONDS:
            return kept[0]
        seen = self._announcements
        # The cache stores integers as plain Redis integers (what ``incr`` needs).
        raw = await self._redis.get(cache.make_and_validate_key(public_cache.key(village)))
        value = None if raw is None else int(raw)
        # Kept only if no change was announced while the value was on its way: the
        # announcement of a change made just after the read then still removes it.
        if value is not None and self.listening and self._announcements == seen:
            if len(self._kept) > 100_000:
                self._kept.clear()
            self._kept[village] = (value, now)
        return value

    def start(self) -> None:
        """A client and a listener for the running event loop (one per server process)."""
        if self._location is None:
            return
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._listener is not None and not self._listener.done():
            return
        import redis.asyncio

        self._forget()
        self._loop = loop
        # Every wait on Redis is bounded: a listener cancelled while its event loop closes
        # (a worker shutting down) must not wait forever for a connection to close.
        self._redis = redis.asyncio.Redis.from_url(
            self._location, socket_connect_timeout=5, socket_timeout=30
        )
        self._listener = loop.create_task(self._listen())

    def _forget(self) -> None:
        self.listening = False
        self._kept.clear()
        self._announcements += 1

    async def _listen(self) -> None:
        from villageportal import public_cache

        channel = public_cache.channel()
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(channel)
                    while True:
                        message = await pubsub.get_message(timeout=10.0)
                        if message is None:
                            await pubsub.ping()  # a dead connection fails here
                        elif message["type"] == "subscribe":
                            self._forget()
                            self.listening = True
                        elif message["type"] == "message":
                            self._announcements += 1
                            self._kept.pop(message["data"].decode(), None)
            except asyncio.CancelledError:
                self._forget()
                raise
            except Exception:  # Redis lost: read every time until subscribed again
                logger.warning("Public page cache: lost the change channel", exc_info=True)
                self._forget()
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._listener
        self._listener = None
        self._forget()


class PublicPageCache:
    def __init__(self, app: ASGIApp, max_entries: int = MAX_ENTRIES) -> None:
        self.app = app
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, bytes, bytes], Entry] = OrderedDict()
        self._versions: _Versions | None = None
        self.session_cookie = settings.SESSION_COOKIE_NAME.encode()
        self.language_cookie = settings.LANGUAGE_COOKIE_NAME.encode()

    def _key(self, scope: Scope) -> tuple[str, bytes, bytes] | None:
        """The entry's key, or None when the request must go to Django."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return None
        language = b""
        for name, value in scope["headers"]:
            if name == b"cookie":
                for part in value.split(b";"):
                    cookie, _, content = part.strip().partition(b"=")
                    if cookie == self.session_cookie:
                        return None
                    if cookie == self.language_cookie:
                        language = content
        return (scope["path"], scope.get("query_string", b""), language)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        if self._versions is None:
            self._versions = _Versions()
        if not self._versions.enabled:
            await self.app(scope, receive, send)
            return
        self._versions.start()
        entry = self.entries.get(key)
        if entry is not None and await self._versions.get(entry.village) == entry.version:
            await self._answer(scope, send, entry)
            return
        await self._through_django(scope, receive, send, key)

    async def _answer(self, scope: Scope, send: Send, entry: Entry) -> None:
        if_none_match = next((v for n, v in scope["headers"] if n == b"if-none-match"), None)
        if entry.etag is not None and if_none_match == entry.etag:
            headers = [
                (n, v) for n, v in entry.headers if n not in (b"content-length", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        body = b"" if scope["method"] == "HEAD" else entry.body
        await send({"type": "http.response.body", "body": body})

    async def _through_django(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, bytes, bytes]
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        marker: bytes | None = None
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, marker, keep
            if message["type"] == "http.response.start":
                headers = []
                for name, value in message.get("headers", []):
                    lowered = name.lower()
                    if lowered == _EDGE_HEADER_BYTES:
                        marker = value
                        continue
                    if lowered == b"set-cookie":
                        keep = False
                    headers.append((name, value))
                message = {**message, "headers": headers}
                start = message
                keep = keep and message["status"] == 200 and marker is not None
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(scope, key, start, marker, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _store(
        self,
        scope: Scope,
        key: tuple[str, bytes, bytes],
        start: Message | None,
        marker: bytes | None,
        body: bytes,
    ) -> None:
        if start is None or marker is None or scope["method"] != "GET":
            return
        village, _, version = marker.decode().partition(" ")
        if not version.isdigit():
            return
        headers = list(start["headers"])
        etag = next((v for n, v in headers if n.lower() == b"etag"), None)
        self.entries[key] = Entry(village, int(version), headers, body, etag)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
