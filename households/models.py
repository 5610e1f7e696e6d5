import logging
import re
import secrets
import uuid
from typing import Self

import pghistory
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import COMMUNE_ROLES, STAFF_ROLES, Role
from villageportal import spreadsheets
from villageportal.jobs import Job

logger = logging.getLogger(__name__)


class DivisionType(models.TextChoices):
    PROVINCE = "tinh", _("Province")
    CENTRAL_CITY = "thanh_pho_trung_uong", _("Centrally governed city")
    COMMUNE = "xa", _("Commune")
    WARD = "phuong", _("Ward")
    SPECIAL_ZONE = "dac_khu", _("Special zone")


class Province(models.Model):
    """A province or centrally governed city (tỉnh, thành phố), by its official code."""

    code = models.CharField(_("official code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(
        _("division type"), max_length=32, choices=DivisionType.choices
    )
    codename = models.SlugField(_("code name"), max_length=100)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune, ward or special zone (xã, phường, đặc khu): the level below the province."""

    code = models.CharField(_("official code"), max_length=5, unique=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(
        _("division type"), max_length=32, choices=DivisionType.choices
    )
    codename = models.SlugField(_("code name"), max_length=100)

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["province__code", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class VillageQuerySet(models.QuerySet["Village"]):
    def current(self) -> "VillageQuerySet":
        """Villages that exist today (not merged away or dissolved)."""
        today = timezone.localdate()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))

    def visible_to(self, user: object, roles: frozenset[str] = STAFF_ROLES) -> "VillageQuerySet":
        """The scoping rule: the villages where ``user`` holds one of ``roles``.

        A village role counts in its village; a commune role counts in every village of its
        commune. Every query on village data for a signed-in user goes through here.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        membership = apps.get_model("accounts", "Membership")
        direct = membership.objects.filter(
            user=user, role__in=roles - COMMUNE_ROLES, village=OuterRef("pk")
        )
        via_commune = membership.objects.filter(
            user=user, role__in=roles & COMMUNE_ROLES, commune=OuterRef("commune")
        )
        return self.filter(Exists(direct) | Exists(via_commune))


class Village(models.Model):
    """A village (thôn, bản, làng, ấp, tổ dân phố): the tenant of the portal.

    Its id is a UUID that never changes, so that links and records survive the renames and
    mergers that villages go through; a merged village keeps its row with ``valid_until``
    set and points at its successor.
    """

    class Kind(models.TextChoices):
        THON = "thon", _("Village (thôn)")
        BAN = "ban", _("Hamlet (bản)")
        LANG = "lang", _("Village (làng)")
        AP = "ap", _("Hamlet (ấp)")
        TO_DAN_PHO = "to_dan_pho", _("Residential group (tổ dân phố)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("commune")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.THON)
    introduction = models.TextField(_("introduction"), blank=True)
    office_address = models.CharField(_("village office address"), max_length=255, blank=True)
    office_phone = models.CharField(_("village office phone"), max_length=20, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("replaced by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["commune__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name"],
                condition=Q(valid_until__isnull=True),
                name="households_village_unique_current_name",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="households_village_valid_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VillageOwnedQuerySet(models.QuerySet):
    """Reusable scoping for rows that belong to a village through ``village_lookup``."""

    village_lookup = "village"

    def visible_to(self, user: object, roles: frozenset[str] = STAFF_ROLES) -> Self:
        villages = Village.objects.visible_to(user, roles).values("pk")
        return self.filter(**{f"{self.village_lookup}__in": villages})

    def in_village(self, village: Village) -> models.QuerySet:
        return self.filter(**{self.village_lookup: village})


class SoftDeleteQuerySet(VillageOwnedQuerySet):
    """Registry rows are never deleted by staff: they are marked deleted, with a reason."""

    def alive(self) -> Self:
        return self.filter(deleted_at__isnull=True)


class SoftDeleted(models.Model):
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_reason = models.CharField(_("reason for deletion"), max_length=255, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("deleted by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


_DIGITS = re.compile(r"\d+")


def _padded(match: re.Match) -> str:
    return match.group().zfill(8)


def natural_key(text: str) -> str:
    """A sort key that orders house numbers as people expect: 2, 5, 5A, 10, 10/2."""
    return _DIGITS.sub(_padded, (text or "").strip().upper())


def _trackers() -> tuple[pghistory.RowEvent, ...]:
    """Fresh tracker objects for each model: they hold state about the model they track."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


# Derived columns change whenever their sources do; they would only add noise to the history.
_UNTRACKED = ["search_document", "house_number_key", "updated_at"]


@pghistory.track(*_trackers(), exclude=["updated_at"], model_name="LaneEvent")
class Lane(SoftDeleted):
    """A lane, hamlet cluster or road (ngõ, xóm, tuyến đường) inside a village."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="lanes", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    # Under public/: served to everyone, like the lane page that shows it.
    sketch = models.ImageField(_("sketch"), upload_to="public/lanes/", blank=True)
    geometry = models.JSONField(
        _("geometry"),
        null=True,
        blank=True,
        help_text=_("The lane's course as a GeoJSON LineString (WGS84)."),
    )

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = _("lane")
        verbose_name_plural = _("lanes")
        ordering = ["village", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                condition=Q(deleted_at__isnull=True),
                name="households_lane_unique_name_in_village",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _public_code() -> str:
    return secrets.token_urlsafe(6)


class HouseholdQuerySet(SoftDeleteQuerySet):
    def active(self) -> models.QuerySet:
        return self.alive().filter(status=Household.Status.ACTIVE)

    def in_lane(self, lane: "Lane") -> models.QuerySet:
        return self.filter(lane=lane).order_by("house_number_key", "pk")


# Exactly one head per active household, checked by PostgreSQL when the transaction commits
# (deferred: changing the head or splitting a household passes through moments without one).
# A session may set ``villageportal.head_check`` to ``skip``: the test database does, because
# test factories build a household before its members; the tests of the rule enforce it.
# Each household is read by its primary key alone and its status tested here: a filter on
# status and deletion in the query lets the planner pick the partial unique index over all
# active households, and with no statistics yet for the rows of a long transaction it does,
# so that a transaction writing N households spent N full index scans at its commit.
HEAD_CHECK_SQL = """
    IF coalesce(current_setting('villageportal.head_check', true), '') = 'skip' THEN
        RETURN NULL;
    END IF;
    FOREACH hid IN ARRAY ids LOOP
        CONTINUE WHEN hid IS NULL;
        SELECT h.status, h.deleted_at INTO state, gone FROM households_household h
         WHERE h.id = hid;
        CONTINUE WHEN NOT FOUND OR gone IS NOT NULL OR state <> 'active';
        IF (SELECT count(*) FROM households_resident r
             WHERE r.household_id = hid AND r.is_head AND r.left_on IS NULL
               AND r.deleted_at IS NULL) <> 1 THEN
            RAISE EXCEPTION USING
                ERRCODE = '23514',
                CONSTRAINT = 'households_exactly_one_head',
                MESSAGE = format('active household %s must have exactly one head', hid);
        END IF;
    END LOOP;
    RETURN NULL;
"""


def _head_check(name: str, operation: object, condition: object, ids: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=operation,
        condition=condition,
        timing=pgtrigger.Deferred,
        declare=[
            ("ids", "bigint[]"),
            ("hid", "bigint"),
            ("state", "text"),
            ("gone", "timestamptz"),
        ],
        func=f"ids := {ids};" + HEAD_CHECK_SQL,
    )


@pghistory.track(*_trackers(), exclude=_UNTRACKED, model_name="HouseholdEvent")
class Household(SoftDeleted):
    """A household (hộ gia đình) of the registry."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MOVED_AWAY = "moved_away", _("Moved away")
        DISSOLVED = "dissolved", _("Dissolved")

    class BusinessKind(models.TextChoices):
        RETAIL = "retail", _("Shop, retail")
        FOOD = "food", _("Food and drink")
        AGRICULTURE = "agriculture", _("Farm products")
        CRAFT = "craft", _("Craft, manufacturing")
        SERVICES = "services", _("Services")
        HOMESTAY = "homestay", _("Homestay, tourism")
        OTHER = "other", _("Other")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    lane = models.ForeignKey(
        Lane,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("lane"),
    )
    house_number = models.CharField(_("house number"), max_length=20)
    house_number_key = models.CharField(max_length=64, editable=False, db_index=True)
    digital_address = models.CharField(
        _("digital address code"),
        max_length=32,
        blank=True,
        help_text=_("Mã địa chỉ số, as issued by the national digital address platform."),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    established_on = models.DateField(_("registered since"), null=True, blank=True)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    is_business = models.BooleanField(_("business household"), default=False)
    business_name = models.CharField(_("trade name"), max_length=150, blank=True)
    business_kind = models.CharField(
        _("kind of business"), max_length=16, choices=BusinessKind.choices, blank=True
    )
    head_name_public = models.BooleanField(
        _("head's name may be shown on the public lane page"), default=False
    )
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=_public_code, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)
    search_document = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village", "lane__sort_order", "house_number_key", "pk"]
        triggers = [
            _head_check("household_head_insert", pgtrigger.Insert, None, "ARRAY[NEW.id]"),
            _head_check(
                "household_head_update",
                pgtrigger.Update,
                pgtrigger.AnyChange("status", "deleted_at"),
                "ARRAY[NEW.id]",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["digital_address"],
                condition=~Q(digital_address=""),
                name="households_household_unique_digital_address",
            ),
            models.UniqueConstraint(
                fields=["lane", "house_number"],
                condition=Q(deleted_at__isnull=True, status="active"),
                name="households_household_unique_number_in_lane",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="households_household_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="households_household_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(is_business=True) | Q(business_name="", business_kind=""),
                name="households_household_business_fields_only_for_businesses",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "status"], name="households_village_status"),
        ]

    def __str__(self) -> str:
        return f"{self.house_number}, {self.lane or self.village}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.house_number_key = natural_key(self.house_number)
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "house_number_key", "updated_at"}
        super().save(*args, **kwargs)


class ResidentQuerySet(SoftDeleteQuerySet):
    village_lookup = "household__village"

    def current(self) -> Self:
        """People who live in their household now: not deleted, not left."""
        return self.alive().filter(left_on__isnull=True)


@pghistory.track(*_trackers(), exclude=["updated_at"], model_name="ResidentEvent")
class Resident(SoftDeleted):
    """A person registered in a household; personal fields are private."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relationship(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        GRANDPARENT = "grandparent", _("Grandparent")
        SIBLING = "sibling", _("Sibling")
        CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("household"),
    )
    full_name = models.CharField(_("full name"), max_length=150)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    national_id = models.CharField(
        _("ID number (CCCD)"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", _("A CCCD number has exactly 12 digits."))],
    )
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    relationship = models.CharField(
        _("relationship to the head"),
        max_length=16,
        choices=Relationship.choices,
        default=Relationship.OTHER,
    )
    is_head = models.BooleanField(_("head of household"), default=False)
    joined_on = models.DateField(_("joined the household on"), null=True, blank=True)
    left_on = models.DateField(_("left the household on"), null=True, blank=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
        verbose_name=_("portal account"),
    )

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household", "-is_head", "birth_date", "pk"]
        triggers = [
            _head_check(
                "resident_head_update",
                pgtrigger.Update,
                pgtrigger.AnyChange("is_head", "left_on", "deleted_at", "household"),
                "ARRAY[OLD.household_id, NEW.household_id]",
            ),
            _head_check(
                "resident_head_delete",
                pgtrigger.Delete,
                pgtrigger.Q(old__is_head=True),
                "ARRAY[OLD.household_id]",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(is_head=True, left_on__isnull=True, deleted_at__isnull=True),
                name="households_one_head_per_household",
            ),
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~Q(national_id=""),
                name="households_resident_unique_national_id",
            ),
            models.CheckConstraint(
                condition=Q(national_id="") | Q(national_id__regex=r"^[0-9]{12}$"),
                name="households_resident_national_id_12_digits",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(is_head=False),
                name="households_resident_head_lives_there",
            ),
        ]
        indexes = [
            # ID-number search matches prefixes (LIKE '0420%'); the unique index cannot.
            models.Index(
                fields=["national_id"],
                opclasses=["varchar_pattern_ops"],
                name="households_cccd_prefix",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class ImportJob(Job):
    """An upload of households and residents: checked first, then written as a job.

    The uploaded file is kept only while the job needs it and removed when it ends, whether
    it succeeded or not.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE_STATUSES = (Status.CHECKING, Status.RUNNING)
    WAITING_STATUSES = (Status.CHECKING, Status.CHECKED)

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All rows or none")
        VALID_ONLY = "valid", _("Only the valid rows")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("village")
    )
    file = models.FileField(_("file"), upload_to="imports/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    mode = models.CharField(
        _("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CHECKING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    households_written = models.PositiveIntegerField(_("households written"), default=0)
    residents_written = models.PositiveIntegerField(_("residents written"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta(Job.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    def discard_file(self) -> None:
        """Remove the uploaded file: a job keeps it only while it is needed."""
        name = self.file.name if self.file else ""
        if name:
            try:
                self.file.storage.delete(name)
            except OSError:
                logger.warning("Could not delete import file %s", name)
        type(self).objects.filter(pk=self.pk).update(file="")
        self.file = ""  # type: ignore[assignment]

    def expire(self) -> bool:
        """Refused as "expired": nobody confirmed it in time; its uploaded file is removed."""
        if not self.finish(
            status=self.Status.FAILED,
            only_from=self.WAITING_STATUSES,
            errors=[spreadsheets.error("expired"), *self.errors],
        ):
            return False
        self.discard_file()
        return True


class RecordAccessQuerySet(VillageOwnedQuerySet):
    village_lookup = "household__village"


class RecordAccess(models.Model):
    """A log line each time a commune official opens a household's personal record."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="accesses", verbose_name=_("household")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    user_name = models.CharField(_("name at the time"), max_length=150)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    reason = models.CharField(_("reason"), max_length=255)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = RecordAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("record access")
        verbose_name_plural = _("record accesses")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.user_name} → {self.household}"


__all__ = ["Commune", "Household", "Lane", "Province", "Resident", "Role", "Village"]
