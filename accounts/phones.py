"""Vietnamese phone numbers, as people type them, to the E.164 form that is stored."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-()]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# Vietnamese mobile and landline numbers: 0 followed by 9 or 10 digits.
_VN_NATIONAL = re.compile(r"^0\d{9,10}$")


def normalize_phone(value: str) -> str:
    """``0912 345 678``, ``84912345678`` and ``+84 912-345-678`` all become ``+84912345678``."""
    raw = _SEPARATORS.sub("", value or "")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if _VN_NATIONAL.match(raw):
        raw = "+84" + raw[1:]
    elif raw.startswith("84") and len(raw) in (11, 12):
        raw = "+" + raw
    if not _E164.match(raw):
        raise ValidationError(
            _("Enter a valid phone number, for example 0912 345 678."), code="invalid_phone"
        )
    return raw


def looks_like_phone(value: str) -> bool:
    try:
        normalize_phone(value)
    except ValidationError:
        return False
    return True
