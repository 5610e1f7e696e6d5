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


_READ_APP_SETTINGS = """
from django.conf import settings
from announcements import conf as announcements_conf
from announcements.services import setting_bool
from cameras import conf as cameras_conf
from feedback import limits, services
print(announcements_conf.setting("ANNOUNCEMENTS_RATE_SMS"))
print(setting_bool("ANNOUNCEMENTS_REQUIRE_APPROVAL"))
print(cameras_conf.probe_interval(), cameras_conf.networks())
print(settings.CELERY_BEAT_SCHEDULE["probe-cameras"]["schedule"])
print(limits._limit("FEEDBACK_RATE_PER_IP"), services.reopen_days())
"""


def test_the_apps_settings_come_from_the_environment() -> None:
    result = _manage(
        "shell",
        "--no-imports",
        "-c",
        _READ_APP_SETTINGS,
        env={
            "ANNOUNCEMENTS_RATE_SMS": "7",
            "ANNOUNCEMENTS_REQUIRE_APPROVAL": "true",
            "CAMERA_PROBE_INTERVAL": "15",
            "CAMERA_NETWORKS": "10.1.0.0/16,10.2.0.0/16",
            "FEEDBACK_RATE_PER_IP": "3/60",
            "FEEDBACK_REOPEN_DAYS": "30",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "7"
    assert lines[1] == "True"
    assert lines[2] == "15.0 ('10.1.0.0/16', '10.2.0.0/16')"
    assert lines[3] == "15.0"
    assert lines[4] == "(3, 60) 30"


def test_the_apps_settings_have_their_defaults_without_the_environment() -> None:
    clean = {
        name: ""
        for name in ("ANNOUNCEMENTS_RATE_SMS", "CAMERA_PROBE_INTERVAL", "FEEDBACK_RATE_PER_IP")
    }
    env = {k: v for k, v in os.environ.items() if k not in clean}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", _READ_APP_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "200"
    assert lines[2] == "60.0 ('10.20.0.0/16',)"
    assert lines[4] == "(10, 3600) 14"


def test_a_malformed_app_setting_fails_loudly() -> None:
    result = _manage("check", env={"CAMERA_PROBE_INTERVAL": "soon"})
    assert result.returncode != 0
    assert "CAMERA_PROBE_INTERVAL" in result.stderr or "soon" in result.stderr
