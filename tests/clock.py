"""The suite's one clock: ``--travel-to`` moves it for the whole run, worker processes included.

``make test PYTEST_ARGS="--travel-to 2028-06-30T23:30"`` runs every test as if it were that
moment in Vietnam, with the clock ticking on from there (time-machine moves ``time.time``,
``datetime.now``, ``date.today`` and the C-level clocks alike). CI runs the suite a second
time this way, so that no test and no demo depends on the calendar day it runs.

Subprocesses that run the portal's code for a test (the Celery worker of the broker tests)
start through ``python -m tests.travelled`` and so keep the same clock. On PostgreSQL the
database's ``now()`` (which the history triggers stamp their rows with) is moved by the same
offset in the test database: a ``now()`` of a schema of its own comes first on the search path
(``postgres_statements``). So there is one clock, whoever reads it.
"""

import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from time_machine import escape_hatch

# How far ahead of the real clock a child process's clock runs, in seconds.
ENVIRONMENT = "PORTAL_TEST_CLOCK_OFFSET"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

_traveller: time_machine.travel | None = None
_offset_seconds = 0.0


def parse(text: str) -> datetime:
    """An ISO moment; without an offset it is local time in Vietnam."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"--travel-to: {text!r} is not an ISO date and time ({exc})") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return moment


def start(text: str) -> datetime:
    """Move this process's clock to ``text`` and let it tick from there."""
    global _traveller, _offset_seconds
    moment = parse(text)
    if _traveller is None:
        _traveller = time_machine.travel(moment, tick=True)
        _traveller.start()
        # Ticking on from ``moment``, the moved clock runs this far ahead of the real one.
        _offset_seconds = moment.timestamp() - escape_hatch.time.time()
    return moment


def start_from_environment() -> None:
    """In a child process: the parent's clock, however long after it the child starts."""
    offset = os.environ.get(ENVIRONMENT)
    if offset:
        real = datetime.fromtimestamp(time.time(), LOCAL)
        start((real + timedelta(seconds=float(offset))).isoformat())


def child_environment() -> dict[str, str]:
    """Variables that put a child process on this process's clock."""
    if _traveller is None:
        return {}
    return {ENVIRONMENT: f"{_offset_seconds:.6f}"}


def postgres_statements(database: str) -> list[str]:
    """SQL that moves the test database's ``now()`` with this process's clock (if moved).

    PostgreSQL looks functions up along the search path, and ``pg_catalog`` is searched where
    it is listed; a ``travel.now()`` listed before it wins in every unqualified ``now()``,
    triggers included. ``CURRENT_TIMESTAMP`` is syntax and cannot be moved: the project does
    not use it.
    """
    if _traveller is None:
        return []
    shift = f"{_offset_seconds:.6f} seconds"
    path = "travel, pg_catalog, public"
    return [
        "CREATE SCHEMA IF NOT EXISTS travel",
        "CREATE OR REPLACE FUNCTION travel.now() RETURNS timestamptz LANGUAGE sql STABLE "
        f"AS $$ SELECT pg_catalog.now() + interval '{shift}' $$",
        f'ALTER DATABASE "{database}" SET search_path = {path}',
        f"SET search_path = {path}",
    ]


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None
