"""Telling people about cameras: the one way alerts leave the app.

The security officers and the village head get an e-mail, and the village's open dashboards
get a live event. Everything goes out after the transaction commits, so a rolled-back probe
run tells nobody anything. When many cameras of a village change at once (a power cut, the
network switch), each person gets one message listing them rather than one per camera.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership
from accounts.roles import Role
from cameras.models import Alert, Camera
from households.live import village_live_notify

ALERT_ROLES = (Role.SECURITY_OFFICER, Role.VILLAGE_HEAD)
# More alerts than this for one village and kind in one run become one summary message.
DIGEST_AFTER = 3


def recipients(village_ids: Iterable[object]) -> dict[object, list[str]]:
    """The e-mail addresses of the security officers and heads of each village."""
    found: dict[object, list[str]] = defaultdict(list)
    rows = (
        Membership.objects.filter(
            village_id__in=list(village_ids), role__in=ALERT_ROLES, user__is_active=True
        )
        .exclude(user__email__isnull=True)
        .exclude(user__email="")
        .values_list("village_id", "user__email")
        .order_by("user_id")
        .distinct()
    )
    for village_id, email in rows:
        if email not in found[village_id]:
            found[village_id].append(email)
    return found


def _when(at: datetime) -> str:
    return date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")


def _place(camera: Camera) -> str:
    return camera.lane.name if camera.lane_id else camera.village.name


def _one(camera: Camera, kind: str, at: datetime) -> tuple[str, str]:
    state = getattr(camera, "state", None)
    since = state.failing_since if kind != Alert.Kind.RECOVERED and state else None
    values = {"name": camera.name, "place": _place(camera), "since": _when(since or at)}
    if kind == Alert.Kind.DOWN:
        subject = _("Camera offline: %(name)s") % values
        body = _("The camera %(name)s (%(place)s) has not answered since %(since)s.") % values
    elif kind == Alert.Kind.RECOVERED:
        subject = _("Camera back online: %(name)s") % values
        body = _("The camera %(name)s (%(place)s) answers again (%(since)s).") % values
    else:
        subject = _("Camera still offline: %(name)s") % values
        body = _("The camera %(name)s (%(place)s) is still not answering (%(since)s).") % values
    return subject, body


def _digest(cameras: list[Camera], kind: str, at: datetime) -> tuple[str, str]:
    count = len(cameras)
    values = {"count": count, "village": cameras[0].village.name, "when": _when(at)}
    if kind == Alert.Kind.DOWN:
        subject = ngettext(
            "%(count)d camera offline in %(village)s",
            "%(count)d cameras offline in %(village)s",
            count,
        )
    elif kind == Alert.Kind.RECOVERED:
        subject = ngettext(
            "%(count)d camera back online in %(village)s",
            "%(count)d cameras back online in %(village)s",
            count,
        )
    else:
        subject = ngettext(
            "%(count)d camera still offline in %(village)s",
            "%(count)d cameras still offline in %(village)s",
            count,
        )
    lines = [f"- {c.name} ({_place(c)})" for c in cameras]
    return subject % values, "\n".join([f"{subject % values} ({values['when']}):", *lines])


def cameras_alert(items: list[tuple[Camera, str]], *, at: datetime) -> list[Alert]:
    """Record the alerts and, after commit, e-mail each village's security officers and head
    and push a live event to its dashboards."""
    if not items:
        return []
    people = recipients({camera.village_id for camera, _kind in items})
    records = [
        Alert(camera=camera, kind=kind, at=at, recipients=len(people.get(camera.village_id, [])))
        for camera, kind in items
    ]
    Alert.objects.bulk_create(records)
    groups: dict[tuple[object, str], list[Camera]] = defaultdict(list)
    for camera, kind in items:
        groups[(camera.village_id, kind)].append(camera)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for (village_id, kind), cameras in groups.items():
            if len(cameras) > DIGEST_AFTER:
                texts = [_digest(cameras, kind, at)]
            else:
                texts = [_one(camera, kind, at) for camera in cameras]
            for subject, body in texts:
                village_live_notify(
                    village=cameras[0].village,
                    kind=f"camera_{kind}",
                    message=subject,
                    cameras=[c.pk for c in cameras] if len(texts) == 1 else [],
                    **({"camera": cameras[0].pk} if len(cameras) == 1 else {}),
                )
                prefixed = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"
                messages.extend(
                    (prefixed, body, None, [email]) for email in people.get(village_id, [])
                )
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return records


def camera_alert(*, camera: Camera, kind: str, at: datetime) -> Alert:
    """One camera's alert (see ``cameras_alert``)."""
    return cameras_alert([(camera, kind)], at=at)[0]
