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

from villageportal.numberwords import amount_words

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
ACCOUNT_MIN_DIGITS = 6
ACCOUNT_MAX_DIGITS = 19
PURPOSE_MAX_LENGTH = 25


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
    return int(settings.PAYMENTS_VIETQR_MAX_AMOUNT)


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


# An amount as Vietnamese people write it: whole dong, thousands grouped by dots or spaces (or
# not at all), optionally followed by the currency. A comma is a decimal comma in Vietnamese,
# so it is never taken for a thousands separator.
_AMOUNT = re.compile(
    r"(?P<number>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+)"
    r"(?:\s*(?:đồng|đ|₫|vnđ|vnd))?",
    re.IGNORECASE,
)


def _shown(text: str) -> str:
    return text if len(text) <= 30 else text[:29] + "…"


def clean_amount(value: object) -> int | None:
    """A whole number of dong, above zero and at most the configured limit; None if empty.

    ``50.000``, ``50 000``, ``50000``, ``50.000 đ``, ``50.000đ`` and ``50.000 đồng`` are fifty
    thousand dong. Anything that could be read two ways (``1000.5``, ``50,000``) or has a
    decimal part (``50.000,5``) is refused with a message that says why; nothing is rewritten.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        amount = value
    else:
        text = str(value).strip()
        if text[:1] in "-\u2212":
            raise ValidationError(_("The amount must be above zero."))
        match = _AMOUNT.fullmatch(text)
        if match is None:
            shown = {"value": _shown(text)}
            if "," in text:
                raise ValidationError(
                    _(
                        "“%(value)s” has a decimal comma: a VietQR code carries whole dong "
                        "only, for example 50.000."
                    )
                    % shown
                )
            if re.search(r"[0-9]{4,}\.|[0-9]\.(?![0-9]{3}(?![0-9]))", text):
                raise ValidationError(
                    _(
                        "In “%(value)s” the dot does not separate groups of three digits, so it "
                        "could be a decimal point: write whole dong, for example 50.000 or 50000."
                    )
                    % shown
                )
            raise ValidationError(
                _(
                    "“%(value)s” is not an amount: write a whole number of dong, for example "
                    "50.000, 50 000 or 50000."
                )
                % shown
            )
        amount = int(re.sub(r"[^0-9]", "", match.group("number")))
    if amount <= 0:
        raise ValidationError(_("The amount must be above zero."))
    if amount > max_amount():
        raise ValidationError(
            _("The amount is too large (at most %(max)s dong).")
            % {"max": amount_figures(max_amount())}
        )
    return amount


def amount_figures(amount: int) -> str:
    """``50000`` -> ``50.000``: thousands grouped by dots, as amounts are written in Vietnam."""
    return f"{amount:,}".replace(",", ".")


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


@dataclass(frozen=True)
class Encoded:
    """What a payment code asks the payer's banking app for."""

    amount: int | None
    purpose: str

    @property
    def amount_figures(self) -> str:
        return amount_figures(self.amount) if self.amount else ""

    @property
    def amount_words(self) -> str:
        return amount_words(self.amount) if self.amount else ""


def encoded(text: str) -> Encoded:
    """The amount (field 54) and the transfer message (field 62, sub-field 08) of a payload,
    read back from the payload itself, so that what is shown is what the code carries."""
    fields = parse(text)
    amount = fields.get("54")
    extra = parse(fields["62"]) if "62" in fields else {}
    return Encoded(amount=int(amount) if amount else None, purpose=extra.get("08", ""))
