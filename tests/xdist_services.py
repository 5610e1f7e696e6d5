"""Give each pytest-xdist process its own Redis database.

Loaded with ``-p`` (see ``addopts``), so that it runs before Django reads its settings. With
``-n 2`` on PostgreSQL and Redis, pytest-django already gives each process its own test database
(``test_<name>_gw0``, ``…_gw1``); the broker, the cache and the channel layer must be apart too,
or one process's Celery worker would take the other's tasks. Process ``gwN`` uses the database
number of ``REDIS_URL`` plus N.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def _shifted(url: str, by: int) -> str:
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + by
    return urlunsplit(parts._replace(path=f"/{number}"))


def _apart() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not os.environ.get("REDIS_URL"):
        return
    by = int(worker[2:])
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if os.environ.get(name):
            os.environ[name] = _shifted(os.environ[name], by)


_apart()
