"""Benchmarks of the registry at province scale, on PostgreSQL.

    .venv/bin/python -m bench.run                    # everything (about 5 minutes)
    .venv/bin/python -m bench.run --skip-generate    # only the pages, on the kept database

It works in a database of its own, ``villageportal_bench`` on the local PostgreSQL server
(override with ``BENCH_DATABASE_URL``), which it drops and creates again unless
``--skip-generate`` is given, then keeps for inspection:

(a) ``generate_population`` for 1,000,000 households (about 3.6 million residents), run once:
    wall time and rows per second;
(b) the staff household list (``/registry/households/``, url name ``household_list``) with a
    diacritics-insensitive search, signed in as the head of the largest village: median and
    95th percentile per request and queries per page. Without that URL the page part is
    skipped with a message; the selector behind it (``households_filtered``) is timed
    either way.

Results are printed as Markdown and saved in ``bench/results/`` (JSON and Markdown,
git-ignored); the figures worth keeping go to ``docs/benchmarks.md``. Nothing here asserts a timing.
"""

import argparse
import io
import os
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.common import (
    DEFAULT_URL,
    command_line,
    machine,
    percentile,
    prepare_database,
    save_results,
    setup_django,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help="keep the existing benchmark database and its data; time only the pages",
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --requests each")
    return parser.parse_args()


class Tee(io.StringIO):
    """Echo the command's progress while keeping it."""

    def write(self, text: str) -> int:
        sys.stdout.write(text)
        sys.stdout.flush()
        return super().write(text)


# ---------------------------------------------------------------------------------------
# (a) generation


def bench_generate(households: int, villages: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from households.models import Household, Resident

    command = (
        f"manage.py generate_population --households {households} --villages {villages} "
        f"--seed {seed}"
    )
    print(f"\n(a) {command}")
    started = time.perf_counter()
    call_command(
        "generate_population",
        households=households,
        villages=villages,
        seed=seed,
        stdout=Tee(),
    )
    elapsed = time.perf_counter() - started
    counts = {"households": Household.objects.count(), "residents": Resident.objects.count()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), "
            "pg_total_relation_size('households_household'), "
            "pg_total_relation_size('households_resident')"
        )
        database, household_bytes, resident_bytes = cursor.fetchone()
    rows = counts["households"] + counts["residents"]
    return {
        "command": command,
        "seconds": round(elapsed, 1),
        **counts,
        "rows_per_second": round(rows / elapsed),
        "households_per_second": round(counts["households"] / elapsed),
        "database_mib": round(database / 2**20),
        "household_table_mib": round(household_bytes / 2**20),
        "resident_table_mib": round(resident_bytes / 2**20),
    }


# ---------------------------------------------------------------------------------------
# (b) the household list and search


def bench_pages(requests: int, rounds: int) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from accounts.models import Membership, User
    from households.models import Household, Resident, Village
    from households.selectors import households_filtered

    largest = (
        Household.objects.values("village")
        .annotate(n=Count("id"))
        .order_by("-n", "village__commune__code", "village__name")
        .first()
    )
    if largest is None:
        sys.exit("The benchmark database has no households: run without --skip-generate.")
    village = Village.objects.select_related("commune").get(pk=largest["village"])
    user, _created = User.objects.get_or_create(
        email="bench.truongthon@example.com", defaults={"full_name": "Trưởng Thôn Đo Tải"}
    )
    Membership.objects.filter(user=user).exclude(village=village).delete()  # one village only
    Membership.objects.get_or_create(user=user, role="village_head", village=village)

    sample = (
        Household.objects.filter(village=village, house_number__regex=r"^[0-9]{2,}$")
        .exclude(digital_address="")
        .order_by("pk")
        .first()
    )
    national_id = (
        Resident.objects.filter(household__village=village)
        .exclude(national_id="")
        .order_by("pk")
        .values_list("national_id", flat=True)[3]
    )
    queries = {
        "(no search, page 1)": "",
        "nguyen van an": "nguyen van an",
        "Nguyễn Văn An": "Nguyễn Văn An",
        "ngo 3": "ngo 3",
        f"house number {sample.house_number}": sample.house_number,
        "digital address": sample.digital_address,
        "CCCD number (12 digits)": national_id,
        "no match (xyzw)": "xyzw",
    }
    print(
        f"\n(b) household list of {village.name} ({village.commune.name}): "
        f"{largest['n']} households; {Household.objects.count()} in the database"
    )
    roles = frozenset({"village_head"})
    results: dict[str, Any] = {
        "village": f"{village.name}, {village.commune.name}",
        "village_households": largest["n"],
        "database_households": Household.objects.count(),
        "requests_per_round": requests,
        "rounds": rounds,
        "selector": {},
        "page": {},
    }

    # The selector alone: the page's query set, first 50 rows and the count.
    for label, q in queries.items():
        matches = households_filtered(user=user, village=village, roles=roles, params={"q": q})
        timings = []
        for _ in range(20):
            started = time.perf_counter()
            list(matches[:50])
            total = matches.count()
            timings.append(time.perf_counter() - started)
        results["selector"][label] = {
            "q": q,
            "matches": total,
            "median_ms": round(statistics.median(timings) * 1000, 2),
            "p95_ms": round(percentile(timings, 0.95) * 1000, 2),
        }
        print(f"  selector {label:<28} {total:>5} matches  {results['selector'][label]}")

    try:
        url = reverse("household_list")
    except NoReverseMatch:
        message = (
            "SKIPPED: the URL 'household_list' (/registry/households/) does not exist yet; "
            "only the selector was timed."
        )
        print(f"  {message}")
        results["page"] = {"skipped": message}
        return results
    results["url"] = url
    client = Client()
    client.force_login(user)
    for label, q in queries.items():
        path = f"{url}?{urlencode({'q': q})}" if q else url
        for _ in range(3):  # warm-up: caches, prepared plans, connection
            response = client.get(path)
        reset_queries()  # CaptureQueriesContext counts from the log's length on entry
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        query_count = len(captured.captured_queries)  # read now: the next request resets the log
        timings, round_medians = [], []
        for _round in range(rounds):
            this_round = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(path)
                this_round.append(time.perf_counter() - started)
            round_medians.append(statistics.median(this_round))
            timings += this_round
        results["page"][label] = {
            "path": path,
            "status": response.status_code,
            "bytes": len(response.content),
            "queries": query_count,
            "median_ms": round(statistics.median(timings) * 1000, 1),
            "p95_ms": round(percentile(timings, 0.95) * 1000, 1),
            "round_medians_ms": [round(m * 1000, 1) for m in round_medians],
        }
        print(f"  page {label:<32} {results['page'][label]}")
    return results


# ---------------------------------------------------------------------------------------
# Report


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['date']} with `{results['command']}`",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}, Django {m['django']}.",
        "",
    ]
    gen = results.get("generate")
    if gen:
        lines += [
            f"(a) `{gen['command']}`: {gen['seconds']} s for {gen['households']:,} households "
            f"and {gen['residents']:,} residents, {gen['rows_per_second']:,} rows/s "
            f"({gen['households_per_second']:,} households/s); database "
            f"{gen['database_mib']:,} MiB.",
            "",
        ]
    pages = results["pages"]
    lines += [
        f"(b) {pages['village']} ({pages['village_households']} households; "
        f"{pages['database_households']:,} in the database).",
        "",
        "| query | matches | selector median ms | page median ms | page p95 ms | queries |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, sel in pages["selector"].items():
        page = pages["page"].get(label, {}) if isinstance(pages["page"], dict) else {}
        lines.append(
            f"| {label} | {sel['matches']} | {sel['median_ms']} | "
            f"{page.get('median_ms', '—')} | {page.get('p95_ms', '—')} | "
            f"{page.get('queries', '—')} |"
        )
    if "skipped" in pages["page"]:
        lines += ["", pages["page"]["skipped"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    prepare_database(url, recreate=not args.skip_generate)
    os.environ["DATABASE_URL"] = url
    # Production-like: no debug (no query log, no debug templates), plain HTTP to the client.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
    os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
    os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    command = command_line("bench.run")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "database": urlsplit(url).path.lstrip("/"),
        "machine": machine(),
    }
    if not args.skip_generate:
        results["generate"] = bench_generate(args.households, args.villages, args.seed)
    results["pages"] = bench_pages(args.requests, args.rounds)
    report = markdown(results)
    saved = save_results(results, report)
    print("\n" + report)
    print(f"Saved in {saved} and .md; database {results['database']} kept.")


if __name__ == "__main__":
    main()
