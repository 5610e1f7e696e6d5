"""What gets installed, and from where: the lock, the image and the compose file agree.

No Docker engine runs where the tests run, so the image and the compose file are checked by
reading them: they must install from uv.lock, leave tests and benchmarks out of the image, run
the server the README names, and give every long-running service a health check.
"""

import fnmatch
import tomllib
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def test_every_locked_package_has_an_exact_version_and_hashes() -> None:
    packages = [p for p in _lock()["package"] if p["name"] != "villageportal"]
    assert len(packages) > 50
    for package in packages:
        assert package["version"], package["name"]
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files, f"{package['name']} has no files in the lock"
        assert all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_the_lock_covers_the_dev_and_bench_extras() -> None:
    locked = {p["name"] for p in _lock()["package"]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for extra in ("dev", "bench"):
        for requirement in project["optional-dependencies"][extra]:
            name = requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0]
            assert name.strip().lower().replace("_", "-") in locked, (extra, requirement)


def test_uv_itself_is_pinned_with_hashes_and_matches_the_project() -> None:
    pins = [
        line for line in (ROOT / "requirements-uv.txt").read_text().splitlines() if "==" in line
    ]
    assert len(pins) == 1
    version = pins[0].split("==")[1].split()[0]
    assert "--hash=sha256:" in (ROOT / "requirements-uv.txt").read_text()
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]
    assert required["required-version"] == f"=={version}"


def test_the_image_installs_from_the_lock_and_leaves_tests_and_benchmarks_out() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "requirements-uv.txt" in dockerfile
    assert "uv sync --locked" in dockerfile
    assert "pip install ." not in dockerfile
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for folder in ("tests", "bench", ".venv", ".git"):
        assert any(fnmatch.fnmatch(folder, pattern) for pattern in ignored), folder
    assert '"uvicorn", "villageportal.asgi:application"' in dockerfile


def test_every_long_running_service_has_a_health_check() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker", "beat", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert services["web"]["command"][0] == "uvicorn"
    assert services["beat"]["healthcheck"]["test"][-1] == "villageportal.heartbeat"


def _make_dry_run(*args: str, **env: str) -> str:
    import os
    import subprocess

    clean = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}
    return subprocess.run(
        ["make", "--dry-run", "--always-make", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.replace("\\\n", " ")


def test_make_run_on_another_port_makes_every_link_point_at_that_port() -> None:
    commands = _make_dry_run("run", "PORT=8111")
    serving = [line for line in commands.splitlines() if "uvicorn" in line or "seed_demo" in line]
    assert len(serving) == 2
    for line in serving:
        assert "PORTAL_BASE_URL=http://127.0.0.1:8111" in line
    assert "--port 8111" in serving[-1]


def test_a_configured_base_url_wins_over_the_port() -> None:
    commands = _make_dry_run("run", "PORT=8111", PORTAL_BASE_URL="https://thon.example.vn")
    assert "PORTAL_BASE_URL=https://thon.example.vn" in commands
    assert "127.0.0.1:8111" not in commands.replace("--port 8111", "")


# The last release of each direct dependency known to carry a published vulnerability that
# its lower bound must exclude (the advisory named beside the bound in pyproject.toml).
KNOWN_VULNERABLE = {
    "django": "5.2.16",
    "djangorestframework": "3.15.1",
    "django-allauth": "65.14.3",
    "pillow": "12.2.0",
    "cryptography": "46.0.4",
    "requests": "2.32.5",
}


def test_lower_bounds_exclude_releases_with_known_vulnerabilities() -> None:
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        bounds[requirement.name.lower()] = requirement.specifier
    admitted = [
        f"{name} {version}"
        for name, version in KNOWN_VULNERABLE.items()
        if bounds[name].contains(version, prereleases=True)
    ]
    assert not admitted, f"pyproject.toml still admits: {admitted}"


def test_the_vulnerability_check_is_part_of_upgrading_and_documented() -> None:
    makefile = (ROOT / "Makefile").read_text()
    upgrade = makefile.split("\nupgrade:", 1)[1].split("\n\n", 1)[0]
    assert "$(MAKE) audit" in upgrade
    assert "pip-audit" in makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    readme = (ROOT / "README.md").read_text()
    assert "`make audit`" in readme and "pip-audit" in readme
