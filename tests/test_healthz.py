import json

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_it_reports_every_part_up(db) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["status"] == "up" for check in body["checks"].values())
    assert response.headers["Cache-Control"].startswith("max-age=0")


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_an_unreachable_broker_gives_503_without_leaking_its_address(db) -> None:
    from villageportal.celery import app

    previous = app.conf.broker_url
    secret_url = "redis://:s3cret-password@127.0.0.1:1/0"
    app.conf.broker_url = secret_url
    try:
        response = Client().get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "up"
    text = json.dumps(body)
    assert "s3cret" not in text and "127.0.0.1:1" not in text


def test_a_broken_cache_gives_503(db, settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "down"
