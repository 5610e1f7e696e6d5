"""Benchmark of the adoption figures at national-pilot scale, on PostgreSQL.

    .venv/bin/python -m bench.payments                 # about 10 minutes the first time
    .venv/bin/python -m bench.payments --runs 3

It uses the shared ``villageportal_bench`` database (override with ``BENCH_DATABASE_URL``):
one million households and 3.6 million residents in 3,000 villages, which it only reads. The
adoption history goes into the app's own table (``payments_observation``, rows marked
``source='bench'``), generated once with ``INSERT ... SELECT``: two VNeID observations for
every resident aged 14 and over (an older "none" and, for 9 in 10, a later "level 2") and
one fibre observation for every household, in 300 of the villages (``--sample-villages``;
the whole country would take the shared machine most of an hour). Then it times:

(a) each measure's ``compute`` for all 3,000 villages at once, as the reports app calls it
    (the correlated subquery that works on SQLite and PostgreSQL alike);
(b) the same VNeID figure written with PostgreSQL's ``DISTINCT ON`` for comparison;
(c) the figures of one village (the largest), as the figures page computes them.

Results are printed as Markdown and saved in ``bench/results/payments-<date>.{json,md}``
(git-ignored); the figures worth keeping go to ``docs/benchmarks/payments.md``. Nothing here
asserts a timing.
"""

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime

from bench.common import DEFAULT_URL, save_results, setup_django

GENERATE = [
    # the villages that get a history: one in ten (the others have none, as before a
    # rollout; their residents still cost a probe of the index each)
    """
    CREATE TEMPORARY TABLE payments_bench_villages AS
    SELECT id FROM households_village ORDER BY id LIMIT %(sample)s
    """,
    # an older "no VNeID" for everyone aged 14 and over
    """
    INSERT INTO payments_observation (village_id, household_id, resident_id, item, value,
        adopted, reason, observed_on, method, recorded_at, source)
    SELECT h.village_id, h.id, r.id, 'vneid', 'none', false, 'no_smartphone',
        CURRENT_DATE - 360 + (r.id % 30)::int, 'seen', now(), 'bench'
    FROM households_resident r JOIN households_household h ON h.id = r.household_id
    WHERE r.deleted_at IS NULL AND r.birth_date <= CURRENT_DATE - interval '14 years'
      AND h.village_id IN (SELECT id FROM payments_bench_villages)
    """,
    # then level 2 for nine in ten, on a day during the year
    """
    INSERT INTO payments_observation (village_id, household_id, resident_id, item, value,
        adopted, reason, observed_on, method, recorded_at, source)
    SELECT h.village_id, h.id, r.id, 'vneid', 'level2', true, '',
        CURRENT_DATE - (r.id % 300)::int, 'seen', now(), 'bench'
    FROM households_resident r JOIN households_household h ON h.id = r.household_id
    WHERE r.deleted_at IS NULL AND r.birth_date <= CURRENT_DATE - interval '14 years'
      AND r.id % 10 <> 0 AND h.village_id IN (SELECT id FROM payments_bench_villages)
    """,
    # fibre for every household, yes for 85 in 100
    """
    INSERT INTO payments_observation (village_id, household_id, resident_id, item, value,
        adopted, reason, observed_on, method, recorded_at, source)
    SELECT h.village_id, h.id, NULL, 'fibre',
        CASE WHEN h.id % 100 < 85 THEN 'yes' ELSE 'no' END, h.id % 100 < 85, '',
        CURRENT_DATE - (h.id % 200)::int, 'seen', now(), 'bench'
    FROM households_household h WHERE h.deleted_at IS NULL
      AND h.village_id IN (SELECT id FROM payments_bench_villages)
    """,
]

DISTINCT_ON = """
SELECT h.village_id, count(*) AS total, count(*) FILTER (WHERE o.adopted) AS yes
FROM households_resident r
JOIN households_household h ON h.id = r.household_id
LEFT JOIN (
    SELECT DISTINCT ON (resident_id) resident_id, adopted
    FROM payments_observation
    WHERE item = 'vneid' AND observed_on <= %s AND resident_id IS NOT NULL
    ORDER BY resident_id, observed_on DESC, recorded_at DESC, id DESC
) o ON o.resident_id = r.id
WHERE r.deleted_at IS NULL
  AND (r.joined_on IS NULL OR r.joined_on <= %s) AND (r.left_on IS NULL OR r.left_on > %s)
  AND h.deleted_at IS NULL AND (h.established_on IS NULL OR h.established_on <= %s)
  AND (h.status = 'active' OR h.status_changed_on > %s)
  AND r.birth_date <= %s
GROUP BY h.village_id
"""


def setup() -> None:
    setup_django({"DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)})


def timed(fn: object, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return {
        "median_s": round(statistics.median(samples), 3),
        "max_s": round(max(samples), 3),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--sample-villages", type=int, default=300)
    args = parser.parse_args()
    setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from households.models import Household, Village
    from payments.denominators import years_before
    from payments.figures import SPEC_BY_CODE, SPECS, village_rows
    from payments.models import Observation
    from reports.registry import MEASURES

    call_command("migrate", "payments", verbosity=0)
    results: dict = {"started": datetime.now(UTC).isoformat(), "measures": {}}
    if not Observation.objects.filter(source="bench").exists():
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in GENERATE:
                cursor.execute(sql.replace("%(sample)s", str(args.sample_villages)))
            cursor.execute("ANALYZE payments_observation")
        results["generate_s"] = round(time.perf_counter() - start, 1)
    results["observations"] = Observation.objects.count()
    results["households"] = Household.objects.count()
    villages = Village.objects.all()
    results["villages"] = villages.count()
    today = timezone.localdate()
    for spec in SPECS:
        measure = MEASURES[spec.code]
        results["measures"][spec.code] = timed(
            lambda m=measure: m.compute(villages, today), args.runs
        )
        print(spec.code, results["measures"][spec.code], flush=True)
    cutoff = years_before(today, 14)
    params = [today, today, today, today, today, cutoff]

    def distinct_on() -> list:
        with connection.cursor() as cursor:
            cursor.execute(DISTINCT_ON, params)
            return cursor.fetchall()

    results["vneid_distinct_on"] = timed(distinct_on, args.runs)
    ours = SPEC_BY_CODE["vneid_level2_14plus"].counts(today, villages=villages.values("pk"))
    theirs = {row[0]: (row[2], row[1]) for row in distinct_on()}
    results["distinct_on_agrees"] = ours == theirs
    largest = (
        Household.objects.values("village_id")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    village = Village.objects.get(pk=largest["village_id"])
    results["one_village"] = {
        "households": largest["n"],
        **timed(lambda: village_rows(village, today), max(args.runs, 5)),
    }
    results["finished"] = datetime.now(UTC).isoformat()
    lines = [
        f"Adoption figures, {results['villages']} villages, {results['households']} households, "
        f"{results['observations']} observations ({date.today()})",
        "",
        "| measure (all villages at once) | median s | max s |",
        "|---|---|---|",
    ]
    for code, row in results["measures"].items():
        lines.append(f"| {code} | {row['median_s']} | {row['max_s']} |")
    row = results["vneid_distinct_on"]
    lines.append(f"| vneid with DISTINCT ON (raw SQL) | {row['median_s']} | {row['max_s']} |")
    row = results["one_village"]
    lines += [
        "",
        f"One village ({row['households']} households), all nine figures: "
        f"median {row['median_s']} s, max {row['max_s']} s.",
        f"DISTINCT ON agrees with the measure: {results['distinct_on_agrees']}.",
    ]
    text = "\n".join(lines)
    save_results(results, text + "\n", prefix="payments-", latest=False)
    print(text)


if __name__ == "__main__":
    main()
