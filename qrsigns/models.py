"""Short codes behind printed signs, their scan counts, heritage sites and sign sheets."""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household, Lane, Village, VillageOwnedQuerySet
from villageportal.authored import Authored
from villageportal.jobs import Job

# Crockford's base32 without the letters people confuse (I, L, O, U): a code read aloud or
# typed from the printed text survives a misread 0/O or 1/I when normalised.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 random bits: unguessable, and the URL still fits a version 3-4 QR code
CODE_MAX_LENGTH = 16


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """The canonical form of a code as typed or scanned, or None if it cannot be one."""
    if not raw or len(raw) > CODE_MAX_LENGTH:
        return None
    code = raw.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")
    if not code or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def _heritage_code() -> str:
    return secrets.token_urlsafe(6)


class HeritageSiteQuerySet(VillageOwnedQuerySet):
    def published(self) -> models.QuerySet:
        return self.filter(is_published=True)


class HeritageSite(models.Model):
    """A historic place of the village (đình, chùa, nhà thờ họ, di tích) with a public page."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="heritage_sites", verbose_name=_("village")
    )
    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=_heritage_code, editable=False
    )
    name = models.CharField(_("name"), max_length=150)
    summary = models.CharField(_("short description"), max_length=300, blank=True)
    history = models.TextField(_("history"), blank=True)
    visiting_info = models.TextField(_("visiting information"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    is_published = models.BooleanField(_("shown on the public pages"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = HeritageSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("heritage site")
        verbose_name_plural = _("heritage sites")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="qrsigns_heritage_unique_name_in_village"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="qrsigns_heritage_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="qrsigns_heritage_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HeritageImageQuerySet(VillageOwnedQuerySet):
    village_lookup = "site__village"


class HeritageImage(models.Model):
    """A photo of a heritage site, stored re-encoded: resized, without EXIF or GPS data."""

    site = models.ForeignKey(
        HeritageSite, on_delete=models.CASCADE, related_name="images", verbose_name=_("site")
    )
    # Dimensions are those of the re-encoded file, set when it is stored.
    image = models.ImageField(_("image"), upload_to="public/heritage/")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(_("description of the photo"), max_length=200)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = HeritageImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("heritage photo")
        verbose_name_plural = _("heritage photos")
        ordering = ["site", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.alt_text


class SignQuerySet(VillageOwnedQuerySet):
    def active(self) -> models.QuerySet:
        return self.filter(is_active=True)


class Sign(Authored):
    """A printed sign and the short code it carries, ``/q/<code>``.

    What the code opens (``target``) can change without reprinting; the sign's ``kind`` says
    what was printed on it (a lane's start or end, a heritage site, a door plate).
    """

    class Kind(models.TextChoices):
        LANE_START = "lane_start", _("Lane sign, start")
        LANE_END = "lane_end", _("Lane sign, end")
        HERITAGE = "heritage", _("Heritage site sign")
        DOOR_PLATE = "door_plate", _("Door plate")
        VILLAGE = "village", _("Village sign")

    class Target(models.TextChoices):
        LANE = "lane", _("Lane page")
        HERITAGE = "heritage", _("Heritage site page")
        HOUSEHOLD = "household", _("Door plate page")
        VILLAGE = "village", _("Village home")
        REPORT = "report", _("Report a problem here")

    code = models.CharField(_("code"), max_length=CODE_MAX_LENGTH, unique=True, default=new_code)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="signs", verbose_name=_("village")
    )
    kind = models.CharField(_("kind of sign"), max_length=16, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=150, blank=True)
    target = models.CharField(_("opens"), max_length=16, choices=Target.choices)
    lane = models.ForeignKey(
        Lane,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signs",
        verbose_name=_("lane"),
    )
    heritage_site = models.ForeignKey(
        HeritageSite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signs",
        verbose_name=_("heritage site"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signs",
        verbose_name=_("household"),
    )
    latitude = models.DecimalField(
        _("latitude of the sign"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude of the sign"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = SignQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign")
        verbose_name_plural = _("signs")
        ordering = ["village", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="lane") | Q(lane__isnull=False),
                name="qrsigns_sign_lane_target_has_lane",
            ),
            models.CheckConstraint(
                condition=~Q(target="heritage") | Q(heritage_site__isnull=False),
                name="qrsigns_sign_heritage_target_has_site",
            ),
            models.CheckConstraint(
                condition=~Q(target="household") | Q(household__isnull=False),
                name="qrsigns_sign_household_target_has_household",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(disabled_at__isnull=False),
                name="qrsigns_sign_disabled_has_date",
            ),
        ]
        indexes = [models.Index(fields=["village", "is_active"], name="qrsigns_sign_village")]

    def __str__(self) -> str:
        return self.code


class ScanCountQuerySet(VillageOwnedQuerySet):
    village_lookup = "sign__village"


class ScanCount(models.Model):
    """How many times a code was opened on a day (local time): no address, no device."""

    sign = models.ForeignKey(
        Sign, on_delete=models.CASCADE, related_name="scan_counts", verbose_name=_("sign")
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("scans"), default=0)

    objects = ScanCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("scan count")
        verbose_name_plural = _("scan counts")
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["sign", "day"], name="qrsigns_scan_one_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.sign_id} {self.day}: {self.count}"


class UnknownScan(models.Model):
    """Requests for codes that do not exist, per code and day: fake stickers show up here.

    Codes that cannot be ours at all (wrong characters, too long) are counted together under
    an empty ``code``, so junk requests cannot fill the table.
    """

    code = models.CharField(_("code"), max_length=CODE_MAX_LENGTH, blank=True)
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("unknown code")
        verbose_name_plural = _("unknown codes")
        ordering = ["-day", "-count"]
        constraints = [
            models.UniqueConstraint(fields=["code", "day"], name="qrsigns_unknown_one_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.code or '?'} {self.day}: {self.count}"


class SheetJob(Job):
    """A print-ready PDF of many signs, built by a background job with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    class Layout(models.IntegerChoices):
        ONE = 1, _("One sign per A4 page (lane and heritage signs)")
        TWO = 2, _("Two signs per A4 page")
        FOUR = 4, _("Four signs per A4 page (door plates)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="sheet_jobs", verbose_name=_("village")
    )
    kinds = models.JSONField(_("kinds of sign"), default=list)
    lane = models.ForeignKey(
        Lane,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only the signs of this lane"),
    )
    per_page = models.PositiveSmallIntegerField(
        _("signs per page"), choices=Layout.choices, default=Layout.ONE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("signs"), default=0)
    file = models.FileField(_("file"), upload_to="signsheets/", blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta(Job.Meta):
        verbose_name = _("sign sheet")
        verbose_name_plural = _("sign sheets")

    def __str__(self) -> str:
        return f"{self.village_id} {self.created_at:%Y-%m-%d %H:%M}"
