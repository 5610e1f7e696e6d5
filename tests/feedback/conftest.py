"""Fixtures of the feedback tests: categories, reports, and photos as phones make them."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from feedback import services
from feedback.models import Category, Report


def jpeg_with_gps(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A camera-like JPEG: EXIF with GPS coordinates and a camera model, rotated by EXIF."""
    image = Image.new("RGB", size, (90, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° on display
    gps = {1: "N", 2: (18.0, 20.0, 10.5), 3: "E", 4: (105.0, 54.0, 2.25)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (800, 600), mode: str = "RGB") -> bytes:
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else None).save(out, fmt)
    return out.getvalue()


def bomb_png() -> bytes:
    """100 megapixels of one colour: a few kilobytes on disk, 100 MB and more once decoded."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def categories(village: Any) -> dict[str, Category]:
    services.categories_ensure_defaults(village=village)
    return {c.code: c for c in Category.objects.filter(village=village)}


def make_report(village: Any, category: Category, **fields: Any) -> Report:
    submission = services.Submission(
        category=category,
        description=fields.pop("description", "Đèn đường hỏng ở đầu ngõ"),
        answers={},
        lane=fields.pop("lane", None),
        latitude=fields.pop("latitude", None),
        longitude=fields.pop("longitude", None),
        reporter_name=fields.pop("reporter_name", "Lê Văn Nam"),
        reporter_email=fields.pop("reporter_email", "nam@example.com"),
        reporter_phone=fields.pop("reporter_phone", ""),
        show_name=fields.pop("show_name", False),
    )
    return services.report_submit(
        village=village,
        submission=submission,
        photos=fields.pop("photos", []),
        now=fields.pop("now", None),
        sender_hash=fields.pop("sender_hash", ""),
    )


@pytest.fixture
def report(village: Any, categories: dict[str, Category]) -> Report:
    return make_report(village, categories["roads"])


def hours_ago(hours: float) -> Any:
    return timezone.now() - timedelta(hours=hours)
