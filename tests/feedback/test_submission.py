"""A resident sends a report from a phone: the form, photos, tracking code and bad input."""

import io
import os
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from PIL import Image

from feedback.models import Event, Photo, Report
from tests.feedback.conftest import bomb_png, image_bytes, jpeg_with_gps, upload

pytestmark = pytest.mark.django_db


def _url(village: Any) -> str:
    return reverse("feedback_report_new", args=[village.pk])


def _data(categories: dict, **extra: Any) -> dict[str, Any]:
    return {
        "category": categories["roads"].pk,
        "description": "Ổ gà lớn trước nhà văn hóa",
        "name": "Lê Văn Nam",
        "email": "nam@example.com",
        **extra,
    }


def _media_files(settings: Any) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, f) for f in files]
    return found


def test_the_form_opens_without_login_and_takes_the_place_from_a_qr_sign(
    client: Client, village: Any, world: Any, categories: dict
) -> None:
    response = client.get(
        _url(village), {"sign": "Q7K2M9", "lane": world.lane.pk, "lat": "18.34", "lng": "105.9"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["sign"] == "Q7K2M9"
    assert form.initial["lane"] == world.lane.pk
    assert str(form.initial["latitude"]) == "18.34"
    html = response.content.decode()
    assert 'name="latitude"' in html and 'name="lane"' in html  # works without the map


def test_a_lane_of_another_village_in_the_link_is_ignored(
    client: Client, village: Any, other_village: Any, categories: dict
) -> None:
    other_lane = other_village.lanes.first()
    response = client.get(_url(village), {"lane": other_lane.pk})
    assert "lane" not in response.context["form"].initial


def test_a_report_with_a_phone_photo_is_stored_stripped_and_resized_and_the_reporter_is_told(
    client: Client,
    village: Any,
    world: Any,
    categories: dict,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(village),
            _data(
                categories,
                lane=world.lane.pk,
                sign="Q7K2M9",
                photos=[upload("IMG_1.jpg", jpeg_with_gps())],
            ),
        )
    assert response.status_code == 302, response.context and response.context["form"].errors
    report = Report.objects.get()
    assert response["Location"] == reverse("feedback_sent", args=[report.tracking_code])
    assert report.sign_code == "Q7K2M9" and report.lane == world.lane
    assert report.ack_due is not None and report.status == "new"
    photo = Photo.objects.get()
    with Image.open(photo.image.path) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 1600
        assert image.size == (1200, 1600)  # turned upright by its EXIF orientation
        assert not image.getexif()  # no EXIF at all, so no GPS
        assert "exif" not in image.info and "icc_profile" not in image.info
    with open(photo.image.path, "rb") as handle:
        raw = handle.read()
    assert b"PhoneMaker" not in raw and b"GPS" not in raw
    page = client.get(response["Location"])
    assert report.tracking_code in page.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert report.tracking_code in message.subject
    assert message.to == ["nam@example.com"]
    assert message.alternatives and message.alternatives[0][1] == "text/html"


@pytest.mark.parametrize(
    ("name", "fmt", "mode"),
    [("a.png", "PNG", "RGBA"), ("b.webp", "WEBP", "RGB"), ("c.heic", "HEIF", "RGB")],
)
def test_png_webp_and_heic_photos_are_accepted_and_become_jpeg(
    client: Client, village: Any, categories: dict, name: str, fmt: str, mode: str
) -> None:
    response = client.post(
        _url(village), _data(categories, photos=[upload(name, image_bytes(fmt, mode=mode))])
    )
    assert response.status_code == 302
    with Image.open(Photo.objects.get().image.path) as image:
        assert image.format == "JPEG" and image.size == (800, 600)


def test_the_status_page_shows_the_public_history_but_not_the_contact(
    client: Client, report: Report
) -> None:
    response = client.get(reverse("feedback_status", args=[report.tracking_code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert report.description in html
    assert "nam@example.com" not in html and "Lê Văn Nam" not in html


def test_an_unknown_tracking_code_gets_a_clear_answer(client: Client, db: None) -> None:
    response = client.get(reverse("feedback_track"), {"code": "PA-NOTEXIST"})
    assert response.status_code == 404
    assert "PA-NOTEXIST" in response.content.decode()
    assert client.get(reverse("feedback_status", args=["PA-NOTEXIST"])).status_code == 404


def test_script_tags_are_shown_escaped(client: Client, village: Any, categories: dict) -> None:
    client.post(_url(village), _data(categories, description="<script>alert(1)</script> cột điện"))
    report = Report.objects.get()
    html = client.get(reverse("feedback_status", args=[report.tracking_code])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _refused(client: Client, village: Any, data: dict, settings: Any) -> str:
    response = client.post(_url(village), data)
    assert response.status_code in (400, 429)
    assert Report.objects.count() == 0 and Photo.objects.count() == 0
    assert Event.objects.count() == 0
    assert _media_files(settings) == []
    return response.content.decode()


def test_an_empty_description_is_refused(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    html = _refused(client, village, _data(categories, description="   "), settings)
    assert "Hãy mô tả vấn đề" in html


def test_a_place_far_outside_the_village_is_refused(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    village.latitude, village.longitude = 18.34, 105.90
    village.save()
    html = _refused(
        client, village, _data(categories, latitude="21.03", longitude="105.85"), settings
    )
    assert "xa bên ngoài" in html


def test_a_file_named_jpg_that_is_not_an_image_is_refused(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    data = _data(categories, photos=[upload("anh.jpg", b"%PDF-1.4 not a photo at all")])
    html = _refused(client, village, data, settings)
    assert "anh.jpg" in html


def test_a_decompression_bomb_is_refused(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    data = _data(categories, photos=[upload("bom.png", bomb_png(), "image/png")])
    html = _refused(client, village, data, settings)
    assert "bom.png" in html


def test_six_photos_are_refused(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    photos = [upload(f"{i}.png", image_bytes("PNG", (40, 30)), "image/png") for i in range(6)]
    html = _refused(client, village, _data(categories, photos=photos), settings)
    assert "tối đa 5" in html


def test_the_honeypot_refuses_robots(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    _refused(client, village, _data(categories, website="http://spam.example"), settings)


def test_a_failure_after_the_photos_were_written_leaves_no_file(
    client: Client, village: Any, categories: dict, settings: Any, monkeypatch: Any
) -> None:
    from feedback import services

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_notify", broken)
    with pytest.raises(RuntimeError):
        client.post(
            _url(village), _data(categories, photos=[upload("a.jpg", jpeg_with_gps((400, 300)))])
        )
    assert Report.objects.count() == 0
    assert _media_files(settings) == []


def test_too_many_reports_from_one_connection_are_refused(
    client: Client, village: Any, categories: dict, settings: Any
) -> None:
    settings.FEEDBACK_RATE_PER_IP = "2/3600"
    for n in range(2):
        assert (
            client.post(_url(village), _data(categories, email=f"a{n}@example.com")).status_code
            == 302
        )
    response = client.post(_url(village), _data(categories, email="c@example.com"))
    assert response.status_code == 429
    assert Report.objects.count() == 2


def test_too_many_reports_from_one_contact_are_refused(
    village: Any, categories: dict, settings: Any
) -> None:
    settings.FEEDBACK_RATE_PER_CONTACT = "1/3600"
    first = Client(REMOTE_ADDR="10.0.0.1")
    second = Client(REMOTE_ADDR="10.0.0.2")
    assert first.post(_url(village), _data(categories, phone="0912 345 678")).status_code == 302
    response = second.post(_url(village), _data(categories, phone="+84912345678"))
    assert response.status_code == 429
    assert Report.objects.count() == 1


def test_a_blocked_sender_is_refused(
    client: Client, village: Any, categories: dict, village_head: Any, settings: Any
) -> None:
    from feedback import services

    client.post(_url(village), _data(categories))
    services.sender_block(report=Report.objects.get(), reason="Spam", by=village_head)
    response = client.post(_url(village), _data(categories))
    assert response.status_code == 400
    assert Report.objects.count() == 1


def test_a_photo_is_processed_from_a_bounded_draft(db: None) -> None:
    """The JPEG draft decodes a 12 MP photo at a reduced scale, never at full size."""
    from feedback import photos

    processed = photos.process(jpeg_with_gps((4000, 3000)))
    assert (processed.width, processed.height) == (1200, 1600)
    with Image.open(io.BytesIO(jpeg_with_gps((4000, 3000)))) as image:
        image.draft("RGB", (1600, 1200))
        assert image.size == (2000, 1500)  # scale 1/2: a quarter of the pixels
