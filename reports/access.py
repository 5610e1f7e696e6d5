"""Who sees which reports: a village's staff its village, a commune official the commune."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import access_village, roles_in_village, villages_visible_to
from accounts.models import Membership
from accounts.roles import COMMUNE_ROLES, STAFF_ROLES, Role
from households.models import Commune, Province, Village
from reports.models import CriteriaSet, ExportJob, PeriodClose, ProvinceManager

# Who may attest an indicator for a village.
ATTESTER_ROLES = frozenset(
    {Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER, Role.DIGITAL_TEAM, Role.COMMUNE_OFFICIAL}
)


def access_report_village(*, user: Any, pk: Any) -> Village:
    return access_village(user=user, village_id=pk, roles=STAFF_ROLES)


def access_commune(*, user: Any, pk: Any) -> tuple[Commune, QuerySet[Village]]:
    """The commune and its villages, for a commune official of it (or a superuser).

    Staff who see none of its villages get 404; village staff of the commune get 403.
    """
    try:
        commune = Commune.objects.select_related("province").get(pk=int(pk))
    except (Commune.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    villages = Village.objects.filter(commune=commune)
    if getattr(user, "is_superuser", False):
        return commune, villages
    if not villages_visible_to(user=user).filter(commune=commune).exists():
        raise Http404
    if not Membership.objects.filter(user=user, commune=commune, role__in=COMMUNE_ROLES).exists():
        raise PermissionDenied
    return commune, villages


def access_period(*, user: Any, pk: Any) -> PeriodClose:
    """A closed period of a commune the user is an official of (404 or 403 as the commune)."""
    try:
        period = PeriodClose.objects.select_related("commune", "criteria_set").get(pk=int(pk))
    except (PeriodClose.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    access_commune(user=user, pk=period.commune_id)
    return period


def communes_of(user: Any) -> QuerySet[Commune]:
    if getattr(user, "is_superuser", False):
        return Commune.objects.all()
    return Commune.objects.filter(
        pk__in=Membership.objects.filter(user=user, role__in=COMMUNE_ROLES).values("commune")
    )


def provinces_managed_by(user: Any) -> QuerySet[Province]:
    """The provinces whose criteria sets ``user`` manages (every one for a superuser)."""
    if getattr(user, "is_superuser", False):
        return Province.objects.all()
    return Province.objects.filter(
        pk__in=ProvinceManager.objects.filter(user=user).values("province")
    )


def can_manage_sets(user: Any) -> bool:
    """Whether ``user`` writes any set: a province's (its managers), a commune's own variant
    (its officials) or a national one (administrators)."""
    return (
        bool(getattr(user, "is_superuser", False))
        or provinces_managed_by(user).exists()
        or communes_of(user).exists()
    )


def provinces_for(user: Any) -> QuerySet[Province]:
    """Provinces a set written by ``user`` may belong to: those they manage and those of the
    communes they are an official of (for the commune's own variant)."""
    if getattr(user, "is_superuser", False):
        return Province.objects.all()
    return Province.objects.filter(
        Q(pk__in=provinces_managed_by(user).values("pk"))
        | Q(pk__in=communes_of(user).values("province"))
    )


def may_write_set(*, user: Any, province_id: int | None, commune_id: int | None) -> bool:
    """The one rule for writing a criteria set, by where it applies: a national set is the
    administrators'; a province's set its criteria managers'; a commune's own variant the
    officials of that commune. A commune official never writes what another commune uses."""
    if getattr(user, "is_superuser", False):
        return True
    if commune_id is not None:
        return communes_of(user).filter(pk=commune_id).exists()
    if province_id is not None:
        return provinces_managed_by(user).filter(pk=province_id).exists()
    return False


def require_set_manager(*, user: Any, criteria_set: CriteriaSet | None = None) -> None:
    """403 unless ``user`` may write this set (or, without a set, write some set)."""
    if criteria_set is None:
        if not can_manage_sets(user):
            raise PermissionDenied
        return
    if not may_write_set(
        user=user, province_id=criteria_set.province_id, commune_id=criteria_set.commune_id
    ):
        raise PermissionDenied


def require_commune_chooser(*, user: Any, commune: Commune) -> None:
    """403 unless ``user`` may choose which set ``commune`` is scored by: its officials."""
    if not (
        getattr(user, "is_superuser", False) or communes_of(user).filter(pk=commune.pk).exists()
    ):
        raise PermissionDenied


def village_head_name(village: Village) -> str:
    """The name a village's report is signed with: its head's (the first by name)."""
    head = (
        Membership.objects.filter(village=village, role=Role.VILLAGE_HEAD)
        .select_related("user")
        .order_by("user__full_name", "pk")
        .first()
    )
    return (head.user.full_name or "") if head is not None else ""


def can_attest(*, user: Any, village: Village) -> bool:
    return bool(getattr(user, "is_superuser", False)) or bool(
        roles_in_village(user=user, village=village) & ATTESTER_ROLES
    )


def access_export_job(*, user: Any, pk: Any) -> ExportJob:
    """A job of a commune the user is an official of (any job for a superuser), else 404."""
    try:
        job = ExportJob.objects.select_related("commune", "province").get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    except Exception as exc:  # a malformed UUID
        raise Http404 from exc
    if getattr(user, "is_superuser", False):
        return job
    if job.commune_id and communes_of(user).filter(pk=job.commune_id).exists():
        return job
    raise Http404
