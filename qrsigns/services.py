"""Writes of the QR-sign app: signs and their targets, scan counts, heritage sites, sheets.

Every write that shows on a public page bumps the village's public-cache version.
"""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from households.models import Household, Lane, Village
from qrsigns.models import (
    HeritageImage,
    HeritageSite,
    ScanCount,
    SheetJob,
    Sign,
    UnknownScan,
    new_code,
)
from villageportal import public_cache
from villageportal.images import clean_image
from villageportal.jobs import enqueue

KIND_LANE = (Sign.Kind.LANE_START, Sign.Kind.LANE_END)
KIND_TARGET = {
    Sign.Kind.LANE_START: Sign.Target.LANE,
    Sign.Kind.LANE_END: Sign.Target.LANE,
    Sign.Kind.HERITAGE: Sign.Target.HERITAGE,
    Sign.Kind.DOOR_PLATE: Sign.Target.HOUSEHOLD,
    Sign.Kind.VILLAGE: Sign.Target.VILLAGE,
}


def _actor(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _check_target(
    *,
    village: Village,
    target: str,
    lane: Lane | None,
    heritage_site: HeritageSite | None,
    household: Household | None,
) -> None:
    """A target must exist, be alive and belong to the sign's village."""
    errors: dict[str, list[str]] = {}
    if target not in Sign.Target.values:
        errors["target"] = [_("Choose what the code opens.")]
    if target == Sign.Target.LANE and lane is None:
        errors["lane"] = [_("Choose the lane.")]
    if target == Sign.Target.HERITAGE and heritage_site is None:
        errors["heritage_site"] = [_("Choose the heritage site.")]
    if target == Sign.Target.HOUSEHOLD and household is None:
        errors["household"] = [_("Choose the household.")]
    if lane is not None and (lane.village_id != village.pk or lane.deleted_at is not None):
        errors["lane"] = [_("This lane is not in the sign's village.")]
    if heritage_site is not None and heritage_site.village_id != village.pk:
        errors["heritage_site"] = [_("This heritage site is not in the sign's village.")]
    if household is not None and (
        household.village_id != village.pk or household.deleted_at is not None
    ):
        errors["household"] = [_("This household is not in the sign's village.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def sign_create(
    *,
    village: Village,
    kind: str,
    by: Any,
    lane: Lane | None = None,
    heritage_site: HeritageSite | None = None,
    household: Household | None = None,
    label: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Sign:
    if kind not in Sign.Kind.values:
        raise ValidationError({"kind": [_("Choose the kind of sign.")]})
    target = KIND_TARGET[kind]
    _check_target(
        village=village, target=target, lane=lane, heritage_site=heritage_site, household=household
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                sign = Sign.objects.create(
                    code=new_code(),
                    village=village,
                    kind=kind,
                    target=target,
                    label=label,
                    lane=lane,
                    heritage_site=heritage_site,
                    household=household,
                    latitude=latitude,
                    longitude=longitude,
                    created_by=_actor(by),
                )
            break
        except IntegrityError:  # a code drawn twice: draw again
            continue
    else:  # pragma: no cover - 50 random bits do not collide five times
        raise RuntimeError("could not draw a free sign code")
    public_cache.bump(village.pk)
    return sign


@transaction.atomic
def signs_ensure(*, village: Village, by: Any, door_plates: bool = True) -> int:
    """The standard signs of a village: two per lane, one per heritage site, door plates.

    Idempotent: only the missing signs are created. Returns how many were created.
    """
    # What a sign was printed for (its kind and object) stays when its target changes.
    rows = list(
        Sign.objects.filter(village=village).values_list(
            "kind", "lane_id", "heritage_site_id", "household_id"
        )
    )
    lane_signs = {(k, lane) for k, lane, _s, _h in rows if k in KIND_LANE}
    site_signs = {site for k, _l, site, _h in rows if k == Sign.Kind.HERITAGE}
    created = 0
    lanes = Lane.objects.alive().filter(village=village).order_by("sort_order", "name")
    for lane in lanes:
        for kind in (Sign.Kind.LANE_START, Sign.Kind.LANE_END):
            if (kind, lane.pk) not in lane_signs:
                sign_create(village=village, kind=kind, lane=lane, by=by)
                created += 1
    for site in HeritageSite.objects.filter(village=village):
        if site.pk not in site_signs:
            sign_create(village=village, kind=Sign.Kind.HERITAGE, heritage_site=site, by=by)
            created += 1
    if door_plates:
        have = {h for k, _l, _s, h in rows if k == Sign.Kind.DOOR_PLATE and h is not None}
        households = Household.objects.active().filter(village=village).exclude(pk__in=have)
        plates = [
            Sign(
                code=new_code(),
                village=village,
                kind=Sign.Kind.DOOR_PLATE,
                target=Sign.Target.HOUSEHOLD,
                household_id=pk,
                created_by=_actor(by),
            )
            for pk in households.values_list("pk", flat=True)
        ]
        Sign.objects.bulk_create(plates, batch_size=1000)
        created += len(plates)
    if created:
        public_cache.bump(village.pk)
    return created


@transaction.atomic
def sign_retarget(
    *,
    sign: Sign,
    by: Any,
    target: str,
    lane: Lane | None = None,
    heritage_site: HeritageSite | None = None,
    household: Household | None = None,
) -> Sign:
    """Point a printed code at something else; nothing changes if the target is refused."""
    sign = Sign.objects.select_for_update(of=("self",)).select_related("village").get(pk=sign.pk)
    if target == Sign.Target.REPORT:
        # The report form is located at the sign: keep its lane, if it has one.
        lane = lane or sign.lane
    _check_target(
        village=sign.village,
        target=target,
        lane=lane if target in (Sign.Target.LANE, Sign.Target.REPORT) else None,
        heritage_site=heritage_site if target == Sign.Target.HERITAGE else None,
        household=household if target == Sign.Target.HOUSEHOLD else None,
    )
    sign.target = target
    if target in (Sign.Target.LANE, Sign.Target.REPORT) and lane is not None:
        sign.lane = lane
    if target == Sign.Target.HERITAGE:
        sign.heritage_site = heritage_site
    if target == Sign.Target.HOUSEHOLD:
        sign.household = household
    sign.updated_at = timezone.now()
    sign.save()
    public_cache.bump(sign.village_id)
    return sign


@transaction.atomic
def sign_set_active(*, sign: Sign, by: Any, active: bool) -> Sign:
    sign = Sign.objects.select_for_update().get(pk=sign.pk)
    if sign.is_active == active:
        return sign
    sign.is_active = active
    sign.disabled_at = None if active else timezone.now()
    sign.updated_at = timezone.now()
    sign.save(update_fields=["is_active", "disabled_at", "updated_at"])
    public_cache.bump(sign.village_id)
    return sign


def _increment(model: type, day: date, **key: Any) -> None:
    """Add one to a per-day counter row, creating it on the day's first request."""
    if model.objects.filter(day=day, **key).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            model.objects.create(day=day, count=1, **key)
    except IntegrityError:  # created by a concurrent request in between
        model.objects.filter(day=day, **key).update(count=F("count") + 1)


def scan_record(*, sign: Sign) -> None:
    """Count one scan of ``sign`` today; nothing about who scanned is kept."""
    _increment(ScanCount, timezone.localdate(), sign_id=sign.pk)


def unknown_scan_record(*, code: str | None) -> None:
    """Count a request for a code that does not exist (``None``: not even code-shaped)."""
    _increment(UnknownScan, timezone.localdate(), code=code or "")


# ---------------------------------------------------------------------------------------
# Heritage sites

HERITAGE_FIELDS = (
    "name",
    "summary",
    "history",
    "visiting_info",
    "address",
    "latitude",
    "longitude",
    "is_published",
)


@transaction.atomic
def heritage_site_save(
    *, village: Village, by: Any, site: HeritageSite | None = None, **data: Any
) -> HeritageSite:
    if site is None:
        site = HeritageSite(village=village)
    elif site.village_id != village.pk:
        raise ValidationError(_("This heritage site is not in your village."))
    for field in HERITAGE_FIELDS:
        if field in data:
            setattr(site, field, data[field])
    site.name = " ".join((site.name or "").split())
    if not site.name:
        raise ValidationError({"name": [_("Enter the site's name.")]})
    # Compared in Python: SQLite's case-insensitive match ignores letters like "Đ".
    others = HeritageSite.objects.filter(village=village).exclude(pk=site.pk)
    if site.name.casefold() in {n.casefold() for n in others.values_list("name", flat=True)}:
        raise ValidationError({"name": [_("The village already has a site with this name.")]})
    site.updated_at = timezone.now()
    site.save()
    public_cache.bump(village.pk)
    return site


@transaction.atomic
def heritage_image_add(*, site: HeritageSite, by: Any, upload: Any, alt_text: str) -> HeritageImage:
    """Store a photo re-encoded as JPEG: resized, oriented, without any metadata.

    Raises ``ValidationError`` (and stores nothing) if the upload is not a usable image.
    """
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise ValidationError({"alt_text": [_("Describe the photo for people who cannot see it.")]})
    try:
        data = clean_image(
            upload,
            max_side=1280,
            quality=80,
            max_bytes=settings.QRSIGNS_IMAGE_MAX_BYTES,
        ).read()
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    order = site.images.count()
    with Image.open(io.BytesIO(data)) as stored:
        width, height = stored.size
    image = HeritageImage(
        site=site, alt_text=alt_text, sort_order=order, width=width, height=height
    )
    image.image.save(f"{site.public_code}-{order + 1}.jpg", ContentFile(data), save=False)
    try:
        image.save()
    except Exception:
        image.image.delete(save=False)
        raise
    site.updated_at = timezone.now()
    site.save(update_fields=["updated_at"])
    public_cache.bump(site.village_id)
    return image


@transaction.atomic
def heritage_image_delete(*, image: HeritageImage, by: Any) -> None:
    village_id = image.site.village_id
    stored = image.image.name
    storage = image.image.storage
    image.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    public_cache.bump(village_id)


# ---------------------------------------------------------------------------------------
# Sheets


@transaction.atomic
def sheet_job_create(
    *, village: Village, by: Any, kinds: list[str], per_page: int, lane: Lane | None = None
) -> SheetJob:
    kinds = [k for k in dict.fromkeys(kinds) if k in Sign.Kind.values]
    if not kinds:
        raise ValidationError({"kinds": [_("Choose at least one kind of sign.")]})
    if lane is not None and lane.village_id != village.pk:
        raise ValidationError({"lane": [_("Choose a lane of this village.")]})
    if per_page not in SheetJob.Layout.values:
        raise ValidationError({"per_page": [_("Choose how many signs go on a page.")]})
    total = _sheet_signs(village_id=village.pk, kinds=kinds, lane=lane).count()
    if not total:
        if lane is not None:
            raise ValidationError(_("This lane has no active signs of these kinds."))
        raise ValidationError(_("The village has no active signs of these kinds."))
    job = SheetJob.objects.create(
        village=village,
        kinds=kinds,
        lane=lane,
        per_page=per_page,
        total=total,
        created_by=_actor(by),
    )
    from qrsigns.tasks import sheet_build_task

    enqueue(sheet_build_task, job)
    return job


# The order a volunteer puts signs up in: the village sign, then lane by lane its start and its
# end sign, then the heritage sites, then the door plates house by house along each lane.
_KIND_GROUP = Case(
    When(kind=Sign.Kind.VILLAGE, then=Value(0)),
    When(kind__in=[Sign.Kind.LANE_START, Sign.Kind.LANE_END], then=Value(1)),
    When(kind=Sign.Kind.HERITAGE, then=Value(2)),
    default=Value(3),
)
_END_LAST = Case(When(kind=Sign.Kind.LANE_END, then=Value(1)), default=Value(0))


def _sheet_signs(*, village_id: Any, kinds: list[str], lane: Lane | None) -> Any:
    signs = Sign.objects.active().filter(village_id=village_id, kind__in=kinds)
    if lane is not None:
        signs = signs.filter(Q(lane=lane) | Q(household__lane=lane))
    return signs.select_related("village", "lane", "heritage_site", "household__lane").order_by(
        _KIND_GROUP,
        Coalesce("lane__sort_order", "household__lane__sort_order"),
        Coalesce("lane__name", "household__lane__name"),
        "household__house_number_key",
        _END_LAST,
        "pk",
    )


def sheet_build(*, job: SheetJob) -> SheetJob:
    """Build the PDF of a queued job; a no-op for a job that already ran (idempotent)."""
    from qrsigns.printing import sheet_pdf

    if not job.claim(from_status=SheetJob.Status.QUEUED, to_status=SheetJob.Status.RUNNING):
        return SheetJob.objects.get(pk=job.pk)
    job.refresh_from_db()
    signs = _sheet_signs(village_id=job.village_id, kinds=job.kinds, lane=job.lane)
    last = [-1]

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // max(total, 1))
        if percent >= last[0] + 5:
            last[0] = job.report_progress(done, max(total, 1), store=True)

    try:
        pdf = sheet_pdf(list(signs), per_page=job.per_page, progress=progress)
    except Exception as exc:
        job.finish(status=SheetJob.Status.FAILED, error=str(exc)[:255])
        raise
    job.file.save(f"bien-qr-{job.pk}.pdf", ContentFile(pdf), save=False)
    job.finish(status=SheetJob.Status.DONE, file=job.file.name, progress=100)
    job.refresh_from_db()
    return job


SHEETS_FOLDER = "signsheets/"


def sheets_purge(*, now: datetime | None = None) -> int:
    """Delete the PDF files of sheets built more than ``QRSIGNS_SHEET_KEEP_DAYS`` days ago.

    The jobs stay (who printed what, and when); their page offers to build the sheet again.
    Files in the sheets' folder that no job points to (a build cut off between storing its file
    and recording it) go too once they are as old. Returns the number of files deleted.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.QRSIGNS_SHEET_KEEP_DAYS)
    storage = SheetJob._meta.get_field("file").storage
    deleted = 0
    expired = SheetJob.objects.filter(finished_at__lt=cutoff).exclude(file="")
    for job in expired.only("pk", "file"):
        name = job.file.name
        # The row first: a download started meanwhile finds no file rather than half of one.
        SheetJob.objects.filter(pk=job.pk, file=name).update(file="")
        if storage.exists(name):
            storage.delete(name)
            deleted += 1
    try:
        _folders, files = storage.listdir(SHEETS_FOLDER)
    except FileNotFoundError:
        return deleted
    kept = set(
        SheetJob.objects.filter(file__startswith=SHEETS_FOLDER).values_list("file", flat=True)
    )
    for filename in files:
        name = SHEETS_FOLDER + filename
        if name not in kept and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted += 1
    return deleted
