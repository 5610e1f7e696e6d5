"""Images that people upload: checked by content, re-encoded, resized, stripped of metadata.

Every image any app accepts (feedback photos, announcement attachments, attestation
evidence, heritage photos, lane sketches) goes through ``reencode``. Whatever a phone or a
camera wrote into the file (GPS position, device, time, thumbnails) is dropped: the pixels
are decoded and written again as a fresh JPEG. A file that is not an image, is truncated, is
too large, or would decode into more than ``MAX_PIXELS`` is refused with a message in the
user's language, before anything is stored.

``MAX_PIXELS`` is also Pillow's own decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``) for
the whole process: one limit, whichever code opens an image.

JPEG is decoded with ``Image.draft`` at the smallest scale that still covers the target size,
so a 12-megapixel photo is never held at full size.
"""

import io
import math
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

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
# 50 megapixels: above any phone camera's default; a decompression bomb is far above it.
MAX_PIXELS = 50_000_000
# Pillow warns above this and refuses twice as many; inside ``reencode`` the warning is an
# error too, so that the limit is exactly MAX_PIXELS.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "GIF", "MPO"}


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    width: int
    height: int


def not_an_image() -> ValidationError:
    return ValidationError(
        _("The file is not an image that can be read (JPEG, PNG, WebP or HEIC)."),
        code="not_an_image",
    )


def too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels (at most %(mp)d megapixels)."),
        code="too_many_pixels",
        params={"mp": MAX_PIXELS // 1_000_000},
    )


def reencode(data: bytes | IO[bytes], *, max_side: int = 1600, quality: int = 82) -> CleanImage:
    """Decode, orient, shrink and re-encode one image as a metadata-free JPEG."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        stream.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise not_an_image()
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise too_many_pixels()
                if image.format in ("JPEG", "MPO"):
                    # Ask for the final size: the decoder picks the smallest scale (1/2, 1/4,
                    # 1/8) that still covers it, so the full picture is never in memory.
                    ratio = min(1.0, max_side / max(width, height))
                    image.draft("RGB", (math.ceil(width * ratio), math.ceil(height * ratio)))
                image.load()  # a truncated file fails here
                picture = ImageOps.exif_transpose(image)
                if picture.mode not in ("RGB", "L"):
                    background = Image.new("RGB", picture.size, (255, 255, 255))
                    rgba = picture.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    picture = background
                elif picture.mode == "L":
                    picture = picture.convert("RGB")
                # reducing_gap: a fast box reduction to three times the target first, then
                # bicubic (indistinguishable; a third less time on a 12 MP HEIC).
                picture.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=3.0)
                # Only the pixels go into a fresh image: no EXIF, XMP, ICC, GPS or comment.
                clean = Image.new("RGB", picture.size)
                clean.paste(picture)
                out = io.BytesIO()
                # Baseline JPEG without the optimising pass: a few per cent larger, five
                # times faster to write.
                clean.save(out, "JPEG", quality=quality)
                return CleanImage(out.getvalue(), clean.width, clean.height)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise not_an_image() from exc
    finally:
        stream.seek(0)


def check_size(upload: UploadedFile, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large (at most %(mb)d MB)."),
            code="too_large",
            params={"mb": max(max_bytes // (1024 * 1024), 1)},
        )


def clean_image(
    upload: UploadedFile,
    *,
    max_side: int = 1600,
    quality: int = 82,
    prefix: str = "image",
    max_bytes: int = MAX_UPLOAD_BYTES,
    keep_name: bool = False,
) -> ContentFile:
    """A metadata-free JPEG of ``upload`` at most ``max_side`` pixels wide and high.

    Named ``<prefix>-<random>.jpg``, or after the upload with ``.jpg`` (``keep_name``).
    """
    check_size(upload, max_bytes)
    clean = reencode(upload, max_side=max_side, quality=quality)
    stem = PurePath(upload.name or "").stem if keep_name else ""
    name = f"{stem}.jpg" if stem else f"{prefix}-{uuid.uuid4().hex}.jpg"
    return ContentFile(clean.content, name=name)
