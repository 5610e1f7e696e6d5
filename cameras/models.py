import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from households.models import Household, Lane, Village, VillageOwnedQuerySet
from villageportal.jobs import Job


class Status(models.TextChoices):
    UNKNOWN = "unknown", _("Not probed yet")
    ONLINE = "online", _("Online")
    DEGRADED = "degraded", _("Degraded")
    OFFLINE = "offline", _("Offline")


WORKING = (Status.ONLINE, Status.DEGRADED)


class CameraQuerySet(VillageOwnedQuerySet):
    def public(self) -> "CameraQuerySet":
        return self.filter(kind=Camera.Kind.PUBLIC)

    def enabled(self) -> "CameraQuerySet":
        return self.filter(enabled=True)

    def working(self) -> "CameraQuerySet":
        return self.filter(enabled=True, state__status__in=WORKING)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
    model_name="CameraEvent",
)
class Camera(models.Model):
    """A camera of the village: on a lane (public) or a household's, joined to the network.

    Addresses are stored without credentials; the credentials, typed in their own fields or
    inside an address, are kept only as a Fernet token (see ``cameras.crypto``).
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public")
        HOUSEHOLD = "household", _("Household (joined to the village network)")

    class Importance(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="cameras", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PUBLIC)
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cameras",
        verbose_name=_("owner household"),
    )
    consent_on = models.DateField(_("household's consent recorded on"), null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    lane = models.ForeignKey(
        Lane,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cameras",
        verbose_name=_("lane"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    facing = models.CharField(_("what it faces"), max_length=150, blank=True)
    make = models.CharField(_("make"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    stream_url = models.CharField(_("main stream (RTSP)"), max_length=500, blank=True)
    substream_url = models.CharField(_("sub-stream (RTSP)"), max_length=500, blank=True)
    snapshot_url = models.CharField(_("snapshot address"), max_length=500, blank=True)
    hls_url = models.CharField(_("HLS address"), max_length=500, blank=True)
    onvif_url = models.CharField(_("ONVIF address"), max_length=500, blank=True)
    # What makes two cameras the same: the main stream, or the snapshot where there is none.
    address_key = models.CharField(max_length=600, editable=False)
    credentials = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    importance = models.CharField(
        _("importance"), max_length=8, choices=Importance.choices, default=Importance.NORMAL
    )
    installed_on = models.DateField(_("installation date"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    maintenance = models.BooleanField(
        _("maintenance mode"),
        default=False,
        help_text=_("The camera is still probed but raises no alerts."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = CameraQuerySet.as_manager()

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="cameras_camera_unique_name_in_village"
            ),
            models.UniqueConstraint(fields=["address_key"], name="cameras_camera_unique_address"),
            models.CheckConstraint(
                condition=Q(kind="public", household__isnull=True)
                | Q(kind="household", household__isnull=False, consent_on__isnull=False),
                name="cameras_camera_household_camera_has_owner_and_consent",
            ),
            models.CheckConstraint(
                condition=~Q(stream_url="") | ~Q(snapshot_url=""),
                name="cameras_camera_has_stream_or_snapshot",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="cameras_camera_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="cameras_camera_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CameraStateQuerySet(VillageOwnedQuerySet):
    village_lookup = "camera__village"


class CameraState(models.Model):
    """What the probes found: kept apart from the registry row, which changes rarely."""

    camera = models.OneToOneField(
        Camera, on_delete=models.CASCADE, primary_key=True, related_name="state"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.UNKNOWN
    )
    status_since = models.DateTimeField(_("status since"), null=True, blank=True)
    last_probe_at = models.DateTimeField(_("last probed"), null=True, blank=True)
    last_ok_at = models.DateTimeField(_("last answered"), null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(_("answer time (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    # The first failure of the current run of failures; None while the camera answers.
    failing_since = models.DateTimeField(null=True, blank=True)
    # Recent probe outcomes, newest last: "1" answered, "0" failed.
    recent = models.CharField(max_length=32, blank=True, default="")
    # Set when the "down" alert went out; cleared when the camera comes back.
    down_alerted_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    objects = CameraStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("camera status")
        verbose_name_plural = _("camera statuses")

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.status}"


class StatusChangeQuerySet(VillageOwnedQuerySet):
    village_lookup = "camera__village"


class StatusChange(models.Model):
    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="status_changes")
    at = models.DateTimeField(_("at"), default=timezone.now)
    old_status = models.CharField(_("from"), max_length=16, choices=Status.choices)
    new_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["camera", "-at"], name="cameras_change_camera_at")]

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.old_status} → {self.new_status}"


class UptimeDay(models.Model):
    """Probes of one camera on one day (local time) and how many found it working."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="uptime_days")
    day = models.DateField(_("day"))
    probes = models.PositiveIntegerField(_("probes"), default=0)
    ok = models.PositiveIntegerField(_("probes answered"), default=0)

    class Meta:
        verbose_name = _("uptime day")
        verbose_name_plural = _("uptime days")
        constraints = [
            models.UniqueConstraint(fields=["camera", "day"], name="cameras_uptime_one_per_day"),
            models.CheckConstraint(
                condition=Q(ok__lte=models.F("probes")), name="cameras_uptime_ok_le_probes"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="cameras_uptime_day")]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.day}: {self.ok}/{self.probes}"


class Alert(models.Model):
    """An alert that went out: down, recovered, or a reminder that a camera is still down."""

    class Kind(models.TextChoices):
        DOWN = "down", _("Went offline")
        RECOVERED = "recovered", _("Back online")
        REMINDER = "reminder", _("Still offline")

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recipients = models.PositiveIntegerField(_("people told"), default=0)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.kind}"


class ViewQuerySet(VillageOwnedQuerySet):
    pass


class View(models.Model):
    """A log line each time someone looks at a camera's stream or snapshot."""

    class What(models.TextChoices):
        STREAM = "stream", _("Stream")
        SNAPSHOT = "snapshot", _("Snapshot")

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    camera = models.ForeignKey(Camera, on_delete=models.SET_NULL, null=True, related_name="views")
    camera_name = models.CharField(_("camera"), max_length=100)
    what = models.CharField(_("what"), max_length=16, choices=What.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("viewed by"),
    )
    user_name = models.CharField(_("name at the time"), max_length=150)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = ViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("camera view")
        verbose_name_plural = _("camera views")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_name} → {self.camera_name}"


class ImportJob(Job):
    """A camera list upload: checked and shown first, written only on confirmation.

    A short list is written during the confirming request, a longer one by a worker, whose
    progress the job's page shows.

    The checked rows are kept as JSON with credentials already encrypted, so nothing secret
    sits in plain text while the job waits.
    """

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, waiting for confirmation")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.RUNNING,)
    WAITING_STATUSES = (Status.CHECKED,)

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKED)
    rows = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    written = models.PositiveIntegerField(default=0)
    # The cameras are written on this user's behalf, perhaps by a worker after the request.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    objects = VillageOwnedQuerySet.as_manager()

    class Meta(Job.Meta):
        verbose_name = _("camera import")
        verbose_name_plural = _("camera imports")

    def __str__(self) -> str:
        return self.original_name

    def expire(self) -> bool:
        """Cancelled: nobody confirmed the checked rows in time; the rows are dropped."""
        return self.finish(status=self.Status.CANCELLED, only_from=self.WAITING_STATUSES, rows=[])
