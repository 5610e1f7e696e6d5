"""Photos from phones, through the portal's one image cleaner (``villageportal.images``).

The cleaner checks the content, refuses more than ``MAX_PIXELS`` (read from the header,
before decoding), re-encodes as JPEG and drops all metadata; here its refusals are named
after the file, since a report carries up to five photos.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from villageportal import images

MAX_PIXELS = images.MAX_PIXELS


def max_side() -> int:
    return int(settings.FEEDBACK_PHOTO_MAX_SIDE)


def max_bytes() -> int:
    return int(settings.FEEDBACK_PHOTO_MAX_BYTES)


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    width: int
    height: int
    extension: str = ".jpg"


def process(data: bytes | io.IOBase, *, name: str = "") -> ProcessedPhoto:
    """Decode, orient, shrink and re-encode one photo as JPEG; ValidationError if it is not one."""
    try:
        clean = images.reencode(data, max_side=max_side(), quality=82)  # type: ignore[arg-type]
    except ValidationError as exc:
        if exc.code == "too_many_pixels":
            raise ValidationError(
                _("%(name)s is too large a picture (more than %(mp)s megapixels)."),
                params={"name": name or _("The file"), "mp": MAX_PIXELS // 1_000_000},
                code="too_many_pixels",
            ) from exc
        raise ValidationError(
            _("%(name)s is not a photo in a format we accept (JPEG, PNG, WebP or HEIC)."),
            params={"name": name or _("The file")},
            code="not_an_image",
        ) from exc
    return ProcessedPhoto(clean.content, clean.width, clean.height)
