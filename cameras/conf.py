"""The app's settings, typed, from Django's settings (``villageportal/settings.py`` reads the
environment for them)."""

from datetime import timedelta
from typing import Any

from django.conf import settings

# The demo village's camera network (a private range), also when a test clears the setting.
DEFAULT_NETWORKS = ("10.20.0.0/16",)


def _value(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    return default if value is None or value == "" else value


def _list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = _value(name, None)
    if value is None:
        return default
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return tuple(str(item).strip() for item in value if str(item).strip()) or default


def networks() -> tuple[str, ...]:
    """CIDRs that cameras may live on (``CAMERA_NETWORKS``)."""
    return _list("CAMERA_NETWORKS", DEFAULT_NETWORKS)


def own_addresses() -> tuple[str, ...]:
    """Extra addresses of the portal's own host to refuse (``CAMERA_OWN_ADDRESSES``)."""
    return _list("CAMERA_OWN_ADDRESSES", ())


def probe_timeout() -> float:
    return float(settings.CAMERA_PROBE_TIMEOUT)


def probe_concurrency() -> int:
    return int(settings.CAMERA_PROBE_CONCURRENCY)


def slow_after_ms() -> int:
    """A probe slower than this marks the camera degraded (``CAMERA_PROBE_SLOW_MS``)."""
    return int(settings.CAMERA_PROBE_SLOW_MS)


def probe_interval() -> float:
    return float(settings.CAMERA_PROBE_INTERVAL)


def offline_after() -> timedelta:
    """Failing for this long declares a camera offline (``CAMERA_OFFLINE_AFTER_MINUTES``)."""
    return timedelta(minutes=float(settings.CAMERA_OFFLINE_AFTER_MINUTES))


def reminder_every() -> timedelta:
    """A camera still down is reminded about this often (``CAMERA_REMINDER_HOURS``)."""
    return timedelta(hours=float(settings.CAMERA_REMINDER_HOURS))


def intermittent_window() -> int:
    return int(settings.CAMERA_INTERMITTENT_WINDOW)


def intermittent_failures() -> int:
    """Failures among the last probes that make a working camera "degraded"."""
    return int(settings.CAMERA_INTERMITTENT_FAILURES)


def snapshot_max_bytes() -> int:
    return int(settings.CAMERA_SNAPSHOT_MAX_BYTES)
