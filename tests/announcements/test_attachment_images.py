"""Attachments go through the portal's one image cleaner; PDFs are downloads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from announcements.models import Announcement
from tests.announcements.test_pages import _form
from tests.feedback.conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")  # a few kilobytes, however many pixels
    return out.getvalue()


def _send(client, village_head, upload):
    client.force_login(village_head)
    data = _form(attachment=upload, channels=["web"])
    response = client.post(reverse("announcement_create"), data)
    if response.status_code != 302:
        return response  # refused at the first step
    confirm = client.get(response.url)
    return client.post(response.url, {"fingerprint": confirm.context["summary"]["fingerprint"]})


def test_an_image_attachment_is_published_without_its_gps_position(
    client, village_head, world
) -> None:
    upload = SimpleUploadedFile("ban-do.jpg", jpeg_with_gps((1200, 900)), "image/jpeg")
    response = _send(client, village_head, upload)
    assert response.status_code == 302, response.content.decode()
    announcement = Announcement.objects.get()
    public = client.get(reverse("announcement_public_attachment", args=[announcement.public_code]))
    assert public.status_code == 200
    data = b"".join(public.streaming_content)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
        assert image.size == (900, 1200)  # turned upright as the camera meant
    assert b"PhoneMaker" not in data
    assert public["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bom.png", _png((30_000, 30_000)), "tối đa 50 megapixel"),  # Pillow's bomb error
        ("lon.png", _png((12_000, 12_000)), "tối đa 50 megapixel"),  # 144 MP: Pillow warns
        ("cut.jpg", jpeg_with_gps((1200, 900))[:5000], "không phải là ảnh đọc được"),
    ],
)
def test_an_image_that_cannot_be_cleaned_is_refused_with_a_message(
    client, village_head, world, name, content, message
) -> None:
    response = _send(client, village_head, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Announcement.objects.exists()


def test_a_pdf_attachment_is_a_download(client, village_head, world) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    response = _send(client, village_head, SimpleUploadedFile("lich-hop.pdf", pdf))
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    public = client.get(reverse("announcement_public_attachment", args=[announcement.public_code]))
    assert public["Content-Disposition"].startswith("attachment;")
    assert public["X-Content-Type-Options"] == "nosniff"
    assert b"".join(public.streaming_content) == pdf
