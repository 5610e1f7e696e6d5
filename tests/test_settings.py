"""Production settings hold together, and the embedded default needs nothing installed."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "thon.example.vn",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_passes_with_production_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_malformed_boolean_fails_loudly() -> None:
    result = _manage("check", env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0


def test_the_language_and_time_settings() -> None:
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _name in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ


def test_the_vietnamese_catalogue_is_compiled_and_used() -> None:
    from django.utils import translation

    for path in settings.LOCALE_PATHS:
        assert (path / "vi" / "LC_MESSAGES" / "django.mo").exists(), path
    with translation.override("vi"):
        assert translation.gettext("Village head") == "Trưởng thôn"
        assert translation.pgettext("field label", "Login") != "Login"


@pytest.mark.django_db
def test_every_role_has_a_vietnamese_name() -> None:
    from django.utils import translation

    from accounts.roles import Role

    for role in Role:
        with translation.override("en"):
            english = str(role.label)
        with translation.override("vi"):
            assert str(role.label) != english, role
