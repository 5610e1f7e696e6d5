"""Telling people about a report: the reporter of public changes, staff of lapsed deadlines.

``notify_reporter`` is the one entry point for the reporter; it sends e-mail today, and the
announcements app can add SMS and Zalo channels here without touching the callers.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from feedback.models import Event, Report

log = logging.getLogger(__name__)


def _send(*, template: str, to: list[str], context: dict) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def status_url(report: Report) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "feedback_status", args=[report.tracking_code]
    )


def notify_reporter(*, report: Report, event: Event | None) -> list[str]:
    """Send the reporter the news through every channel they gave; return the channels used."""
    channels = []
    if report.reporter_email:
        _send(
            template="feedback/email/reporter",
            to=[report.reporter_email],
            context={"report": report, "event": event, "url": status_url(report)},
        )
        channels.append("email")
    return channels


def notify_staff_reminder(*, report: Report, lapse: str, recipients: list) -> int:
    emails = sorted({u.email for u in recipients if getattr(u, "email", "")})
    if not emails:
        return 0
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("feedback_detail", args=[report.pk])
    _send(
        template="feedback/email/reminder",
        to=emails,
        context={"report": report, "lapse": lapse, "url": url},
    )
    return len(emails)
