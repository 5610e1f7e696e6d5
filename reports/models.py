"""Criteria sets as data, attestations with evidence, snapshots, period closes and export jobs."""

import uuid
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from villageportal.authored import Authored
from villageportal.jobs import Job


class CriteriaSet(Authored):
    """A set of smart-village criteria: national (no province) or a province's own.

    A set in use is never edited: a change makes a new version (a copy) that starts as a draft.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_USE = "in_use", _("In use")
        RETIRED = "retired", _("Retired")

    family = models.UUIDField(_("family"), default=uuid.uuid4, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    province = models.ForeignKey(
        "households.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="criteria_sets",
        verbose_name=_("province"),
        help_text=_("Leave empty for a national set."),
    )
    commune = models.ForeignKey(
        "households.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="criteria_sets",
        verbose_name=_("commune"),
        help_text=_("A commune's own variant of its province's criteria."),
    )
    legal_basis_number = models.CharField(_("decision number"), max_length=64)
    legal_basis_date = models.DateField(_("decision date"))
    notes = models.TextField(
        _("notes on the legal basis"),
        blank=True,
        help_text=_(
            "Where each threshold comes from: the decision and article, or the province's "
            "practice where no national text sets it."
        ),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("previous version"),
    )

    class Meta:
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        ordering = ["province__code", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "version"], name="reports_criteriaset_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="reports_criteriaset_effective_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(commune__isnull=True) | Q(province__isnull=False),
                name="reports_criteriaset_commune_set_has_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def clean(self) -> None:
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError(
                {"effective_to": _("The end date must not be before the start date.")}
            )


class ProvinceManager(models.Model):
    """Who manages a province's criteria sets (cán bộ tỉnh); appointed by an administrator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="criteria_provinces",
        verbose_name=_("user"),
    )
    province = models.ForeignKey(
        "households.Province",
        on_delete=models.CASCADE,
        related_name="criteria_managers",
        verbose_name=_("province"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("province criteria manager")
        verbose_name_plural = _("province criteria managers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "province"], name="reports_provincemanager_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.province}"


class CommuneCriteria(models.Model):
    """The set a commune adopted instead of its province's: the version in use of a family."""

    commune = models.OneToOneField(
        "households.Commune",
        on_delete=models.CASCADE,
        related_name="criteria_choice",
        verbose_name=_("commune"),
    )
    family = models.UUIDField(_("family"))
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    chosen_at = models.DateTimeField(_("chosen at"), default=timezone.now)

    class Meta:
        verbose_name = _("commune's criteria")
        verbose_name_plural = _("communes' criteria")

    def __str__(self) -> str:
        return f"{self.commune} · {self.family}"


class CriteriaSetEvent(models.Model):
    """A change to a criteria set or to which set a commune uses: who, when and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created as a draft")
        NEW_VERSION = "new_version", _("New version made")
        PUT_IN_USE = "put_in_use", _("Put in use")
        RETIRED = "retired", _("Retired")
        REPLACED = "replaced", _("Replaced by a newer version")
        ADOPTED = "adopted", _("Adopted by a commune")
        ADOPTION_ENDED = "adoption_ended", _("No longer adopted by a commune")

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="events", verbose_name=_("set")
    )
    commune = models.ForeignKey(
        "households.Commune",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("criteria set event")
        verbose_name_plural = _("criteria set events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.criteria_set} · {self.get_action_display()}"


class Criterion(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("set")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=255)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["criteria_set", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "number"], name="reports_criterion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Indicator(models.Model):
    """What is measured for a criterion and the threshold it must reach."""

    class Source(models.TextChoices):
        MEASURE = "measure", _("Computed from the portal's records")
        ATTESTED = "attested", _("Attested by staff with evidence")

    class Threshold(models.TextChoices):
        PERCENT_AT_LEAST = "percent", _("At least a percentage")
        COUNT_AT_LEAST = "count", _("At least a count")
        YES = "yes", _("Yes or no (must be yes)")

    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("criterion")
    )
    # The same indicator across versions of a set: attestations carry over to new versions.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("indicator"), max_length=255)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    measure_code = models.CharField(_("measure"), max_length=64, blank=True)
    threshold_kind = models.CharField(_("threshold"), max_length=16, choices=Threshold.choices)
    threshold_value = models.DecimalField(
        _("threshold value"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["criterion", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="attested") | ~Q(measure_code=""),
                name="reports_indicator_measure_has_code",
            ),
            models.CheckConstraint(
                condition=~Q(threshold_kind="percent")
                | Q(threshold_value__gte=0, threshold_value__lte=100),
                name="reports_indicator_percent_range",
            ),
            models.CheckConstraint(
                condition=~Q(threshold_kind="count") | Q(threshold_value__gte=0),
                name="reports_indicator_count_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.source == self.Source.MEASURE and not self.measure_code:
            errors["measure_code"] = _("Choose the measure this indicator is computed from.")
        if self.source == self.Source.ATTESTED:
            self.measure_code = ""
        if self.threshold_kind in (self.Threshold.PERCENT_AT_LEAST, self.Threshold.COUNT_AT_LEAST):
            if self.threshold_value is None:
                errors["threshold_value"] = _("Enter the threshold as a number.")
            elif self.threshold_value < 0:
                errors["threshold_value"] = _("The threshold cannot be negative.")
            elif (
                self.threshold_kind == self.Threshold.PERCENT_AT_LEAST
                and self.threshold_value > 100
            ):
                errors["threshold_value"] = _("A percentage cannot be over 100.")
            elif (
                self.threshold_kind == self.Threshold.COUNT_AT_LEAST
                and self.threshold_value != self.threshold_value.to_integral_value()
            ):
                errors["threshold_value"] = _("A count is a whole number.")
        elif self.threshold_kind == self.Threshold.YES:
            self.threshold_value = None
        if errors:
            raise ValidationError(errors)

    def passes(self, value: Decimal | float | bool | None) -> bool | None:
        """Whether ``value`` reaches the threshold; None when there is no value."""
        if value is None:
            return None
        if self.threshold_kind == self.Threshold.YES:
            return bool(value)
        return Decimal(str(round(float(value), 6))) >= (self.threshold_value or 0)


def _evidence_path(instance: "Attestation", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"reports/evidence/{instance.village_id}/{uuid.uuid4().hex}.{extension}"


class AttestationQuerySet(models.QuerySet["Attestation"]):
    def visible_to(self, user: object) -> Self:
        from households.models import Village

        return self.filter(village__in=Village.objects.visible_to(user).values("pk"))


class Attestation(models.Model):
    """Staff's statement that a village meets an attested indicator, with its evidence."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="attestations")
    village = models.ForeignKey(
        "households.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    met = models.BooleanField(_("met"), default=True)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    attested_on = models.DateField(_("attested on"), default=timezone.localdate)
    note = models.CharField(_("note"), max_length=255, blank=True)
    evidence = models.FileField(_("evidence"), upload_to=_evidence_path)
    evidence_name = models.CharField(_("file name"), max_length=255)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AttestationQuerySet.as_manager()

    class Meta:
        verbose_name = _("attestation")
        verbose_name_plural = _("attestations")
        ordering = ["-attested_on", "-created_at"]
        indexes = [models.Index(fields=["village", "indicator", "attested_on"])]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.village}"


class Snapshot(models.Model):
    """One measure's figure for one village on one day, taken nightly; the trends read these."""

    village = models.ForeignKey("households.Village", on_delete=models.CASCADE, related_name="+")
    taken_on = models.DateField(_("date"))
    measure_code = models.CharField(max_length=64)
    numerator = models.FloatField()
    denominator = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "measure_code", "taken_on"], name="reports_snapshot_unique_day"
            ),
        ]
        indexes = [models.Index(fields=["taken_on"])]

    def __str__(self) -> str:
        return f"{self.measure_code} · {self.taken_on}"


class PeriodClose(models.Model):
    """A commune's figures for a period, frozen when it is closed."""

    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    commune = models.ForeignKey(
        "households.Commune", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="+", verbose_name=_("criteria set")
    )
    kind = models.CharField(_("period"), max_length=8, choices=Kind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    is_closed = models.BooleanField(_("closed"), default=True)
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("period close")
        verbose_name_plural = _("period closes")
        ordering = ["-ends_on", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "criteria_set", "kind", "starts_on"],
                name="reports_periodclose_unique_period",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="reports_periodclose_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on:%d/%m/%Y} - {self.ends_on:%d/%m/%Y}"


class PeriodEvent(models.Model):
    """The log of closes and reopenings of a period."""

    class Action(models.TextChoices):
        CLOSE = "close", pgettext_lazy("period", "Closed")
        REOPEN = "reopen", _("Reopened")

    period = models.ForeignKey(PeriodClose, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.by_name}"


class ExportJob(Job):
    """A report export written in the background, with its progress and the file when done."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    commune = models.ForeignKey(
        "households.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    province = models.ForeignKey(
        "households.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="+")
    # The closed period whose frozen figures the export writes (recomputed once reopened).
    period = models.ForeignKey(
        PeriodClose, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField()
    fmt = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="reports/exports/", blank=True)
    error = models.CharField(max_length=255, blank=True)
    # An export belongs to the one who asked for it: it goes with the account.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(Job.Meta):
        constraints = [
            *Job.Meta.constraints,
            models.CheckConstraint(
                condition=Q(commune__isnull=False) | Q(province__isnull=False),
                name="reports_exportjob_has_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fmt} · {self.created_at:%d/%m/%Y %H:%M}"
