"""Benchmark (c): import and export of 100,000 households (about 350,000 residents).

    .venv/bin/python -m bench.registry_io                  # everything (about 17 minutes)
    .venv/bin/python -m bench.registry_io --xlsx-runs 3    # three runs of the .xlsx import

It works in a database of its own, ``villageportal_bench_io`` on the local PostgreSQL server
(override with ``BENCH_IO_DATABASE_URL``; the name must contain "bench"), which it drops,
creates, migrates and fills with the official territory and one village of 20 lanes. Then:

1. it writes one file of 100,000 households, one row per resident with the headers of the
   import's own template (``households.imports.template_rows``), as .csv (UTF-8 with BOM) and
   as .xlsx (openpyxl write-only), plus a .csv of the first 10,000 households;
2. our import (``households.imports``): the check pass (``import_check``, what the worker's
   ``import_check_task`` runs) and the write pass (``import_confirm``, which runs
   ``import_run`` in-process because Celery is eager here), each timed;
3. django-import-export (installed in the venv only, never in ``INSTALLED_APPS``) on the
   same .csv through a ``ModelResource`` for ``Resident`` that ``get_or_create``\\ s the
   household in ``before_import_row``: on the 10,000-household file first, and on the whole
   file only if that projects to at most ``--die-full-limit`` seconds;
4. the floor: the same rows parsed from the .csv in plain Python and written with
   ``COPY ... FROM STDIN`` (ids drawn from the sequences first, as ``generate_population``
   does), with the triggers off (``session_replication_role = replica``, which also skips
   the foreign-key checks) and with pgtrigger's ignore flag (foreign keys checked, as the
   import does);
5. the export (``households.exports``) of 10,000, 50,000 and 100,000 households as a village
   head gets it, to .csv and to .xlsx, the stream consumed to the end.

Every measurement runs in a fresh Python process (this script with ``--worker``); its peak
memory is that process's high-water resident set (``VmHWM``, see ``memory_mib``: what
``ru_maxrss`` measures, without what Linux carries over from the parent), given together
with the process's size after Django's setup so that the growth is visible. Between the runs of
an import the registry's tables (households, residents, their history events and the
history contexts) are emptied with TRUNCATE and a CHECKPOINT is forced.

Results are printed as Markdown and saved in ``bench/results/`` (git-ignored) as
``io-<date>.json`` and ``.md`` (and ``io-latest.*``); the figures worth keeping go to
``docs/benchmarks.md``. Nothing here asserts a timing.
"""

import argparse
import contextlib
import csv
import json
import os
import random
import resource
import statistics
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import (
    command_line,
    machine,
    memory_mib,
    prepare_database,
    report,
    run_worker,
    save_results,
)
from bench.common import setup_django as setup_django_env

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/villageportal_bench_io"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
WORK = Path(os.environ.get("BENCH_IO_DIR", "/tmp/villageportal-bench-io"))  # noqa: S108
VILLAGE_NAME = "Thôn Đo Tải"
HEAD_EMAIL = "bench.io.truongthon@example.com"
PROVINCE = "42"  # Hà Tĩnh
CENTRE = (18.3427, 105.9057)
LANE_NAMES = [
    "Đường trục thôn",
    "Đường liên xã",
    "Xóm Chùa",
    "Xóm Giếng",
    "Xóm Đồng",
    "Xóm Trên",
    "Xóm Dưới",
    "Xóm Mới",
] + [f"Ngõ {n}" for n in range(1, 13)]
REGISTRY_TABLES = (
    "households_resident",
    "households_household",
    "households_residentevent",
    "households_householdevent",
    "pghistory_context",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--runs", type=int, default=3, help="runs of the .csv import and COPY")
    parser.add_argument("--xlsx-runs", type=int, default=1, help="runs of the .xlsx import")
    parser.add_argument(
        "--die-households",
        type=int,
        default=10_000,
        help="households of the first django-import-export run (the start of the same file)",
    )
    parser.add_argument(
        "--die-full-limit",
        type=float,
        default=1200.0,
        help="run django-import-export on the whole file only if it projects to this many s",
    )
    parser.add_argument("--export-sizes", default="10000,50000,100000")
    parser.add_argument("--export-runs", type=int, default=1)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args()


# ---------------------------------------------------------------------------------------
# Environment


def environment(url: str) -> dict[str, str]:
    """Settings for every process: production-like, Celery eager, the bench's media dir."""
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("DJANGO_SETTINGS_MODULE", "villageportal.settings")
    env.setdefault("DJANGO_DEBUG", "false")  # no query log
    env.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-a-secret")
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    env.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
    env.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
    env.setdefault("DJANGO_STATIC_MANIFEST", "false")
    env.setdefault("LOG_LEVEL", "WARNING")
    env["MEDIA_ROOT"] = str(WORK / "media")
    # The import's progress goes to the cache, Redis as in production when it answers.
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    if redis_answers(redis_url):
        env["REDIS_URL"] = redis_url
        env["CACHE_KEY_PREFIX"] = "vp-bench-io"
    else:
        env.pop("REDIS_URL", None)
    # The worker's tasks run in this process when the import is confirmed.
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    return env


def redis_answers(url: str) -> bool:
    import socket

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def setup_django(url: str) -> None:
    warnings.filterwarnings("ignore", message="No directory at")
    setup_django_env(environment(url))


def peak_mib() -> float:
    return memory_mib()["peak"]


# ---------------------------------------------------------------------------------------
# Setup: database, village, files


def setup_registry(households: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Membership, User
    from households.models import Commune, Lane, Village
    from households.territory import territory_load

    call_command("migrate", verbosity=0)
    territory_load()
    commune = Commune.objects.filter(province__code=PROVINCE).order_by("code").first()
    village = Village.objects.create(
        commune=commune,
        name=VILLAGE_NAME,
        latitude=Decimal(f"{CENTRE[0]:.6f}"),
        longitude=Decimal(f"{CENTRE[1]:.6f}"),
    )
    for order, name in enumerate(LANE_NAMES, start=1):
        Lane.objects.create(village=village, name=name, sort_order=order)
    user = User.objects.create(email=HEAD_EMAIL, full_name="Trưởng Thôn Đo Tải")
    Membership.objects.create(user=user, role="village_head", village=village)
    files = build_files(village, households, seed, timezone.localdate())
    return {"village": str(village.pk), "commune": str(commune), "files": files}


def build_files(village: Any, households: int, seed: int, today: date) -> dict[str, Any]:
    """The .csv and .xlsx of ``households`` households, and a .csv of the first 10,000."""
    from openpyxl import Workbook

    from households.imports import (
        GENDER_WORDS,
        NO_WORD,
        YES_WORD,
        relationship_word,
        template_rows,
    )
    from households.synthetic import village_rows

    WORK.mkdir(parents=True, exist_ok=True)
    headers, _example = template_rows(village)
    lanes = list(village.lanes.order_by("sort_order").values_list("pk", "name"))
    rows = village_rows(
        rng=random.Random(seed),
        lanes=lanes,
        count=households,
        today=today,
        province_code=PROVINCE,
        centre=CENTRE,
        address_prefix=f"VN{PROVINCE}0001",
        used_ids=set(),
    )
    paths = {
        "csv": WORK / f"households-{households}.csv",
        "xlsx": WORK / f"households-{households}.xlsx",
        "csv_head": WORK / "households-first-10000.csv",
    }
    started = time.perf_counter()
    residents = 0
    residents_head = 0
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhân khẩu")
    sheet.append(headers)
    with (
        paths["csv"].open("w", encoding="utf-8-sig", newline="") as whole,
        paths["csv_head"].open("w", encoding="utf-8-sig", newline="") as head,
    ):
        out, out_head = csv.writer(whole), csv.writer(head)
        out.writerow(headers)
        out_head.writerow(headers)
        for index, house in enumerate(rows):
            shared = [
                house.lane_name,
                house.house_number,
                house.digital_address,
                house.latitude,
                house.longitude,
                YES_WORD if house.is_business else NO_WORD,
                house.business_name,
            ]
            for person, cccd, tel in zip(
                house.members, house.national_ids, house.phones, strict=True
            ):
                national_phone = "0" + tel[3:] if tel.startswith("+84") else tel
                person_cells = [
                    person.full_name,
                    GENDER_WORDS[person.gender],
                    person.birth_date,
                    cccd,
                    national_phone,
                    relationship_word(person.relationship, person.gender),
                ]
                text = [str(c) for c in shared] + [
                    person.full_name,
                    person_cells[1],
                    person.birth_date.strftime("%d/%m/%Y"),
                    cccd,
                    national_phone,
                    person_cells[5],
                ]
                out.writerow(text)
                if index < 10_000:
                    out_head.writerow(text)
                    residents_head += 1
                # In the workbook: text for numbers with leading zeros, numbers for the
                # coordinates, a date cell for the birth date, as Excel holds them.
                sheet.append(
                    [
                        *shared[:3],
                        float(house.latitude),
                        float(house.longitude),
                        *shared[5:],
                        *person_cells,
                    ]
                )
                residents += 1
    csv_seconds = time.perf_counter() - started
    workbook.save(paths["xlsx"])
    return {
        "households": households,
        "residents": residents,
        "head_households": min(households, 10_000),
        "head_residents": residents_head,
        "headers": headers,
        "paths": {k: str(v) for k, v in paths.items()},
        "bytes": {k: v.stat().st_size for k, v in paths.items()},
        "build_seconds": round(time.perf_counter() - started, 1),
        "csv_rows_seconds": round(csv_seconds, 1),
    }


def reset_registry() -> None:
    """Empty the registry's tables, so that each import starts from the same state."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(REGISTRY_TABLES)} CASCADE")
        cursor.execute("CHECKPOINT")


# ---------------------------------------------------------------------------------------
# Workers: one measurement each, in a fresh process


def village_and_head() -> tuple[Any, Any]:
    from accounts.models import User
    from households.models import Village

    return Village.objects.get(name=VILLAGE_NAME), User.objects.get(email=HEAD_EMAIL)


def worker_check(path: str) -> dict[str, Any]:
    """The check pass of a new job, as the worker task runs it."""
    from django.core.files import File

    from households import imports
    from households.models import ImportJob

    village, head = village_and_head()
    # What import_start does before it hands the check to the worker (without the size limit).
    job = ImportJob.objects.create(
        village=village,
        created_by=head,
        original_name=Path(path).name,
        mode=ImportJob.Mode.ALL_OR_NOTHING,
        status=ImportJob.Status.CHECKING,
    )
    with open(path, "rb") as upload:
        job.file.save(f"{job.pk}{Path(path).suffix}", File(upload), save=True)
    started = time.perf_counter()
    job = imports.import_check(job=job)
    seconds = time.perf_counter() - started
    return {
        "job": str(job.pk),
        "status": job.status,
        "seconds": seconds,
        "total_rows": job.total_rows,
        "valid_rows": job.valid_rows,
        "errors": job.errors[:5],
    }


def worker_write(job_id: str) -> dict[str, Any]:
    """The write pass: confirm the checked job (Celery eager: import_run runs here)."""
    from django.db import connection

    from households import imports
    from households.models import ImportJob

    _village, head = village_and_head()
    job = ImportJob.objects.get(pk=job_id)
    started = time.perf_counter()
    job = imports.import_confirm(job=job, by=head)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM households_householdevent), "
            "(SELECT count(*) FROM households_residentevent)"
        )
        household_events, resident_events = cursor.fetchone()
    return {
        "status": job.status,
        "seconds": seconds,
        "households": job.households_written,
        "residents": job.residents_written,
        "household_events": household_events,
        "resident_events": resident_events,
        "errors": job.errors[:5],
    }


def worker_die(path: str) -> dict[str, Any]:
    """django-import-export on the same .csv, the way its documentation suggests.

    A ``ModelResource`` for ``Resident`` whose ``before_import_row`` finds or creates the
    household, with the options its documentation gives for large imports of new rows
    (``use_bulk``, ``batch_size``, ``skip_diff``, ``force_init_instance``), in one
    transaction as ours is.
    """
    import tablib
    from import_export import fields, resources, widgets

    from accounts.phones import normalize_phone
    from households.imports import COLUMN_BY_KEY, RELATIONSHIP_WORDS
    from households.models import Household, Resident

    village, _head = village_and_head()
    header = {key: column.header for key, column in COLUMN_BY_KEY.items()}
    genders = {"Nam": Resident.Gender.MALE, "Nữ": Resident.Gender.FEMALE}
    relationships = {w: rel for rel, words in RELATIONSHIP_WORDS.items() for w in words}

    class ResidentResource(resources.ModelResource):
        household = fields.Field(
            attribute="household",
            column_name="household",
            widget=widgets.ForeignKeyWidget(Household),
        )
        full_name = fields.Field(attribute="full_name", column_name=header["full_name"])
        gender = fields.Field(attribute="gender", column_name="gender")
        birth_date = fields.Field(
            attribute="birth_date",
            column_name=header["birth_date"],
            widget=widgets.DateWidget(format="%d/%m/%Y"),
        )
        national_id = fields.Field(attribute="national_id", column_name=header["national_id"])
        phone = fields.Field(attribute="phone", column_name="phone")
        relationship = fields.Field(attribute="relationship", column_name="relationship")
        is_head = fields.Field(
            attribute="is_head", column_name="is_head", widget=widgets.BooleanWidget()
        )

        class Meta:
            model = Resident
            fields = (
                "id",
                "household",
                "full_name",
                "gender",
                "birth_date",
                "national_id",
                "phone",
                "relationship",
                "is_head",
            )
            # Its documentation's advice for large imports of new rows: bulk mode, no
            # diffs, no lookup of an existing instance per row.
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True

        def before_import(self, dataset: Any, **kwargs: Any) -> None:
            self.lanes = {lane.name: lane for lane in village.lanes.all()}

        def before_import_row(self, row: dict, **kwargs: Any) -> None:
            lane = self.lanes[row[header["lane"]]]
            business = row[header["is_business"]] == "Có"
            household, _created = Household.objects.get_or_create(
                lane=lane,
                house_number=row[header["house_number"]],
                # The condition of the unique index on lane and number, or it goes unused.
                status=Household.Status.ACTIVE,
                deleted_at__isnull=True,
                defaults={
                    "village": village,
                    "digital_address": row[header["digital_address"]],
                    "latitude": Decimal(row[header["latitude"]]),
                    "longitude": Decimal(row[header["longitude"]]),
                    "is_business": business,
                    "business_name": row[header["business_name"]] if business else "",
                },
            )
            relationship = relationships[row[header["relationship"]]]
            row["household"] = household.pk
            row["gender"] = genders[row[header["gender"]]]
            row["relationship"] = relationship
            row["is_head"] = "1" if relationship == Resident.Relationship.HEAD else "0"
            row["phone"] = normalize_phone(row[header["phone"]]) if row[header["phone"]] else ""

    started = time.perf_counter()
    with open(path, encoding="utf-8-sig") as text:
        dataset = tablib.Dataset().load(text.read(), format="csv")
    loaded = time.perf_counter() - started
    result = ResidentResource().import_data(
        dataset, dry_run=False, use_transactions=True, raise_errors=True
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "load_seconds": loaded,
        "rows": len(dataset),
        "totals": {k: v for k, v in result.totals.items() if v},
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
    }


@contextlib.contextmanager
def _floor_rows(path: str) -> Iterator[Iterator[list[str]]]:
    """The data rows of the file as the .csv's text cells (an .xlsx read with openpyxl)."""
    if path.endswith(".xlsx"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)

        def text(value: Any) -> str:
            if value is None:
                return ""
            if isinstance(value, datetime):
                return f"{value:%d/%m/%Y}"
            return str(value)

        rows = workbook.worksheets[0].iter_rows(min_row=2, values_only=True)
        try:
            yield ([text(v) for v in row] for row in rows)
        finally:
            workbook.close()
        return
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield reader


def worker_copy(path: str, mode: str) -> dict[str, Any]:
    """The floor: the file parsed in plain Python into the same rows, written with COPY."""
    import secrets

    import pgtrigger
    from django.db import connection, transaction
    from django.utils import timezone

    from households.imports import INSERT_TRIGGERS, RELATIONSHIP_WORDS
    from households.models import natural_key
    from villageportal.text import fold

    village, head = village_and_head()
    lanes = dict(village.lanes.values_list("name", "pk"))
    genders = {"Nam": "male", "Nữ": "female"}
    relationships = {w: rel for rel, words in RELATIONSHIP_WORDS.items() for w in words}
    household_columns = (
        "id, village_id, lane_id, house_number, house_number_key, digital_address, latitude, "
        "longitude, status, is_business, business_name, business_kind, head_name_public, "
        "public_code, notes, search_document, deleted_reason, created_by_id, created_at, "
        "updated_at"
    )
    resident_columns = (
        "household_id, full_name, gender, birth_date, national_id, phone, relationship, "
        "is_head, deleted_reason, created_at, updated_at"
    )
    started = time.perf_counter()
    now = timezone.now()
    households: list[list[Any]] = []
    residents: list[list[Any]] = []
    names: list[list[str]] = []
    last = None
    with _floor_rows(path) as reader:
        for cells in reader:
            lane, number, address, lat, lon, business, trade = cells[:7]
            name, gender, born, national_id, phone, relationship = cells[7:]
            if (lane, number) != last:
                last = (lane, number)
                is_business = business == "Có"
                households.append(
                    [
                        None,
                        village.pk,
                        lanes[lane],
                        number,
                        natural_key(number),
                        address,
                        Decimal(lat),
                        Decimal(lon),
                        "active",
                        is_business,
                        trade if is_business else "",
                        "",
                        False,
                        secrets.token_urlsafe(6),
                        "",
                        [number, address, lane, trade if is_business else ""],
                        "",
                        head.pk,
                        now,
                        now,
                    ]
                )
                names.append([])
            day, month, year = born.split("/")
            rel = relationships[relationship]
            residents.append(
                [
                    len(households) - 1,
                    name,
                    genders[gender],
                    date(int(year), int(month), int(day)),
                    national_id,
                    "+84" + phone[1:] if phone else "",
                    rel,
                    rel == "head",
                    "",
                    now,
                    now,
                ]
            )
            names[-1].append(name)
    for household, members in zip(households, names, strict=True):
        parts = household[15] + members
        household[15] = " " + " | ".join(fold(p) for p in parts if p) + " "
    parsed = time.perf_counter() - started
    context = pgtrigger.ignore(*INSERT_TRIGGERS) if mode == "ignore" else transaction.atomic()
    with context, transaction.atomic(), connection.cursor() as cursor:
        if mode == "replica":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("SELECT 1")  # pgtrigger sets its flag for the transaction
            # The one-head rule's per-row constraint triggers stand aside too, as in the import
            # (which checks the rule with one statement per batch instead); left on, they check
            # every household one by one at COMMIT, which takes minutes and is no floor.
            cursor.execute("SET LOCAL villageportal.head_check = 'skip'")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('households_household', 'id')) "
            "FROM generate_series(1, %s)",
            [len(households)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.connection.cursor() as raw:
            with raw.copy(f"COPY households_household ({household_columns}) FROM STDIN") as copy:
                for household_id, household in zip(ids, households, strict=True):
                    household[0] = household_id
                    copy.write_row(household)
            with raw.copy(f"COPY households_resident ({resident_columns}) FROM STDIN") as copy:
                for resident in residents:
                    resident[0] = ids[resident[0]]
                    copy.write_row(resident)
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "seconds": seconds,
        "parse_seconds": parsed,
        "households": len(households),
        "residents": len(residents),
    }


def worker_export(fmt: str, households: int) -> dict[str, Any]:
    """The export of the first ``households`` households as the village head gets it."""
    from households import exports
    from households.models import Household
    from households.selectors import households_filtered
    from households.visibility import resident_fields

    village, head = village_and_head()
    roles = frozenset({"village_head"})
    queryset = households_filtered(user=head, village=village, roles=roles, params={}).defer(
        "search_document", "notes"
    )
    total = Household.objects.filter(village=village).count()
    if households < total:
        # The first ``households`` households by id: the same rows each time.
        last = (
            Household.objects.filter(village=village)
            .order_by("pk")
            .values_list("pk", flat=True)[households - 1]
        )
        queryset = queryset.filter(pk__lte=last)
    plan = exports.export_plan(resident_fields(roles))
    counted = [0]

    def rows() -> Any:
        for row in exports.export_rows(queryset, plan):
            counted[0] += 1
            yield row

    size = 0
    started = time.perf_counter()
    if fmt == "csv":
        chunks = exports.csv_chunks(plan.headers, rows())
    else:
        chunks = exports.xlsx_chunks(plan.headers, rows())
    first_byte = None
    with open(os.devnull, "wb") as sink:
        for chunk in chunks:
            if first_byte is None and chunk:
                first_byte = time.perf_counter() - started
            size += len(chunk)
            sink.write(chunk)
    seconds = time.perf_counter() - started
    return {
        "format": fmt,
        "households": min(households, total),
        "rows": counted[0],
        "columns": len(plan.headers),
        "bytes": size,
        "seconds": seconds,
        "first_byte_seconds": first_byte,
    }


WORKERS = {
    "check": worker_check,
    "write": worker_write,
    "die": worker_die,
    "copy": worker_copy,
    "export": worker_export,
}


def worker(spec: str) -> None:
    task = json.loads(spec)
    setup_django(task.pop("url"))
    baseline = peak_mib()
    result = WORKERS[task.pop("task")](**task)
    result["peak_rss_mib"] = peak_mib()
    result["baseline_rss_mib"] = baseline
    result["ru_maxrss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report(result)


def measure(url: str, env: dict[str, str], task: str, **kwargs: Any) -> dict[str, Any]:
    spec = json.dumps({"url": url, "task": task, **kwargs})
    result = run_worker("bench.registry_io", "--worker", spec, env=env)
    result["seconds"] = round(result["seconds"], 2)
    return result


# ---------------------------------------------------------------------------------------
# Report


def median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return round(statistics.median(r[key] for r in runs), 2)


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": runs,
        "median_seconds": median(runs),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "baseline_rss_mib": max(r["baseline_rss_mib"] for r in runs),
    }


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    files = results["files"]
    lines = [
        f"Run {results['date']} with `{results['command']}`",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}, Django {m['django']}.",
        "",
        f"File: {files['households']:,} households, {files['residents']:,} residents; "
        f".csv {files['bytes']['csv'] / 2**20:.1f} MiB, .xlsx {files['bytes']['xlsx'] / 2**20:.1f} "
        f"MiB; first 10,000 households: {files['head_residents']:,} residents.",
        "",
        "| measurement | runs | median s | each run s | peak RSS MiB (after setup) |",
        "|---|---:|---:|---|---:|",
    ]
    for label, item in results["table"].items():
        each = ", ".join(str(r["seconds"]) for r in item["runs"])
        lines.append(
            f"| {label} | {len(item['runs'])} | {item['median_seconds']} | {each} | "
            f"{item['peak_rss_mib']} ({item['baseline_rss_mib']}) |"
        )
    lines += ["", "Ratios:", ""]
    lines += [f"- {label}: {value}" for label, value in results["ratios"].items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# The run


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args.worker)
        return

    url = os.environ.get("BENCH_IO_DATABASE_URL", DEFAULT_URL)
    prepare_database(url, recreate=True)
    env = environment(url)
    setup_django(url)
    command = command_line("bench.registry_io")
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "database": urlsplit(url).path.lstrip("/"),
        "cache": "redis" if env.get("REDIS_URL") else "locmem",
        "machine": machine(),
        "memory": "VmHWM of a fresh process per measurement (MiB); in brackets after setup",
    }
    print(f"Setting up {results['database']} and writing the files to {WORK}...", flush=True)
    setup = setup_registry(args.households, args.seed)
    files = results["files"] = setup["files"]
    from django.conf import settings

    results["import_max_bytes"] = settings.IMPORT_MAX_BYTES
    print(json.dumps({k: v for k, v in files.items() if k != "headers"}, indent=1), flush=True)
    paths = files["paths"]
    table: dict[str, Any] = {}

    def ours_once(label: str, path: str, run: int) -> tuple[dict, dict]:
        reset_registry()
        check = measure(url, env, "check", path=path)
        if check["status"] != "checked" or check["valid_rows"] != check["total_rows"]:
            sys.exit(f"The check of {path} did not pass: {check}")
        write = measure(url, env, "write", job_id=check["job"])
        if write["status"] != "done":
            sys.exit(f"The import of {path} failed: {write}")
        print(f"  {label} run {run + 1}: check {check}\n    write {write}", flush=True)
        return check, write

    def record(label: str, pairs: list[tuple[dict, dict]]) -> None:
        checks = [c for c, _w in pairs]
        writes = [w for _c, w in pairs]
        table[f"our import, {label}: check pass"] = summary(checks)
        table[f"our import, {label}: write pass"] = summary(writes)
        totals = [
            {**c, "seconds": round(c["seconds"] + w["seconds"], 2), "peak_rss_mib": 0}
            for c, w in pairs
        ]
        table[f"our import, {label}: check + write"] = {
            **summary(totals),
            "peak_rss_mib": max(
                table[f"our import, {label}: check pass"]["peak_rss_mib"],
                table[f"our import, {label}: write pass"]["peak_rss_mib"],
            ),
        }

    def ours(label: str, path: str, runs: int) -> None:
        record(label, [ours_once(label, path, run) for run in range(runs)])

    def alternating(fmt: str, runs: int) -> tuple[list[tuple[dict, dict]], dict[str, list[dict]]]:
        """Our import and the COPY floors of the same file, run by run, so that all see the
        same machine (a busy moment slows one run of each rather than all runs of one)."""
        print(f"\nOur import of the .{fmt} and the COPY floor reading it, alternating", flush=True)
        pairs: list[tuple[dict, dict]] = []
        floors: dict[str, list[dict]] = {"replica": [], "ignore": []}
        for run in range(runs):
            pairs.append(ours_once(f".{fmt}", paths[fmt], run))
            for mode in ("replica", "ignore"):
                reset_registry()
                floors[mode].append(measure(url, env, "copy", path=paths[fmt], mode=mode))
                print(f"  COPY ({mode}), .{fmt}, run {run + 1}: {floors[mode][-1]}", flush=True)
        record(f".{fmt}", pairs)
        for mode, floor_runs in floors.items():
            table[f"COPY floor ({mode}), .{fmt}"] = summary(floor_runs)
        return pairs, floors

    pairs, floors = alternating("csv", args.runs)
    results["ratio_by_run_ours_over_copy_ignore"] = [
        round((c["seconds"] + w["seconds"]) / f["seconds"], 2)
        for (c, w), f in zip(pairs, floors["ignore"], strict=True)
    ]
    print("\nOur import, first 10,000 households (.csv)", flush=True)
    ours(".csv, first 10,000 households", paths["csv_head"], args.runs)

    print("\ndjango-import-export", flush=True)
    reset_registry()
    die = [measure(url, env, "die", path=paths["csv_head"])]
    print(f"  first 10,000 households: {die[0]}", flush=True)
    table["django-import-export, .csv, first 10,000 households"] = summary(die)
    projected = die[0]["seconds"] * files["residents"] / die[0]["rows"]
    results["die_projected_full_seconds"] = round(projected)
    if projected <= args.die_full_limit:
        reset_registry()
        full = [measure(url, env, "die", path=paths["csv"])]
        print(f"  whole file: {full[0]}", flush=True)
        table["django-import-export, .csv"] = summary(full)
    else:
        print(f"  whole file skipped: projected {projected:.0f} s", flush=True)

    # The .xlsx likewise, against a floor that reads the same .xlsx (openpyxl, read-only).
    alternating("xlsx", args.xlsx_runs)

    # Leave the registry as one import of the .csv wrote it, for the export.
    print("\nExport", flush=True)
    reset_registry()
    check = measure(url, env, "check", path=paths["csv"])
    measure(url, env, "write", job_id=check["job"])
    with __import__("django.db").db.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE households_household")
        cursor.execute("VACUUM ANALYZE households_resident")
    for fmt in ("csv", "xlsx"):
        for size in [int(s) for s in args.export_sizes.split(",")]:
            runs = []
            for _run in range(args.export_runs):
                runs.append(measure(url, env, "export", fmt=fmt, households=size))
                print(f"  export {fmt} {size}: {runs[-1]}", flush=True)
            table[f"export .{fmt}, {size:,} households"] = summary(runs)

    results["table"] = table
    ours_csv = table["our import, .csv: check + write"]["median_seconds"]
    ours_write = table["our import, .csv: write pass"]["median_seconds"]
    ours_head = table["our import, .csv, first 10,000 households: check + write"]
    die_head = table["django-import-export, .csv, first 10,000 households"]["median_seconds"]
    per_row_ours = ours_csv / files["residents"]
    per_row_die = die_head / files["head_residents"]
    ratios = {
        "django-import-export / ours, first 10,000 households (check + write)": round(
            die_head / ours_head["median_seconds"], 1
        ),
        "django-import-export / ours, per row (10,000 households vs the whole file, "
        "check + write)": round(per_row_die / per_row_ours, 1),
    }
    if "django-import-export, .csv" in table:
        ratios["django-import-export / ours, whole file (check + write)"] = round(
            table["django-import-export, .csv"]["median_seconds"] / ours_csv, 1
        )
    for mode in ("replica", "ignore"):
        floor = table[f"COPY floor ({mode}), .csv"]["median_seconds"]
        ratios[f"ours (check + write) / COPY ({mode})"] = round(ours_csv / floor, 2)
        ratios[f"ours (write pass only) / COPY ({mode})"] = round(ours_write / floor, 2)
        xlsx_floor = table[f"COPY floor ({mode}), .xlsx"]["median_seconds"]
        ratios[f"ours, .xlsx (check + write) / COPY ({mode}) reading the .xlsx"] = round(
            table["our import, .xlsx: check + write"]["median_seconds"] / xlsx_floor, 2
        )
    results["ratios"] = ratios
    text = markdown(results)
    saved = save_results(results, text, prefix="io-")
    print("\n" + text)
    print(f"Saved in {saved} and .md; database {results['database']} kept.")


if __name__ == "__main__":
    main()
