"""Images that people upload: checked by content, re-encoded, resized, stripped of metadata.

Whatever a phone or a camera wrote into the file (GPS position, device, time, thumbnails) is
dropped: the pixels are decoded and written again as a fresh JPEG. A file that is not an
image, is too large, or would decode into too many pixels is refused with a message in the
user's language, before anything is stored.
"""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF photos from phones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - the dependency is declared
    pass

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 50-megapixel camera passes; a decompression bomb does not
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "GIF", "MPO"}


def clean_image(
    upload: UploadedFile,
    *,
    max_side: int = 1600,
    quality: int = 82,
    prefix: str = "image",
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> ContentFile:
    """A metadata-free JPEG of ``upload`` at most ``max_side`` pixels wide and high."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)d MB)."),
            code="too_large",
            params={"mb": max(max_bytes // (1024 * 1024), 1)},
        )
    not_an_image = ValidationError(
        _("The file is not an image that can be read (JPEG, PNG, WebP or HEIC)."),
        code="not_an_image",
    )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise not_an_image
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels (at most %(mp)d megapixels)."),
                    code="too_many_pixels",
                    params={"mp": MAX_PIXELS // 1_000_000},
                )
            if image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))  # decode at a reduced scale
            image = ImageOps.exif_transpose(image)
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            if image.mode != "RGB":
                background = Image.new("RGB", image.size, "white")
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            # Only the pixels go into a fresh image: Pillow would otherwise carry the
            # original's comment, XMP or ICC data (``image.info``) into the new file.
            clean = Image.new("RGB", image.size)
            clean.paste(image)
            out = io.BytesIO()
            clean.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, where an app lowered it
        raise ValidationError(
            _("The image has too many pixels (at most %(mp)d megapixels)."),
            code="too_many_pixels",
            params={"mp": min(MAX_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_PIXELS) // 1_000_000},
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise not_an_image from exc
    finally:
        upload.seek(0)
    return ContentFile(out.getvalue(), name=f"{prefix}-{uuid.uuid4().hex}.jpg")
