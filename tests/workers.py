"""A real Celery worker process for the broker tests, on a queue of its own."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from tests import clock


@dataclass
class Worker:
    queue: str
    log: Path

    def run(self, task: Any, *args: Any, timeout: float = 60) -> str:
        """Send ``task`` to this worker through the broker; return its log once it is done."""
        from villageportal.celery import app

        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            result = task.apply_async(args=list(args), queue=self.queue)
        finally:
            app.conf.task_always_eager = previous
        return self.wait_for(f"[{result.id}] succeeded", timeout=timeout)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.log.read_text()
            if text in output:
                return output
            time.sleep(0.2)
        raise AssertionError(f"worker never logged {text!r}:\n{self.log.read_text()[-3000:]}")


@contextmanager
def celery_worker(tmp_path: Path, **env: str) -> Iterator[Worker]:
    """``celery worker`` against the test database (PostgreSQL) and the broker in REDIS_URL."""
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "REDIS_URL": settings.REDIS_URL,
        **clock.child_environment(),
        **env,
    }
    log = tmp_path / f"worker-{queue}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.travelled",
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
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Worker(queue=queue, log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
