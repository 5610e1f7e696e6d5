"""Access-matrix entries for the feedback routes (merged into tests/test_access_matrix.py)."""

from typing import Any

from tests.access import (
    ANY_STAFF,
    COMMUNE,
    EDITORS_ANYWHERE,
    EVERYONE,
    HEAD,
    OFFICER,
    OUR_EDITORS,
    OUR_STAFF,
    SECURITY,
    SIGNED_IN,
    SUPER,
    Rule,
)

HANDLERS = frozenset({HEAD, OFFICER, SECURITY, COMMUNE, SUPER})
MANAGERS = frozenset({HEAD, COMMUNE, SUPER})


def _report(ctx: dict[str, Any]) -> Any:
    from feedback import services
    from feedback.models import Category

    services.categories_ensure_defaults(village=ctx["village"])
    category = Category.objects.filter(village=ctx["village"]).first()
    return services.report_submit(
        village=ctx["village"],
        submission=services.Submission(
            category=category,
            description="Cột điện nghiêng",
            answers={},
            lane=None,
            latitude=None,
            longitude=None,
        ),
        photos=[],
    )


def _photo(ctx: dict[str, Any]) -> Any:
    from feedback import photos, services
    from feedback.models import Photo

    report = _report(ctx)
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24)).save(out, "PNG")
    services._store_photos(report, [photos.process(out.getvalue())])
    return Photo.objects.filter(report=report).get()


def _pk(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": _report(ctx).pk}


def _code(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"code": _report(ctx).tracking_code}


def _public(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"public_code": _report(ctx).public_code}


def _village(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"village_id": ctx["village"].pk}


def _photo_pk(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": _photo(ctx).pk}


def _category(ctx: dict[str, Any]) -> dict[str, Any]:
    """A fresh category with one question, so that each actor's request has its own."""
    import uuid

    from feedback import services

    services.categories_ensure_defaults(village=ctx["village"])
    category = services.category_create(
        village=ctx["village"], name=f"Cây xanh {uuid.uuid4().hex[:6]}", ack_hours=8
    )
    services.question_add(category=category, label="Cây nào?")
    return {"pk": category.pk, "key": "q1"}


def _unverified_link(ctx: dict[str, Any]) -> dict[str, Any]:
    """A follower linked (unverified) to a resident of the village, one per request."""
    import uuid

    from django.utils import timezone

    from feedback.models import ZaloFollower
    from households.models import Resident

    resident = Resident.objects.filter(household__village=ctx["village"]).first()
    follower = ZaloFollower.objects.create(
        village=ctx["village"],
        user_id=uuid.uuid4().hex,
        resident=resident,
        consent_at=timezone.now(),
        consent_text="Chia sẻ số điện thoại",
    )
    return {"pk": follower.pk}


def _object(allowed: frozenset[str], **options: Any) -> Rule:
    """A report of the village: 404 to other villages and to residents, 403 to other staff."""
    return Rule(allowed, scoped=True, resident_refusal="not_found", **options)


MATRIX: dict[str, Rule] = {
    # residents, no login needed
    "feedback_report_new": Rule(EVERYONE, kwargs=_village),
    "feedback_similar": Rule(EVERYONE, kwargs=_village),
    "feedback_board": Rule(EVERYONE, kwargs=_village),
    "feedback_sent": Rule(EVERYONE, kwargs=_code),
    "feedback_track": Rule(EVERYONE),
    "feedback_mine": Rule(EVERYONE),
    "feedback_mine_forget": Rule(EVERYONE, method="POST"),
    "feedback_status": Rule(EVERYONE, kwargs=_code),
    "feedback_rate": Rule(EVERYONE, method="POST", kwargs=_code),
    "feedback_reopen": Rule(EVERYONE, method="POST", kwargs=_code),
    "feedback_public_detail": Rule(EVERYONE, kwargs=_public),
    "feedback_me_too": Rule(EVERYONE, method="POST", kwargs=_public),
    "feedback_photo": Rule(EVERYONE, kwargs=_photo_pk),
    # the Zalo OA's webhook: signed by Zalo, refused to everyone else (test_zalo_oa.py)
    "feedback_zalo_webhook": Rule(frozenset(), api=True, method="POST"),
    # Open311: reading is public; creating takes an API key (tested in test_open311.py)
    "feedback_open311_services": Rule(EVERYONE, kwargs=lambda ctx: {"fmt": "json"}),
    "feedback_open311_service": Rule(EVERYONE, kwargs=lambda ctx: {"fmt": "xml", "code": "water"}),
    "feedback_open311_requests": Rule(EVERYONE, kwargs=lambda ctx: {"fmt": "json"}),
    "feedback_open311_request": Rule(
        EVERYONE, kwargs=lambda ctx: {"fmt": "json", "request_id": "nope"}
    ),
    "feedback_open311_discovery": Rule(EVERYONE, kwargs=lambda ctx: {"fmt": "xml"}),
    "feedback_open311_token": Rule(EVERYONE, kwargs=lambda ctx: {"fmt": "json", "token": "nope"}),
    # a signed-in resident's own Zalo link (404 to an account without a resident record)
    "feedback_zalo_link": Rule(SIGNED_IN, absent_ok=True),
    "feedback_zalo_link_code": Rule(SIGNED_IN, method="POST", absent_ok=True),
    "feedback_zalo_link_unlink": Rule(SIGNED_IN, method="POST", absent_ok=True),
    # village staff
    "feedback_list": Rule(ANY_STAFF),
    # registry editors confirm a Zalo link after checking identity (test_zalo_link.py)
    "feedback_zalo_links": Rule(EDITORS_ANYWHERE),
    "feedback_zalo_link_verify": Rule(
        OUR_EDITORS, scoped=True, method="POST", kwargs=_unverified_link
    ),
    "feedback_settings": Rule(ANY_STAFF),
    "feedback_stats": Rule(ANY_STAFF),
    "feedback_export": Rule(ANY_STAFF, kwargs=lambda ctx: {"fmt": "csv"}),
    "feedback_detail": _object(OUR_STAFF, kwargs=_pk),
    "feedback_transition": _object(HANDLERS, method="POST", kwargs=_pk),
    "feedback_reply": _object(HANDLERS, method="POST", kwargs=_pk),
    "feedback_note": _object(HANDLERS, method="POST", kwargs=_pk),
    "feedback_assign": _object(HANDLERS, method="POST", kwargs=_pk),
    "feedback_moderate": _object(MANAGERS, method="POST", kwargs=_pk),
    "feedback_block": _object(MANAGERS, method="POST", kwargs=_pk),
    "feedback_photo_moderate": _object(MANAGERS, method="POST", kwargs=_photo_pk),
    # categories: village heads and officers edit, the rest of the team reads the list
    "feedback_category_list": Rule(ANY_STAFF),
    "feedback_category_add": Rule(EDITORS_ANYWHERE),
    "feedback_category_edit": _object(OUR_EDITORS, kwargs=_category),
    "feedback_category_move": _object(
        OUR_EDITORS, method="POST", kwargs=_category, data={"direction": "up"}
    ),
    "feedback_category_remove": _object(OUR_EDITORS, method="POST", kwargs=_category),
    "feedback_question_add": _object(OUR_EDITORS, method="POST", kwargs=_category),
    "feedback_question_edit": _object(
        OUR_EDITORS, method="POST", kwargs=_category, data={"label": "Cây gì?"}
    ),
    "feedback_question_move": _object(
        OUR_EDITORS, method="POST", kwargs=_category, data={"direction": "down"}
    ),
    "feedback_question_remove": _object(OUR_EDITORS, method="POST", kwargs=_category),
    "feedback_question_restore": _object(OUR_EDITORS, method="POST", kwargs=_category),
}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {}
