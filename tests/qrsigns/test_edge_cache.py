"""The page cache in front of Django (villageportal.edge_cache), through the real ASGI stack.

Whether a request entered Django is seen from Django's own ``request_started`` signal.
"""

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.core.asgi import get_asgi_application
from django.core.signals import request_started
from django.urls import reverse

from villageportal.edge_cache import EDGE_HEADER, PublicPageCache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def edge() -> PublicPageCache:
    return PublicPageCache(get_asgi_application())


@pytest.fixture
def entered() -> list[int]:
    """One item per request that went through Django."""
    calls: list[int] = []

    def count(**kwargs: Any) -> None:
        calls.append(1)

    request_started.connect(count, dispatch_uid="edge-cache-test")
    yield calls
    request_started.disconnect(dispatch_uid="edge-cache-test")


def _get(app: Any, path: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    raw = [(b"host", b"testserver")] + [
        (name.replace("_", "-").lower().encode(), value.encode()) for name, value in headers.items()
    ]

    async def fetch() -> dict[str, Any]:
        communicator = HttpCommunicator(app, method, path, headers=raw)
        response = await communicator.get_response(timeout=10)
        await communicator.wait()
        return response

    response = async_to_sync(fetch)()
    response["header_map"] = {n.decode().lower(): v.decode() for n, v in response["headers"]}
    return response


def _lane(world: Any) -> str:
    return reverse(
        "qrsigns_lane", kwargs={"village_id": world.village.pk, "lane_id": world.lane.pk}
    )


def test_the_asgi_application_puts_the_page_cache_in_front_of_django() -> None:
    from villageportal.asgi import application

    assert isinstance(application.application_mapping["http"], PublicPageCache)


def test_a_hot_lane_page_is_answered_without_entering_django(edge, entered, lane_world) -> None:
    first = _get(edge, _lane(lane_world))
    second = _get(edge, _lane(lane_world))
    assert first["status"] == second["status"] == 200
    assert len(entered) == 1
    assert second["body"] == first["body"]
    assert "Phạm Thị Lành" in second["body"].decode()
    for response in (first, second):
        assert EDGE_HEADER.lower() not in response["header_map"]
        assert response["header_map"]["cache-control"] == "public, max-age=300"
        # The security middleware's headers come with the kept copy too.
        assert response["header_map"]["x-content-type-options"] == "nosniff"
    assert second["header_map"]["etag"] == first["header_map"]["etag"]


def test_a_change_to_the_village_shows_on_the_next_request(edge, entered, lane_world) -> None:
    url = _lane(lane_world)
    assert "Phạm Thị Lành" in _get(edge, url)["body"].decode()
    # The household withdraws its consent: the name must go at once, in every process.
    lane_world.consenting.head_name_public = False
    lane_world.consenting.save()
    after = _get(edge, url)
    assert len(entered) == 2
    assert "Phạm Thị Lành" not in after["body"].decode()
    again = _get(edge, url)
    assert len(entered) == 2
    assert again["body"] == after["body"]


def test_if_none_match_gets_304_and_head_no_body(edge, entered, lane_world) -> None:
    url = _lane(lane_world)
    etag = _get(edge, url)["header_map"]["etag"]
    not_modified = _get(edge, url, if_none_match=etag)
    head = _get(edge, url, method="HEAD")
    assert len(entered) == 1
    assert not_modified["status"] == 304
    assert not_modified["body"] == b""
    assert head["status"] == 200
    assert head["body"] == b""
    assert int(head["header_map"]["content-length"]) > 1000


def test_each_language_is_kept_apart(edge, entered, lane_world) -> None:
    url = _lane(lane_world)
    vietnamese = _get(edge, url)
    english = _get(edge, url, cookie="django_language=en")
    by_query = _get(edge, url + "?lang=en")
    assert len(entered) == 3
    assert vietnamese["header_map"]["content-language"] == "vi"
    assert english["header_map"]["content-language"] == "en"
    assert by_query["header_map"]["content-language"] == "en"
    assert _get(edge, url, cookie="django_language=en")["body"] == english["body"]
    assert len(entered) == 3


def test_signed_in_visitors_and_other_pages_always_go_to_django(
    edge, entered, lane_world, client, village_head
) -> None:
    url = _lane(lane_world)
    _get(edge, url)
    client.force_login(village_head)
    session = client.cookies["sessionid"].value
    _get(edge, url, cookie=f"sessionid={session}")
    _get(edge, url, cookie=f"sessionid={session}")
    assert len(entered) == 3
    # A staff page, a 404 and a redirect are never kept.
    _get(edge, "/healthz")
    _get(edge, "/healthz")
    missing = reverse(
        "qrsigns_lane", kwargs={"village_id": lane_world.village.pk, "lane_id": 999999}
    )
    assert _get(edge, missing)["status"] == 404
    assert _get(edge, missing)["status"] == 404
    assert len(entered) == 7
    assert len(edge.entries) == 1


def test_the_entries_are_bounded(lane_world, entered) -> None:
    edge = PublicPageCache(get_asgi_application(), max_entries=2)
    url = _lane(lane_world)
    for n in range(5):
        _get(edge, f"{url}?n={n}")
    assert len(edge.entries) == 2
    assert len(entered) == 5


@pytest.mark.broker
def test_with_redis_a_change_is_announced_to_every_process(lane_world, entered) -> None:
    """Two server processes' caches (two instances, one event loop here): a hot page costs no
    round trip, and a change made anywhere reaches both at once through the channel."""
    import asyncio

    from asgiref.sync import sync_to_async

    first, second = (PublicPageCache(get_asgi_application()) for _ in range(2))
    url = _lane(lane_world)

    async def request(edge: PublicPageCache) -> str:
        communicator = HttpCommunicator(edge, "GET", url, headers=[(b"host", b"testserver")])
        response = await communicator.get_response(timeout=10)
        await communicator.wait()
        return response["body"].decode()

    def withdraw_consent() -> None:
        lane_world.consenting.head_name_public = False
        lane_world.consenting.save()

    village = str(lane_world.village.pk)

    async def until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
        """Poll ``condition`` until it holds or ``seconds`` pass; whether it held."""
        deadline = asyncio.get_running_loop().time() + seconds
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for edge in (first, second):
            await request(edge)
        seen["listening"] = await until(
            lambda: first._versions.listening and second._versions.listening
        )
        for edge in (first, second):
            await request(edge)  # reads the version once more and keeps it
        seen["kept"] = [village in e._versions._kept for e in (first, second)]
        before = len(entered)
        pages = [await request(e) for e in (first, second, first, second)]
        seen["hot_entered_django"] = len(entered) - before
        seen["hot_has_name"] = all("Phạm Thị Lành" in page for page in pages)
        await sync_to_async(withdraw_consent)()
        # The announcement crosses Redis: each cache forgets the version it kept.
        seen["announced"] = await until(
            lambda: all(village not in e._versions._kept for e in (first, second))
        )
        seen["after"] = [await request(e) for e in (first, second)]
        for edge in (first, second):
            await edge._versions.stop()
        return seen

    seen = async_to_sync(scenario)()
    assert seen["listening"]
    assert seen["kept"] == [True, True]
    assert seen["hot_entered_django"] == 0
    assert seen["hot_has_name"]
    assert seen["announced"]
    assert all("Phạm Thị Lành" not in page for page in seen["after"])
