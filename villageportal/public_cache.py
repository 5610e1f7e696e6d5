"""A version number per village for the public pages' server-side cache.

Public pages (village home, lane pages, door plates, heritage sites) are cached under keys that
include the village's version; any change that shows on them calls ``bump`` (after the
transaction commits), so the next request renders afresh.
"""

from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def key(village_id: UUID | str) -> str:
    return f"public:village:{village_id}:version"


def version(village_id: UUID | str) -> int:
    value = cache.get(key(village_id))
    if value is None:
        cache.add(key(village_id), 1, timeout=None)
        value = cache.get(key(village_id), 1)
    return int(value)


def channel() -> str:
    """The Redis channel on which every change is announced (``villageportal.edge_cache``)."""
    return cache.make_and_validate_key("public:village:changes")


_publisher: dict[str, object] = {}


def _announce(village_id: UUID | str) -> None:
    location = settings.CACHES["default"].get("LOCATION")
    if settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return
    location = location[0] if isinstance(location, list | tuple) else location
    client = _publisher.get(location)
    if client is None:
        import redis

        client = _publisher[location] = redis.Redis.from_url(location)
    client.publish(channel(), str(village_id))


def bump(village_id: UUID | str) -> None:
    """Invalidate the village's public pages once the current transaction commits."""

    def _bump() -> None:
        try:
            cache.incr(key(village_id))
        except ValueError:
            cache.add(key(village_id), 2, timeout=None)
        _announce(village_id)

    transaction.on_commit(_bump)
