"""Telling people about a camera: the one way alerts leave the app.

The security officers and the village head get an e-mail, and the village's open dashboards
get a live event. Everything goes out after the transaction commits, so a rolled-back probe
run tells nobody anything.
"""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import Role
from cameras.models import Alert, Camera
from households.services import village_live_notify

ALERT_ROLES = (Role.SECURITY_OFFICER, Role.VILLAGE_HEAD)


def recipients(camera: Camera) -> list[User]:
    user_ids = Membership.objects.filter(village_id=camera.village_id, role__in=ALERT_ROLES)
    return list(
        User.objects.filter(pk__in=user_ids.values("user_id"), is_active=True)
        .exclude(email__isnull=True)
        .exclude(email="")
        .order_by("pk")
    )


def _text(camera: Camera, kind: str, at: datetime) -> tuple[str, str]:
    when = date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")
    place = camera.lane.name if camera.lane_id else camera.village.name
    if kind == Alert.Kind.DOWN:
        subject = _("Camera offline: %(name)s") % {"name": camera.name}
        body = _("The camera %(name)s (%(place)s) has not answered since %(since)s.")
    elif kind == Alert.Kind.RECOVERED:
        subject = _("Camera back online: %(name)s") % {"name": camera.name}
        body = _("The camera %(name)s (%(place)s) answers again (%(since)s).")
    else:
        subject = _("Camera still offline: %(name)s") % {"name": camera.name}
        body = _("The camera %(name)s (%(place)s) is still not answering (%(since)s).")
    state = getattr(camera, "state", None)
    since = state.failing_since if kind != Alert.Kind.RECOVERED and state else None
    text = body % {
        "name": camera.name,
        "place": place,
        "since": date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT") if since else when,
    }
    return subject, text


def camera_alert(*, camera: Camera, kind: str, at: datetime) -> Alert:
    """Record the alert and, after commit, e-mail the village's security officers and head."""
    people = recipients(camera)
    alert = Alert.objects.create(camera=camera, kind=kind, at=at, recipients=len(people))
    with translation.override(settings.LANGUAGE_CODE):
        subject, text = _text(camera, kind, at)
        village_live_notify(
            village=camera.village, kind=f"camera_{kind}", message=subject, camera=camera.pk
        )
    messages = [
        (f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", text, None, [u.email]) for u in people
    ]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return alert
