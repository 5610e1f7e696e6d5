"""``/healthz``: is the portal able to serve? For load balancers and monitoring."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _cache() -> str:
    cache = caches["default"]
    key = "healthz-probe"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value written")
    return cache.__class__.__name__


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    from villageportal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return str(conn.transport.driver_type)


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            backend = check()
        except Exception as exc:
            logger.warning("healthz: %s is down: %s", name, exc)
            healthy = False
            results[name] = {"status": "down", "error": exc.__class__.__name__}
        else:
            results[name] = {
                "status": "up",
                "backend": backend,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
    return JsonResponse(
        {"status": "up" if healthy else "down", "checks": results},
        status=200 if healthy else 503,
    )
