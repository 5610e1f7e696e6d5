"""Writes and events for the territory."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from households.models import Household, RecordAccess, Village


def village_group_name(village_id: Any) -> str:
    return f"village-{village_id}"


def village_live_notify(*, village: Village, kind: str, message: str, **data: Any) -> None:
    """Push an event to every open dashboard of ``village``, once the transaction commits."""
    payload = {"kind": kind, "message": str(message), **data}
    group = village_group_name(village.pk)

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": "live.event", "payload": payload})

    transaction.on_commit(send)


_DIVISION_TYPES = {
    "tỉnh": "tinh",
    "thành phố trung ương": "thanh_pho_trung_uong",
    "xã": "xa",
    "phường": "phuong",
    "đặc khu": "dac_khu",
}


@transaction.atomic
def territory_load() -> tuple[int, int]:
    """Upsert the official provinces and communes by code; idempotent.

    Nothing is deleted: a code that disappears from the official list keeps its row, because
    villages and their history point at it.
    """
    from vietnam_provinces import Province as OfficialProvince
    from vietnam_provinces import Ward as OfficialWard

    from households.models import Commune, Province

    provinces = [
        Province(
            code=f"{int(p.code):02d}",
            name=p.name,
            division_type=_DIVISION_TYPES[p.division_type.value],
            codename=p.codename,
        )
        for p in OfficialProvince.iter_all()
    ]
    Province.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "codename"],
    )
    province_ids = dict(Province.objects.values_list("code", "pk"))
    communes = [
        Commune(
            code=f"{int(w.code):05d}",
            province_id=province_ids[f"{int(w.province_code):02d}"],
            name=w.name,
            division_type=_DIVISION_TYPES[w.division_type.value],
            codename=w.codename,
        )
        for w in OfficialWard.iter_all()
    ]
    Commune.objects.bulk_create(
        communes,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["province", "name", "division_type", "codename"],
    )
    return len(provinces), len(communes)


@transaction.atomic
def record_open(*, household: Household, by: Any, reason: str) -> RecordAccess:
    """Log that a commune official opened a household's personal record, and why.

    The caller has checked the role; the log line keeps the name as it was, so renaming or
    deleting the account does not rewrite who looked.
    """
    access = RecordAccess(
        household=household,
        user=by,
        user_name=by.full_name,
        role=Role.COMMUNE_OFFICIAL,
        reason=reason.strip(),
    )
    if not access.reason:
        raise ValidationError({"reason": _("Say why you open this record.")})
    access.full_clean()
    access.save()
    return access
