import secrets
import uuid

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import COMMUNE_ROLES, STAFF_ROLES, Role


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

    def visible_to(self, user: object, roles: frozenset[str] = STAFF_ROLES) -> models.QuerySet:
        villages = Village.objects.visible_to(user, roles).values("pk")
        return self.filter(**{f"{self.village_lookup}__in": villages})

    def in_village(self, village: Village) -> models.QuerySet:
        return self.filter(**{self.village_lookup: village})


class Lane(models.Model):
    """A lane, hamlet cluster or road (ngõ, xóm, tuyến đường) inside a village."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="lanes", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lane")
        verbose_name_plural = _("lanes")
        ordering = ["village", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="households_lane_unique_name_in_village"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _public_code() -> str:
    return secrets.token_urlsafe(6)


class Household(models.Model):
    """A household (hộ gia đình) of the registry: the core fields the whole portal reads."""

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
    public_code = models.CharField(
        _("public code"), max_length=16, unique=True, default=_public_code, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["village", "lane", "house_number"]

    def __str__(self) -> str:
        return f"{self.house_number}, {self.lane or self.village}"


class ResidentQuerySet(VillageOwnedQuerySet):
    village_lookup = "household__village"


class Resident(models.Model):
    """A person registered in a household; personal fields are private."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("household"),
    )
    full_name = models.CharField(_("full name"), max_length=150)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    relationship = models.CharField(_("relationship to the head"), max_length=50, blank=True)
    is_head = models.BooleanField(_("head of household"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household", "-is_head", "birth_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(is_head=True),
                name="households_one_head_per_household",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


__all__ = ["Commune", "Household", "Lane", "Province", "Resident", "Role", "Village"]
