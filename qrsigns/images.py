"""Photos for the public pages: checked, oriented, resized and re-encoded without metadata."""

import io
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# An upload larger than this is refused before it is decoded.
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# A decoded image larger than this (in pixels) is refused: a small file can unpack into a
# huge bitmap (a "decompression bomb").
MAX_PIXELS = 50_000_000
# The longest side kept: enough for a phone screen at 2x, light for a slow connection.
MAX_SIDE = 1280
JPEG_QUALITY = 80


class ImageRejected(ValueError):
    pass


def _max_upload_bytes() -> int:
    return int(getattr(settings, "QRSIGNS_IMAGE_MAX_BYTES", MAX_UPLOAD_BYTES))


def clean_photo(upload: Any) -> bytes:
    """The photo re-encoded as a JPEG of at most ``MAX_SIDE`` pixels, with no metadata.

    Only the pixels are copied into a new image, so EXIF (camera, GPS position, date), XMP and
    comments are left behind; the EXIF orientation is applied first so the photo stays upright.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > _max_upload_bytes():
        raise ImageRejected(
            _("The file is too large (at most %(mb)d MB).") % {"mb": _max_upload_bytes() // 2**20}
        )
    try:
        upload.seek(0)
        raw = upload.read(_max_upload_bytes() + 1)
    except (AttributeError, OSError) as exc:
        raise ImageRejected(_("The file could not be read.")) from exc
    if len(raw) > _max_upload_bytes():
        raise ImageRejected(
            _("The file is too large (at most %(mb)d MB).") % {"mb": _max_upload_bytes() // 2**20}
        )
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected(_("The image has too many pixels."))
            if probe.format not in {"JPEG", "PNG", "WEBP", "GIF", "HEIF", "MPO"}:
                raise ImageRejected(_("Upload a photo in JPEG, PNG, WebP or HEIC format."))
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            clean = Image.new(image.mode, image.size)
            clean.paste(image)
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise ImageRejected(_("This file is not an image the portal can read.")) from exc
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def _register_heif() -> None:
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - optional
        return
    register_heif_opener()


_register_heif()
