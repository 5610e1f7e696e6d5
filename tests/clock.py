"""The suite's one clock: ``--travel-to`` moves it for the whole run, worker processes included.

``make test PYTEST_ARGS="--travel-to 2028-06-30T23:30"`` runs every test as if it were that
moment in Vietnam, with the clock ticking on from there (time-machine moves ``time.time``,
``datetime.now``, ``date.today`` and the C-level clocks alike). CI runs the suite a second
time this way, so that no test and no demo depends on the calendar day it runs.

Subprocesses that run the portal's code for a test (the Celery worker of the broker tests)
start through ``python -m tests.travelled`` and so keep the same clock. PostgreSQL's own
``now()`` is not moved: code and tests take "now" from ``django.utils.timezone``.
"""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

ENVIRONMENT = "PORTAL_TEST_TRAVEL_TO"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

_traveller: time_machine.travel | None = None


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
    global _traveller
    moment = parse(text)
    if _traveller is None:
        _traveller = time_machine.travel(moment, tick=True)
        _traveller.start()
    return moment


def start_from_environment() -> None:
    text = os.environ.get(ENVIRONMENT)
    if text:
        start(text)


def child_environment() -> dict[str, str]:
    """Variables that put a child process on this process's clock, as it reads now."""
    if _traveller is None:
        return {}
    return {ENVIRONMENT: datetime.now(LOCAL).isoformat()}


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None
