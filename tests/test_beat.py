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


APPS = (
    "accounts",
    "announcements",
    "cameras",
    "feedback",
    "households",
    "payments",
    "qrsigns",
    "reports",
)


def test_the_schedule_lists_every_periodic_task_the_apps_define() -> None:
    """A task that no code enqueues runs only on the schedule, so each must be in it."""
    import re

    from villageportal.celery import app

    app.loader.import_default_modules()
    ours = {name for name in app.tasks if name.split(".")[0] in APPS}
    scheduled = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert set(scheduled) <= ours, set(scheduled) - ours
    source = "\n".join(
        path.read_text()
        for package in APPS
        for path in (Path(settings.BASE_DIR) / package).rglob("*.py")
    )
    enqueued = {
        name
        for name in ours
        if re.search(rf"\b{name.rsplit('.', 1)[1]}\.(delay|apply_async|s|si|signature)\(", source)
        # a background job's task starts through villageportal.jobs.enqueue(task, job)
        or re.search(rf"\benqueue\(\s*(\w+\.)?{name.rsplit('.', 1)[1]}\b", source)
    }
    assert ours - enqueued == set(scheduled)


def test_no_app_changes_the_schedule_at_start_up() -> None:
    """The settings module's schedule is the whole schedule: no ``ready()`` adds to it."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import villageportal.settings as s; print(sorted(s.CELERY_BEAT_SCHEDULE))",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == str(sorted(settings.CELERY_BEAT_SCHEDULE))
