"""A real Celery worker process, fed through Redis, writing to PostgreSQL."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.tasks import invitation_send_task
from tests.factories import InvitationFactory
from villageportal.celery import app

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path: Path):
    """Start ``celery worker`` on a queue of its own, against the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": "consolemail://",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "villageportal",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_a_worker_process_runs_the_task_and_its_write_lands_in_postgresql(worker, village):
    assert connection.vendor == "postgresql"
    queue, log = worker
    invitation = InvitationFactory(village=village, email="worker-test@example.com")
    first = _enqueue(invitation.pk, queue)
    output = _wait_for(log, f"[{first.id}] succeeded")
    invitation.refresh_from_db()
    assert invitation.sent_at is not None, output[-3000:]
    # The worker, not this process, sent the message: its console backend printed it.
    assert "To: worker-test@example.com" in output
    assert "/invite/token-for-the-link/" in output

    # Idempotent: the same task again sends nothing more and keeps the first timestamp.
    sent_at = invitation.sent_at
    second = _enqueue(invitation.pk, queue)
    output = _wait_for(log, f"[{second.id}] succeeded")
    assert output.count("To: worker-test@example.com") == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == sent_at


def _enqueue(invitation_id: int, queue: str):
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        return invitation_send_task.apply_async(
            args=[invitation_id, "token-for-the-link"], queue=queue
        )
    finally:
        app.conf.task_always_eager = previous


def _wait_for(log: Path, text: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = log.read_text()
        if text in output:
            return output
        time.sleep(0.2)
    raise AssertionError(f"worker never logged {text!r}:\n{log.read_text()[-3000:]}")
