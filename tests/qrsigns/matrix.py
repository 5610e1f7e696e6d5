"""Access-matrix entries for the qrsigns routes (merged into tests/test_access_matrix.py)."""

from typing import Any

from django.core.files.base import ContentFile

from tests.access import ANY_STAFF, EDITORS_ANYWHERE, EVERYONE, OUR_EDITORS, OUR_STAFF, Rule


def _sign(ctx: dict[str, Any]) -> dict[str, Any]:
    from qrsigns.models import Sign

    sign, _created = Sign.objects.get_or_create(
        village=ctx["village"],
        kind=Sign.Kind.LANE_START,
        lane=ctx["lane"],
        defaults={"target": Sign.Target.LANE},
    )
    return {"code": sign.code}


def _site(ctx: dict[str, Any]) -> Any:
    from qrsigns.models import HeritageSite

    site, _created = HeritageSite.objects.get_or_create(
        village=ctx["village"], name="Đình làng", defaults={"history": "Dựng năm 1890."}
    )
    return site


def _image(ctx: dict[str, Any]) -> dict[str, Any]:
    """A fresh photo for each request: an allowed actor removes the previous one."""
    from qrsigns.models import HeritageImage

    image = HeritageImage(site=_site(ctx), alt_text="Mặt tiền", width=8, height=8)
    image.image.save("matrix.jpg", ContentFile(_jpeg()), save=True)
    return {"pk": image.pk}


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    return out.getvalue()


def _job(ctx: dict[str, Any]) -> dict[str, Any]:
    from qrsigns.models import SheetJob

    job = SheetJob.objects.create(
        village=ctx["village"], kinds=["lane_start"], status=SheetJob.Status.DONE, total=1
    )
    job.file.save("matrix.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return {"pk": job.pk}


def _staff_object(allowed: frozenset[str], **options: Any) -> Rule:
    """An object of the village: 404 to other villages and to residents, 403 to staff without
    the role."""
    return Rule(allowed, scoped=True, resident_refusal="not_found", **options)


MATRIX: dict[str, Rule] = {
    # public pages
    "qrsigns_scan": Rule(EVERYONE, kwargs=_sign),
    "qrsigns_scan_upper": Rule(EVERYONE, kwargs=_sign),
    "qrsigns_village": Rule(EVERYONE, kwargs=lambda ctx: {"village_id": ctx["village"].pk}),
    "qrsigns_lane": Rule(
        EVERYONE, kwargs=lambda ctx: {"village_id": ctx["village"].pk, "lane_id": ctx["lane"].pk}
    ),
    "qrsigns_heritage": Rule(EVERYONE, kwargs=lambda ctx: {"code": _site(ctx).public_code}),
    "qrsigns_door_plate": Rule(EVERYONE, kwargs=lambda ctx: {"code": ctx["household"].public_code}),
    # staff pages of the current village
    "qrsigns_sign_list": Rule(ANY_STAFF),
    "qrsigns_sign_generate": Rule(EDITORS_ANYWHERE, method="POST"),
    "qrsigns_scans": Rule(ANY_STAFF),
    "qrsigns_sheet_list": Rule(ANY_STAFF),
    "qrsigns_sheet_create": Rule(EDITORS_ANYWHERE, method="POST", data={"kinds": ["nope"]}),
    "qrsigns_heritage_list": Rule(ANY_STAFF),
    "qrsigns_heritage_create": Rule(EDITORS_ANYWHERE),
    # objects of the village
    "qrsigns_sign_detail": _staff_object(OUR_STAFF, kwargs=_sign),
    "qrsigns_sign_svg": _staff_object(OUR_STAFF, kwargs=_sign),
    "qrsigns_sign_png": _staff_object(OUR_STAFF, kwargs=_sign),
    "qrsigns_sign_retarget": _staff_object(
        OUR_EDITORS, method="POST", kwargs=_sign, data={"target": "lane"}
    ),
    "qrsigns_sign_disable": _staff_object(OUR_EDITORS, method="POST", kwargs=_sign),
    "qrsigns_sign_enable": _staff_object(OUR_EDITORS, method="POST", kwargs=_sign),
    "qrsigns_sheet_detail": _staff_object(OUR_STAFF, kwargs=_job),
    "qrsigns_sheet_download": _staff_object(OUR_STAFF, kwargs=_job),
    "qrsigns_heritage_edit": _staff_object(OUR_EDITORS, kwargs=lambda ctx: {"pk": _site(ctx).pk}),
    "qrsigns_heritage_photo_add": _staff_object(
        OUR_EDITORS, method="POST", kwargs=lambda ctx: {"pk": _site(ctx).pk}
    ),
    "qrsigns_heritage_photo_delete": _staff_object(OUR_EDITORS, method="POST", kwargs=_image),
}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {}
