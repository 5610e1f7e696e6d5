"""Open311 GeoReport v2 conformance: every endpoint and every error, in XML and in JSON, through
the independent client of ``tests/feedback/georeport.py``."""

import io
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from feedback import services
from feedback.models import Category, Photo, Report
from tests.feedback.conftest import jpeg_with_gps, make_report, upload
from tests.feedback.georeport import GeoReportClient

pytestmark = pytest.mark.django_db

FORMATS = ["xml", "json"]
HANOI = {"lat": "21.0285", "long": "105.8542"}


@pytest.fixture
def api(client: Client) -> GeoReportClient:
    return GeoReportClient(client)


@pytest.fixture
def key(village: Any, village_head: Any, categories: dict) -> str:
    _key, raw = services.api_key_create(village=village, name="Ứng dụng phản ánh", by=village_head)
    return raw


@pytest.fixture
def jurisdiction(village: Any) -> dict[str, str]:
    return {"jurisdiction_id": str(village.pk)}


def _new(village: Any, category: Category, *, days_ago: float = 0, **fields: Any) -> Report:
    report = make_report(village, category, **fields)
    if days_ago:
        Report.objects.filter(pk=report.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return report


def _ids(answer: Any) -> list[str]:
    return [row["service_request_id"] for row in answer.body]


# The same answer in both formats ---------------------------------------------------------------


def test_xml_and_json_say_the_same(api, jurisdiction, village, categories) -> None:
    Category.objects.filter(pk=categories["water"].pk).update(
        questions=[{"key": "meter", "label": "Số đồng hồ", "required": True}]
    )
    report = _new(village, categories["roads"], latitude=21.0285, longitude=105.8542)
    for ask in (
        lambda fmt: api.discovery(fmt),
        lambda fmt: api.services(fmt, **jurisdiction),
        lambda fmt: api.service_definition(fmt, "water", **jurisdiction),
        lambda fmt: api.requests(fmt, **jurisdiction),
        lambda fmt: api.request(fmt, report.public_code, **jurisdiction),
        lambda fmt: api.token(fmt, report.tracking_code, **jurisdiction),
        lambda fmt: api.request(fmt, "nope", **jurisdiction),
    ):
        xml, json_ = ask("xml"), ask("json")
        assert (xml.status, xml.body) == (json_.status, json_.body)


# Discovery, services, definitions --------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_and_its_formats(api, settings, fmt) -> None:
    settings.PORTAL_BASE_URL = "https://thon.example.vn"
    answer = api.discovery(fmt)
    assert answer.status == 200
    (endpoint,) = answer.body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://thon.example.vn/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_and_definitions(api, jurisdiction, categories, fmt) -> None:
    Category.objects.filter(pk=categories["water"].pk).update(
        questions=[{"key": "meter", "label": "Số đồng hồ", "required": True}]
    )
    services_ = api.services(fmt, **jurisdiction)
    assert services_.status == 200
    water = next(s for s in services_.body if s["service_code"] == "water")
    assert water["metadata"] == "true"
    definition = api.service_definition(fmt, "water", **jurisdiction)
    assert definition.status == 200
    (attribute,) = definition.body["attributes"]
    assert (attribute["code"], attribute["required"], attribute["order"]) == ("meter", "true", "1")
    assert api.service_definition(fmt, "nope", **jurisdiction).status == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_jurisdiction_is_required_and_must_exist(api, db, fmt) -> None:
    assert api.services(fmt).status == 400
    unknown = {"jurisdiction_id": "00000000-0000-0000-0000-000000000000"}
    for answer in (
        api.services(fmt, **unknown),
        api.service_definition(fmt, "roads", **unknown),
        api.requests(fmt, **unknown),
        api.request(fmt, "abc", **unknown),
        api.token(fmt, "abc", **unknown),
    ):
        assert answer.status == 404
    assert api.requests(fmt, jurisdiction_id="not-a-uuid").status == 404


# POST a request --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_is_created_and_read_back(api, jurisdiction, key, village, fmt) -> None:
    answer = api.create(
        fmt,
        {
            **jurisdiction,
            "api_key": key,
            "service_code": "roads",
            "description": "Ổ gà lớn giữa đường",
            "address_string": "Trước nhà văn hóa, Ngõ Văn hóa",
            **HANOI,
            "first_name": "Dân",
            "email": "dan@example.com",
        },
    )
    assert answer.status == 201
    (created,) = answer.body
    assert "token" not in created  # created at once: the id, never a token as well
    read = api.request(fmt, created["service_request_id"], **jurisdiction)
    (request,) = read.body
    assert request["address"] == "Trước nhà văn hóa, Ngõ Văn hóa"
    assert request["service_code"] == "roads" and request["status"] == "open"
    assert abs(float(request["lat"]) - 21.0285) < 0.001
    assert abs(float(request["long"]) - 105.8542) < 0.001
    assert "dan@example.com" not in read.raw.decode()
    report = Report.objects.get(public_code=created["service_request_id"])
    assert report.address == "Trước nhà văn hóa, Ngõ Văn hóa"


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_way_of_giving_the_location_is_enough(api, jurisdiction, key, world, fmt) -> None:
    world.household.digital_address = "VN-HN-000123"
    world.household.save()
    base = {**jurisdiction, "api_key": key, "service_code": "roads", "description": "Cống tắc"}
    for place in (HANOI, {"address_string": "Đầu ngõ 5"}, {"address_id": "VN-HN-000123"}):
        assert api.create(fmt, {**base, **place}).status == 201, place
    report = Report.objects.get(address_id="VN-HN-000123")
    assert report.lane == world.lane
    (row,) = api.request(fmt, report.public_code, **jurisdiction).body
    assert row["address_id"] == "VN-HN-000123"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"jurisdiction_id": ""}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "00000000-0000-0000-0000-000000000000"}, 404, "jurisdiction_id"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "nope"}, 404, "service_code"),
        ({"lat": "", "long": ""}, 400, "lat"),
        ({"long": ""}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "91"}, 400, "lat"),
        ({"long": "-181"}, 400, "long"),
        ({"lat": "", "long": "", "address_id": "KHONG-CO-123"}, 400, "address_id"),
        ({"address_string": "x" * 256}, 400, "address_string"),
        ({"description": ""}, 400, ""),
        ({"email": "not-an-address"}, 400, ""),
        ({"media_url": "https://elsewhere.example/a.jpg"}, 400, "media_url"),
        ({"media_url": "file:///etc/passwd"}, 400, "media_url"),
    ],
)
def test_every_refused_post_is_an_error_body_and_writes_nothing(
    api, jurisdiction, key, fmt, change, status, words
) -> None:
    data = {
        **jurisdiction,
        "api_key": key,
        "service_code": "roads",
        "description": "Đèn đường hỏng",
        **HANOI,
        **change,
    }
    answer = api.create(fmt, data)
    assert answer.status == status
    assert words in answer.body[0]["description"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_required_attribute_is_required(api, jurisdiction, key, categories, fmt) -> None:
    Category.objects.filter(pk=categories["water"].pk).update(
        questions=[{"key": "meter", "label": "Số đồng hồ", "required": True}]
    )
    data = {**jurisdiction, "api_key": key, "service_code": "water", "description": "Mất nước"}
    data.update(HANOI)
    assert api.create(fmt, data).status == 400
    assert api.create(fmt, {**data, "attribute[meter]": "A-17"}).status == 201
    assert Report.objects.get().answers == {"meter": "A-17"}


# Media: an upload, or a URL on an allowed host, through the image cleaner ----------------------


class _MediaServer(BaseHTTPRequestHandler):
    photo = b""

    def do_GET(self) -> None:
        if self.path == "/photo.jpg":
            self._send(200, "image/jpeg", self.photo)
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/page.html":
            self._send(200, "text/html", b"<html>not an image</html>")
        else:
            self._send(404, "text/plain", b"missing")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def media_server(settings: Any) -> Iterator[str]:
    """A photo host on loopback, listed as allowed for plain HTTP."""
    _MediaServer.photo = jpeg_with_gps((1200, 900))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MediaServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FEEDBACK_OPEN311_MEDIA_HOSTS = ["http://127.0.0.1"]
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _clean(photo: Photo) -> Image.Image:
    photo.image.open("rb")
    try:
        image = Image.open(io.BytesIO(photo.image.read()))
        image.load()
    finally:
        photo.image.close()
    return image


def _photo_field(report: Report) -> Photo:
    (photo,) = report.photos.all()
    return photo


@pytest.fixture
def post(api, jurisdiction, key):
    def send(fmt: str, files: dict | None = None, **data: Any) -> Any:
        base = {**jurisdiction, "api_key": key, "service_code": "roads", "description": "Rác"}
        return api.create(fmt, {**base, **HANOI, **data}, files)

    return send


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_media_upload_goes_through_the_image_cleaner(post, jurisdiction, api, fmt) -> None:
    answer = post(fmt, files={"media": upload("anh.jpg", jpeg_with_gps((2400, 1800)))})
    assert answer.status == 201
    report = Report.objects.get()
    image = _clean(_photo_field(report))
    assert image.format == "JPEG" and max(image.size) <= 1600
    assert not image.getexif() and "exif" not in image.info
    (row,) = api.request(fmt, report.public_code, **jurisdiction).body
    assert row["media_url"].startswith("http://testserver/")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_media_url_on_an_allowed_host_is_fetched_and_cleaned(post, media_server, fmt) -> None:
    assert post(fmt, media_url=f"{media_server}/photo.jpg").status == 201
    image = _clean(_photo_field(Report.objects.get()))
    assert image.format == "JPEG" and not image.getexif()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/redirect", "media_url"),
        ("/missing.jpg", "media_url"),
        ("/page.html", ""),
    ],
)
def test_a_media_url_that_gives_no_image_is_refused(post, media_server, fmt, path, words) -> None:
    answer = post(fmt, media_url=f"{media_server}{path}")
    assert answer.status == 400 and words in answer.body[0]["description"]
    assert not Report.objects.exists() and not Photo.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_media_from_a_host_not_listed_is_not_fetched(post, media_server, fmt) -> None:
    port = media_server.rsplit(":", 1)[1]
    answer = post(fmt, media_url=f"http://localhost:{port}/photo.jpg")
    assert answer.status == 400 and "media_url" in answer.body[0]["description"]
    assert not Report.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_upload_that_is_not_an_image_is_refused(post, fmt) -> None:
    answer = post(fmt, files={"media": upload("a.jpg", b"%PDF-1.4 not an image")})
    assert answer.status == 400
    assert not Report.objects.exists() and not Photo.objects.exists()


# GET requests: dates, the 90-day window, status, ids -------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "2026-13-45T00:00:00Z"}, "start_date"),
        ({"end_date": "2026-02-30T10:00:00+07:00"}, "end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2026-11-05T08:15:30"}, "start_date"),  # no time zone
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"status": "open,archived"}, "status"),
    ],
)
def test_bad_list_arguments_are_a_400_error_body(api, jurisdiction, fmt, params, words) -> None:
    answer = api.requests(fmt, **jurisdiction, **params)
    assert answer.status == 400
    assert words in answer.body[0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_covers_the_last_90_days_by_default(api, jurisdiction, village, categories, fmt):
    recent = _new(village, categories["roads"], days_ago=10)
    old = _new(village, categories["roads"], days_ago=100)
    assert _ids(api.requests(fmt, **jurisdiction)) == [recent.public_code]
    # start_date alone: 90 days from it.
    start = (timezone.now() - timedelta(days=120)).isoformat()
    assert _ids(api.requests(fmt, **jurisdiction, start_date=start)) == [old.public_code]
    # end_date alone: the 90 days before it.
    end = (timezone.now() - timedelta(days=95)).isoformat()
    assert _ids(api.requests(fmt, **jurisdiction, end_date=end)) == [old.public_code]
    # Exactly 90 days is allowed.
    now = timezone.now()
    both = {"start_date": (now - timedelta(days=90)).isoformat(), "end_date": now.isoformat()}
    assert _ids(api.requests(fmt, **jurisdiction, **both)) == [recent.public_code]
    # service_request_id overrides every other argument, the window included.
    ids = f"{old.public_code},{recent.public_code}"
    listed = api.requests(fmt, **jurisdiction, service_request_id=ids, status="closed")
    assert sorted(_ids(listed)) == sorted([old.public_code, recent.public_code])


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_filters_open_closed_or_both(api, jurisdiction, village, categories, fmt):
    open_ = _new(village, categories["roads"])
    closed = _new(village, categories["water"])
    Report.objects.filter(pk=closed.pk).update(status="resolved")
    assert _ids(api.requests(fmt, **jurisdiction, status="open")) == [open_.public_code]
    assert _ids(api.requests(fmt, **jurisdiction, status="closed")) == [closed.public_code]
    both = _ids(api.requests(fmt, **jurisdiction, status="open,closed"))
    assert sorted(both) == sorted([open_.public_code, closed.public_code])
    assert _ids(api.requests(fmt, **jurisdiction, service_code="water")) == [closed.public_code]


# Tokens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_resolves_to_the_request_id(api, jurisdiction, village, categories, fmt):
    report = _new(village, categories["roads"])
    answer = api.token(fmt, report.tracking_code, **jurisdiction)
    assert answer.body == [
        {"service_request_id": report.public_code, "token": report.tracking_code}
    ]
    assert api.token(fmt, "KHONGCO", **jurisdiction).status == 404


# Well formed whatever is stored ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_stored_control_characters_never_break_a_response(
    api, jurisdiction, village, categories, fmt
):
    report = _new(village, categories["roads"], show_name=True, reporter_name="Nam\x0b")
    Report.objects.filter(pk=report.pk).update(
        description="Đèn\x00 hỏng\x07 ở\x1b ngõ\ufffe 5",
        address="Ngõ\x08 5",
        forwarded_to="Điện lực\x0c",
    )
    listed = api.requests(fmt, **jurisdiction)
    one = api.request(fmt, report.public_code, **jurisdiction)
    assert listed.status == one.status == 200
    if fmt == "xml":  # parsed strictly by the client; the forbidden characters are left out
        assert one.body[0]["description"] == "Đèn hỏng ở ngõ 5"
        assert one.body[0]["address"] == "Ngõ 5"
