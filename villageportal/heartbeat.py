"""Celery beat's heartbeat: ``python -m villageportal.heartbeat`` is its container health check.

A beat process that hangs (a lost database connection it never recovers from, say) keeps
running without sending anything. Its scheduler (``villageportal.beat``) touches a file on
every tick; this check fails when the file is older than ``CELERY_BEAT_HEARTBEAT_MAX_AGE``
seconds. It imports nothing of Django, so that it stays cheap to run every half minute.
"""

import os
import sys
import time
from pathlib import Path

DEFAULT_FILE = "/tmp/celery-beat-heartbeat"  # noqa: S108 - one per container, for its check
DEFAULT_MAX_AGE = 120.0


def heartbeat_file() -> Path:
    return Path(os.environ.get("CELERY_BEAT_HEARTBEAT_FILE", DEFAULT_FILE))


def beat() -> None:
    path = heartbeat_file()
    path.touch()
    # The time is written explicitly (not left to the file system) so that the check and the
    # scheduler read one clock, the process's.
    now = time.time()
    os.utime(path, (now, now))


def is_alive(*, path: Path | None = None, max_age: float | None = None) -> bool:
    """Whether beat has ticked within ``max_age`` seconds."""
    path = path or heartbeat_file()
    if max_age is None:
        max_age = float(os.environ.get("CELERY_BEAT_HEARTBEAT_MAX_AGE", DEFAULT_MAX_AGE))
    try:
        return time.time() - path.stat().st_mtime <= max_age
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(0 if is_alive() else 1)
