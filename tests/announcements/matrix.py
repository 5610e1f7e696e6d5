"""Access-matrix entries for the announcements routes (merged into tests/test_access_matrix.py)."""

from typing import Any

from tests.access import (
    ANY_STAFF,
    EVERYONE,
    HEAD,
    OFFICER,
    OUTSIDER,
    SIGNED_IN,
    SUPER,
    Rule,
)

WRITERS = frozenset({HEAD, OFFICER, SUPER})
OUR_STAFF_OBJ = frozenset(ANY_STAFF - {OUTSIDER})


def _announcement(ctx: dict[str, Any]) -> dict[str, Any]:
    from tests.announcements.factories import AnnouncementFactory

    return {"pk": AnnouncementFactory(village=ctx["village"], channels=["web"]).pk}


def _public(ctx: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from tests.announcements.factories import AnnouncementFactory

    announcement = AnnouncementFactory(
        village=ctx["village"], status="sent", sent_at=timezone.now(), channels=["web"]
    )
    return {"code": announcement.public_code}


def _sent_public(ctx: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from tests.announcements.factories import AnnouncementFactory

    announcement = AnnouncementFactory(
        village=ctx["village"], status="sent", sent_at=timezone.now(), channels=["web"]
    )
    return {"pk": announcement.pk}


def _public_alert(ctx: dict[str, Any]) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from tests.announcements.factories import AnnouncementFactory

    announcement = AnnouncementFactory(
        village=ctx["village"],
        kind="emergency",
        status="sent",
        sent_at=timezone.now(),
        cap_expires=timezone.now() + timedelta(hours=1),
        channels=["web"],
    )
    return {"code": announcement.public_code}


def _with_attachment(ctx: dict[str, Any], **fields: Any) -> Any:
    from django.core.files.base import ContentFile

    from tests.announcements.factories import AnnouncementFactory

    announcement = AnnouncementFactory(village=ctx["village"], channels=["web"], **fields)
    announcement.attachment.save("lich-hop.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return announcement


def _staff_attachment(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": _with_attachment(ctx).pk}


def _public_attachment(ctx: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    return {"code": _with_attachment(ctx, status="sent", sent_at=timezone.now()).public_code}


def _group(ctx: dict[str, Any]) -> dict[str, Any]:
    from announcements.models import Group

    group = Group.objects.create(village=ctx["village"], name=f"Chi hội {Group.objects.count()}")
    group.kind = Group.Kind.CUSTOM
    group.save()
    return {"pk": group.pk}


def _village(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"village_id": ctx["village"].pk}


def _object(allowed: frozenset[str], **options: Any) -> Rule:
    return Rule(allowed, kwargs=_announcement, scoped=True, resident_refusal="not_found", **options)


MATRIX: dict[str, Rule] = {
    "announcement_list": Rule(ANY_STAFF),
    "announcement_create": Rule(WRITERS | {OUTSIDER}),
    # Messages that may have been sent: the writers of the village check and settle them.
    "announcement_unknown_list": Rule(WRITERS | {OUTSIDER}),
    "announcement_unknown_settle": Rule(
        WRITERS | {OUTSIDER}, method="POST", data={"action": "arrived"}
    ),
    "announcement_audience": Rule(WRITERS | {OUTSIDER}),
    "announcement_detail": Rule(OUR_STAFF_OBJ, kwargs=_announcement, scoped=True),
    "announcement_edit": _object(WRITERS),
    "announcement_confirm": _object(WRITERS),
    "announcement_speech": Rule(OUR_STAFF_OBJ, kwargs=_announcement, scoped=True),
    "announcement_submit": _object(WRITERS, method="POST"),
    "announcement_approve": _object(frozenset({HEAD, SUPER}), method="POST"),
    "announcement_withdraw": _object(WRITERS, method="POST", data={"reason": "Nhầm"}),
    "announcement_correct": _object(WRITERS),
    # Counting a share to Zalo: any staff of the village who sees the announcement's page.
    "announcement_share": Rule(
        OUR_STAFF_OBJ, kwargs=_sent_public, scoped=True, method="POST", data={"via": "copy"}
    ),
    "announcement_group_list": Rule(ANY_STAFF),
    "announcement_group_edit": Rule(
        WRITERS, kwargs=_group, scoped=True, resident_refusal="not_found"
    ),
    "announcement_group_delete": Rule(
        WRITERS, method="POST", kwargs=_group, scoped=True, resident_refusal="not_found"
    ),
    "announcement_speaker_list": Rule(ANY_STAFF),
    # Devices and gateways authenticate with a key or a signature, never a session.
    "announcement_speaker_playlist": Rule(frozenset(), api=True),
    "announcement_speaker_played": Rule(frozenset(), api=True, method="POST"),
    "announcement_speaker_heartbeat": Rule(frozenset(), api=True, method="POST"),
    "announcement_webhook": Rule(
        frozenset(), api=True, method="POST", kwargs=lambda ctx: {"channel": "sms"}
    ),
    "announcement_esms_callback": Rule(
        frozenset(), api=True, kwargs=lambda ctx: {"signature": "nope"}
    ),
    "village_announcements": Rule(EVERYONE, kwargs=_village),
    "village_announcements_feed": Rule(EVERYONE, kwargs=_village),
    "announcement_public": Rule(EVERYONE, kwargs=_public),
    # CAP 1.2: public like the Atom feed, for public alerts only (tests/announcements/test_cap.py)
    "village_alerts_feed": Rule(EVERYONE, kwargs=_village),
    "announcement_cap": Rule(EVERYONE, kwargs=_public_alert),
    "announcement_public_attachment": Rule(EVERYONE, kwargs=_public_attachment),
    "announcement_attachment": Rule(OUR_STAFF_OBJ, kwargs=_staff_attachment, scoped=True),
    "announcement_speaker_audio": Rule(frozenset(), api=True, kwargs=lambda ctx: {"pk": 1}),
    "my_announcements": Rule(SIGNED_IN),
    "my_preferences": Rule(SIGNED_IN, absent_ok=True),
    "my_push_subscription": Rule(SIGNED_IN, method="POST"),
    # The phone's service worker proves the message with its receipt token, and a renewed
    # subscription with the endpoint it replaces, not with a session.
    "announcement_push_receipt": Rule(frozenset(), api=True, method="POST"),
    "announcement_push_renew": Rule(frozenset(), api=True, method="POST"),
    "service_worker": Rule(EVERYONE),
    "my_announcement_answer": Rule(
        SIGNED_IN, method="POST", absent_ok=True, kwargs=lambda ctx: {"code": "nope"}
    ),
}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {"ws_announcements_feed": SIGNED_IN}
