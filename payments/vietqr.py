"""VietQR: the EMVCo merchant-presented QR payload that Vietnamese banking apps pay from.

The payload is a string of TLV fields (two-digit ID, two-digit length, value). NAPAS's VietQR
puts the beneficiary in field 38: the NAPAS identifier, then the bank's BIN and the account
number, then the service code for a transfer to an account. The CRC is CRC-16/CCITT-FALSE
over the whole payload including "6304", which is ``binascii.crc_hqx`` started at 0xFFFF.
"""

import binascii
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
ACCOUNT_MIN_DIGITS = 6
ACCOUNT_MAX_DIGITS = 19
PURPOSE_MAX_LENGTH = 25
DEFAULT_MAX_AMOUNT = 500_000_000


@dataclass(frozen=True)
class Bank:
    bin: str
    code: str
    short_name: str
    name: str


@cache
def banks() -> tuple[Bank, ...]:
    path = Path(__file__).parent / "data" / "banks.json"
    return tuple(Bank(**row) for row in json.loads(path.read_text(encoding="utf-8")))


def bank_by_bin(bin_: str) -> Bank | None:
    return next((b for b in banks() if b.bin == (bin_ or "").strip()), None)


def max_amount() -> int:
    return int(getattr(settings, "PAYMENTS_VIETQR_MAX_AMOUNT", DEFAULT_MAX_AMOUNT))


def clean_account_number(value: str) -> str:
    text = re.sub(r"[\s.-]", "", value or "")
    if not text:
        raise ValidationError(_("Enter the account number."))
    if not text.isascii() or not text.isdigit():
        raise ValidationError(_("An account number has digits only."))
    if not ACCOUNT_MIN_DIGITS <= len(text) <= ACCOUNT_MAX_DIGITS:
        raise ValidationError(
            _("An account number has %(min)d to %(max)d digits.")
            % {"min": ACCOUNT_MIN_DIGITS, "max": ACCOUNT_MAX_DIGITS}
        )
    return text


def _ascii_upper(text: str) -> str:
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def clean_account_name(value: str) -> str:
    text = " ".join(_ascii_upper(value).split())
    if len(text) > 50:
        raise ValidationError(_("The account holder's name is too long (50 characters at most)."))
    if text and not re.fullmatch(r"[A-Z0-9 .,'-]+", text):
        raise ValidationError(_("The account holder's name has letters and spaces only."))
    return text


def clean_amount(value: object) -> int | None:
    """A whole number of dong, above zero and at most the configured limit; None if empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().replace(" ", "").replace(".", "").replace(",", "")
    if text.startswith("-"):
        raise ValidationError(_("The amount must be above zero."))
    if not text.isascii() or not text.isdigit():
        raise ValidationError(_("The amount is a whole number of dong."))
    amount = int(text)
    if amount <= 0:
        raise ValidationError(_("The amount must be above zero."))
    if amount > max_amount():
        raise ValidationError(
            _("The amount is too large (at most %(max)s dong).") % {"max": f"{max_amount():,}"}
        )
    return amount


def clean_purpose(value: str) -> str:
    """The transfer message, without diacritics (many banking apps mangle them)."""
    text = " ".join(_ascii_upper(value).split()) if value else ""
    if not text:
        return ""
    if len(text) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            _("The transfer message is too long (%(max)d characters at most).")
            % {"max": PURPOSE_MAX_LENGTH}
        )
    if not re.fullmatch(r"[A-Z0-9 ]+", text):
        raise ValidationError(_("The transfer message has letters, digits and spaces only."))
    return text


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def payload(
    *,
    bank_bin: str,
    account_number: str,
    amount: int | None = None,
    purpose: str = "",
    merchant_name: str = "",
    merchant_city: str = "",
) -> str:
    """The VietQR string; the inputs are validated here as well as in the forms."""
    if bank_by_bin(bank_bin) is None:
        raise ValidationError(_("Unknown bank."))
    account_number = clean_account_number(account_number)
    amount = clean_amount(amount)
    purpose = clean_purpose(purpose)
    beneficiary = tlv("00", bank_bin) + tlv("01", account_number)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    parts = [
        tlv("00", "01"),
        tlv("01", "12" if amount else "11"),
        tlv("38", merchant),
        tlv("53", CURRENCY_VND),
    ]
    if amount:
        parts.append(tlv("54", str(amount)))
    parts.append(tlv("58", COUNTRY))
    if merchant_name:
        parts.append(tlv("59", _ascii_upper(merchant_name)[:25]))
    if merchant_city:
        parts.append(tlv("60", _ascii_upper(merchant_city)[:15]))
    if purpose:
        parts.append(tlv("62", tlv("08", purpose)))
    body = "".join(parts) + "6304"
    return body + crc16(body)


def parse(text: str) -> dict[str, str]:
    """Split a TLV string into {tag: value}; ValueError if it is not well formed."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(text):
        if i + 4 > len(text):
            raise ValueError("truncated field header")
        tag, length = text[i : i + 2], text[i + 2 : i + 4]
        if not (tag.isdigit() and length.isdigit()):
            raise ValueError(f"bad field header at {i}")
        end = i + 4 + int(length)
        if end > len(text):
            raise ValueError(f"field {tag} runs past the end")
        if tag in fields:
            raise ValueError(f"field {tag} repeated")
        fields[tag] = text[i + 4 : end]
        i = end
    return fields


def checksum_ok(text: str) -> bool:
    return len(text) > 8 and text[-8:-4] == "6304" and crc16(text[:-4]) == text[-4:]
