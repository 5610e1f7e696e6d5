import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image

from qrsigns.models import HeritageImage, HeritageSite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _photo_with_gps(size=(3000, 2000)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:01:02 03:04:05"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    gps = {1: "N", 2: (18.0, 14.0, 45.6), 3: "E", 4: (106.0, 0.0, 7.2)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def test_staff_create_and_edit_a_heritage_site(village_head, world) -> None:
    client = _client(village_head)
    response = client.post(
        reverse("qrsigns_heritage_create"),
        {"name": "Chùa Đông Phú", "history": "Có từ thời Lê.", "is_published": "on"},
    )
    site = HeritageSite.objects.get(village=world.village)
    assert response.status_code == 302
    client.post(
        reverse("qrsigns_heritage_edit", kwargs={"pk": site.pk}),
        {"name": "Chùa Đông Phú", "history": "Có từ thời Lê sơ.", "is_published": "on"},
    )
    html = Client().get(reverse("qrsigns_heritage", kwargs={"code": site.public_code})).content
    assert "Có từ thời Lê sơ." in html.decode()


def test_a_duplicate_name_is_refused_with_a_message(village_head, world, site) -> None:
    response = _client(village_head).post(
        reverse("qrsigns_heritage_create"), {"name": "đình làng đông phú"}
    )
    assert response.status_code == 400
    assert "Thôn đã có di tích mang tên này." in response.content.decode()
    assert HeritageSite.objects.count() == 1


def test_photos_are_resized_oriented_and_stripped_of_metadata(village_head, site) -> None:
    upload = SimpleUploadedFile("IMG_0001.jpg", _photo_with_gps(), content_type="image/jpeg")
    response = _client(village_head).post(
        reverse("qrsigns_heritage_photo_add", kwargs={"pk": site.pk}),
        {"image": upload, "alt_text": "Cổng tam quan"},
    )
    assert response.status_code == 302
    stored = HeritageImage.objects.get()
    with Image.open(stored.image.path) as image:
        assert image.format == "JPEG"
        assert image.size == (853, 1280)  # rotated upright, longest side 1280
        assert (stored.width, stored.height) == image.size
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
    raw = Path(stored.image.path).read_bytes()
    assert b"PhoneMaker" not in raw and b"secret comment" not in raw
    html = Client().get(reverse("qrsigns_heritage", kwargs={"code": site.public_code})).content
    html = html.decode()
    assert 'alt="Cổng tam quan"' in html and 'loading="lazy"' in html
    assert 'width="853" height="1280"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.jpg", b"MZ\x90\x00 not an image at all", "không phải là ảnh"),
        ("empty.png", b"", "The submitted file is empty."),
        ("doc.pdf", b"%PDF-1.4\n1 0 obj\n", "không phải là ảnh"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(
    village_head, site, settings, name, content, message
) -> None:
    response = _client(village_head).post(
        reverse("qrsigns_heritage_photo_add", kwargs={"pk": site.pk}),
        {"image": SimpleUploadedFile(name, content), "alt_text": "Ảnh"},
    )
    assert response.status_code == 400
    assert not HeritageImage.objects.exists()
    assert not os.path.exists(
        os.path.join(settings.MEDIA_ROOT, "public", "heritage")
    ) or not os.listdir(os.path.join(settings.MEDIA_ROOT, "public", "heritage"))


@override_settings(QRSIGNS_IMAGE_MAX_BYTES=50_000)
def test_a_huge_upload_is_refused(village_head, site) -> None:
    big = _photo_with_gps((2500, 2500))
    assert len(big) > 50_000
    response = _client(village_head).post(
        reverse("qrsigns_heritage_photo_add", kwargs={"pk": site.pk}),
        {"image": SimpleUploadedFile("big.jpg", big), "alt_text": "Ảnh lớn"},
    )
    assert response.status_code == 400
    assert "Tệp quá lớn" in response.content.decode()
    assert not HeritageImage.objects.exists()


def test_a_decompression_bomb_is_refused(village_head, site) -> None:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # tiny file, 400 million pixels
    response = _client(village_head).post(
        reverse("qrsigns_heritage_photo_add", kwargs={"pk": site.pk}),
        {"image": SimpleUploadedFile("bomb.png", out.getvalue()), "alt_text": "Ảnh"},
    )
    assert response.status_code == 400
    assert not HeritageImage.objects.exists()


def test_a_photo_needs_a_description(village_head, site) -> None:
    upload = SimpleUploadedFile("a.jpg", _photo_with_gps((40, 40)))
    response = _client(village_head).post(
        reverse("qrsigns_heritage_photo_add", kwargs={"pk": site.pk}),
        {"image": upload, "alt_text": "   "},
    )
    assert response.status_code == 400 and not HeritageImage.objects.exists()


def test_removing_a_photo_removes_its_file(
    village_head, site, django_capture_on_commit_callbacks
) -> None:
    client = _client(village_head)
    client.post(
        reverse("qrsigns_heritage_photo_add", kwargs={"pk": site.pk}),
        {"image": SimpleUploadedFile("a.jpg", _photo_with_gps((60, 40))), "alt_text": "Ảnh"},
    )
    image = HeritageImage.objects.get()
    path = image.image.path
    assert os.path.exists(path)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("qrsigns_heritage_photo_delete", kwargs={"pk": image.pk}))
    assert response.status_code == 302 and not HeritageImage.objects.exists()
    assert not os.path.exists(path)


def test_the_outsider_cannot_edit_our_site(outsider, site) -> None:
    response = _client(outsider).post(
        reverse("qrsigns_heritage_edit", kwargs={"pk": site.pk}), {"name": "Đổi tên"}
    )
    assert response.status_code == 404
    site.refresh_from_db()
    assert site.name == "Đình làng Đông Phú"
