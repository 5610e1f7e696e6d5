"""Writes of the reports app: criteria sets and versions, attestations, snapshots, periods."""

import calendar
import io
import tempfile
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from households.models import Commune, Village
from reports import engine, frozen
from reports.models import (
    Attestation,
    CommuneCriteria,
    CriteriaSet,
    CriteriaSetEvent,
    Criterion,
    ExportJob,
    Indicator,
    PeriodClose,
    PeriodEvent,
    Snapshot,
)
from reports.registry import MEASURES
from villageportal import public_cache
from villageportal.images import clean_image
from villageportal.jobs import enqueue

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {
    "jpg": "image",
    "jpeg": "image",
    "png": "image",
    "webp": "image",
    "heic": "image",
    "pdf": "document",
    "docx": "document",
    "xlsx": "document",
    "odt": "document",
}


# Criteria sets -------------------------------------------------------------------------------


@transaction.atomic
def criteria_set_new_version(*, criteria_set: CriteriaSet, by: Any) -> CriteriaSet:
    """A draft copy of ``criteria_set`` with the next version number; the original is untouched."""
    latest = (
        CriteriaSet.objects.filter(family=criteria_set.family).aggregate(v=Max("version"))["v"] or 0
    )
    copy = CriteriaSet.objects.create(
        family=criteria_set.family,
        name=criteria_set.name,
        province=criteria_set.province,
        commune=criteria_set.commune,
        legal_basis_number=criteria_set.legal_basis_number,
        legal_basis_date=criteria_set.legal_basis_date,
        notes=criteria_set.notes,
        effective_from=criteria_set.effective_from,
        effective_to=criteria_set.effective_to,
        version=latest + 1,
        previous=criteria_set,
        created_by=by,
    )
    for criterion in criteria_set.criteria.prefetch_related("indicators"):
        new = Criterion.objects.create(
            criteria_set=copy, number=criterion.number, title=criterion.title
        )
        Indicator.objects.bulk_create(
            Indicator(
                criterion=new,
                lineage=i.lineage,
                order=i.order,
                name=i.name,
                source=i.source,
                measure_code=i.measure_code,
                threshold_kind=i.threshold_kind,
                threshold_value=i.threshold_value,
            )
            for i in criterion.indicators.all()
        )
    _record(copy, CriteriaSetEvent.Action.NEW_VERSION, by=by)
    return copy


def _record(
    criteria_set: CriteriaSet,
    action: str,
    *,
    by: Any,
    reason: str = "",
    commune: Commune | None = None,
) -> None:
    CriteriaSetEvent.objects.create(
        criteria_set=criteria_set, action=action, by=by, reason=reason, commune=commune
    )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for this change."))
    return reason


@transaction.atomic
def criteria_set_save(
    *, criteria_set: CriteriaSet, rows: Iterable[dict[str, Any]], by: Any
) -> CriteriaSet:
    """Save a draft set and rebuild its criteria and indicators from the edit page's rows.

    Each row has criterion_number, criterion_title and an unsaved indicator, in page order;
    rows with the same number share one criterion. Only a draft is edited: a set in use keeps
    what reports were computed with.
    """
    created = criteria_set.pk is None
    if created:
        criteria_set.created_by = by
    else:
        ensure_editable(CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk))
    criteria_set.save()
    criteria_set.criteria.all().delete()
    by_number: dict[int, Criterion] = {}
    for order, row in enumerate(rows):
        number = row["criterion_number"]
        if number not in by_number:
            title = row["criterion_title"].strip()
            if not title:
                raise ValidationError(_("Criterion %(number)s has no title.") % {"number": number})
            by_number[number] = Criterion.objects.create(
                criteria_set=criteria_set, number=number, title=title
            )
        indicator: Indicator = row["indicator"]
        indicator.criterion = by_number[number]
        indicator.order = order
        indicator.save()
    if created:
        criteria_set_created(criteria_set=criteria_set, by=by)
    return criteria_set


def criteria_set_created(*, criteria_set: CriteriaSet, by: Any) -> None:
    _record(criteria_set, CriteriaSetEvent.Action.CREATED, by=by)


def criteria_set_check_complete(criteria_set: CriteriaSet) -> None:
    """A set goes in use only with at least one criterion, each with at least one indicator."""
    criteria = list(criteria_set.criteria.prefetch_related("indicators"))
    if not criteria:
        raise ValidationError(_("The set has no criterion."))
    empty = [c for c in criteria if not c.indicators.all()]
    if empty:
        raise ValidationError(
            _("Criterion %(number)s has no indicator.") % {"number": empty[0].number}
        )


@transaction.atomic
def criteria_set_put_in_use(*, criteria_set: CriteriaSet, by: Any, reason: str) -> CriteriaSet:
    """Put a draft in use; the family's version in use, if any, is retired. Every commune the
    set applies to is scored by it from now on, so the reason is required and kept."""
    reason = _require_reason(reason)
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if criteria_set.status != CriteriaSet.Status.DRAFT:
        raise ValidationError(_("Only a draft can be put in use."))
    criteria_set_check_complete(criteria_set)
    replaced = list(
        CriteriaSet.objects.select_for_update()
        .filter(family=criteria_set.family, status=CriteriaSet.Status.IN_USE)
        .order_by("pk")  # the default ordering joins the province, which cannot be locked
    )
    for old in replaced:
        old.status = CriteriaSet.Status.RETIRED
        old.save(update_fields=["status"])
        _record(old, CriteriaSetEvent.Action.REPLACED, by=by, reason=reason)
    criteria_set.status = CriteriaSet.Status.IN_USE
    criteria_set.save(update_fields=["status"])
    _record(criteria_set, CriteriaSetEvent.Action.PUT_IN_USE, by=by, reason=reason)
    _bump_villages_of(criteria_set)
    return criteria_set


@transaction.atomic
def criteria_set_retire(*, criteria_set: CriteriaSet, by: Any, reason: str) -> CriteriaSet:
    reason = _require_reason(reason)
    criteria_set = CriteriaSet.objects.select_for_update().get(pk=criteria_set.pk)
    if criteria_set.status != CriteriaSet.Status.IN_USE:
        raise ValidationError(_("Only a set in use can be retired."))
    criteria_set.status = CriteriaSet.Status.RETIRED
    criteria_set.save(update_fields=["status"])
    _record(criteria_set, CriteriaSetEvent.Action.RETIRED, by=by, reason=reason)
    _bump_villages_of(criteria_set)
    return criteria_set


@transaction.atomic
def commune_criteria_choose(
    *, commune: Commune, criteria_set: CriteriaSet | None, by: Any, reason: str
) -> None:
    """``commune`` adopts ``criteria_set`` (its family, whichever version is in use), or with
    None goes back to its province's set. Only a national set or a set of the commune's own
    province that no other commune owns can be adopted."""
    reason = _require_reason(reason)
    current = CommuneCriteria.objects.select_for_update().filter(commune=commune).first()
    if criteria_set is not None:
        if criteria_set.status != CriteriaSet.Status.IN_USE:
            raise ValidationError(_("Only a set in use can be adopted."))
        foreign_province = (
            criteria_set.province_id is not None and criteria_set.province_id != commune.province_id
        )
        foreign_commune = (
            criteria_set.commune_id is not None and criteria_set.commune_id != commune.pk
        )
        if foreign_province or foreign_commune:
            raise ValidationError(
                _("A commune adopts a national set or a set of its own province only.")
            )
    if current is not None:
        ended = CriteriaSet.objects.filter(family=current.family).order_by("-version").first()
        if ended is not None:
            _record(
                ended, CriteriaSetEvent.Action.ADOPTION_ENDED, by=by, reason=reason, commune=commune
            )
        current.delete()
    if criteria_set is not None:
        CommuneCriteria.objects.create(commune=commune, family=criteria_set.family, chosen_by=by)
        _record(
            criteria_set, CriteriaSetEvent.Action.ADOPTED, by=by, reason=reason, commune=commune
        )
    for village_id in (
        Village.objects.current().filter(commune=commune).values_list("pk", flat=True)
    ):
        public_cache.bump(village_id)


def _bump_villages_of(criteria_set: CriteriaSet) -> None:
    """The public village pages show how many criteria are met: refresh those the set covers."""
    villages = Village.objects.current()
    if criteria_set.commune_id:
        villages = villages.filter(commune_id=criteria_set.commune_id)
    elif criteria_set.province_id:
        villages = villages.filter(commune__province_id=criteria_set.province_id)
    for village_id in villages.values_list("pk", flat=True).iterator():
        public_cache.bump(village_id)


def ensure_editable(criteria_set: CriteriaSet) -> None:
    if criteria_set.status != CriteriaSet.Status.DRAFT:
        raise PermissionDenied(_("A set in use or retired is not edited: make a new version."))


# Attestations --------------------------------------------------------------------------------


def validate_evidence(upload: UploadedFile | None) -> str:
    """The kind of an evidence file (image or document), or a ValidationError."""
    if upload is None:
        raise ValidationError(_("Attach a photo or a document as evidence."))
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = EVIDENCE_TYPES.get(extension)
    if kind is None:
        raise ValidationError(
            _("Evidence must be a photo (JPG, PNG, WEBP, HEIC) or a document (PDF, DOCX, XLSX).")
        )
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."))
    head = upload.read(16)
    upload.seek(0)
    signatures = {
        "jpg": (b"\xff\xd8\xff",),
        "jpeg": (b"\xff\xd8\xff",),
        "png": (b"\x89PNG",),
        "webp": (b"RIFF",),
        "pdf": (b"%PDF",),
        "docx": (b"PK\x03\x04",),
        "xlsx": (b"PK\x03\x04",),
        "odt": (b"PK\x03\x04",),
    }
    expected = signatures.get(extension)
    if expected and not head.startswith(expected):
        raise ValidationError(_("The file's content does not match its type."))
    return kind


def attestation_create(
    *,
    indicator: Indicator,
    village: Village,
    met: bool,
    value: Any,
    attested_on: date,
    note: str,
    evidence: UploadedFile | None,
    by: Any,
) -> Attestation:
    """Record an attestation; nothing is written (no file either) unless it is all valid."""
    if indicator.source != Indicator.Source.ATTESTED:
        raise ValidationError(_("This indicator is computed, not attested."))
    engine.validate_as_of(village=village, as_of=attested_on)
    if validate_evidence(evidence) == "image":
        # Photos are published as evidence: re-encoded, without their GPS and device data.
        evidence = clean_image(  # type: ignore[assignment]
            evidence, max_side=2400, max_bytes=EVIDENCE_MAX_BYTES, keep_name=True
        )
    attestation = Attestation(
        indicator=indicator,
        village=village,
        met=met,
        value=value,
        attested_on=attested_on,
        note=note,
        evidence_name=(evidence.name or "")[:255],
        attested_by=by,
    )
    attestation.full_clean(exclude=["evidence"])
    # The file is written first; if the row then fails, the file goes too (no orphan files).
    attestation.evidence.save(evidence.name, evidence, save=False)
    try:
        with transaction.atomic():
            attestation.save()
    except Exception:
        attestation.evidence.storage.delete(attestation.evidence.name)
        raise
    public_cache.bump(village.pk)
    return attestation


# Snapshots -----------------------------------------------------------------------------------


def snapshots_take(*, villages: QuerySet | None = None, taken_on: date | None = None) -> int:
    """Store every registered measure for ``villages`` on ``taken_on`` (idempotent per day)."""
    taken_on = taken_on or timezone.localdate()
    villages = engine.existing_on(villages or Village.objects.all(), taken_on)
    rows = []
    for code, figures in engine.compute_measures(set(MEASURES), villages, taken_on).items():
        for village_id in villages.values_list("pk", flat=True):
            figure = figures.get(village_id)
            if figure is None:
                unit_percent = MEASURES[code].unit == "percent"
                rows.append((village_id, code, 0, 0 if unit_percent else None))
            else:
                rows.append((village_id, code, figure.numerator, figure.denominator))
    with transaction.atomic():
        Snapshot.objects.filter(taken_on=taken_on, village__in=villages.values("pk")).delete()
        Snapshot.objects.bulk_create(
            (
                Snapshot(
                    village_id=v, taken_on=taken_on, measure_code=c, numerator=n, denominator=d
                )
                for v, c, n, d in rows
            ),
            batch_size=2000,
        )
    return len(rows)


def trend(*, village: Village, codes: list[str], days: int = 365) -> dict[str, list[Snapshot]]:
    since = timezone.localdate() - timedelta(days=days)
    series: dict[str, list[Snapshot]] = {code: [] for code in codes}
    for snap in Snapshot.objects.filter(
        village=village, measure_code__in=codes, taken_on__gte=since
    ).order_by("taken_on"):
        series[snap.measure_code].append(snap)
    return series


# Periods -------------------------------------------------------------------------------------


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    if kind == PeriodClose.Kind.MONTH:
        start = day.replace(day=1)
        end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    elif kind == PeriodClose.Kind.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        last = first_month + 2
        end = date(day.year, last, calendar.monthrange(day.year, last)[1])
    elif kind == PeriodClose.Kind.YEAR:
        start, end = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        raise ValidationError(_("Unknown period."))
    return start, end


def _frozen_figures(criteria_set: CriteriaSet, commune: Commune, as_of: date) -> dict:
    villages = engine.existing_on(Village.objects.filter(commune=commune), as_of)
    reports = engine.evaluate(criteria_set=criteria_set, villages=villages, as_of=as_of)
    return {str(pk): frozen.freeze(report) for pk, report in reports.items()}


@transaction.atomic
def period_close(
    *, commune: Commune, criteria_set: CriteriaSet, kind: str, day: date, by: Any
) -> PeriodClose:
    """Freeze the commune's figures as of the period's last day (or today if it is not over)."""
    starts_on, ends_on = period_bounds(kind, day)
    today = timezone.localdate()
    if starts_on > today:
        raise ValidationError(_("This period has not started yet."))
    as_of = min(ends_on, today)
    period = (
        PeriodClose.objects.select_for_update()
        .filter(commune=commune, criteria_set=criteria_set, kind=kind, starts_on=starts_on)
        .first()
    )
    if period is not None and period.is_closed:
        raise ValidationError(_("This period is already closed."))
    figures = _frozen_figures(criteria_set, commune, as_of)
    if period is None:
        period = PeriodClose(
            commune=commune, criteria_set=criteria_set, kind=kind, starts_on=starts_on
        )
    period.ends_on = ends_on
    period.figures = {"as_of": as_of.isoformat(), "villages": figures}
    period.is_closed = True
    period.closed_at = timezone.now()
    period.closed_by = by
    period.save()
    PeriodEvent.objects.create(
        period=period, action=PeriodEvent.Action.CLOSE, by=by, by_name=str(by or "")
    )
    return period


@transaction.atomic
def period_reopen(*, period: PeriodClose, reason: str, by: Any) -> PeriodClose:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the period is reopened."))
    period = PeriodClose.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ValidationError(_("This period is not closed."))
    period.is_closed = False
    period.save(update_fields=["is_closed"])
    PeriodEvent.objects.create(
        period=period,
        action=PeriodEvent.Action.REOPEN,
        reason=reason[:255],
        by=by,
        by_name=str(by or ""),
    )
    return period


# Export files ---------------------------------------------------------------------------------


def export_create(*, by: Any, **fields: Any) -> ExportJob:
    """Record an export to write (format, criteria set, date, scope) and queue its writing."""
    from reports.tasks import export_run_task

    with transaction.atomic():
        job = ExportJob.objects.create(created_by=by, **fields)
        enqueue(export_run_task, job)
    return job


def _export_source(job: ExportJob) -> Any:
    """A closed period's frozen figures, else the figures computed as of the job's date."""
    from reports import exports

    if job.commune_id:
        place = f"{job.commune.name}, {job.commune.province.name}"
        letterhead = exports.letterhead_for(commune=job.commune)
        if job.period_id:
            return exports.for_period(job.period, place=place, letterhead=letterhead)
        villages = Village.objects.filter(commune=job.commune)
    else:
        place = job.province.name
        letterhead = exports.letterhead_for(province=job.province)
        villages = Village.objects.filter(commune__province=job.province)
    return exports.live(
        criteria_set=job.criteria_set,
        villages=villages,
        as_of=job.as_of,
        place=place,
        letterhead=letterhead,
    )


def export_run(*, job_id: Any) -> ExportJob | None:
    """Write an export job's file; a no-op once the job has left PENDING, so it may run twice.

    On an error the job is marked failed and the error raised again, for the worker's log.
    """
    from reports import exports

    job = (
        ExportJob.objects.select_related(
            "commune__province", "province", "criteria_set", "period__commune"
        )
        .filter(pk=job_id)
        .first()
    )
    if job is None or not job.claim(
        from_status=ExportJob.Status.PENDING, to_status=ExportJob.Status.RUNNING
    ):
        return job

    def progress(done: int, total: int) -> None:
        job.report_progress(done, total, store=True)

    try:
        with override("vi"), tempfile.TemporaryFile() as handle:
            source = _export_source(job)
            if job.fmt == "csv":
                text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
                exports.write_csv(text, source=source, progress=progress)
                text.flush()
                text.detach()
            else:
                writer = exports.write_xlsx if job.fmt == "xlsx" else exports.write_pdf
                writer(handle, source=source, progress=progress)
            handle.seek(0)
            name = f"bao-cao-thon-thong-minh-{job.as_of:%Y%m%d}.{job.fmt}"
            job.file.save(name, File(handle), save=False)
    except Exception as exc:
        job.finish(status=ExportJob.Status.FAILED, error=str(exc)[:255])
        raise
    job.finish(status=ExportJob.Status.DONE, file=job.file.name, progress=100)
    return job


EXPORT_KEEP_DAYS = 7


def exports_purge(*, now: Any = None) -> int:
    """Remove export jobs older than a week, with their files; the count removed."""
    cutoff = (now or timezone.now()) - timedelta(days=EXPORT_KEEP_DAYS)
    removed = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).iterator():
        if job.file:
            job.file.storage.delete(job.file.name)
        job.delete()
        removed += 1
    return removed
