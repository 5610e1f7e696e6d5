"""A flood of requests cannot take every database connection.

The production server (uvicorn over ASGI, as the Makefile and docker-compose start it) on
PostgreSQL with a pool of three connections: many requests at once over public lane pages are
served or answered 503 with Retry-After, never 500, and the server never holds more
connections than its pool allows. Whatever the page, a request that gets no connection in
time is answered 503 with a Vietnamese page.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests import clock
from tests.conftest import POSTGRES_AVAILABLE
from tests.factories import LaneFactory, VillageFactory

POOL = 3
LANES = 120
AT_ONCE = 40


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_connections(dsn: str, name: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as watcher:
        return watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [name, "portal-web-under-test"],
        ).fetchone()[0]


@contextmanager
def _uvicorn(tmp_path: Path, **env: str) -> Iterator[str]:
    db = connection.settings_dict
    port = _free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            "?application_name=portal-web-under-test"
        ),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "a-key-for-the-pool-test-only-0123456789abcdef",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_MANIFEST": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
        **clock.child_environment(),
        **env,
    }
    log = tmp_path / "uvicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.travelled",
                "uvicorn",
                "villageportal.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--no-access-log",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).close()  # noqa: S310
                break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"uvicorn did not start:\n{log.read_text()[-3000:]}"
                    ) from exc
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _get(url: str) -> tuple[int, str | None, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            return response.status, None, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After"), error.read().decode()


@pytest.mark.skipif(not POSTGRES_AVAILABLE, reason="connection pooling needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_flood_of_public_pages_stays_within_the_pool(tmp_path) -> None:
    village = VillageFactory()
    lanes = [LaneFactory(village=village) for _ in range(LANES)]
    db = connection.settings_dict
    dsn = f"host={db['HOST']} port={db['PORT']} user={db['USER']} dbname={db['NAME']}"
    if db["PASSWORD"]:
        dsn += f" password={db['PASSWORD']}"
    with _uvicorn(
        tmp_path,
        DATABASE_POOL_MAX_SIZE=str(POOL),
        DATABASE_POOL_TIMEOUT="2",
        DATABASE_POOL_MAX_WAITING=str(AT_ONCE // 2),
    ) as base:
        most = 0
        stop = threading.Event()

        def watch() -> None:
            nonlocal most
            while not stop.is_set():
                most = max(most, _server_connections(dsn, db["NAME"]))
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            urls = [f"{base}/p/{village.pk}/lanes/{lane.pk}/" for lane in lanes]
            with ThreadPoolExecutor(max_workers=AT_ONCE) as flood:
                answers = list(flood.map(_get, urls))
        finally:
            stop.set()
            watcher.join()

    statuses = Counter(status for status, _, _ in answers)
    log = (tmp_path / "uvicorn.log").read_text()[-3000:]
    assert set(statuses) <= {200, 503}, f"{statuses}\n{log}"
    assert statuses[200] > 0, statuses
    for status, retry_after, body in answers:
        if status == 503:
            assert retry_after and int(retry_after) > 0
            assert "quá tải" in body
    assert 0 < most <= POOL, f"the server held {most} connections with a pool of {POOL}"


def _queries_fail_with(monkeypatch, error: Exception) -> None:
    """Every query fails the way Django reports it when no connection can be had."""
    from django.db.backends.utils import CursorWrapper

    def fail(self, *args, **kwargs):
        with self.db.wrap_database_errors:
            raise error

    monkeypatch.setattr(CursorWrapper, "_execute", fail)
    monkeypatch.setattr(CursorWrapper, "_executemany", fail)


def _busy_errors() -> dict[str, Exception]:
    from psycopg import OperationalError
    from psycopg_pool import PoolTimeout, TooManyRequests

    return {
        "no connection free in time": PoolTimeout("couldn't get a connection after 10.00 sec"),
        "too many waiting": TooManyRequests("the pool has already 20 requests waiting"),
        "server full": OperationalError("FATAL:  sorry, too many clients already"),
    }


@pytest.mark.parametrize("error", list(_busy_errors()))
def test_a_busy_database_is_answered_503_with_retry_after(
    world, village_head, settings, monkeypatch, error
) -> None:
    from django.test import Client

    settings.DEBUG = False
    visitor = Client(raise_request_exception=False)
    staff = Client(raise_request_exception=False)
    staff.force_login(village_head)
    _queries_fail_with(monkeypatch, _busy_errors()[error])
    for client, path in (
        (visitor, f"/p/{world.village.pk}/lanes/{world.lane.pk}/"),
        (staff, "/registry/"),
        (staff, "/api/v1/households/"),
    ):
        response = client.get(path)
        assert response.status_code == 503, path
        assert int(response["Retry-After"]) > 0
        assert "quá tải" in response.content.decode()
    monkeypatch.undo()


def test_any_other_database_error_is_still_a_500(world, settings, monkeypatch) -> None:
    from django.test import Client
    from psycopg import errors

    settings.DEBUG = False
    visitor = Client(raise_request_exception=False)
    _queries_fail_with(monkeypatch, errors.UndefinedTable("relation does not exist"))
    response = visitor.get(f"/p/{world.village.pk}/lanes/{world.lane.pk}/")
    monkeypatch.undo()
    assert response.status_code == 500
    assert "Retry-After" not in response
