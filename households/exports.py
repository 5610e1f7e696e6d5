"""Export of the registry to .csv and .xlsx, streamed so that memory stays flat.

One row per current resident with the household's columns (a household without current
residents gets one row of its own), in the import's format so that a file can go back in.
Only the columns the reader's role may see are written; a role that sees no personal field
gets one row per household. Text that a spreadsheet would run as a formula is neutralised.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from households.imports import (
    COLUMN_BY_KEY,
    GENDER_WORDS,
    HOUSEHOLD_KEYS,
    NO_WORD,
    YES_WORD,
    relationship_word,
)
from households.models import Household, Resident
from households.services import SPREADSHEET_RESIDENT_FIELDS
from villageportal.xlsx_stream import xlsx_stream

# Resident columns in the declaration's order (households.services); "age", computed, follows
# the birth date and is written only for roles that see ages but not birth dates.
RESIDENT_KEYS = tuple(
    key
    for field in SPREADSHEET_RESIDENT_FIELDS
    for key in ((field, "age") if field == "birth_date" else (field,))
)
AGE_HEADER = "Tuổi"
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000


@dataclass(frozen=True)
class Plan:
    """Which columns a reader gets."""

    resident_keys: tuple[str, ...]

    @property
    def headers(self) -> list[str]:
        return [COLUMN_BY_KEY[k].header for k in HOUSEHOLD_KEYS] + [
            AGE_HEADER if k == "age" else COLUMN_BY_KEY[k].header for k in self.resident_keys
        ]


def export_plan(fields: frozenset[str]) -> Plan:
    """The columns for a reader who may see ``fields`` of residents."""
    if "full_name" not in fields:
        return Plan(())
    keys = tuple(k for k in RESIDENT_KEYS if k in fields)
    if "birth_date" in keys:
        keys = tuple(k for k in keys if k != "age")
    return Plan(keys)


def _age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _household_cells(household: Household) -> list[Any]:
    return [
        household.lane.name if household.lane_id else "",
        household.house_number,
        household.digital_address,
        household.latitude,
        household.longitude,
        YES_WORD if household.is_business else NO_WORD,
        household.business_name,
    ]


def _resident_cells(resident: Resident, keys: tuple[str, ...], today: date) -> list[Any]:
    cells: list[Any] = []
    for key in keys:
        if key == "gender":
            cells.append(GENDER_WORDS.get(resident.gender, ""))
        elif key == "relationship":
            cells.append(relationship_word(resident.relationship, resident.gender))
        elif key == "age":
            cells.append(_age(resident.birth_date, today))
        elif key == "phone":
            cells.append(_national_phone(resident.phone))
        else:
            cells.append(getattr(resident, key))
    return cells


def _national_phone(phone: str) -> str:
    """+84912345678 -> 0912345678, as people write it (and no leading "+" for Excel)."""
    return "0" + phone[3:] if phone.startswith("+84") else phone


def export_rows(households: QuerySet[Household], plan: Plan) -> Iterator[list[Any]]:
    """The rows of the export, read from the database a thousand households at a time."""
    today = timezone.localdate()
    if not plan.resident_keys:
        for household in households.iterator(chunk_size=CHUNK):
            yield _household_cells(household)
        return
    loaded = {"household_id", "gender", "relationship", "is_head", "birth_date"}
    loaded |= {k for k in plan.resident_keys if k != "age"}
    residents = Resident.objects.current().only(*loaded).order_by("-is_head", "birth_date", "pk")
    households = households.prefetch_related(
        Prefetch("residents", queryset=residents, to_attr="current_residents")
    )
    empty = [None] * len(plan.resident_keys)
    for household in households.iterator(chunk_size=CHUNK):
        base = _household_cells(household)
        if not household.current_residents:
            yield base + empty
        for resident in household.current_residents:
            yield base + _resident_cells(resident, plan.resident_keys, today)


# ---------------------------------------------------------------------------------------
# CSV


def csv_safe(value: Any) -> str:
    """The text of a CSV cell; text that would start a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM, so that Excel shows Vietnamese; about 64 KB per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------
# XLSX


def xlsx_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The workbook as a stream (``villageportal.xlsx_stream``): text is never a formula."""
    return xlsx_stream(headers, rows, sheet_name="Hộ gia đình")
