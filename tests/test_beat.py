"""Celery beat's health check: a real beat process keeps its heartbeat fresh, a stopped one not."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from tests import clock


def _check(env: dict[str, str]) -> int:
    return subprocess.run(
        [sys.executable, "-m", "tests.travelled", "villageportal.heartbeat"],
        cwd=settings.BASE_DIR,
        env={**env, **clock.child_environment()},  # the test's clock, as it reads now
        timeout=120,  # a loaded machine starts Python and Django slowly
    ).returncode


def test_the_health_check_follows_a_real_beat_process(tmp_path: Path) -> None:
    heartbeat = tmp_path / "beat-heartbeat"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'beat.sqlite3'}",
        "CELERY_BEAT_HEARTBEAT_FILE": str(heartbeat),
        "CELERY_BEAT_HEARTBEAT_MAX_AGE": "30",
        **clock.child_environment(),
    }
    assert _check(env) == 1, "no heartbeat yet: unhealthy"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "django_celery_beat", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=120,
    )
    log = (tmp_path / "beat.log").open("w")
    beat = subprocess.Popen(
        [sys.executable, "-m", "tests.travelled", "celery", "-A", "villageportal", "beat"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # a loaded machine starts Celery slowly
        while not heartbeat.exists() and time.monotonic() < deadline:
            assert beat.poll() is None, (tmp_path / "beat.log").read_text()
            time.sleep(0.2)
        assert heartbeat.exists(), (tmp_path / "beat.log").read_text()
        assert _check(env) == 0
    finally:
        beat.send_signal(signal.SIGTERM)
        beat.wait(timeout=30)
        log.close()
    stale = time.time() - 31
    os.utime(heartbeat, (stale, stale))
    assert _check(env) == 1, "a beat that stopped ticking is unhealthy"
