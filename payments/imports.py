"""Import of adoption status from official lists (.xlsx/.csv), on the shared spreadsheet reader.

The file is read with ``villageportal.spreadsheets`` (upload checks, xlsx/csv reader with
the Vietnamese encodings, cell cleaning); its rows name a person by CCCD number or a
household by its door-plate code or digital address, then one column per item. A check
stores the parsed rows and every error (row, column, message); confirming queues a background
job (Celery) that reports its progress on the job's page. As in the registry's import, the
user chooses what happens when some rows have errors: all rows or none (the default: one bad
row and nothing is written), or only the valid rows (each row is written whole or skipped, and
the skipped rows are listed with their errors).
"""

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households import visibility
from households.models import Household, ImportJob, Resident
from payments import services
from payments.denominators import business_flags
from payments.models import (
    BUSINESS_ITEMS,
    HOUSEHOLD_ITEMS,
    RESIDENT_ITEMS,
    AdoptionImport,
    Item,
    Method,
    Value,
)
from villageportal import public_cache, spreadsheets
from villageportal.jobs import enqueue

MAX_ROWS = 20_000
MAX_ERRORS = 1000
PREVIEW_ROWS = 20
PROGRESS_EVERY = 50  # rows between two progress reports

logger = logging.getLogger(__name__)

# Headers as village offices write them (compared without case, diacritics or spaces).
HEADERS: dict[str, str] = {
    "socccd": "national_id",
    "cccd": "national_id",
    "sodinhdanh": "national_id",
    "madinhdanh": "national_id",
    "maho": "household_code",
    "mabienso": "household_code",
    "madiachiso": "household_code",
    "ngay": "date",
    "ngayghinhan": "date",
    "vneid": Item.VNEID,
    "mucvneid": Item.VNEID,
    "taikhoanthanhtoan": Item.EPAYMENT,
    "thanhtoandientu": Item.EPAYMENT,
    "chukyso": Item.DIGITAL_SIGNATURE,
    "sosuckhoedientu": Item.HEALTH_RECORD,
    "hosuckhoedientu": Item.HEALTH_RECORD,
    "vssid": Item.VSSID,
    "dienthoaithongminh": Item.SMARTPHONE,
    "kynangso": Item.DIGITAL_SKILLS,
    "dichvucong": Item.ONLINE_SERVICE,
    "capquang": Item.FIBRE,
    "internetcapquang": Item.FIBRE,
    "wifi": Item.WIFI,
    "camera": Item.CAMERA,
    "nhomzalo": Item.DIGITAL_CHANNEL,
    "kenhsothon": Item.DIGITAL_CHANNEL,
    "thanhtoankhongtienmat": Item.CASHLESS,
    "banhangonline": Item.SELLS_ONLINE,
}
VNEID_WORDS = {
    "muc2": Value.LEVEL2,
    "2": Value.LEVEL2,
    "level2": Value.LEVEL2,
    "muc1": Value.LEVEL1,
    "1": Value.LEVEL1,
    "level1": Value.LEVEL1,
    "chuaco": Value.NONE,
    "khong": Value.NONE,
    "0": Value.NONE,
}


class RowsFailed(Exception):
    """Rows that no longer pass when written, as errors {"row", "column", "message"}."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors[0]["message"] if errors else "")
        self.errors = errors


class ImportRefused(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages[0] if messages else "")
        self.messages = messages


@dataclass
class Header:
    row: int
    columns: dict[str, int]
    # The column headers as the file writes them, by key: errors name the column so.
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, key: str | None) -> str:
        return self.labels.get(key, "") if key else ""


def _header(rows: Any) -> tuple[Header, list]:
    seen: list = []
    for number, cells in rows:
        if spreadsheets.blank(cells):
            continue
        keys = [HEADERS.get(spreadsheets.key(spreadsheets.cell_text(c))) for c in cells]
        if any(keys):
            unknown = [
                spreadsheets.cell_text(c)
                for c, k in zip(cells, keys, strict=True)
                if k is None
                and spreadsheets.cell_text(c)
                and spreadsheets.key(spreadsheets.cell_text(c)) not in ("stt", "hoten", "sonha")
            ]
            if unknown:
                raise ImportRefused(
                    [_("Unknown column “%(header)s”.") % {"header": h} for h in unknown]
                )
            columns = {k: i for i, k in enumerate(keys) if k}
            labels = {k: spreadsheets.cell_text(cells[i]) for k, i in columns.items()}
            if "national_id" not in columns and "household_code" not in columns:
                raise ImportRefused([_("The list needs a “Số CCCD” column or a “Mã hộ” column.")])
            if not any(k in Item.values for k in columns):
                raise ImportRefused([_("The list has no adoption column.")])
            return Header(number, columns, labels), seen
        seen.append(number)
        if len(seen) >= 10:
            break
    raise ImportRefused([str(spreadsheets.MESSAGES["no_header"])])


def _value(item: str, cell: Any) -> str | None:
    text = spreadsheets.cell_text(cell)
    if not text:
        return None
    if item == Item.VNEID:
        value = VNEID_WORDS.get(spreadsheets.key(text))
        if value is None:
            raise ValidationError(
                _("Write “Mức 2”, “Mức 1” or “Chưa có” for VNeID, not “%(value)s”.")
                % {"value": text[:40]}
            )
        return value
    try:
        yes = spreadsheets.clean_yes_no(cell)
    except spreadsheets.CellError as exc:
        raise ValidationError(
            _("Write “Có” or “Không”, not “%(value)s”.") % {"value": text[:40]}
        ) from exc
    return Value.YES if yes else Value.NO


def check(
    *,
    fileobj: IO[bytes],
    name: str,
    size: int,
    village: Any,
    default_date: date,
    by_national_id: bool = True,
) -> dict:
    """Parse and check the whole list.

    Returns {"rows": the valid rows, "errors": [{"row", "column", "message"}, ...],
    "total": the rows with content, valid or not}.
    """
    today = timezone.localdate()
    out_rows: list[dict] = []
    errors: list[dict] = []
    bad_rows = 0
    # Rows with business items: (row number, household, date, items, the row had no other
    # error), asked about all at once after the reading.
    business: list[tuple[int, int, date, list[str], bool]] = []
    try:
        with spreadsheets.open_source(fileobj, name=name, size=size, header_keys=HEADERS) as source:
            header, _skipped = _header(source.rows)
            if "national_id" in header.columns and not by_national_id:
                # A role that does not see ID numbers does not look people up by them either:
                # the check would name the person behind any number typed, or say it is
                # nobody's.
                raise ImportRefused(
                    [
                        _(
                            "Your role does not see CCCD numbers, so it cannot identify people "
                            "by them: remove the “Số CCCD” column and use the “Mã hộ” column, "
                            "or ask the village head or a village officer to import the list."
                        )
                    ]
                )
            residents = {
                r.national_id: r
                for r in Resident.objects.current()
                .filter(household__village=village)
                .exclude(national_id="")
                .select_related("household")
            }
            households = {}
            for h in Household.objects.active().filter(village=village):
                households[h.public_code] = h
                if h.digital_address:
                    households[h.digital_address] = h
            for number, cells in source.rows:
                if spreadsheets.blank(cells):
                    continue
                if len(out_rows) + bad_rows > MAX_ROWS:
                    raise ImportRefused([_("The list is too long (at most 20,000 rows).")])
                row_errors, row, asked = _check_row(
                    cells, header, residents, households, default_date, today
                )
                if asked is not None:
                    business.append((number, *asked, not row_errors))
                if row_errors:
                    bad_rows += 1
                    errors.extend(
                        {"row": number, "column": header.label(key), "message": m}
                        for key, m in row_errors
                    )
                elif row:
                    row["row"] = number
                    out_rows.append(row)
    except spreadsheets.ImportFileError as exc:
        raise ImportRefused([spreadsheets.error_text(e) for e in exc.errors]) from exc
    if business:
        refused = _check_business(business, header, errors)
        bad_rows += len(refused)
        out_rows = [row for row in out_rows if row["row"] not in refused]
        errors.sort(key=lambda e: e["row"])
    if not out_rows and not errors:
        raise ImportRefused([_("The list has no rows.")])
    return {"rows": out_rows, "errors": errors, "total": len(out_rows) + bad_rows}


def _check_business(
    business: list[tuple[int, int, date, list[str], bool]], header: Header, errors: list[dict]
) -> set[int]:
    """Refuse business items on rows whose household was not a business household on the
    row's date (the figures' rule, one query for the whole list); returns the rows that
    were valid until now and are refused."""
    flags = business_flags((household, day) for _n, household, day, _i, _ok in business)
    refused: set[int] = set()
    for number, household, day, items, was_valid in business:
        if flags.get((household, day), False):
            continue
        errors.extend(
            {
                "row": number,
                "column": header.label(item),
                "message": services.business_refusal(item, day),
            }
            for item in items
        )
        if was_valid:
            refused.add(number)
    return refused


def _cell(cells: Any, index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _check_row(
    cells: Any,
    header: Header,
    residents: dict[str, Resident],
    households: dict[str, Household],
    default_date: date,
    today: date,
) -> tuple[list[tuple[str | None, str]], dict | None, tuple[int, date, list[str]] | None]:
    """The row's problems as (column key, message), or the row to write; and the business
    items to ask about (household, date, items), which the caller checks for all rows at
    once."""
    cols = header.columns
    problems: list[tuple[str | None, str]] = []
    resident = None
    national_id = spreadsheets.cell_text(_cell(cells, cols.get("national_id")))
    code = spreadsheets.cell_text(_cell(cells, cols.get("household_code")))
    if national_id:
        resident = residents.get(national_id)
        if resident is None:
            message = _("No resident of this village has CCCD %(id)s.") % {"id": national_id}
            return [("national_id", message)], None, None
        household = resident.household
    elif code:
        household = households.get(code)
        if household is None:
            message = _("No active household of this village has code %(code)s.") % {"code": code}
            return [("household_code", message)], None, None
    else:
        key = "national_id" if "national_id" in cols else "household_code"
        return [(key, _("Give the CCCD number or the household code."))], None, None
    observed_on = default_date
    if "date" in cols:
        try:
            parsed = spreadsheets.clean_date(_cell(cells, cols["date"]), today)
        except spreadsheets.CellError:
            return [("date", _("The date is not valid or is in the future."))], None, None
        observed_on = parsed or default_date
    entries = []
    for item in Item.values:
        if item not in cols:
            continue
        try:
            value = _value(item, _cell(cells, cols[item]))
        except ValidationError as exc:
            problems.extend((item, m) for m in exc.messages)
            continue
        if value is None:
            continue
        is_resident_item = item in RESIDENT_ITEMS
        if is_resident_item and resident is None:
            problems.append(
                (item, _("%(item)s needs a CCCD number on the row.") % {"item": Item(item).label})
            )
            continue
        if not is_resident_item and item not in HOUSEHOLD_ITEMS + BUSINESS_ITEMS:
            continue
        entry = services.Entry(
            item=item, value=value, resident=resident if is_resident_item else None
        )
        try:
            services.validate_entry(household=household, entry=entry, observed_on=observed_on)
        except ValidationError as exc:
            problems.extend((item, m) for m in exc.messages)
            continue
        entries.append(
            {
                "item": item,
                "value": value,
                "resident": entry.resident.pk if entry.resident else None,
            }
        )
    try:
        services.validate_date(observed_on, household=household)
    except ValidationError as exc:
        problems.extend(("date", m) for m in exc.messages)
    business = [e["item"] for e in entries if e["item"] in BUSINESS_ITEMS]
    asked = (household.pk, observed_on, business) if business else None
    if problems:
        return problems, None, asked
    if not entries:
        return [], None, None
    return (
        [],
        {
            "household": household.pk,
            "label": str(resident or household),
            "observed_on": observed_on.isoformat(),
            "entries": entries,
        },
        asked,
    )


def import_check(
    *,
    upload: Any,
    village: Any,
    default_date: date,
    by: Any,
    mode: str = ImportJob.Mode.ALL_OR_NOTHING,
) -> AdoptionImport:
    spreadsheets.validate_upload(upload)
    if mode not in ImportJob.Mode.values:
        mode = ImportJob.Mode.ALL_OR_NOTHING
    try:
        result = check(
            fileobj=upload,
            name=upload.name,
            size=upload.size,
            village=village,
            default_date=default_date,
            by_national_id="national_id" in visibility.fields_of(user=by, village=village),
        )
    except ImportRefused as exc:
        return AdoptionImport.objects.create(
            village=village,
            created_by=by,
            original_name=upload.name[:255],
            mode=mode,
            status=AdoptionImport.Status.FAILED,
            errors=[{"row": None, "column": "", "message": m} for m in exc.messages],
        )
    return AdoptionImport.objects.create(
        village=village,
        created_by=by,
        original_name=upload.name[:255],
        mode=mode,
        status=AdoptionImport.Status.CHECKED,
        rows=result["rows"],
        errors=result["errors"][:MAX_ERRORS],
        total_rows=result["total"],
    )


def import_confirm(*, job: AdoptionImport, by: Any, mode: str | None = None) -> AdoptionImport:
    """Start writing a checked list in the background.

    ``mode`` (else the one chosen at the upload) says what to do with rows that have errors:
    all rows or none refuses while any row has one; only the valid rows writes the others.
    The job moves to RUNNING in the same transaction that queues ``import_run_task``: a
    second confirmation (a double tap) finds it no longer waiting and queues nothing.
    """
    from payments.tasks import import_run_task

    with transaction.atomic():
        job = AdoptionImport.objects.select_for_update().get(pk=job.pk)
        mode = mode or job.mode
        if mode not in ImportJob.Mode.values:
            raise ValidationError(_("Choose how to import."))
        if job.status != AdoptionImport.Status.CHECKED:
            raise ValidationError(_("This import is not waiting for confirmation."))
        if not job.rows:
            raise ValidationError(_("No row of this file can be imported."))
        if job.errors and mode == ImportJob.Mode.ALL_OR_NOTHING:
            raise ValidationError(
                _(
                    "Some rows have errors, so nothing was written. Correct the file and upload "
                    "it again, or choose to import only the valid rows."
                )
            )
        job.status = AdoptionImport.Status.RUNNING
        job.mode = mode
        job.progress = 0
        job.confirmed_by = by if getattr(by, "is_authenticated", False) else None
        job.save(update_fields=["status", "mode", "progress", "confirmed_by"])
        enqueue(import_run_task, job)
    return job


def _set_progress(job: AdoptionImport, done: int, total: int) -> None:
    # The rows are written in one transaction: the progress travels through the cache, which
    # the job's page reads while the job runs.
    job.report_progress(done, max(total, 1))


def job_progress(job: AdoptionImport) -> int:
    return 100 if job.status == AdoptionImport.Status.DONE else job.current_progress


@dataclass
class Written:
    rows: int = 0
    observations: int = 0
    # Rows skipped at the write (only the valid rows): the registry changed since the check.
    errors: list[dict] = field(default_factory=list)


def _write(job: AdoptionImport) -> Written:
    """Write the checked rows, each whole or not at all.

    All rows or none: a row that no longer passes raises, and the caller's transaction
    leaves nothing written. Only the valid rows: that row is rolled back to its savepoint,
    listed among the errors, and the others are written.
    """
    valid_only = job.mode == ImportJob.Mode.VALID_ONLY
    by = job.confirmed_by
    households = Household.objects.in_bulk([row["household"] for row in job.rows])
    people = Resident.objects.in_bulk(
        [e["resident"] for row in job.rows for e in row["entries"] if e["resident"]]
    )
    # The business items of every row asked about at once (the figures' rule, one query).
    flags = business_flags(
        (row["household"], date.fromisoformat(row["observed_on"]))
        for row in job.rows
        if any(e["item"] in BUSINESS_ITEMS for e in row["entries"])
    )
    done = Written()
    total = len(job.rows)
    for index, row in enumerate(job.rows, start=1):
        try:
            household = households.get(row["household"])
            if household is None or household.village_id != job.village_id:
                raise ValidationError(
                    _("The registry changed since the check: upload the list again.")
                )
            entries = [
                services.Entry(
                    item=e["item"],
                    value=e["value"],
                    resident=people.get(e["resident"]) if e["resident"] else None,
                )
                for e in row["entries"]
            ]
            observed_on = date.fromisoformat(row["observed_on"])
            with transaction.atomic():
                outcome = services.adoption_record(
                    household=household,
                    entries=entries,
                    observed_on=observed_on,
                    was_business=flags.get((household.pk, observed_on)),
                    method=Method.OFFICIAL_LIST,
                    by=by,
                    source=f"import:{job.original_name}"[:255],
                    bump_public=False,
                )
        except ValidationError as exc:
            errors = [{"row": row["row"], "column": "", "message": m} for m in exc.messages]
            if not valid_only:
                raise RowsFailed(errors) from exc
            done.errors.extend(errors)
        else:
            done.rows += 1
            done.observations += len(outcome.observations)
        if index % PROGRESS_EVERY == 0 or index == total:
            _set_progress(job, index, total)
    return done


def import_run(*, job: AdoptionImport) -> AdoptionImport:
    """Write a confirmed list as its mode says (run by ``payments.tasks.import_run_task``).

    A no-op unless the job is RUNNING; the job leaves RUNNING in the transaction that writes
    its rows, so a task delivered twice writes once.
    """
    failure: list[dict] = []
    try:
        with transaction.atomic():
            job = (
                AdoptionImport.objects.select_for_update(of=("self",))
                .select_related("confirmed_by")
                .filter(pk=job.pk)
                .first()
            )
            if job is None or job.status != AdoptionImport.Status.RUNNING:
                return job
            done = _write(job)
            job.status = AdoptionImport.Status.DONE
            job.written = done.observations
            job.rows_written = done.rows
            job.errors = sorted(
                [*job.errors, *done.errors], key=lambda e: (e["row"] is None, e["row"] or 0)
            )[:MAX_ERRORS]
            job.rows = []
            job.progress = 100
            job.finished_at = timezone.now()
            job.save(
                update_fields=[
                    "status",
                    "written",
                    "rows_written",
                    "errors",
                    "rows",
                    "progress",
                    "finished_at",
                ]
            )
            if done.observations:
                public_cache.bump(job.village_id)
    except RowsFailed as exc:
        failure = exc.errors[:MAX_ERRORS]
    except Exception:
        # Anything else (the time limit, a lost connection): rolled back, nothing written.
        logger.exception("Adoption import %s failed", job.pk)
        message = _("The import failed: nothing was written. Try again later.")
        failure = [{"row": None, "column": "", "message": message}]
    job.forget_progress()
    if failure:
        job.finish(
            status=AdoptionImport.Status.FAILED,
            only_from=[AdoptionImport.Status.RUNNING],
            errors=failure,
            progress=100,
        )
        job.refresh_from_db()
    return job
