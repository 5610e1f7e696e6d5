"""The check of a registry import: a dry run that reads and validates the whole file.

Rows are grouped into households and checked against each other and the registry, a few
hundred households at a time, so memory holds one batch plus the keys needed to find
duplicates inside the file. Nothing is written but the job's report and, for the households
that can be imported, a cleaned copy that the write pass reads back (``READY_FORMAT``).
"""

import csv
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from typing import Any

from django.core.files import File
from django.db import connection
from django.utils import timezone

from households.imports import jobs
from households.imports.fileformat import (
    BATCH,
    COLUMNS,
    HEADER_KEYS,
    HOUSEHOLD_KEYS,
    MAX_ERRORS,
    NO_WORD,
    PREVIEW_ROWS,
    SHARED_KEYS,
    YES_WORD,
    clean_digital_address_cell,
    clean_gender,
    clean_lane,
    clean_national_id_cell,
    clean_phone_cell,
    clean_relationship,
    error,
)
from households.models import Household, ImportJob, Resident, Village, natural_key
from households.services import search_document
from villageportal import spreadsheets
from villageportal.spreadsheets import CellError, Header, ImportFileError, Source
from villageportal.text import fold

logger = logging.getLogger(__name__)

_REPEATED = frozenset(HOUSEHOLD_KEYS)


@dataclass(slots=True)
class Row:
    number: int
    raw: dict[str, Any]
    values: dict[str, Any]
    errors: list[dict] = field(default_factory=list)
    continuation: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.values.get("lane_key", ""), self.values.get("house_key", ""))


@dataclass
class Draft:
    """The rows of one household, in file order, with what was found wrong with it."""

    rows: list[Row]
    values: dict[str, Any]
    origin: dict[str, int]  # the row each household value was taken from
    errors: list[dict] = field(default_factory=list)

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def key(self) -> tuple[str, str]:
        return self.first.key

    @property
    def label(self) -> str:
        return ", ".join(
            p for p in (self.values.get("house_number"), self.values.get("lane_name")) if p
        )

    @property
    def valid(self) -> bool:
        return not self.errors and not any(r.errors for r in self.rows)

    def all_errors(self) -> list[dict]:
        found = [*self.errors, *(e for r in self.rows for e in r.errors)]
        found.sort(key=lambda e: e["row"] or 0)
        for item in found:
            item["household"] = self.label
        return found


def _chunks(items: list, size: int = 1000) -> Iterator[list]:
    # PostgreSQL cannot prove from an IN list of more than 100 values that it satisfies a
    # partial index's condition (non-empty numbers), so the lookups repeat the condition
    # themselves (``exclude(...="")``); with it, a list of 1,000 uses the unique index
    # (EXPLAIN on 3.6 million residents: 5.7 ms for 1,000 numbers).
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _taken(model: type[Any], name: str, values: list[str]) -> set[str]:
    """Which of ``values`` (non-empty) the registry already holds in the unique field ``name``.

    Only the non-empty values are unique (a partial index), so the query says so, or the index
    goes unused. PostgreSQL gets the values as one array parameter: an ``IN`` list of
    thousands of placeholders costs more to compose than to answer.
    """
    if not values:
        return set()
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        column = qn(model._meta.get_field(name).column)
        with connection.cursor() as cursor:
            # Identifiers from the model's metadata, quoted; the values are one parameter.
            cursor.execute(
                f"SELECT {column} FROM {qn(model._meta.db_table)} "  # noqa: S608
                f"WHERE {column} = ANY(%s) AND {column} <> ''",
                [values],
            )
            return {found for (found,) in cursor.fetchall()}
    taken: set[str] = set()
    for chunk in _chunks(values):
        taken.update(
            model.objects.filter(**{f"{name}__in": chunk})
            .exclude(**{name: ""})
            .order_by()
            .values_list(name, flat=True)
        )
    return taken


class Checker:
    """Turns the rows of a file into households, each with the errors found in it.

    Errors that involve two rows (the same CCCD twice, a household split in two places) are
    reported on the later row, so that a household's verdict depends only on what comes
    before it and the registry.
    """

    def __init__(self, *, village: Village, header: Header) -> None:
        self.village = village
        self.header = header
        self.today = timezone.localdate()
        self.lanes: dict[str, tuple[int, str]] = {}
        for lane_id, name in village.lanes.alive().values_list("pk", "name").order_by("pk"):
            self.lanes.setdefault(fold(name), (lane_id, name))
        self.taken_houses = set(
            Household.objects.active()
            .filter(village=village, lane__isnull=False)
            .order_by()
            .values_list("lane_id", "house_number_key")
        )
        self.seen_households: dict[tuple[str, str], int] = {}
        # The household columns' last cell and its outcome (see ``parse``).
        self._last_cells: dict[str, tuple[Any, Any, CellError | None]] = {}
        self.seen_ids: dict[str, int] = {}
        self.seen_addresses: dict[str, int] = {}
        today = self.today
        cleaners: dict[str, Callable[[Any], Any]] = {
            # Not a bound method: the checker would then refer to itself through its columns,
            # and its duplicate tables would outlive it until the garbage collector runs.
            "lane": partial(clean_lane, self.lanes),
            "house_number": lambda v: spreadsheets.plain_text(v, max_length=20),
            "digital_address": clean_digital_address_cell,
            "latitude": lambda v: spreadsheets.clean_decimal(v, 90, "latitude_range"),
            "longitude": lambda v: spreadsheets.clean_decimal(v, 180, "longitude_range"),
            "is_business": spreadsheets.clean_yes_no,
            "business_name": lambda v: spreadsheets.plain_text(v, max_length=150, names=True),
            "full_name": lambda v: spreadsheets.plain_text(v, max_length=150, names=True),
            "gender": clean_gender,
            "birth_date": lambda v: spreadsheets.clean_date(v, today),
            "national_id": clean_national_id_cell,
            "phone": clean_phone_cell,
            "relationship": clean_relationship,
        }
        # The columns present in the file, in the order of the format: absent optional
        # columns are simply empty.
        self.columns = [
            (c.key, header.indexes[c.key], cleaners[c.key], c.required, header.name(c.key))
            for c in COLUMNS
            if c.key in header.indexes
        ]

    # -- rows

    def parse(self, number: int, cells: Sequence[Any]) -> Row:
        width = len(cells)
        raw = {key: cells[i] if i < width else None for key, i, _c, _r, _n in self.columns}
        row = Row(number, raw, {})
        lane_text = spreadsheets.cell_text(raw.get("lane"))
        house_text = spreadsheets.cell_text(raw.get("house_number"))
        continuation = row.continuation = not lane_text and not house_text
        values = row.values
        last = self._last_cells
        for key, _index, clean, required, column in self.columns:
            if continuation and key in ("lane", "house_number"):
                continue
            cell = raw[key]
            # Member rows usually repeat their household's cells: a cell equal to the same
            # column's cell of the row before (same type too: 1 == 1.0 == True) has the same
            # outcome, error included, without cleaning it again.
            seen = last.get(key) if key in _REPEATED else None
            if seen is not None and seen[0] == cell and type(seen[0]) is type(cell):
                value, exc = seen[1], seen[2]
            else:
                try:
                    value, exc = clean(cell), None
                except CellError as failed:
                    value, exc = None, failed
                if key in _REPEATED:
                    last[key] = (cell, value, exc)
            if exc is not None:
                row.errors.append(error(exc.code, at=number, column=column, **exc.params))
                continue
            if required and (value is None or value == ""):
                row.errors.append(error("required", at=number, column=column))
                continue
            values[key] = value
        if not continuation:
            values["lane_key"] = spreadsheets.fold(lane_text)
            values["house_key"] = natural_key(house_text)
        return row

    def households(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[Draft]:
        """Group consecutive rows of the same household and check them, a batch at a time."""
        current: Draft | None = None
        batch: list[Draft] = []
        for number, cells in rows:
            if spreadsheets.blank(cells):
                continue
            row = self.parse(number, cells)
            if current is not None and (row.continuation or row.key == current.key):
                self._join(current, row)
                continue
            if current is not None:
                batch.append(current)
                if len(batch) >= BATCH:
                    yield from self._finish(batch)
                    batch = []
            current = self._start(row)
        if current is not None:
            batch.append(current)
        yield from self._finish(batch)

    def _start(self, row: Row) -> Draft:
        if row.continuation:
            for key in ("lane", "house_number"):
                row.errors.append(error("required", at=row.number, column=self.header.name(key)))
        values = {k: row.values.get(k) for k in HOUSEHOLD_KEYS}
        lane = values.get("lane")
        values["lane_name"] = lane[1] if lane else spreadsheets.cell_text(row.raw.get("lane"))
        if not values.get("house_number"):
            values["house_number"] = spreadsheets.cell_text(row.raw.get("house_number"))
        origin = {k: row.number for k in HOUSEHOLD_KEYS}
        return Draft([row], values, origin)

    def _join(self, draft: Draft, row: Row) -> None:
        """Add a member row; its household cells may be blank but must not contradict."""
        draft.rows.append(row)
        for key in SHARED_KEYS:
            value = row.values.get(key)
            if value in (None, ""):
                continue
            if draft.values.get(key) in (None, ""):
                draft.values[key] = value
                draft.origin[key] = row.number
            elif draft.values[key] != value:
                row.errors.append(
                    error(
                        "household_differs",
                        at=row.number,
                        column=self.header.name(key),
                        row=draft.origin[key],
                        value=_shown(draft.values[key]),
                    )
                )

    # -- households, against each other and the registry

    def _finish(self, batch: list[Draft]) -> Iterator[Draft]:
        ids = [
            r.values["national_id"] for d in batch for r in d.rows if r.values.get("national_id")
        ]
        addresses = [d.values["digital_address"] for d in batch if d.values.get("digital_address")]
        taken_ids = _taken(Resident, "national_id", ids)
        taken_addresses = _taken(Household, "digital_address", addresses)
        for draft in batch:
            self._check(draft, taken_ids, taken_addresses)
            yield draft

    def _check(self, draft: Draft, taken_ids: set[str], taken_addresses: set[str]) -> None:
        first = draft.first
        name = self.header.name
        if all(draft.key):
            earlier = self.seen_households.get(draft.key)
            if earlier is not None:
                draft.errors.append(
                    error(
                        "household_repeated",
                        at=first.number,
                        column=name("house_number"),
                        row=earlier,
                    )
                )
            else:
                self.seen_households[draft.key] = first.number
        lane = draft.values.get("lane")
        number = draft.values.get("house_number")
        if lane and number and (lane[0], natural_key(number)) in self.taken_houses:
            draft.errors.append(
                error(
                    "house_number_taken", at=first.number, column=name("house_number"), value=number
                )
            )
        address = draft.values.get("digital_address")
        if address:
            where = draft.origin["digital_address"]
            if address in self.seen_addresses:
                draft.errors.append(
                    error(
                        "duplicate_digital_address_in_file",
                        at=where,
                        column=name("digital_address"),
                        row=self.seen_addresses[address],
                    )
                )
            elif address in taken_addresses:
                draft.errors.append(
                    error("digital_address_taken", at=where, column=name("digital_address"))
                )
            self.seen_addresses.setdefault(address, where)
        if draft.values.get("business_name") and not draft.values.get("is_business"):
            draft.errors.append(
                error(
                    "trade_name_without_business",
                    at=draft.origin["business_name"],
                    column=name("business_name"),
                )
            )
        head_row = None
        for row in draft.rows:
            if row.values.get("relationship") == Resident.Relationship.HEAD:
                if head_row is None:
                    head_row = row.number
                else:
                    row.errors.append(
                        error("two_heads", at=row.number, column=name("relationship"), row=head_row)
                    )
            national_id = row.values.get("national_id")
            if national_id:
                if national_id in self.seen_ids:
                    row.errors.append(
                        error(
                            "duplicate_national_id_in_file",
                            at=row.number,
                            column=name("national_id"),
                            row=self.seen_ids[national_id],
                        )
                    )
                elif national_id in taken_ids:
                    row.errors.append(
                        error("national_id_taken", at=row.number, column=name("national_id"))
                    )
                self.seen_ids.setdefault(national_id, row.number)
        if head_row is None and not any(
            e["column"] == name("relationship") for r in draft.rows for e in r.errors
        ):
            draft.errors.append(error("no_head", at=first.number, column=name("relationship")))


def _shown(value: Any) -> Any:
    if isinstance(value, bool):
        return YES_WORD if value else NO_WORD
    if isinstance(value, tuple):
        return value[1]
    return spreadsheets.cell_text(value)


# ---------------------------------------------------------------------------------------
# The two passes


@dataclass
class Report:
    total_rows: int = 0
    valid_rows: int = 0
    households: int = 0
    valid_households: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    preview: list[dict] = field(default_factory=list)

    def add(self, draft: Draft) -> None:
        self.total_rows += len(draft.rows)
        self.households += 1
        if draft.valid:
            self.valid_rows += len(draft.rows)
            self.valid_households += 1
        else:
            found = draft.all_errors()
            self.error_count += len(found)
            room = MAX_ERRORS - len(self.errors)
            self.errors.extend(found[: max(room, 0)])

    def stored_errors(self) -> list[dict]:
        if self.error_count > len(self.errors):
            return [*self.errors, error("more_errors", count=self.error_count - len(self.errors))]
        return self.errors


def _preview_row(draft: Draft, row: Row) -> dict:
    return {
        "row": row.number,
        "cells": [spreadsheets.cell_text(row.raw.get(c.key)) for c in COLUMNS],
        "error": bool(row.errors) or (bool(draft.errors) and row is draft.first),
        "household": draft.label,
    }


@contextmanager
def upload_source(job: ImportJob) -> Iterator[tuple[Source, Header, list]]:
    """The uploaded file of ``job``, opened, and its header row."""
    if not job.file:
        raise ImportFileError([error("failed")])
    with (
        job.file.open("rb") as stored,
        spreadsheets.open_source(
            stored,
            name=job.original_name or job.file.name,
            size=job.file.size,
            header_keys=HEADER_KEYS,
        ) as source,
    ):
        header, after = spreadsheets.read_header(source.rows, COLUMNS)
        yield source, header, after


# The households the check found importable, already cleaned, in a plain CSV that the write
# pass reads back without checking again: "H" rows (a household) each followed by its "R"
# rows (residents). It replaces the upload as the job's file.
READY_FORMAT = "households-import-ready-1"


def _ready_rows(draft: Draft) -> Iterator[list[Any]]:
    values = draft.values
    lane_id, lane_name = values["lane"]
    business = bool(values.get("is_business"))
    house = SimpleNamespace(
        house_number=values["house_number"],
        digital_address=values.get("digital_address") or "",
        business_name=(values.get("business_name") or "") if business else "",
    )
    names = (r.values["full_name"] for r in draft.rows)
    yield [
        "H",
        lane_id,
        house.house_number,
        house.digital_address,
        values.get("latitude") or "",
        values.get("longitude") or "",
        "1" if business else "",
        house.business_name,
        search_document(house, lane_name, names),  # type: ignore[arg-type]
    ]
    for row in draft.rows:
        v = row.values
        born = v.get("birth_date")
        yield [
            "R",
            v["full_name"],
            v["gender"],
            born.isoformat() if born else "",
            v.get("national_id") or "",
            v.get("phone") or "",
            v["relationship"],
        ]


def import_check(*, job: ImportJob) -> ImportJob:
    """The dry run: read and validate the whole file, store the report, write nothing else.

    Ends CHECKED when at least one household can be imported, with the importable households
    kept, cleaned, as the job's file in place of the upload; FAILED (file removed) when none
    can.
    """
    job.refresh_from_db()
    if job.status != ImportJob.Status.CHECKING:
        return job
    report = Report()
    with tempfile.TemporaryFile() as ready:
        try:
            with upload_source(job) as (source, header, after):
                checker = Checker(village=job.village, header=header)
                text = io.TextIOWrapper(ready, encoding="utf-8", newline="")
                out = csv.writer(text)
                out.writerow([READY_FORMAT])
                for draft in checker.households(spreadsheets.rows_from(after, source)):
                    report.add(draft)
                    if draft.valid:
                        out.writerows(_ready_rows(draft))
                    if len(report.preview) < PREVIEW_ROWS:
                        for row in draft.rows[: PREVIEW_ROWS - len(report.preview)]:
                            report.preview.append(_preview_row(draft, row))
                    if report.households % 2000 == 0:
                        jobs.set_progress(job, source.fraction())
                text.flush()
                text.detach()
        except ImportFileError as exc:
            jobs.finish_job(job, status=ImportJob.Status.FAILED, errors=exc.errors, progress=100)
            return job
        except Exception:
            # Untrusted input may break a parser in ways nobody listed; the user gets a message.
            logger.exception("Import check %s failed", job.pk)
            if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).exists():
                jobs.finish_job(job, status=ImportJob.Status.FAILED, errors=[error("failed")])
            return job
        if report.total_rows == 0:
            jobs.finish_job(
                job, status=ImportJob.Status.FAILED, errors=[error("no_rows")], progress=100
            )
            return job
        counts = {
            "total_rows": report.total_rows,
            "valid_rows": report.valid_rows,
            "errors": report.stored_errors(),
            "preview": report.preview,
            "progress": 100,
        }
        if report.valid_households == 0:
            if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).exists():
                jobs.finish_job(job, status=ImportJob.Status.FAILED, **counts)
            return job
        upload = job.file.name
        ready.seek(0)
        job.file.save(f"{job.pk}.ready.csv", File(ready), save=False)
    jobs.delete_stored(upload)
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
        status=ImportJob.Status.CHECKED, file=job.file.name, **counts
    )
    jobs.forget_progress(job)
    if not updated:
        jobs.delete_stored(job.file.name)  # cancelled while checking
    job.refresh_from_db()
    return job
