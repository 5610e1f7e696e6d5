"""The official provinces and communes, loaded from the national list."""

from django.db import transaction

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
