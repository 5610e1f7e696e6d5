"""The app's settings, each read from Django's settings, else the environment, else a default.

The environment is consulted directly so that a worker started with only environment
variables (a container, a test's worker process) behaves like the web process.
"""

import os
from datetime import timedelta
from typing import Any

from django.conf import settings

# The demo village's camera network (a private range); production lists its own.
DEFAULT_NETWORKS = ("10.20.0.0/16",)


def _value(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value is None or value == "" else value


def _list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = _value(name, None)
    if value is None:
        return default
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return tuple(str(item).strip() for item in value)


def networks() -> tuple[str, ...]:
    """CIDRs that cameras may live on (``CAMERA_NETWORKS``)."""
    return _list("CAMERA_NETWORKS", DEFAULT_NETWORKS)


def own_addresses() -> tuple[str, ...]:
    """Extra addresses of the portal's own host to refuse (``CAMERA_OWN_ADDRESSES``)."""
    return _list("CAMERA_OWN_ADDRESSES", ())


def probe_timeout() -> float:
    return float(_value("CAMERA_PROBE_TIMEOUT", 3.0))


def probe_concurrency() -> int:
    return int(_value("CAMERA_PROBE_CONCURRENCY", 500))


def slow_after_ms() -> int:
    """A probe slower than this marks the camera degraded (``CAMERA_PROBE_SLOW_MS``)."""
    return int(_value("CAMERA_PROBE_SLOW_MS", 1500))


def probe_interval() -> float:
    return float(_value("CAMERA_PROBE_INTERVAL", 60.0))


def offline_after() -> timedelta:
    """Failing for this long declares a camera offline (``CAMERA_OFFLINE_AFTER_MINUTES``)."""
    return timedelta(minutes=float(_value("CAMERA_OFFLINE_AFTER_MINUTES", 10)))


def reminder_every() -> timedelta:
    """A camera still down is reminded about this often (``CAMERA_REMINDER_HOURS``)."""
    return timedelta(hours=float(_value("CAMERA_REMINDER_HOURS", 24)))


def intermittent_window() -> int:
    return int(_value("CAMERA_INTERMITTENT_WINDOW", 6))


def intermittent_failures() -> int:
    """Failures among the last probes that make a working camera "degraded"."""
    return int(_value("CAMERA_INTERMITTENT_FAILURES", 2))


def snapshot_max_bytes() -> int:
    return int(_value("CAMERA_SNAPSHOT_MAX_BYTES", 5 * 1024 * 1024))


def credentials_keys() -> tuple[str, ...]:
    """Fernet keys, newest first (``CAMERA_CREDENTIALS_KEY``, comma-separated for rotation)."""
    return _list("CAMERA_CREDENTIALS_KEY", ())
