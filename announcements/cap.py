"""Urgent announcements as Common Alerting Protocol 1.2 messages (OASIS CAP-V1.2).

One message per sent announcement of an urgent kind (``Announcement.CAP_KINDS``):

- ``identifier`` is the announcement's public code (random, never a sequence number), under a
  ``sender`` made of the village's id and the portal's host, so both are unique worldwide;
- ``msgType`` is ``Alert`` for an announcement, ``Update`` for a correction ("Gửi đính chính")
  and ``Cancel`` for the notice a withdrawal ("Thu hồi") sends; an Update or Cancel lists in
  ``references`` every earlier message of the chain (``sender,identifier,sent``);
- ``status`` is ``Actual``, or ``Test`` where ``ANNOUNCEMENTS_CAP_STATUS`` says so (a training
  or staging portal);
- one ``info`` in Vietnamese, and a second in English (``en-US``) when staff wrote the
  optional English title and text; both carry the same category, urgency, severity,
  certainty, expiry and area, and the English one names the event in English;
- ``severity`` comes from the disaster-risk level when staff chose one (Decision
  18/2021/QĐ-TTg, ``Announcement.RISK_SEVERITY``), else from the severity chosen;
- ``area``: the description written on the form, or the lanes or village it was sent to; a
  polygon around the chosen lanes' drawn courses, else a circle around the village's
  coordinates (``ANNOUNCEMENTS_CAP_RADIUS_KM``), else the description alone.

docs/cap.md documents the mapping for those who read the feed.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from announcements.models import Announcement
from villageportal.atom import absolute_url
from villageportal.xmltext import xml_text

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml; charset=utf-8"
LANGUAGE = "vi-VN"
LANGUAGE_EN = "en-US"

# CAP categories by kind: an emergency with a disaster-risk level is a hydro-meteorological
# hazard of Decision 18/2021 (storm, flood, landslide, heat, cold...), without one it is a
# matter of general safety; a security warning is Security.
CATEGORIES: dict[str, str] = {
    Announcement.Kind.EMERGENCY: "Safety",
    Announcement.Kind.SECURITY: "Security",
}
RISK_CATEGORY = "Met"

# One kilometre of latitude, in degrees; enough for a village-sized box.
_KM = Decimal("0.009")
# The margin around lanes' courses, in degrees (about 100 m).
_MARGIN = 0.001


def cap_time(moment: datetime) -> str:
    """A CAP date-time: local time to the second, with its offset (no "Z", no fraction)."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def sender(announcement: Announcement) -> str:
    host = urlsplit(settings.PORTAL_BASE_URL).hostname or "localhost"
    return f"village-{announcement.village_id}@{host}"


def identifier(announcement: Announcement) -> str:
    return f"vp-{announcement.public_code}"


def sent(announcement: Announcement) -> datetime:
    return announcement.sent_at or announcement.created_at


def msg_type(announcement: Announcement) -> str:
    original = announcement.corrects
    if original is None:
        return "Alert"
    # Only a sent announcement can be corrected, so a message written after its original was
    # withdrawn is the withdrawal's notice.
    if (
        original.status == Announcement.Status.WITHDRAWN
        and original.withdrawn_at is not None
        and announcement.created_at >= original.withdrawn_at
    ):
        return "Cancel"
    return "Update"


def references(announcement: Announcement) -> list[str]:
    """Every earlier message of the chain, oldest first, as ``sender,identifier,sent``."""
    chain: list[Announcement] = []
    earlier = announcement.corrects
    while earlier is not None and len(chain) < 50:
        chain.append(earlier)
        earlier = earlier.corrects
    return [f"{sender(a)},{identifier(a)},{cap_time(sent(a))}" for a in reversed(chain)]


def severity(announcement: Announcement) -> str:
    if announcement.risk_level:
        level = Announcement.RiskLevel(announcement.risk_level)
        return str(Announcement.RISK_SEVERITY[level].value)
    return announcement.cap_severity or "Unknown"


def certainty(announcement: Announcement) -> str:
    """No field of its own: what is happening now is Observed, a warning ahead is Likely."""
    if announcement.cap_urgency == Announcement.Urgency.IMMEDIATE:
        return "Observed"
    return "Likely" if announcement.cap_urgency else "Unknown"


def _lanes(announcement: Announcement) -> list[Any]:
    if announcement.audience != Announcement.Audience.LANES:
        return []
    return list(announcement.lanes.all())


def area_description(announcement: Announcement) -> str:
    village = announcement.village
    where = f"{village.name}, {village.commune.name}, {village.commune.province.name}"
    if announcement.cap_area:
        return announcement.cap_area
    lanes = _lanes(announcement)
    if lanes:
        return f"{', '.join(lane.name for lane in lanes)} ({where})"
    return where


def _points(geometry: Any) -> list[tuple[float, float]]:
    """(lat, lon) pairs of a GeoJSON LineString (lon, lat order inside), bad values left out."""
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        return []
    points = []
    for pair in geometry.get("coordinates") or []:
        try:
            lon, lat = float(pair[0]), float(pair[1])
        except (TypeError, ValueError, IndexError):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            points.append((lat, lon))
    return points


def polygon(announcement: Announcement) -> str | None:
    """The box around the chosen lanes' courses, with a margin: a closed CAP polygon."""
    points = [p for lane in _lanes(announcement) for p in _points(lane.geometry)]
    if not points:
        return None
    south = max(-90.0, min(p[0] for p in points) - _MARGIN)
    north = min(90.0, max(p[0] for p in points) + _MARGIN)
    west = max(-180.0, min(p[1] for p in points) - _MARGIN)
    east = min(180.0, max(p[1] for p in points) + _MARGIN)
    corners = [(south, west), (north, west), (north, east), (south, east), (south, west)]
    return " ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in corners)


def circle(announcement: Announcement) -> str | None:
    """A circle around the village's coordinates, "lat,lon radius" with the radius in km."""
    village = announcement.village
    if village.latitude is None or village.longitude is None:
        return None
    radius = settings.ANNOUNCEMENTS_CAP_RADIUS_KM
    return f"{village.latitude:.6f},{village.longitude:.6f} {radius:g}"


def _add(parent: ET.Element, name: str, text: str | None) -> None:
    if text:
        ET.SubElement(parent, name).text = xml_text(text)


def alert_element(announcement: Announcement) -> ET.Element:
    """The ``alert`` element of one announcement, elements in the schema's order."""
    alert = ET.Element("alert", {"xmlns": NAMESPACE})
    _add(alert, "identifier", identifier(announcement))
    _add(alert, "sender", sender(announcement))
    _add(alert, "sent", cap_time(sent(announcement)))
    _add(alert, "status", settings.ANNOUNCEMENTS_CAP_STATUS)
    kind = msg_type(announcement)
    _add(alert, "msgType", kind)
    _add(alert, "scope", "Public")
    if kind != "Alert":
        _add(alert, "references", " ".join(references(announcement)))

    _info(alert, announcement, "vi", LANGUAGE, announcement.title, announcement.body)
    if announcement.title_en.strip() and announcement.body_en.strip():
        _info(alert, announcement, "en", LANGUAGE_EN, announcement.title_en, announcement.body_en)
    return alert


def _info(
    alert: ET.Element,
    announcement: Announcement,
    ui_language: str,
    language: str,
    headline: str,
    description: str,
) -> None:
    """One ``info`` block: the same event, urgency, severity, certainty, expiry and area in
    every language; the event name, headline and description in ``language``."""
    village = announcement.village
    with translation.override(ui_language):
        info = ET.SubElement(alert, "info")
        _add(info, "language", language)
        _add(
            info,
            "category",
            RISK_CATEGORY if announcement.risk_level else CATEGORIES.get(announcement.kind),
        )
        _add(info, "event", str(announcement.get_kind_display()))
        _add(info, "urgency", announcement.cap_urgency or "Unknown")
        _add(info, "severity", severity(announcement))
        _add(info, "certainty", certainty(announcement))
        if announcement.cap_expires:
            _add(info, "expires", cap_time(announcement.cap_expires))
        _add(info, "senderName", f"{village.name}, {village.commune.name}")
        _add(info, "headline", headline[:160])
        _add(info, "description", description)
        _add(
            info,
            "web",
            absolute_url(reverse("announcement_public", kwargs={"code": announcement.public_code})),
        )
        _add(info, "contact", village.office_phone or village.office_address)
        if announcement.risk_level:
            parameter = ET.SubElement(info, "parameter")
            _add(parameter, "valueName", "VN-QD18-2021-RiskLevel")
            _add(parameter, "value", str(announcement.risk_level))
        area = ET.SubElement(info, "area")
        _add(area, "areaDesc", area_description(announcement))
        shape = polygon(announcement)
        if shape:
            _add(area, "polygon", shape)
        else:
            _add(area, "circle", circle(announcement))


def alert_xml(announcement: Announcement) -> bytes:
    return ET.tostring(alert_element(announcement), encoding="utf-8", xml_declaration=True)


def feed_title() -> str:
    return _("Alerts")
