"""Benchmark of the smart-village criteria at province scale, on PostgreSQL.

    .venv/bin/python -m bench.reports                 # about two minutes
    .venv/bin/python -m bench.reports --runs 7

It reads the shared benchmark database ``villageportal_bench`` (override with
``BENCH_DATABASE_URL``): one million households in 3,000 villages, with the reports app's
migrations applied (it runs ``migrate`` first). It writes nothing to the registry.

1. every indicator of the national set that can be computed here, for all 3,000 villages at
   once (``reports.engine.evaluate``), and for the largest province's villages;
2. side by side, one hand-written SQL statement computing nine of the figures per village (the
   registry's three and the six resident adoption figures, the heaviest family: ``HAND_CODES``)
   and the engine computing the same nine (``engine.compute_measures``); the ratio of the two
   medians, and a check that every figure is equal;
3. a commune: the largest commune of the database, and 30 villages of one province taken as a
   commune-sized batch; plus the commune page itself through Django's test client;
4. the .xlsx export of 300, 1,000 and 3,000 villages, each in a fresh process: wall time and
   peak resident memory (``VmHWM``) beside the process's size after Django's setup.

Results are printed as Markdown and saved in ``bench/results/reports-<date>.{json,md}``
(git-ignored); the figures worth keeping go to ``docs/benchmarks/reports.md``. Nothing here
asserts a timing.
"""

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime
from typing import Any

from bench.common import DEFAULT_URL, memory_mib, report, run_worker, save_results, setup_django

# The figures the hand-written statement computes, in its columns' order after the village:
# the registry's three (active households, with an address, with a location, digital team)
# and the six resident adoption figures (population, adopted), the heaviest family.
HAND_CODES = (
    "households_digital_address",
    "households_location",
    "digital_team_members",
    "vneid_level2_14plus",
    "epayment_working_age",
    "smartphone_working_age",
    "digital_skills_working_age",
    "digital_signature_adults",
    "health_record_all",
)

HAND_SQL = """
WITH hh AS (
  SELECT v.id AS vid,
         count(h.id) AS total,
         count(h.id) FILTER (WHERE h.digital_address <> '') AS address,
         count(h.id) FILTER (WHERE h.latitude IS NOT NULL AND h.longitude IS NOT NULL)
             AS location,
         (SELECT count(DISTINCT m.user_id) FROM accounts_membership m
           WHERE m.village_id = v.id AND m.role = 'digital_team') AS team
    FROM households_village v
    LEFT JOIN households_household h
      ON h.village_id = v.id AND h.status = 'active' AND h.deleted_at IS NULL
   WHERE v.id = ANY(%(ids)s)
   GROUP BY v.id
), people AS (
  SELECT h.village_id AS vid, r.id AS rid, r.birth_date AS born
    FROM households_resident r JOIN households_household h ON h.id = r.household_id
   WHERE h.village_id = ANY(%(ids)s) AND r.deleted_at IS NULL
     AND (r.joined_on IS NULL OR r.joined_on <= %(day)s)
     AND (r.left_on IS NULL OR r.left_on > %(day)s)
     AND h.deleted_at IS NULL AND (h.established_on IS NULL OR h.established_on <= %(day)s)
     AND (h.status = 'active' OR h.status_changed_on > %(day)s)
), latest AS (
  SELECT DISTINCT ON (o.resident_id, o.item) o.resident_id, o.item, o.adopted
    FROM payments_observation o
   WHERE o.village_id = ANY(%(ids)s) AND o.resident_id IS NOT NULL
     AND o.observed_on <= %(day)s
     AND o.item IN ('vneid', 'epayment', 'smartphone', 'digital_skills',
                    'digital_signature', 'health_record')
   ORDER BY o.resident_id, o.item, o.observed_on DESC, o.recorded_at DESC, o.id DESC
), adopted AS (
  SELECT resident_id,
         bool_or(adopted) FILTER (WHERE item = 'vneid') AS vneid,
         bool_or(adopted) FILTER (WHERE item = 'epayment') AS epayment,
         bool_or(adopted) FILTER (WHERE item = 'smartphone') AS smartphone,
         bool_or(adopted) FILTER (WHERE item = 'digital_skills') AS skills,
         bool_or(adopted) FILTER (WHERE item = 'digital_signature') AS signature,
         bool_or(adopted) FILTER (WHERE item = 'health_record') AS health
    FROM latest GROUP BY resident_id
), res AS (
  SELECT p.vid,
         count(*) FILTER (WHERE p.born <= %(d14)s AND a.vneid) AS vneid_yes,
         count(*) FILTER (WHERE p.born <= %(d14)s) AS vneid_total,
         count(*) FILTER (WHERE p.born <= %(d15)s AND p.born > %(d60)s AND a.epayment)
             AS epayment_yes,
         count(*) FILTER (WHERE p.born <= %(d15)s AND p.born > %(d60)s) AS working,
         count(*) FILTER (WHERE p.born <= %(d15)s AND p.born > %(d60)s AND a.smartphone)
             AS smartphone_yes,
         count(*) FILTER (WHERE p.born <= %(d15)s AND p.born > %(d60)s AND a.skills)
             AS skills_yes,
         count(*) FILTER (WHERE p.born <= %(d18)s AND a.signature) AS signature_yes,
         count(*) FILTER (WHERE p.born <= %(d18)s) AS adults,
         count(*) FILTER (WHERE a.health) AS health_yes,
         count(*) AS everyone
    FROM people p LEFT JOIN adopted a ON a.resident_id = p.rid
   GROUP BY p.vid
)
SELECT hh.vid, hh.total, hh.address, hh.location, hh.team,
       coalesce(res.vneid_yes, 0), coalesce(res.vneid_total, 0),
       coalesce(res.epayment_yes, 0), coalesce(res.working, 0),
       coalesce(res.smartphone_yes, 0), coalesce(res.working, 0),
       coalesce(res.skills_yes, 0), coalesce(res.working, 0),
       coalesce(res.signature_yes, 0), coalesce(res.adults, 0),
       coalesce(res.health_yes, 0), coalesce(res.everyone, 0)
  FROM hh LEFT JOIN res ON res.vid = hh.vid
"""


def setup() -> None:
    setup_django({"DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)})


def timed(fn: Any, runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def national_set() -> Any:
    from reports.models import CriteriaSet

    return CriteriaSet.objects.get(province__isnull=True, status="in_use")


def engine_figures(computed: dict) -> dict:
    """{village: the hand statement's columns} from ``engine.compute_measures``."""
    villages = set().union(*(figures.keys() for figures in computed.values()))
    out = {}
    for pk in villages:

        def figure(code: str, pk: Any = pk) -> tuple[int, int]:
            f = computed[code].get(pk)
            return (f.numerator, f.denominator or 0) if f is not None else (0, 0)

        address, location = figure("households_digital_address"), figure("households_location")
        row = [address[1], address[0], location[0], figure("digital_team_members")[0]]
        for code in HAND_CODES[3:]:
            row += list(figure(code))
        out[pk] = tuple(row)
    return out


def hand_figures(ids: list, day: date) -> dict:
    from django.db import connection

    from payments.denominators import years_before

    params = {
        "ids": ids,
        "day": day,
        "d14": years_before(day, 14),
        "d15": years_before(day, 15),
        "d18": years_before(day, 18),
        "d60": years_before(day, 60),
    }
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, params)
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def xlsx_worker(count: int) -> None:
    """One export in this (fresh) process; prints JSON with time and memory."""
    setup()
    import tempfile

    from django.utils import timezone

    from households.models import Village
    from reports import exports

    base_rss = memory_mib()["rss"]
    ids = list(Village.objects.order_by("pk").values_list("pk", flat=True)[:count])
    villages = Village.objects.filter(pk__in=ids)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        exports.write_xlsx(
            out,
            source=exports.live(
                criteria_set=national_set(),
                villages=villages,
                as_of=timezone.localdate(),
                place="Benchmark",
            ),
        )
        size = out.tell()
    elapsed = time.perf_counter() - start
    report(
        {
            "villages": count,
            "seconds": elapsed,
            "bytes": size,
            "after_setup_mib": base_rss,
            "peak_mib": memory_mib()["peak"],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--xlsx-worker", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.xlsx_worker:
        xlsx_worker(args.xlsx_worker)
        return
    setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    # The apps whose measures are computed may have new migrations since the data was made.
    call_command("migrate", verbosity=0)
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from households.models import Commune, Village
    from reports import engine

    today = timezone.localdate()
    criteria_set = national_set()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.settings_dict["NAME"],
        "households": connection.cursor()
        .execute("SELECT count(*) FROM households_household")
        .fetchone()[0],
        "villages": Village.objects.count(),
        "criteria_set": str(criteria_set),
    }
    all_ids = list(Village.objects.values_list("pk", flat=True))
    everything = Village.objects.all()

    def run_engine(villages: Any = everything) -> dict:
        return engine.evaluate(criteria_set=criteria_set, villages=villages, as_of=today)

    def run_same_figures() -> dict:
        # The engine on exactly the figures the hand statement computes.
        return engine.compute_measures(set(HAND_CODES), everything, today)

    # warm the caches once for every side
    run_engine()
    run_same_figures()
    hand_figures(all_ids, today)
    # side by side, alternating, so that all see the same machine load
    engine_times, same_times, hand_times = [], [], []
    reports = computed = hand = None
    for _ in range(args.runs):
        t, reports = timed(run_engine, 1)
        engine_times += t
        t, computed = timed(run_same_figures, 1)
        same_times += t
        t, hand = timed(lambda: hand_figures(all_ids, today), 1)
        hand_times += t
    ours = engine_figures(computed)
    zero = (0,) * 16
    same = all(ours.get(pk, zero) == hand.get(pk, zero) for pk in all_ids)
    results["all_villages"] = {
        "engine_median_s": statistics.median(engine_times),
        "engine_runs_s": engine_times,
        "same_figures_engine_median_s": statistics.median(same_times),
        "same_figures_engine_runs_s": same_times,
        "hand_sql_median_s": statistics.median(hand_times),
        "hand_sql_runs_s": hand_times,
        "hand_codes": list(HAND_CODES),
        "ratio": statistics.median(same_times) / statistics.median(hand_times),
        "same_figures": same,
        "indicators_computed": sum(
            1 for c in next(iter(reports.values())).criteria for r in c.indicators if r.available
        ),
        "indicators_in_set": sum(len(c.indicators) for c in next(iter(reports.values())).criteria),
    }

    province_id = (
        Village.objects.values("commune__province")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["commune__province"]
    )
    province_villages = Village.objects.filter(commune__province_id=province_id)
    times, _r = timed(lambda: run_engine(province_villages), args.runs)
    results["largest_province"] = {
        "villages": province_villages.count(),
        "median_s": statistics.median(times),
    }

    commune = Commune.objects.annotate(n=Count("villages")).order_by("-n").first()
    commune_villages = Village.objects.filter(commune=commune)
    times, _r = timed(lambda: run_engine(commune_villages), args.runs)
    thirty = list(province_villages.order_by("pk").values_list("pk", flat=True)[:30])
    times30, _r = timed(lambda: run_engine(Village.objects.filter(pk__in=thirty)), args.runs)
    # The commune page rendered by its view, for an administrator who is not saved: the
    # shared database gets no user of ours.
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.test import RequestFactory

    from accounts.access import set_current_village
    from reports.views import commune_report

    admin = User(email="bench@example.com", full_name="Bench", is_superuser=True, is_active=True)
    url = reverse("reports_commune", args=[commune.pk]) + f"?set={criteria_set.pk}"
    page_times = []
    for n in range(args.runs + 1):
        request = RequestFactory().get(url)
        request.user = admin
        set_current_village(request, None)
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        start = time.perf_counter()
        response = commune_report(request, pk=commune.pk)
        if n:
            page_times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    results["commune"] = {
        "largest_commune_villages": commune_villages.count(),
        "largest_commune_median_s": statistics.median(times),
        "thirty_villages_median_s": statistics.median(times30),
        "commune_page_median_s": statistics.median(page_times) if page_times else None,
    }

    xlsx = []
    for count in (300, 1000, 3000):
        xlsx.append(run_worker("bench.reports", "--xlsx-worker", str(count)))
    results["xlsx"] = xlsx

    a = results["all_villages"]
    c = results["commune"]
    lines = [
        f"# Reports benchmark, {results['date']}",
        "",
        f"Database `{results['database']}`: {results['households']:,} households, "
        f"{results['villages']:,} villages; set: {results['criteria_set']} "
        f"({a['indicators_computed']} of its {a['indicators_in_set']} indicators computable "
        "in this worktree).",
        "",
        "| measurement | median | goal |",
        "|---|---|---|",
        f"| all indicators, all {results['villages']:,} villages (engine) | "
        f"{a['engine_median_s']:.3f} s | < 10 s |",
        f"| the {len(a['hand_codes'])} figures of the hand-written statement, engine "
        f"(`compute_measures`) | {a['same_figures_engine_median_s']:.3f} s | |",
        f"| the same figures, one hand-written SQL statement | {a['hand_sql_median_s']:.3f} s | |",
        f"| ratio engine / hand SQL (same figures) | {a['ratio']:.2f} x | ≤ 1.5 x |",
        f"| figures identical | {a['same_figures']} | True |",
        f"| largest province ({results['largest_province']['villages']} villages) | "
        f"{results['largest_province']['median_s']:.3f} s | |",
        f"| largest commune ({c['largest_commune_villages']} villages), engine | "
        f"{c['largest_commune_median_s']:.3f} s | < 1 s |",
        f"| 30 villages of one province, engine | {c['thirty_villages_median_s']:.3f} s | < 1 s |",
        "| commune page (view, rendered) | "
        + (f"{c['commune_page_median_s']:.3f} s" if c["commune_page_median_s"] else "n/a")
        + " | < 1 s |",
    ]
    for row in xlsx:
        lines.append(
            f"| .xlsx export, {row['villages']:,} villages | {row['seconds']:.2f} s, "
            f"peak {row['peak_mib']:.0f} MiB (after setup {row['after_setup_mib']:.0f} MiB), "
            f"{row['bytes'] / 1024:.0f} KiB | < 15 s, flat memory |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    save_results(results, text, prefix="reports-")


if __name__ == "__main__":
    main()
