"""What every benchmark shares: paths, Django set-up, the machine, statistics, workers, results.

The benchmarks run from the repository's root as modules (``python -m bench.run``), so the
project's apps and this package import without touching ``sys.path``.
"""

import json
import math
import os
import platform
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Raw results of each run: git-ignored; the figures worth keeping go to docs/benchmarks*.
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/villageportal_bench"
# How a worker process hands its figures back: one line, this mark then JSON.
RESULT_MARK = "RESULT "


def setup_django(env: dict[str, str] | None = None) -> None:
    """Set up Django in this process, with ``env`` added to the environment first."""
    if env:
        os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villageportal.settings")
    os.chdir(ROOT)
    import django

    django.setup()


def prepare_database(url: str, *, recreate: bool) -> None:
    """Create the benchmark database (dropping it first when ``recreate``)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to use {name!r}: the benchmark database's name must contain 'bench'.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            print(f"Dropping the old benchmark database {name}...")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> dict[str, Any]:
    """The machine and software a run was made on; PostgreSQL's when Django is set up."""

    def proc(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    import django
    from django.apps import apps

    mem_kb = proc("/proc/meminfo", "MemTotal").split()[0]
    figures: dict[str, Any] = {
        "cpu": proc("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kb) / 1024 / 1024, 1) if mem_kb.isdigit() else None,
        "load": os.getloadavg()[0],
        "python": platform.python_version(),
        "django": django.get_version(),
        "kernel": platform.release(),
    }
    if apps.ready:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                figures["postgresql"] = cursor.fetchone()[0]
                settings = {}
                for name in ("shared_buffers", "work_mem", "max_wal_size", "synchronous_commit"):
                    cursor.execute(f"SHOW {name}")
                    settings[name] = cursor.fetchone()[0]
                figures["postgresql_settings"] = settings
    return figures


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def memory_mib(pid: int | str = "self") -> dict[str, float]:
    """``VmRSS`` (resident now) and ``VmHWM`` (peak resident) of a process, in MiB.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` would be the peak too, but Linux carries it over
    ``execve`` from the parent's forked copy, so a fresh worker would start at the size of
    the process that started it; ``VmHWM`` belongs to the process's own memory only.
    """
    fields = {"VmRSS": math.nan, "VmHWM": math.nan}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in fields:
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss": fields["VmRSS"], "peak": fields["VmHWM"]}


def report(result: dict[str, Any]) -> None:
    """In a worker process: hand ``result`` back to the benchmark that started it."""
    print(RESULT_MARK + json.dumps(result, default=str, ensure_ascii=False), flush=True)


def run_worker(module: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m <module> *args`` in a fresh process and return what it ``report``-ed.

    A fresh process per measurement keeps one measurement's memory out of the next one's peak.
    """
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    what = " ".join([module, *args])
    sys.exit(f"The worker {what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")


def command_line(module: str) -> str:
    """The command that started this run, as the results record it."""
    return f".venv/bin/python -m {module}" + "".join(f" {a}" for a in sys.argv[1:])


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S")


def save_results(
    results: dict[str, Any], report: str | None, prefix: str = "", *, latest: bool = True
) -> Path:
    """Write the results as JSON (and the report as Markdown), stamped and as the latest."""
    RESULTS.mkdir(exist_ok=True)
    when = stamp()
    names = [f"{prefix}{when}"] + ([f"{prefix}latest"] if latest else [])
    for name in names:
        (RESULTS / f"{name}.json").write_text(
            json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n"
        )
        if report is not None:
            (RESULTS / f"{name}.md").write_text(report)
    return RESULTS / f"{prefix}{when}.json"


def free_port() -> int:
    """A TCP port free on loopback now, for a server the benchmark starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
