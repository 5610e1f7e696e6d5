"""The write of a registry import: the checked households, in one transaction.

What the check found importable is read back from its cleaned copy and inserted in batches
(COPY on PostgreSQL), with the history events that the per-row triggers would have written
copied in one statement per batch.
"""

import csv
import io
import logging
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pgtrigger
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from households import history
from households.imports import jobs
from households.imports.check import READY_FORMAT
from households.imports.fileformat import BATCH, error
from households.models import Household, ImportJob, Resident, natural_key
from villageportal import public_cache
from villageportal.spreadsheets import ImportFileError

logger = logging.getLogger(__name__)

# The history triggers that an import replaces with one statement per batch (pgtrigger URIs).
INSERT_TRIGGERS = ("households.Household:insert_insert", "households.Resident:insert_insert")


class History:
    """The history events of the rows an import inserts, the same as the triggers write.

    On PostgreSQL each history trigger upserts the change context once per row, which makes
    a large import several times slower; inside the import's transaction the insert
    triggers are told to stand aside (pgtrigger's flag, local to the transaction) and the
    events are copied from the new rows in one statement per batch, under one context.
    Elsewhere ``history.record`` writes them.
    """

    def __init__(self, job: ImportJob) -> None:
        self.bulk = history.triggers_active()
        self.context_id = uuid.uuid4()
        if not self.bulk:
            return
        from pghistory.models import Context

        user = job.created_by
        Context.objects.create(
            id=self.context_id,
            metadata={
                "user": user.pk if user else None,
                "user_name": str(user) if user else "",
                "source": "import",
                "import_job": str(job.pk),
            },
        )
        pgids = [t.get_pgid(m) for m, t in pgtrigger.registered(*INSERT_TRIGGERS)]
        self._set_ignored("{" + ",".join(pgids) + "}")

    def _set_ignored(self, value: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [value])

    def done(self) -> None:
        if self.bulk:
            self._set_ignored("{}")

    def record(self, instances: list[Any]) -> None:
        """Events for model instances just created (``history.record`` where no triggers)."""
        if not instances:
            return
        if not self.bulk:
            history.record(instances, "insert")
            return
        self.record_ids(type(instances[0]), [i.pk for i in instances])

    def record_ids(self, model: type[Any], ids: list[int]) -> None:
        """Events for the rows ``ids`` of ``model``, copied from the table in one statement."""
        if not ids or not self.bulk:
            return
        events = apps.get_model(model._meta.app_label, f"{model.__name__}Event")
        columns = [f.column for f in events._meta.concrete_fields if not f.name.startswith("pgh_")]
        qn = connection.ops.quote_name
        copied = ", ".join(qn(c) for c in columns)
        # Identifiers from the models' metadata, quoted; the values are parameters.
        sql = (
            f"INSERT INTO {qn(events._meta.db_table)} ({copied}, pgh_context_id, "  # noqa: S608
            f"pgh_created_at, pgh_label, pgh_obj_id) "
            f"SELECT {copied}, %s, NOW(), 'insert', {qn(model._meta.pk.column)} "
            f"FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.context_id, ids])


def ready_batches(
    lines: Iterable[list[str]], size: int
) -> Iterator[list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """The checked households read back, ``size`` at a time, with their residents."""
    batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for line in lines:
        if line[0] == "H":
            if len(batch) >= size:
                yield batch
                batch = []
            _kind, lane, number, address, lat, lon, business, trade, document = line
            household = {
                "lane_id": int(lane),
                "house_number": number,
                "house_number_key": natural_key(number),
                "digital_address": address,
                "latitude": Decimal(lat) if lat else None,
                "longitude": Decimal(lon) if lon else None,
                "is_business": business == "1",
                "business_name": trade,
                "search_document": document,
            }
            batch.append((household, []))
        elif line[0] == "R" and batch:
            _kind, name, gender, born, national_id, phone, relationship = line
            batch[-1][1].append(
                {
                    "full_name": name,
                    "gender": gender,
                    "birth_date": date.fromisoformat(born) if born else None,
                    "national_id": national_id,
                    "phone": phone,
                    "relationship": relationship,
                    "is_head": relationship == Resident.Relationship.HEAD,
                }
            )
        else:
            raise ImportFileError([error("failed")])
    if batch:
        yield batch


def import_run(*, job: ImportJob) -> ImportJob:
    """Write the households and residents of a confirmed job, in one transaction.

    Writes what the check found importable, as it was then; the database's constraints
    catch a conflict with a change made to the registry since (the same ID number entered
    by hand meanwhile), and then nothing is written. Running twice does not write twice:
    the job leaves RUNNING in the same transaction as the rows.
    """
    job.refresh_from_db()
    if job.status != ImportJob.Status.RUNNING:
        return job
    try:
        with (
            job.file.open("rb") as stored,
            history.change_context(user=job.created_by, source="import", import_job=str(job.pk)),
            transaction.atomic(),
        ):
            lines = csv.reader(io.TextIOWrapper(stored, encoding="utf-8", newline=""))
            if next(lines, None) != [READY_FORMAT]:
                raise ImportFileError([error("failed")])
            writer = Writer(job)
            for batch in ready_batches(lines, BATCH):
                writer.write(batch)
                jobs.set_progress(job, writer.residents / max(job.valid_rows, 1))
            writer.history.done()
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE,
                finished_at=timezone.now(),
                progress=100,
                households_written=writer.households,
                residents_written=writer.residents,
                preview=[],
            )
            # Bulk inserts send no signals: the public pages of the village are renewed here.
            public_cache.bump(job.village_id)
    except IntegrityError as exc:
        logger.info("Import %s conflicts with the registry", job.pk, exc_info=True)
        errors = [error("registry_changed"), *conflict(exc), *job.errors]
        jobs.finish_job(job, status=ImportJob.Status.FAILED, errors=errors, progress=100)
        return job
    except ImportFileError as exc:
        jobs.finish_job(job, status=ImportJob.Status.FAILED, errors=exc.errors, progress=100)
        return job
    except Exception:
        # Anything else (a lost file, the time limit): the transaction is rolled back, so
        # nothing was written.
        logger.exception("Import %s failed", job.pk)
        jobs.finish_job(job, status=ImportJob.Status.FAILED, errors=[error("failed")], progress=100)
        return job
    jobs.discard_file(job)
    jobs.forget_progress(job)
    job.refresh_from_db()
    return job


def conflict(exc: IntegrityError) -> list[dict]:
    """Which uniqueness rule a change to the registry since the check broke, if it can tell."""
    text = str(exc)
    for marker, code in (
        ("national_id", "national_id_taken"),
        ("digital_address", "digital_address_taken"),
        ("house_number", "house_number_taken_since"),
        ("number_in_lane", "house_number_taken_since"),
    ):
        if marker in text:
            return [error(code)]
    return []


class Writer:
    """Bulk inserts of checked households and their residents, with their history."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.history = History(job)
        self.households = 0
        self.residents = 0
        if connection.vendor == "postgresql":
            # The one-head rule's per-row triggers stand aside for this transaction; each
            # batch is checked instead by one statement (``_check_heads``), before commit.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL villageportal.head_check = 'skip'")

    def write(self, batch: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
        if not batch:
            return
        shared = {"village_id": self.job.village_id, "created_by_id": self.job.created_by_id}
        household_ids = self._insert(Household, [{**h, **shared} for h, _r in batch])
        residents = [
            {**resident, "household_id": household_id}
            for household_id, (_h, members) in zip(household_ids, batch, strict=True)
            for resident in members
        ]
        self._insert(Resident, residents)
        self._check_heads(household_ids)
        self.households += len(batch)
        self.residents += len(residents)

    def _check_heads(self, household_ids: list[int]) -> None:
        """The one-head rule (``households_exactly_one_head``) over a batch, in one statement."""
        if connection.vendor != "postgresql" or not household_ids:
            return
        # Driven by the batch's ids, each looked up through the residents' household index:
        # the households were written active a moment ago, so the household table is not
        # read. (Filtering that table by ``id = ANY(...)`` let the planner, with no
        # statistics for rows of an uncommitted transaction, scan every household written
        # so far, once per batch: a 100,000-household import spent 20 s there.)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT b.id FROM unnest(%s) AS b(id)
                 WHERE (SELECT count(*) FROM households_resident r
                         WHERE r.household_id = b.id AND r.is_head AND r.left_on IS NULL
                           AND r.deleted_at IS NULL) <> 1
                 LIMIT 1
                """,
                [household_ids],
            )
            bad = cursor.fetchone()
        if bad is not None:
            raise IntegrityError(
                f"households_exactly_one_head: active household {bad[0]} must have exactly one head"
            )

    def _insert(self, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
        """Insert ``rows`` (attribute values; the rest take their defaults); their new ids.

        PostgreSQL gets the rows by COPY, with ids drawn from the table's sequence first;
        other databases through ``bulk_create``.
        """
        if connection.vendor != "postgresql":
            created = model.objects.bulk_create([model(**r) for r in rows], batch_size=BATCH)
            self.history.record(created)
            return [obj.pk for obj in created]
        fields = model._meta.concrete_fields
        pk = model._meta.pk
        qn = connection.ops.quote_name
        # Defaults once per batch, except those that must differ per row (a public code).
        per_row = [
            f
            for f in fields
            if f.has_default() and callable(f.default) and f.default is not timezone.now
        ]
        shared = {f.attname: f.get_default() for f in fields if f not in per_row}
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        # The driver's own cursor, in the same transaction: Django's execute wrappers (the
        # history context) would prepend a statement and hide the sequence's values.
        with (
            connection.wrap_database_errors,  # the driver's errors as Django's
            connection.cursor() as cursor,
            cursor.connection.cursor() as raw,
        ):
            raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in raw.fetchall()]
            # Each row starts from the shared defaults in column order and gets its own values
            # by position (cheaper than merging dicts: this loop runs once per row).
            # The batch's timestamps as text, once: COPY's text format takes them so, and
            # formatting a datetime for every row is most of the cost of formatting a row.
            template = [
                v.isoformat() if isinstance(v, datetime) else v
                for v in (shared.get(f.attname) for f in fields)
            ]
            position = {f.attname: i for i, f in enumerate(fields)}
            pk_position = position[pk.attname]
            own_defaults = [(position[f.attname], f.get_default) for f in per_row]
            with raw.copy(sql) as copy:
                for new_id, row in zip(ids, rows, strict=True):
                    values = template.copy()
                    for name, value in row.items():
                        index = position.get(name)
                        if index is not None:  # keys that are not columns are left out
                            values[index] = value
                    values[pk_position] = new_id
                    for index, default in own_defaults:
                        values[index] = default()
                    copy.write_row(values)
        self.history.record_ids(model, ids)
        return ids
