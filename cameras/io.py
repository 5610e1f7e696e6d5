"""Import and export of the camera list (.xlsx/.csv), on the shared spreadsheet reader.

The upload is checked by ``villageportal.spreadsheets`` (format, size, encoding, header row, cell
cleaning), every row is validated by the same service as the form, and the result is shown
before anything is written. Confirming writes every camera or, if anything has changed
meanwhile, none. Credentials in the file (their own columns or inside an address) are
encrypted during the check; the export never writes them.
"""

import io
import logging
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras import crypto, services
from cameras.models import Camera, ImportJob
from households import exports
from households.models import Household, Lane, Village
from villageportal import spreadsheets
from villageportal.jobs import enqueue
from villageportal.spreadsheets import Column
from villageportal.xlsx_stream import xlsx_stream

MAX_ROWS = 5000
# Lists up to this many cameras are written during the confirming request; longer ones by a
# worker, whose progress the job's page shows.
INLINE_WRITE_MAX_ROWS = 50
PROGRESS_EVERY = 20  # cameras between two progress reports

logger = logging.getLogger(__name__)


COLUMNS: tuple[Column, ...] = (
    Column("name", "Tên camera", True, ("Tên", "Camera")),
    Column("kind", "Loại", True, ("Loại camera",)),
    Column("lane", "Ngõ/xóm", False, ("Ngõ", "Xóm", "Tuyến đường")),
    Column("house_number", "Số nhà chủ camera", False, ("Số nhà",)),
    Column("consent_on", "Ngày hộ đồng ý", False, ("Ngày đồng ý",)),
    Column("latitude", "Vĩ độ"),
    Column("longitude", "Kinh độ"),
    Column("facing", "Hướng quan sát"),
    Column("make", "Hãng"),
    Column("model", "Model", False, ("Mẫu",)),
    Column("stream_url", "Luồng chính (RTSP)", False, ("Luồng chính", "RTSP")),
    Column("substream_url", "Luồng phụ", False, ("Luồng phụ (RTSP)",)),
    Column("snapshot_url", "Địa chỉ ảnh chụp", False, ("Ảnh chụp",)),
    Column("hls_url", "Địa chỉ HLS", False, ("HLS",)),
    Column("onvif_url", "Địa chỉ ONVIF", False, ("ONVIF",)),
    Column("username", "Tên đăng nhập"),
    Column("password", "Mật khẩu"),
    Column("importance", "Mức quan trọng"),
    Column("installed_on", "Ngày lắp đặt"),
    Column("enabled", "Đang dùng", False, ("Hoạt động",)),
)
HEADERS = [c.header for c in COLUMNS]
HEADER_KEYS = spreadsheets.header_keys(COLUMNS)
KIND_WORDS = {Camera.Kind.PUBLIC: "Công cộng", Camera.Kind.HOUSEHOLD: "Hộ gia đình"}
KINDS = {"cong cong": Camera.Kind.PUBLIC, "public": Camera.Kind.PUBLIC}
KINDS |= {"ho gia dinh": Camera.Kind.HOUSEHOLD, "ho": Camera.Kind.HOUSEHOLD}
KINDS |= {"household": Camera.Kind.HOUSEHOLD}
IMPORTANCE_WORDS = {"low": "Thấp", "normal": "Bình thường", "high": "Cao"}
IMPORTANCE = {"thap": "low", "binh thuong": "normal", "cao": "high"}
IMPORTANCE |= {"low": "low", "normal": "normal", "high": "high"}


class CheckError(Exception):
    pass


def _header(rows: Iterator[tuple[int, Sequence[Any]]]) -> tuple[int, dict[str, int]]:
    for number, cells in rows:
        if spreadsheets.blank(cells):
            continue
        indexes: dict[str, int] = {}
        problems = []
        for index, cell in enumerate(cells):
            text = spreadsheets.cell_text(cell)
            if not text or spreadsheets.key(text) in spreadsheets.IGNORED_KEYS:
                continue
            key = HEADER_KEYS.get(spreadsheets.key(text))
            if key is None:
                problems.append(_("Unknown column “%(header)s”.") % {"header": text[:60]})
            elif key in indexes:
                problems.append(_("The column “%(header)s” appears twice.") % {"header": text})
            else:
                indexes[key] = index
        for column in COLUMNS:
            if column.required and column.key not in indexes:
                problems.append(
                    _("The column “%(header)s” is missing.") % {"header": column.header}
                )
        if problems:
            raise CheckError(problems)
        return number, indexes
    raise CheckError([_("The file is empty.")])


def _cell(cells: Sequence[Any], indexes: dict[str, int], key: str) -> Any:
    index = indexes.get(key)
    return cells[index] if index is not None and index < len(cells) else None


def _date(value: Any, today: date) -> date | None:
    try:
        return spreadsheets.clean_date(value, today)
    except spreadsheets.CellError as exc:
        if exc.code == "future_date":
            raise ValidationError(_("The date is in the future.")) from exc
        raise ValidationError(
            spreadsheets.error_text(spreadsheets.error(exc.code, **exc.params))
        ) from exc


def _choice(value: Any, words: dict[str, str], label: str) -> str | None:
    text = spreadsheets.cell_text(value)
    if not text:
        return None
    found = words.get(spreadsheets.words(text))
    if found is None:
        raise ValidationError(
            _("Unknown %(what)s “%(value)s”.") % {"what": label, "value": text[:40]}
        )
    return found


def _parse_row(
    cells: Sequence[Any],
    indexes: dict[str, int],
    *,
    lanes: dict[str, Lane],
    households: dict[tuple[int | None, str], Household],
    today: date,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Cell values to service data, and errors by column header."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def take(key: str, clean: Any) -> None:
        try:
            data[key] = clean(_cell(cells, indexes, key))
        except (ValidationError, spreadsheets.CellError) as exc:
            if isinstance(exc, spreadsheets.CellError):
                message = spreadsheets.error_text(spreadsheets.error(exc.code, **exc.params))
            else:
                message = " ".join(exc.messages)
            errors[key] = message

    def text(limit: int) -> Any:
        return lambda v: spreadsheets.plain_text(v, max_length=limit)

    take("name", text(100))
    take("kind", lambda v: _choice(v, KINDS, _("kind")) or Camera.Kind.PUBLIC)
    take("lane", lambda v: _lane(lanes, v))
    take("consent_on", lambda v: _date(v, today))
    take("latitude", lambda v: spreadsheets.clean_decimal(v, 90, "latitude_range"))
    take("longitude", lambda v: spreadsheets.clean_decimal(v, 180, "longitude_range"))
    for key, limit in (("facing", 150), ("make", 60), ("model", 60)):
        take(key, text(limit))
    for key in services.ADDRESS_FIELDS:
        take(key, lambda v: spreadsheets.no_formula(v)[:600])
    take("username", text(100))
    take("password", lambda v: spreadsheets.cell_text(v)[:200])
    take("importance", lambda v: _choice(v, IMPORTANCE, _("importance")) or "normal")
    take("installed_on", lambda v: _date(v, today))
    take("enabled", lambda v: spreadsheets.clean_yes_no(v) is not False)
    number = spreadsheets.cell_text(_cell(cells, indexes, "house_number"))
    if data.get("kind") == Camera.Kind.HOUSEHOLD:
        lane = data.get("lane")
        household = households.get((lane.pk if lane else None, number))
        if not number:
            errors["house_number"] = _("A household camera needs its owner's house number.")
        elif household is None:
            errors["house_number"] = _("No active household at number %(number)s in this lane.") % {
                "number": number[:20]
            }
        data["household"] = household
    return data, errors


def _lane(lanes: dict[str, Lane], value: Any) -> Lane | None:
    text = spreadsheets.plain_text(value, max_length=100)
    if not text:
        return None
    lane = lanes.get(spreadsheets.fold(text))
    if lane is None:
        raise ValidationError(_("The village has no lane “%(value)s”.") % {"value": text[:60]})
    return lane


def _labels() -> dict[str, str]:
    return {c.key: c.header for c in COLUMNS}


def _stored(camera: Camera, data: dict[str, Any]) -> dict[str, Any]:
    """A checked row as JSON: ids, ISO dates, decimal strings, credentials encrypted."""
    row: dict[str, Any] = {}
    for name in services.FIELDS:
        value = getattr(camera, name)
        if isinstance(value, Lane | Household):
            value = value.pk
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        row[name] = value
    row["credentials"] = camera.credentials
    return row


def _data(row: dict[str, Any], village: Village) -> dict[str, Any]:
    data = dict(row)
    data.pop("credentials", None)
    data["lane"] = (
        Lane.objects.filter(village=village, pk=row["lane"]).first() if row["lane"] else None
    )
    data["household"] = (
        Household.objects.filter(village=village, pk=row["household"]).first()
        if row["household"]
        else None
    )
    for key in ("consent_on", "installed_on"):
        data[key] = date.fromisoformat(row[key]) if row[key] else None
    for key in ("latitude", "longitude"):
        data[key] = Decimal(row[key]) if row[key] is not None else None
    return data


def import_check(*, village: Village, by: Any, upload: UploadedFile) -> ImportJob:
    """Read and validate an upload; store the checked rows (or the errors), write no camera."""
    spreadsheets.validate_upload(upload)
    job = ImportJob(village=village, created_by=by, original_name=(upload.name or "")[:255])
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    labels = _labels()
    today = timezone.localdate()
    lanes = {
        spreadsheets.fold(lane.name): lane for lane in Lane.objects.alive().filter(village=village)
    }
    households = {
        (h.lane_id, h.house_number): h for h in Household.objects.active().filter(village=village)
    }
    names: dict[str, int] = {}
    keys: dict[str, int] = {}
    try:
        upload.seek(0)
        with spreadsheets.open_source(
            upload, name=upload.name or "", size=upload.size or 0, header_keys=HEADER_KEYS
        ) as source:
            _header_row, indexes = _header(source.rows)
            for number, cells in source.rows:
                if spreadsheets.blank(cells):
                    continue
                if len(rows) + len(errors) >= MAX_ROWS:
                    raise CheckError([_("At most %(max)d cameras per file.") % {"max": MAX_ROWS}])
                data, problems = _parse_row(
                    cells, indexes, lanes=lanes, households=households, today=today
                )
                camera = Camera(village=village)
                if not problems:
                    try:
                        services.prepare(
                            camera,
                            data={k: v for k, v in data.items() if k in services.FIELDS},
                            by=by,
                            username=data.get("username", ""),
                            password=data.get("password", ""),
                        )
                        services._check_unique(camera)
                    except ValidationError as exc:
                        for field, messages in exc.message_dict.items():
                            problems[field] = " ".join(messages)
                if not problems:
                    folded = camera.name.lower()
                    if folded in names:
                        problems["name"] = _("The same name is already on row %(row)d.") % {
                            "row": names[folded]
                        }
                    elif camera.address_key in keys:
                        problems["stream_url"] = _(
                            "The same address is already on row %(row)d."
                        ) % {"row": keys[camera.address_key]}
                    names.setdefault(folded, number)
                    keys.setdefault(camera.address_key, number)
                if problems:
                    for field, message in problems.items():
                        errors.append(
                            {"row": number, "column": labels.get(field, ""), "message": message}
                        )
                    continue
                row = _stored(camera, data)
                row["row"] = number
                rows.append(row)
    except spreadsheets.ImportFileError as exc:
        errors = [
            {
                "row": e.get("row"),
                "column": e.get("column", ""),
                "message": spreadsheets.error_text(e),
            }
            for e in exc.errors
        ]
        rows = []
    except CheckError as exc:
        errors = [{"row": None, "column": "", "message": m} for m in exc.args[0]]
        rows = []
    if not rows and not errors:
        errors.append({"row": None, "column": "", "message": _("The file has no cameras.")})
    job.rows = rows
    job.errors = errors
    job.status = ImportJob.Status.FAILED if errors else ImportJob.Status.CHECKED
    job.save()
    return job


def import_confirm(*, job: ImportJob, by: Any) -> ImportJob:
    """Write every checked camera, or none if any of them is no longer valid.

    A list of up to ``INLINE_WRITE_MAX_ROWS`` cameras is written now; a longer one is queued
    (``cameras.tasks.import_run_task``) in the transaction that moves the job to RUNNING, so
    a second confirmation finds it no longer waiting and queues nothing.
    """
    from cameras.tasks import import_run_task

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.CHECKED or job.errors:
            raise ValidationError(_("This import cannot be confirmed."))
        job.claim(
            from_status=ImportJob.Status.CHECKED,
            to_status=ImportJob.Status.RUNNING,
            progress=0,
            confirmed_by=by if getattr(by, "is_authenticated", False) else None,
        )
        if len(job.rows) > INLINE_WRITE_MAX_ROWS:
            enqueue(import_run_task, job)
            return job
    return import_run(job=job)


def import_run(*, job: ImportJob) -> ImportJob:
    """Write the cameras of a confirmed job, all or none, reporting the progress.

    A no-op unless the job is RUNNING; the job leaves RUNNING in the transaction that writes
    the cameras, so a task delivered twice writes once.
    """
    try:
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update(of=("self",))
                .select_related("village", "confirmed_by", "created_by")
                .filter(pk=job.pk)
                .first()
            )
            if locked is None or locked.status != ImportJob.Status.RUNNING:
                return locked or job
            job = locked
            _write(job)
    except _RowFailed as failure:
        errors = [
            {"row": failure.row, "column": "", "message": m} for m in failure.error.messages
        ] + [
            {
                "row": None,
                "column": "",
                "message": _("The registry changed since the check: nothing was written."),
            }
        ]
        job.finish(
            status=ImportJob.Status.FAILED,
            only_from=[ImportJob.Status.RUNNING],
            errors=errors,
            progress=100,
        )
        return job
    except Exception:
        # Anything else (the time limit, a lost connection): rolled back, nothing written.
        logger.exception("Camera import %s failed", job.pk)
        message = _("The import failed: nothing was written. Try again later.")
        job.finish(
            status=ImportJob.Status.FAILED,
            only_from=[ImportJob.Status.RUNNING],
            errors=[{"row": None, "column": "", "message": message}],
            progress=100,
        )
        return job
    job.forget_progress()
    return job


def _write(job: ImportJob) -> None:
    """Create the checked cameras and end the job, in the caller's transaction."""
    village = job.village
    by = job.confirmed_by or job.created_by
    total = len(job.rows)
    for index, row in enumerate(job.rows, start=1):
        credentials = crypto.decrypt(row.get("credentials", ""))
        try:
            services.camera_create(
                village=village,
                by=by,
                username=credentials.username,
                password=credentials.password,
                **{k: v for k, v in _data(row, village).items() if k in services.FIELDS},
            )
        except ValidationError as exc:
            raise _RowFailed(row["row"], exc) from exc
        if index % PROGRESS_EVERY == 0 or index == total:
            job.report_progress(index, total)
    job.status = ImportJob.Status.DONE
    job.written = total
    job.rows = [{k: v for k, v in row.items() if k != "credentials"} for row in job.rows]
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "written", "rows", "progress", "finished_at"])


class _RowFailed(Exception):
    def __init__(self, row: int, error: ValidationError) -> None:
        super().__init__(row)
        self.row = row
        self.error = error


def import_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(_("This import has already ended."))
    job.status = ImportJob.Status.CANCELLED
    job.rows = []
    job.save()
    return job


# ---------------------------------------------------------------------------------------
# Export


def _cells(camera: Camera) -> list[Any]:
    return [
        camera.name,
        KIND_WORDS.get(camera.kind, camera.kind),
        camera.lane.name if camera.lane_id else "",
        camera.household.house_number if camera.household_id else "",
        camera.consent_on,
        camera.latitude,
        camera.longitude,
        camera.facing,
        camera.make,
        camera.model,
        camera.stream_url,
        camera.substream_url,
        camera.snapshot_url,
        camera.hls_url,
        camera.onvif_url,
        "",  # user name: never exported
        "",  # password: never exported
        IMPORTANCE_WORDS.get(camera.importance, camera.importance),
        camera.installed_on,
        spreadsheets.YES_WORD if camera.enabled else spreadsheets.NO_WORD,
    ]


def export_rows(cameras: QuerySet) -> Iterator[list[Any]]:
    for camera in cameras.select_related("lane", "household").iterator(chunk_size=1000):
        yield _cells(camera)


def export_csv(cameras: QuerySet) -> Iterator[bytes]:
    return exports.csv_chunks(HEADERS, export_rows(cameras))


def export_xlsx(cameras: QuerySet) -> Iterator[bytes]:
    """The camera list as a streamed workbook; text is never a formula."""
    return xlsx_stream(HEADERS, export_rows(cameras), sheet_name="Camera")


def template_csv() -> bytes:
    example = [
        "Camera cổng thôn",
        "Công cộng",
        "Đường trục thôn",
        "",
        "",
        "18.2461",
        "106.0021",
        "Cổng làng hướng ra đường liên xã",
        "Hikvision",
        "DS-2CD1023G0",
        "rtsp://10.20.0.11:554/Streaming/Channels/101",
        "",
        "",
        "",
        "",
        "admin",
        "",
        "Cao",
        "01/03/2025",
        "Có",
    ]
    buffer = io.StringIO()
    import csv

    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerow(example)
    return buffer.getvalue().encode("utf-8")
