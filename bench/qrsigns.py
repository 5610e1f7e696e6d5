"""Benchmarks of the QR-sign app: the public lane page under load, and a 1,000-sign PDF.

    .venv/bin/python -m bench.qrsigns                   # both (about 6 minutes)
    .venv/bin/python -m bench.qrsigns --duration 30     # longer wrk rounds

It uses the shared benchmark database ``villageportal_bench`` (``BENCH_DATABASE_URL``; one
million households made by ``bench.run``) and adds rows only to the app's own tables
(signs for a few villages). Redis (``BENCH_REDIS_URL``, default DB 7) carries the cache.

(1) The lane page of the largest lane, anonymous, as a phone gets it after a scan: uvicorn
    (the portal's production command, one process; then two worker processes; then daphne,
    the former server) on loopback with ``DJANGO_DEBUG=false``, and ``wrk`` in a separate
    process at 50 connections. In the same run and through the same server and
    middleware, a bench-only view that returns a fixed short page (``bench.qrsigns_server``)
    gives the framework's floor. Rounds alternate floor, lane, floor, lane... Also timed:
    the page rendered from scratch (the village's cache version bumped before each request),
    in-process through Django's test client.
(2) ``sheet_build`` (what the Celery task runs) for 1,000 door plates, one per A4 page and
    four per page, each in a fresh process: wall time and the process's peak resident set
    (``VmHWM``), with its size after Django's set-up for comparison.

Results are printed as Markdown and saved in ``bench/results/qrsigns-*.json|md`` (git-ignored); the
figures worth keeping go to ``docs/benchmarks/qrsigns.md``. Nothing here asserts a timing.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    DEFAULT_URL,
    ROOT,
    command_line,
    free_port,
    memory_mib,
    report,
    run_worker,
    save_results,
    setup_django,
)

DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
CONNECTIONS = 50
SIGNS = 1000

# wrk prints its own percentiles only at 50/75/90/99; this script asks for the 95th.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p95_us=%d p99_us=%d "
    .. "bytes=%d\\n",
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.bytes))
end
"""


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
        "DJANGO_SETTINGS_MODULE": "bench.qrsigns_server.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_STATIC_MANIFEST": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def setup() -> None:
    setup_django(environment())


# ---------------------------------------------------------------------------------------
# Data


def prepare() -> dict[str, Any]:
    """The largest lane, its village's signs, and 1,000 door plates for the PDF."""
    from django.db.models import Count

    from households.models import Household, Lane
    from qrsigns import services
    from qrsigns.models import Sign

    lane_row = (
        Household.objects.active()
        .filter(lane__isnull=False)
        .values("lane")
        .annotate(n=Count("pk"))
        .order_by("-n", "lane")
        .first()
    )
    if lane_row is None:
        sys.exit("The benchmark database has no households: run python -m bench.run first.")
    lane = Lane.objects.select_related("village").get(pk=lane_row["lane"])
    services.signs_ensure(village=lane.village, by=None, door_plates=True)
    villages = (
        Household.objects.active()
        .values("village")
        .annotate(n=Count("pk"))
        .order_by("-n", "village")
        .values_list("village", flat=True)[:10]
    )
    for village_id in villages:
        if Sign.objects.filter(kind=Sign.Kind.DOOR_PLATE).count() >= SIGNS:
            break
        from households.models import Village

        services.signs_ensure(village=Village.objects.get(pk=village_id), by=None)
    return {
        "lane_id": lane.pk,
        "lane": lane.name,
        "village_id": str(lane.village_id),
        "village": lane.village.name,
        "lane_households": lane_row["n"],
        "database_households": Household.objects.count(),
    }


# ---------------------------------------------------------------------------------------
# (1) lane page under load


def wrk(url: str, duration: int, script: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = dict(re.findall(r"(\w+)=(\d+)", out.split("BENCH", 1)[1]))
    requests = int(fields["requests"])
    seconds = int(fields["duration_us"]) / 1e6
    return {
        "rps": round(requests / seconds, 1),
        "p50_ms": round(int(fields["p50_us"]) / 1000, 2),
        "p95_ms": round(int(fields["p95_us"]) / 1000, 2),
        "p99_ms": round(int(fields["p99_us"]) / 1000, 2),
        "requests": requests,
        "errors": int(fields["errors"]),
        "non_2xx": int(fields["non2xx"]),
        "bytes_per_response": round(int(fields["bytes"]) / max(requests, 1)),
    }


SERVERS = {
    # The production command (Dockerfile, docker-compose.yml), one worker process.
    "uvicorn": [
        "-m",
        "uvicorn",
        "villageportal.asgi:application",
        "--lifespan",
        "off",
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
    ],
    # The same with two worker processes (docker-compose's WEB_CONCURRENCY default).
    "uvicorn-2": [
        "-m",
        "uvicorn",
        "villageportal.asgi:application",
        "--workers",
        "2",
        "--lifespan",
        "off",
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
    ],
    # The former production server, for comparison.
    "daphne": ["-m", "daphne", "--bind", "127.0.0.1", "--port"],
}


def bench_load(data: dict[str, Any], duration: int, rounds: int, server: str) -> dict[str, Any]:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk).")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lane_path = f"/p/{data['village_id']}/lanes/{data['lane_id']}/"
    floor_path = "/bench/floor/"
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in the finally below
        "w", prefix=f"qrsigns-{server}-", suffix=".log", delete=False
    )
    command = [sys.executable, *SERVERS[server], str(port)]
    if server == "daphne":
        command.append("villageportal.asgi:application")
    server_process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT)
    script = Path(handle.name)
    results: dict[str, Any] = {
        "server": server,
        "lane_path": lane_path,
        "floor_path": floor_path,
        "rounds": [],
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + floor_path, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server_process.poll() is not None:
                    sys.exit(f"{server} did not start; see {log.name}")
                time.sleep(0.3)
        with urllib.request.urlopen(base + lane_path, timeout=10) as response:  # noqa: S310
            body = response.read()
            results["lane_status"] = response.status
            results["lane_bytes"] = len(body)
            results["lane_headers"] = {
                k: response.headers[k] for k in ("Cache-Control", "ETag", "Content-Language")
            }
        for _ in range(2):  # warm-up of both paths
            wrk(base + floor_path, 3, script)
            wrk(base + lane_path, 3, script)
        for n in range(rounds):
            floor = wrk(base + floor_path, duration, script)
            lane = wrk(base + lane_path, duration, script)
            results["rounds"].append({"round": n + 1, "floor": floor, "lane": lane})
            print(f"  round {n + 1}: floor {floor}\n           lane  {lane}")
    finally:
        server_process.terminate()
        try:
            server_process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server_process.kill()
        log.close()
        script.unlink(missing_ok=True)
    floor_rps = [r["floor"]["rps"] for r in results["rounds"]]
    lane_rps = [r["lane"]["rps"] for r in results["rounds"]]
    results["floor_rps_median"] = statistics.median(floor_rps)
    results["lane_rps_median"] = statistics.median(lane_rps)
    results["lane_p95_ms_median"] = statistics.median(
        r["lane"]["p95_ms"] for r in results["rounds"]
    )
    results["floor_p95_ms_median"] = statistics.median(
        r["floor"]["p95_ms"] for r in results["rounds"]
    )
    results["ratio"] = round(results["lane_rps_median"] / results["floor_rps_median"], 3)
    return results


def bench_cold(data: dict[str, Any], requests: int = 30) -> dict[str, Any]:
    """The lane page rendered from scratch: the village version is bumped before each one."""
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from villageportal import public_cache

    client = Client()
    path = f"/p/{data['village_id']}/lanes/{data['lane_id']}/"
    key = public_cache.key(data["village_id"])

    def miss() -> None:
        cache.incr(key) if cache.get(key) else cache.set(key, 2, None)

    miss()
    client.get(path)
    miss()
    reset_queries()  # the capture counts from the log's length on entry
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    timings = []
    for _ in range(requests):
        miss()
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
    ordered = sorted(timings)
    return {
        "status": response.status_code,
        "queries": len(captured.captured_queries),
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(0.95 * len(ordered)) - 1)] * 1000, 1),
        "requests": requests,
    }


# ---------------------------------------------------------------------------------------
# (2) the PDF sheet


def pdf_worker(per_page: int) -> None:
    """In a fresh process: build a 1,000-sign sheet with the job's service, report JSON."""
    setup()
    baseline = memory_mib()["rss"]
    from qrsigns import services
    from qrsigns.models import SheetJob, Sign

    village_ids = list(
        Sign.objects.filter(kind=Sign.Kind.DOOR_PLATE)
        .order_by("pk")
        .values_list("village_id", flat=True)[:SIGNS]
    )
    # One job per village (a sheet is per village); together they make 1,000 signs.
    jobs = []
    for village_id in dict.fromkeys(village_ids):
        n = village_ids.count(village_id)
        jobs.append(
            SheetJob.objects.create(
                village_id=village_id, kinds=[Sign.Kind.DOOR_PLATE], per_page=per_page, total=n
            )
        )
    started = time.perf_counter()
    built = [services.sheet_build(job=job) for job in jobs]
    elapsed = time.perf_counter() - started
    signs = sum(j.total for j in built)
    size = sum(j.file.size for j in built)
    pages = sum(-(-j.total // per_page) for j in built)
    for job in built:
        job.file.delete(save=False)
        job.delete()
    report(
        {
            "per_page": per_page,
            "jobs": len(built),
            "signs": signs,
            "pages": pages,
            "seconds": round(elapsed, 2),
            "signs_per_second": round(signs / elapsed),
            "pdf_mib": round(size / 2**20, 2),
            "rss_after_setup_mib": round(baseline, 1),
            "peak_mib": round(memory_mib()["peak"], 1),
        }
    )


def pdf_single(per_page: int, mask: int | None = None) -> None:
    """In a fresh process: one sheet of exactly 1,000 signs (from several villages)."""
    setup()
    baseline = memory_mib()["rss"]
    from qrsigns.models import Sign
    from qrsigns.printing import sheet_pdf

    signs = list(
        Sign.objects.filter(kind=Sign.Kind.DOOR_PLATE)
        .select_related("village", "lane", "heritage_site", "household__lane")
        .order_by("pk")[:SIGNS]
    )
    started = time.perf_counter()
    pdf = sheet_pdf(signs, per_page=per_page, mask=mask)
    elapsed = time.perf_counter() - started
    report(
        {
            "per_page": per_page,
            "signs": len(signs),
            "pages": -(-len(signs) // per_page),
            "seconds": round(elapsed, 2),
            "signs_per_second": round(len(signs) / elapsed),
            "pdf_mib": round(len(pdf) / 2**20, 2),
            "rss_after_setup_mib": round(baseline, 1),
            "peak_mib": round(memory_mib()["peak"], 1),
        }
    )


def run_child(*args: str) -> dict[str, Any]:
    return run_worker("bench.qrsigns", *args, env=environment())


# ---------------------------------------------------------------------------------------
# Report


def markdown(results: dict[str, Any]) -> str:
    data, cold = results["data"], results["cold"]
    first = results["load"]["uvicorn"]
    lines = [
        f"Run {results['date']} with `{results['command']}`; load average before: "
        f"{results['loadavg']}.",
        "",
        f"(1) Lane page `{first['lane_path']}` ({data['lane']}, {data['village']}: "
        f"{data['lane_households']} households; {data['database_households']:,} in the "
        f"database), {first['lane_bytes']} bytes of HTML; on loopback, "
        f"`wrk -t2 -c{CONNECTIONS}`, rounds of {results['duration']} s alternating floor and "
        "lane.",
        "",
    ]
    titles = {
        "uvicorn": "uvicorn, one process (the production command)",
        "uvicorn-2": "uvicorn, two worker processes (docker-compose's default)",
        "daphne": "daphne, one process (the former server)",
    }
    for server, run in results["load"].items():
        title = titles[server]
        lines += [
            title,
            "",
            "| round | floor req/s | floor p95 ms | lane req/s | lane p95 ms | lane/floor |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for r in run["rounds"]:
            lines.append(
                f"| {r['round']} | {r['floor']['rps']} | {r['floor']['p95_ms']} | "
                f"{r['lane']['rps']} | {r['lane']['p95_ms']} | "
                f"{r['lane']['rps'] / r['floor']['rps']:.2f} |"
            )
        lines += [
            f"| median | {run['floor_rps_median']} | {run['floor_p95_ms_median']} | "
            f"{run['lane_rps_median']} | {run['lane_p95_ms_median']} | {run['ratio']:.2f} |",
            "",
        ]
    lines += [
        f"Lane page rendered from scratch (cache version bumped each time, in-process): "
        f"median {cold['median_ms']} ms, p95 {cold['p95_ms']} ms.",
        "",
        "(2) PDF sheets of 1,000 door plates (fresh process each; peak = VmHWM):",
        "",
        "| what | per page | pages | seconds | signs/s | PDF MiB | RSS after setup MiB | "
        "peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, row in results["pdf"]:
        lines.append(
            f"| {label} | {row['per_page']} | {row['pages']} | {row['seconds']} | "
            f"{row['signs_per_second']} | {row['pdf_mib']} | {row['rss_after_setup_mib']} | "
            f"{row['peak_mib']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--servers",
        default="uvicorn,uvicorn-2,daphne",
        help="comma-separated: " + ",".join(SERVERS),
    )
    parser.add_argument("--pdf-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pdf-single", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--mask", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pdf_worker:
        pdf_worker(args.pdf_worker)
        return
    if args.pdf_single:
        pdf_single(args.pdf_single, args.mask)
        return
    setup()
    from django.core.management import call_command

    call_command("migrate", "qrsigns", verbosity=0)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command_line("bench.qrsigns"),
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "duration": args.duration,
    }
    print("Preparing signs...")
    results["data"] = data = prepare()
    print(f"(1) lane page of {data['lane']} ({data['lane_households']} households)")
    results["load"] = {}
    for server in args.servers.split(","):
        print(f"    {server}")
        results["load"][server] = bench_load(data, args.duration, args.rounds, server)
    results["cold"] = bench_cold(data)
    print("(2) PDF of 1,000 signs")
    results["pdf"] = [
        ("sheet_pdf, one sheet", run_child("--pdf-single", "1")),
        ("sheet_pdf, one sheet", run_child("--pdf-single", "4")),
        ("sheet_build jobs (per village)", run_child("--pdf-worker", "1")),
        ("sheet_pdf, fixed mask 2 (not used)", run_child("--pdf-single", "1", "--mask", "2")),
    ]
    text = markdown(results)
    save_results(results, text, prefix="qrsigns-")
    print("\n" + text)


if __name__ == "__main__":
    main()
