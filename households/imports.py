"""Import of households and residents from a spreadsheet (.xlsx or .csv).

One row per resident; the household's columns repeat on each member's row (a member row may
also leave both the lane and the house number blank: it then belongs to the household above,
as with merged cells). An upload is checked first, a dry run that writes nothing but the
job's report, and written only when the user confirms, in one transaction: all rows or none,
unless the user chose to import only the valid households.

Both passes stream the file (openpyxl in read-only mode, the csv reader) and work through it
a few hundred households at a time, so memory holds one batch plus the keys needed to find
duplicates inside the file. The column headers and the words in the cells ("Nam", "Chủ hộ")
are the file format that village offices use, so they stay Vietnamese whatever the language
of the page; messages about them go through gettext.
"""

import codecs
import csv
import difflib
import io
import logging
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache, partial
from pathlib import PurePath
from types import SimpleNamespace
from typing import IO, Any

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from households import history
from households.models import Household, ImportJob, Resident, Village, natural_key
from households.registry import (
    clean_digital_address,
    clean_national_id,
    clean_phone,
    fold,
    search_document,
)
from villageportal import public_cache
from villageportal.inputs import has_forbidden_characters

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------
# The file format


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("lane", "Ngõ/xóm", True, ("Ngõ", "Xóm", "Ngõ xóm", "Tuyến đường")),
    Column("house_number", "Số nhà", True),
    Column("digital_address", "Mã địa chỉ số", False, ("Địa chỉ số",)),
    Column("latitude", "Vĩ độ"),
    Column("longitude", "Kinh độ"),
    Column("is_business", "Hộ kinh doanh"),
    Column("business_name", "Tên cơ sở", False, ("Tên cơ sở kinh doanh",)),
    Column("full_name", "Họ và tên", True, ("Họ tên",)),
    Column("gender", "Giới tính", True),
    Column("birth_date", "Ngày sinh", False, ("Ngày tháng năm sinh",)),
    Column("national_id", "Số CCCD", False, ("CCCD", "Số định danh", "Số định danh cá nhân")),
    Column("phone", "Số điện thoại", False, ("Điện thoại", "SĐT")),
    Column("relationship", "Quan hệ với chủ hộ", True, ("Quan hệ",)),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
HOUSEHOLD_KEYS = (
    "lane",
    "house_number",
    "digital_address",
    "latitude",
    "longitude",
    "is_business",
    "business_name",
)
# Household values that member rows may repeat or leave blank.
SHARED_KEYS = HOUSEHOLD_KEYS[2:]
_REPEATED = frozenset(HOUSEHOLD_KEYS)
# Row-number columns that people add to their lists; not data.
IGNORED_HEADERS = frozenset({"stt", "so thu tu"})

GENDERS = {"nam": Resident.Gender.MALE, "nu": Resident.Gender.FEMALE}
GENDER_WORDS = {Resident.Gender.MALE: "Nam", Resident.Gender.FEMALE: "Nữ"}

R = Resident.Relationship
RELATIONSHIPS: dict[str, str] = {
    "chu ho": R.HEAD,
    "vo": R.SPOUSE,
    "chong": R.SPOUSE,
    "con": R.CHILD,
    "con de": R.CHILD,
    "con ruot": R.CHILD,
    "con nuoi": R.CHILD,
    "bo": R.PARENT,
    "cha": R.PARENT,
    "me": R.PARENT,
    "chau": R.GRANDCHILD,
    "chau noi": R.GRANDCHILD,
    "chau ngoai": R.GRANDCHILD,
    "ong": R.GRANDPARENT,
    "ba": R.GRANDPARENT,
    "ong noi": R.GRANDPARENT,
    "ong ngoai": R.GRANDPARENT,
    "ba noi": R.GRANDPARENT,
    "ba ngoai": R.GRANDPARENT,
    "anh": R.SIBLING,
    "chi": R.SIBLING,
    "em": R.SIBLING,
    "anh chi em": R.SIBLING,
    "anh trai": R.SIBLING,
    "chi gai": R.SIBLING,
    "em trai": R.SIBLING,
    "em gai": R.SIBLING,
    "con dau": R.CHILD_IN_LAW,
    "con re": R.CHILD_IN_LAW,
    "khac": R.OTHER,
}
# The words an export writes, by relationship and gender (female, male).
RELATIONSHIP_WORDS: dict[str, tuple[str, str]] = {
    R.HEAD: ("Chủ hộ", "Chủ hộ"),
    R.SPOUSE: ("Vợ", "Chồng"),
    R.CHILD: ("Con", "Con"),
    R.PARENT: ("Mẹ", "Bố"),
    R.GRANDCHILD: ("Cháu", "Cháu"),
    R.GRANDPARENT: ("Bà", "Ông"),
    R.SIBLING: ("Anh/chị/em", "Anh/chị/em"),
    R.CHILD_IN_LAW: ("Con dâu", "Con rể"),
    R.OTHER: ("Khác", "Khác"),
}
YES = frozenset({"co", "x", "1", "c", "yes", "true", "dung"})
NO = frozenset({"khong", "0", "k", "no", "false", "sai"})
YES_WORD, NO_WORD = "Có", "Không"
# dd/mm/yyyy (also with - or .), and yyyy-mm-dd (also with /).
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
YEAR_FIRST = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")

EXAMPLE_ROW = {
    "lane": "Ngõ 1",
    "house_number": "12",
    "digital_address": "",
    "latitude": "18.3427",
    "longitude": "105.9057",
    "is_business": NO_WORD,
    "business_name": "",
    "full_name": "Nguyễn Văn An",
    "gender": "Nam",
    "birth_date": "25/03/1985",
    "national_id": "042085012345",
    "phone": "0912 345 678",
    "relationship": "Chủ hộ",
}


def relationship_word(relationship: str, gender: str) -> str:
    female, male = RELATIONSHIP_WORDS.get(relationship, ("", ""))
    return female if gender == Resident.Gender.FEMALE else male


# ---------------------------------------------------------------------------------------
# Messages: errors are stored as codes and parameters and put into words when shown, in the
# language of whoever reads them.

MESSAGES: dict[str, Any] = {
    "empty_file": gettext_lazy("The file is empty."),
    "too_big": gettext_lazy("The file is larger than %(limit)s MB: split it into smaller files."),
    "unsupported_format": gettext_lazy("Upload an .xlsx or a .csv file."),
    "old_excel": gettext_lazy(
        "This is an old Excel file (.xls): open it in Excel and save it as .xlsx."
    ),
    "not_a_spreadsheet": gettext_lazy(
        "The file could not be read as a spreadsheet: it is damaged or not an Excel file."
    ),
    "not_text": gettext_lazy("The file is not a CSV text file."),
    "no_header": gettext_lazy(
        "No header row was found: the first row must name the columns, as in the template."
    ),
    "no_rows": gettext_lazy("The file has a header row but no residents."),
    "missing_column": gettext_lazy("The column “%(header)s” is missing."),
    "unknown_column": gettext_lazy(
        "Unknown column “%(header)s”. The columns are named as in the template."
    ),
    "unknown_column_suggest": gettext_lazy(
        "Unknown column “%(header)s”: did you mean “%(suggestion)s”?"
    ),
    "duplicate_column": gettext_lazy("The column “%(header)s” appears twice."),
    "required": gettext_lazy("This cell must be filled in."),
    "formula": gettext_lazy(
        "Formulas are not accepted (“%(value)s”): enter the value itself as text."
    ),
    "too_long": gettext_lazy("At most %(max)d characters (%(count)d given)."),
    "control_characters": gettext_lazy(
        "The cell contains control characters that are not allowed."
    ),
    "unknown_lane": gettext_lazy(
        "The village has no lane “%(value)s”: add the lane first or correct the name."
    ),
    "unknown_lane_suggest": gettext_lazy(
        "The village has no lane “%(value)s”: did you mean “%(suggestion)s”?"
    ),
    "invalid_date": gettext_lazy(
        "“%(value)s” is not a date: write it as dd/mm/yyyy, for example 25/03/1985."
    ),
    "future_date": gettext_lazy("The birth date is in the future."),
    "too_old": gettext_lazy("A birth date before 1900 is not plausible."),
    "invalid_gender": gettext_lazy("Write “Nam” or “Nữ”, not “%(value)s”."),
    "invalid_relationship": gettext_lazy(
        "Unknown relationship “%(value)s”: write for example “Chủ hộ”, “Vợ”, “Chồng”, “Con” "
        "or “Khác”."
    ),
    "invalid_yes_no": gettext_lazy("Write “Có” or “Không”, not “%(value)s”."),
    "invalid_number": gettext_lazy("“%(value)s” is not a number."),
    "latitude_range": gettext_lazy("A latitude lies between -90 and 90."),
    "longitude_range": gettext_lazy("A longitude lies between -180 and 180."),
    "trade_name_without_business": gettext_lazy(
        "A trade name is given but the household is not marked as a business household."
    ),
    "invalid_national_id": gettext_lazy("A CCCD number has exactly 12 digits (%(count)d given)."),
    "national_id_as_number": gettext_lazy(
        "A CCCD number has exactly 12 digits (%(count)d given). The cell holds a number, "
        "which loses the leading zero: format the column as text."
    ),
    "invalid_phone": gettext_lazy("Enter a valid phone number, for example 0912 345 678."),
    "invalid_digital_address": gettext_lazy("“%(value)s” is not a valid digital address code."),
    "duplicate_national_id_in_file": gettext_lazy(
        "The same CCCD number is already on row %(row)d."
    ),
    "national_id_taken": gettext_lazy("This ID number is already registered for another person."),
    "duplicate_digital_address_in_file": gettext_lazy(
        "The same digital address code is already used on row %(row)d."
    ),
    "digital_address_taken": gettext_lazy("This digital address code is already registered."),
    "house_number_taken": gettext_lazy(
        "An active household is already registered at number %(value)s in this lane."
    ),
    "house_number_taken_since": gettext_lazy(
        "Meanwhile a household was registered at the same lane and house number."
    ),
    "household_repeated": gettext_lazy(
        "A household with this lane and house number already starts on row %(row)d: the "
        "members of a household must be on consecutive rows."
    ),
    "household_differs": gettext_lazy(
        "This differs from row %(row)d of the same household (“%(value)s”)."
    ),
    "two_heads": gettext_lazy("The household already has a head on row %(row)d."),
    "no_head": gettext_lazy(
        "The household has no head: one member's relationship must be “Chủ hộ”."
    ),
    "more_errors": gettext_lazy("… and %(count)d more errors that are not listed."),
    "cancelled": gettext_lazy("Cancelled: nothing was written."),
    "expired": gettext_lazy("Not confirmed in time: the file was removed and nothing was written."),
    "registry_changed": gettext_lazy(
        "The registry changed since the check and some rows are no longer valid: nothing was "
        "written. Upload the file again."
    ),
    "failed": gettext_lazy(
        "The import stopped because of an unexpected error: nothing was written."
    ),
}

PREVIEW_ROWS = 20
MAX_ERRORS = 1000
# Households whose rows are checked against the registry together.
BATCH = 1000
# Files up to this size are checked during the upload request; larger ones by a worker.
INLINE_CHECK_MAX_BYTES = 256 * 1024
STALE_AFTER_HOURS = 24


def max_bytes() -> int:
    return int(settings.IMPORT_MAX_BYTES)


def error(code: str, *, at: int | None = None, column: str = "", **params: Any) -> dict:
    """An error as stored on the job: the row (as numbered in the spreadsheet), the column."""
    return {"row": at, "column": column, "code": code, "params": params}


def error_text(item: dict) -> str:
    """The message of a stored error, in the active language."""
    template = MESSAGES.get(item.get("code", ""), MESSAGES["failed"])
    try:
        return str(template) % item.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(template)


class ImportFileError(Exception):
    """The file as a whole cannot be imported: a wrong format, missing columns, no rows."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors[0]["code"] if errors else "")
        self.errors = errors


# ---------------------------------------------------------------------------------------
# Checking an upload before it is stored


def validate_upload(upload: UploadedFile) -> str:
    """The file's format ("xlsx" or "csv"), or a ValidationError saying why it is refused.

    Only the size, the name and the first bytes are looked at: the file is read by the check.
    """
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            error_text(error("too_big", limit=limit // (1024 * 1024))), code="too_big"
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix == ".xls":
        raise ValidationError(error_text(error("old_excel")), code="old_excel")
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError(error_text(error("unsupported_format")), code="unsupported_format")
    if not upload.size:
        raise ValidationError(error_text(error("empty_file")), code="empty_file")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if suffix == ".xlsx" and not head.startswith(b"PK\x03\x04"):
        raise ValidationError(error_text(error("not_a_spreadsheet")), code="not_a_spreadsheet")
    if suffix == ".csv" and _looks_binary(head):
        raise ValidationError(error_text(error("not_text")), code="not_text")
    return suffix[1:]


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head or head.startswith(b"PK\x03\x04")


# ---------------------------------------------------------------------------------------
# Reading rows


@dataclass
class Source:
    """The rows of a file as (row number, cells), and how far through the file we are."""

    rows: Iterator[tuple[int, Sequence[Any]]]
    fraction: Callable[[], float]


@contextmanager
def open_source(fileobj: IO[bytes], *, name: str, size: int) -> Iterator[Source]:
    suffix = PurePath(name).suffix.lower()
    if size == 0:
        raise ImportFileError([error("empty_file")])
    if suffix == ".xlsx":
        with _xlsx_source(fileobj) as source:
            yield source
    elif suffix == ".csv":
        yield _csv_source(fileobj, size)
    else:
        raise ImportFileError([error("unsupported_format")])


@contextmanager
def _xlsx_source(fileobj: IO[bytes]) -> Iterator[Source]:
    # Untrusted input: openpyxl raises many kinds of errors on a damaged file.
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception as exc:
        raise ImportFileError([error("not_a_spreadsheet")]) from exc
    try:
        try:
            sheet = _data_sheet(workbook.worksheets)
            expected = sheet.max_row or 0
            sheet.reset_dimensions()  # the stored dimensions may be wrong: read every row
        except Exception as exc:
            raise ImportFileError([error("not_a_spreadsheet")]) from exc
        done = [0]

        def rows() -> Iterator[tuple[int, Sequence[Any]]]:
            try:
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                    done[0] = number
                    yield number, cells
            except ImportFileError:
                raise
            except Exception as exc:
                raise ImportFileError([error("not_a_spreadsheet")]) from exc

        yield Source(rows(), lambda: min(done[0] / expected, 1.0) if expected else 0.0)
    finally:
        workbook.close()


def _data_sheet(sheets: list) -> Any:
    """The first sheet whose first rows hold the most known headers (a guide may come first)."""
    best, best_score = None, -1
    for sheet in sheets:
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet
        score = max(
            (_header_score(cells) for cells in sheet.iter_rows(max_row=10, values_only=True)),
            default=0,
        )
        if score > best_score:
            best, best_score = sheet, score
    if best is None:
        raise ImportFileError([error("not_a_spreadsheet")])
    return best


def _csv_source(fileobj: IO[bytes], size: int) -> Source:
    encoding = _csv_encoding(fileobj)
    fileobj.seek(0)
    text = io.TextIOWrapper(fileobj, encoding=encoding, errors="replace", newline="")
    first_line = text.readline()
    text.seek(0)
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ImportFileError([error("not_text")]) from exc
        finally:
            text.detach()

    return Source(rows(), lambda: min(fileobj.tell() / size, 1.0) if size else 0.0)


def _csv_encoding(fileobj: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) if every byte decodes as such, else Windows-1258.

    Excel in Vietnamese Windows saves "CSV" in code page 1258; "CSV UTF-8" and other tools
    write UTF-8. The whole file is decoded once, in chunks, because a name with diacritics
    may first appear far down.
    """
    fileobj.seek(0)
    head = fileobj.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    fileobj.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fileobj.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8-sig"


# ---------------------------------------------------------------------------------------
# Headers


_fold = lru_cache(maxsize=8192)(fold)


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """Compare words ignoring case, diacritics, spaces and punctuation: "Ngõ / Xóm" = "ngoxom"."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@lru_cache(maxsize=4096)
def _words(text: str) -> str:
    """Case and diacritics ignored, words kept apart: "Con  Dâu" -> "con dau"."""
    return " ".join(re.split(r"[^a-z0-9]+", fold(text))).strip()


HEADER_KEYS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_KEYS[_key(_name)] = _column.key
IGNORED_KEYS = frozenset(_key(h) for h in IGNORED_HEADERS)


def _header_score(cells: Sequence[Any]) -> int:
    return sum(1 for c in cells if _key(_text(c)) in HEADER_KEYS)


@dataclass
class Header:
    row: int
    indexes: dict[str, int]
    names: dict[str, str]  # the header of each column as written in the file

    def name(self, key: str) -> str:
        return self.names.get(key, COLUMN_BY_KEY[key].header)


def read_header(rows: Iterator[tuple[int, Sequence[Any]]]) -> tuple[Header, list]:
    """Find the header row among the first rows and map its columns; return rows read past it.

    A title above the header ("DANH SÁCH HỘ GIA ĐÌNH") is skipped. Unknown, misspelled,
    repeated and missing columns are reported together.
    """
    candidates: list[tuple[int, Sequence[Any]]] = []
    for number, cells in rows:
        if not _blank(cells):
            candidates.append((number, cells))
        if len(candidates) >= 10:
            break
    if not candidates:
        raise ImportFileError([error("empty_file")])
    best = max(candidates, key=lambda item: _header_score(item[1]))
    if _header_score(best[1]) == 0:
        best = candidates[0]
    number, cells = best
    after = [item for item in candidates if item[0] > number]
    problems: list[dict] = []
    indexes: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, cell in enumerate(cells):
        text = _text(cell)
        if not text or _key(text) in IGNORED_KEYS:
            continue
        key = HEADER_KEYS.get(_key(text))
        if key is None:
            suggestion = _suggest_header(text)
            if suggestion:
                problems.append(
                    error(
                        "unknown_column_suggest",
                        at=number,
                        column=text,
                        header=text,
                        suggestion=suggestion,
                    )
                )
            else:
                problems.append(error("unknown_column", at=number, column=text, header=text))
        elif key in indexes:
            problems.append(error("duplicate_column", at=number, column=text, header=text))
        else:
            indexes[key] = index
            names[key] = text
    for column in COLUMNS:
        if column.required and column.key not in indexes:
            problems.append(
                error("missing_column", at=number, column=column.header, header=column.header)
            )
    if (
        problems
        and not indexes
        and not any(p["code"] == "unknown_column_suggest" for p in problems)
    ):
        # Nothing in the first rows looks like our columns: say that, not thirteen things.
        raise ImportFileError([error("no_header", at=number)])
    if problems:
        raise ImportFileError(problems)
    return Header(number, indexes, names), after


def _suggest_header(text: str) -> str:
    names = {_key(n): c.header for c in COLUMNS for n in (c.header, *c.aliases)}
    close = difflib.get_close_matches(_key(text), list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else ""


# ---------------------------------------------------------------------------------------
# Cells


class CellError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _blank(cells: Sequence[Any]) -> bool:
    # A loop rather than all(...): it runs once per row and mostly stops at the first cell.
    for cell in cells:
        if cell is None:
            continue
        if not isinstance(cell, str) or cell.strip():
            return False
    return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is str:
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
        return " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if not value.time() else value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(text.split())


def _plain_text(value: Any, *, max_length: int, names: bool = False) -> str:
    text = _no_control(_text(value))
    if text.startswith("=") or (names and text[:1] in ("+", "-", "@")):
        raise CellError("formula", value=text[:40])
    if len(text) > max_length:
        raise CellError("too_long", max=max_length, count=len(text))
    return text


def _no_control(text: str) -> str:
    if has_forbidden_characters(text):
        raise CellError("control_characters")
    return text


def _no_formula(value: Any) -> str:
    text = _no_control(_text(value))
    if text.startswith("="):
        raise CellError("formula", value=text[:40])
    return text


def _clean_date(value: Any, today: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 1900 <= value <= 2100 or not 1 <= value < 2958466:
            # A year alone, or nothing like a day count: not a date.
            raise CellError("invalid_date", value=_text(value))
        parsed = from_excel(value).date()
    else:
        text = _no_formula(value)
        if not text:
            return None
        text = text.split(" ")[0]  # "1985-03-25 00:00:00" from some tools
        match = DAY_FIRST.fullmatch(text)
        if match:
            day, month, year = match.groups()
        elif match := YEAR_FIRST.fullmatch(text):
            year, month, day = match.groups()
        else:
            raise CellError("invalid_date", value=_text(value)[:40])
        try:
            parsed = date(int(year), int(month), int(day))
        except ValueError as exc:
            raise CellError("invalid_date", value=_text(value)[:40]) from exc
    if parsed > today:
        raise CellError("future_date")
    if parsed.year < 1900:
        raise CellError("too_old")
    return parsed


def _clean_decimal(value: Any, limit: int, range_code: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError("invalid_number", value=_text(value))
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = _no_formula(value).replace(" ", "")
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as Vietnamese Excel writes it
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError("invalid_number", value=_text(value)[:40]) from exc
    if not number.is_finite():
        raise CellError("invalid_number", value=_text(value)[:40])
    if not -limit <= number <= limit:
        raise CellError(range_code)
    return number.quantize(Decimal("0.0000001"), rounding=ROUND_HALF_UP)


def _clean_yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _no_formula(value)
    if not text:
        return None
    word = _words(text)
    if word in YES:
        return True
    if word in NO:
        return False
    raise CellError("invalid_yes_no", value=text[:40])


def _clean_gender(value: Any) -> str:
    text = _no_formula(value)
    if not text:
        raise CellError("required")
    gender = GENDERS.get(_words(text)) or (
        text.lower() if text.lower() in Resident.Gender.values else None
    )
    if gender is None:
        raise CellError("invalid_gender", value=text[:40])
    return gender


def _clean_relationship(value: Any) -> str:
    text = _no_formula(value)
    if not text:
        raise CellError("required")
    words = _words(text)
    relationship = RELATIONSHIPS.get(words) or RELATIONSHIPS.get(words.replace(" ", ""))
    if relationship is None and words.replace(" ", "_") in Resident.Relationship.values:
        relationship = words.replace(" ", "_")
    if relationship is None:
        raise CellError("invalid_relationship", value=text[:40])
    return relationship


def _clean_national_id(value: Any) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    text = _no_formula(value)
    try:
        return clean_national_id(text)
    except ValidationError as exc:
        count = len(re.sub(r"\D", "", text))
        if numeric and count == 11:
            raise CellError("national_id_as_number", count=count) from exc
        raise CellError("invalid_national_id", count=count) from exc


def _clean_phone(value: Any) -> str:
    text = _no_formula(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and len(text) == 9:
        text = "0" + text  # the leading zero a number cell dropped
    try:
        return clean_phone(text)
    except ValidationError as exc:
        raise CellError("invalid_phone") from exc


def _clean_digital_address(value: Any) -> str:
    text = _no_formula(value)
    try:
        text = clean_digital_address(text)
    except ValidationError as exc:
        raise CellError("invalid_digital_address", value=text[:40]) from exc
    if len(text) > 32:
        raise CellError("too_long", max=32, count=len(text))
    return text


def _clean_lane(lanes: dict[str, tuple[int, str]], value: Any) -> tuple[int, str] | None:
    """The lane of the village with this name (case and diacritics ignored)."""
    text = _plain_text(value, max_length=100)
    if not text:
        return None
    lane = lanes.get(_fold(text))
    if lane is None:
        close = difflib.get_close_matches(_fold(text), list(lanes), n=1, cutoff=0.75)
        if close:
            raise CellError("unknown_lane_suggest", value=text[:60], suggestion=lanes[close[0]][1])
        raise CellError("unknown_lane", value=text[:60])
    return lane


# ---------------------------------------------------------------------------------------
# Rows and households


@dataclass(slots=True)
class Row:
    number: int
    raw: dict[str, Any]
    values: dict[str, Any]
    errors: list[dict] = field(default_factory=list)
    continuation: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.values.get("lane_key", ""), self.values.get("house_key", ""))


@dataclass
class Draft:
    """The rows of one household, in file order, with what was found wrong with it."""

    rows: list[Row]
    values: dict[str, Any]
    origin: dict[str, int]  # the row each household value was taken from
    errors: list[dict] = field(default_factory=list)

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def key(self) -> tuple[str, str]:
        return self.first.key

    @property
    def label(self) -> str:
        return ", ".join(
            p for p in (self.values.get("house_number"), self.values.get("lane_name")) if p
        )

    @property
    def valid(self) -> bool:
        return not self.errors and not any(r.errors for r in self.rows)

    def all_errors(self) -> list[dict]:
        found = [*self.errors, *(e for r in self.rows for e in r.errors)]
        found.sort(key=lambda e: e["row"] or 0)
        for item in found:
            item["household"] = self.label
        return found


def _chunks(items: list, size: int = 1000) -> Iterator[list]:
    # PostgreSQL cannot prove from an IN list of more than 100 values that it satisfies a
    # partial index's condition (non-empty numbers), so the lookups repeat the condition
    # themselves (``exclude(...="")``); with it, a list of 1,000 uses the unique index
    # (EXPLAIN on 3.6 million residents: 5.7 ms for 1,000 numbers).
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _taken(model: type[Any], name: str, values: list[str]) -> set[str]:
    """Which of ``values`` (non-empty) the registry already holds in the unique field ``name``.

    Only the non-empty values are unique (a partial index), so the query says so, or the index
    goes unused. PostgreSQL gets the values as one array parameter: an ``IN`` list of
    thousands of placeholders costs more to compose than to answer.
    """
    if not values:
        return set()
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        column = qn(model._meta.get_field(name).column)
        with connection.cursor() as cursor:
            # Identifiers from the model's metadata, quoted; the values are one parameter.
            cursor.execute(
                f"SELECT {column} FROM {qn(model._meta.db_table)} "  # noqa: S608
                f"WHERE {column} = ANY(%s) AND {column} <> ''",
                [values],
            )
            return {found for (found,) in cursor.fetchall()}
    taken: set[str] = set()
    for chunk in _chunks(values):
        taken.update(
            model.objects.filter(**{f"{name}__in": chunk})
            .exclude(**{name: ""})
            .order_by()
            .values_list(name, flat=True)
        )
    return taken


class Checker:
    """Turns the rows of a file into households, each with the errors found in it.

    Errors that involve two rows (the same CCCD twice, a household split in two places) are
    reported on the later row, so that a household's verdict depends only on what comes
    before it and the registry.
    """

    def __init__(self, *, village: Village, header: Header) -> None:
        self.village = village
        self.header = header
        self.today = timezone.localdate()
        self.lanes: dict[str, tuple[int, str]] = {}
        for lane_id, name in village.lanes.alive().values_list("pk", "name").order_by("pk"):
            self.lanes.setdefault(fold(name), (lane_id, name))
        self.taken_houses = set(
            Household.objects.active()
            .filter(village=village, lane__isnull=False)
            .order_by()
            .values_list("lane_id", "house_number_key")
        )
        self.seen_households: dict[tuple[str, str], int] = {}
        # The household columns' last cell and its outcome (see ``parse``).
        self._last_cells: dict[str, tuple[Any, Any, CellError | None]] = {}
        self.seen_ids: dict[str, int] = {}
        self.seen_addresses: dict[str, int] = {}
        today = self.today
        cleaners: dict[str, Callable[[Any], Any]] = {
            # Not a bound method: the checker would then refer to itself through its columns,
            # and its duplicate tables would outlive it until the garbage collector runs.
            "lane": partial(_clean_lane, self.lanes),
            "house_number": lambda v: _plain_text(v, max_length=20),
            "digital_address": _clean_digital_address,
            "latitude": lambda v: _clean_decimal(v, 90, "latitude_range"),
            "longitude": lambda v: _clean_decimal(v, 180, "longitude_range"),
            "is_business": _clean_yes_no,
            "business_name": lambda v: _plain_text(v, max_length=150, names=True),
            "full_name": lambda v: _plain_text(v, max_length=150, names=True),
            "gender": _clean_gender,
            "birth_date": lambda v: _clean_date(v, today),
            "national_id": _clean_national_id,
            "phone": _clean_phone,
            "relationship": _clean_relationship,
        }
        # The columns present in the file, in the order of the format: absent optional
        # columns are simply empty.
        self.columns = [
            (c.key, header.indexes[c.key], cleaners[c.key], c.required, header.name(c.key))
            for c in COLUMNS
            if c.key in header.indexes
        ]

    # -- rows

    def parse(self, number: int, cells: Sequence[Any]) -> Row:
        width = len(cells)
        raw = {key: cells[i] if i < width else None for key, i, _c, _r, _n in self.columns}
        row = Row(number, raw, {})
        lane_text = _text(raw.get("lane"))
        house_text = _text(raw.get("house_number"))
        continuation = row.continuation = not lane_text and not house_text
        values = row.values
        last = self._last_cells
        for key, _index, clean, required, column in self.columns:
            if continuation and key in ("lane", "house_number"):
                continue
            cell = raw[key]
            # Member rows usually repeat their household's cells: a cell equal to the same
            # column's cell of the row before (same type too: 1 == 1.0 == True) has the same
            # outcome, error included, without cleaning it again.
            seen = last.get(key) if key in _REPEATED else None
            if seen is not None and seen[0] == cell and type(seen[0]) is type(cell):
                value, exc = seen[1], seen[2]
            else:
                try:
                    value, exc = clean(cell), None
                except CellError as failed:
                    value, exc = None, failed
                if key in _REPEATED:
                    last[key] = (cell, value, exc)
            if exc is not None:
                row.errors.append(error(exc.code, at=number, column=column, **exc.params))
                continue
            if required and (value is None or value == ""):
                row.errors.append(error("required", at=number, column=column))
                continue
            values[key] = value
        if not continuation:
            values["lane_key"] = _fold(lane_text)
            values["house_key"] = natural_key(house_text)
        return row

    def households(self, rows: Iterable[tuple[int, Sequence[Any]]]) -> Iterator[Draft]:
        """Group consecutive rows of the same household and check them, a batch at a time."""
        current: Draft | None = None
        batch: list[Draft] = []
        for number, cells in rows:
            if _blank(cells):
                continue
            row = self.parse(number, cells)
            if current is not None and (row.continuation or row.key == current.key):
                self._join(current, row)
                continue
            if current is not None:
                batch.append(current)
                if len(batch) >= BATCH:
                    yield from self._finish(batch)
                    batch = []
            current = self._start(row)
        if current is not None:
            batch.append(current)
        yield from self._finish(batch)

    def _start(self, row: Row) -> Draft:
        if row.continuation:
            for key in ("lane", "house_number"):
                row.errors.append(error("required", at=row.number, column=self.header.name(key)))
        values = {k: row.values.get(k) for k in HOUSEHOLD_KEYS}
        lane = values.get("lane")
        values["lane_name"] = lane[1] if lane else _text(row.raw.get("lane"))
        if not values.get("house_number"):
            values["house_number"] = _text(row.raw.get("house_number"))
        origin = {k: row.number for k in HOUSEHOLD_KEYS}
        return Draft([row], values, origin)

    def _join(self, draft: Draft, row: Row) -> None:
        """Add a member row; its household cells may be blank but must not contradict."""
        draft.rows.append(row)
        for key in SHARED_KEYS:
            value = row.values.get(key)
            if value in (None, ""):
                continue
            if draft.values.get(key) in (None, ""):
                draft.values[key] = value
                draft.origin[key] = row.number
            elif draft.values[key] != value:
                row.errors.append(
                    error(
                        "household_differs",
                        at=row.number,
                        column=self.header.name(key),
                        row=draft.origin[key],
                        value=_shown(draft.values[key]),
                    )
                )

    # -- households, against each other and the registry

    def _finish(self, batch: list[Draft]) -> Iterator[Draft]:
        ids = [
            r.values["national_id"] for d in batch for r in d.rows if r.values.get("national_id")
        ]
        addresses = [d.values["digital_address"] for d in batch if d.values.get("digital_address")]
        taken_ids = _taken(Resident, "national_id", ids)
        taken_addresses = _taken(Household, "digital_address", addresses)
        for draft in batch:
            self._check(draft, taken_ids, taken_addresses)
            yield draft

    def _check(self, draft: Draft, taken_ids: set[str], taken_addresses: set[str]) -> None:
        first = draft.first
        name = self.header.name
        if all(draft.key):
            earlier = self.seen_households.get(draft.key)
            if earlier is not None:
                draft.errors.append(
                    error(
                        "household_repeated",
                        at=first.number,
                        column=name("house_number"),
                        row=earlier,
                    )
                )
            else:
                self.seen_households[draft.key] = first.number
        lane = draft.values.get("lane")
        number = draft.values.get("house_number")
        if lane and number and (lane[0], natural_key(number)) in self.taken_houses:
            draft.errors.append(
                error(
                    "house_number_taken", at=first.number, column=name("house_number"), value=number
                )
            )
        address = draft.values.get("digital_address")
        if address:
            where = draft.origin["digital_address"]
            if address in self.seen_addresses:
                draft.errors.append(
                    error(
                        "duplicate_digital_address_in_file",
                        at=where,
                        column=name("digital_address"),
                        row=self.seen_addresses[address],
                    )
                )
            elif address in taken_addresses:
                draft.errors.append(
                    error("digital_address_taken", at=where, column=name("digital_address"))
                )
            self.seen_addresses.setdefault(address, where)
        if draft.values.get("business_name") and not draft.values.get("is_business"):
            draft.errors.append(
                error(
                    "trade_name_without_business",
                    at=draft.origin["business_name"],
                    column=name("business_name"),
                )
            )
        head_row = None
        for row in draft.rows:
            if row.values.get("relationship") == Resident.Relationship.HEAD:
                if head_row is None:
                    head_row = row.number
                else:
                    row.errors.append(
                        error("two_heads", at=row.number, column=name("relationship"), row=head_row)
                    )
            national_id = row.values.get("national_id")
            if national_id:
                if national_id in self.seen_ids:
                    row.errors.append(
                        error(
                            "duplicate_national_id_in_file",
                            at=row.number,
                            column=name("national_id"),
                            row=self.seen_ids[national_id],
                        )
                    )
                elif national_id in taken_ids:
                    row.errors.append(
                        error("national_id_taken", at=row.number, column=name("national_id"))
                    )
                self.seen_ids.setdefault(national_id, row.number)
        if head_row is None and not any(
            e["column"] == name("relationship") for r in draft.rows for e in r.errors
        ):
            draft.errors.append(error("no_head", at=first.number, column=name("relationship")))


def _shown(value: Any) -> Any:
    if isinstance(value, bool):
        return YES_WORD if value else NO_WORD
    if isinstance(value, tuple):
        return value[1]
    return _text(value)


# ---------------------------------------------------------------------------------------
# The two passes


@dataclass
class Report:
    total_rows: int = 0
    valid_rows: int = 0
    households: int = 0
    valid_households: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    preview: list[dict] = field(default_factory=list)

    def add(self, draft: Draft) -> None:
        self.total_rows += len(draft.rows)
        self.households += 1
        if draft.valid:
            self.valid_rows += len(draft.rows)
            self.valid_households += 1
        else:
            found = draft.all_errors()
            self.error_count += len(found)
            room = MAX_ERRORS - len(self.errors)
            self.errors.extend(found[: max(room, 0)])

    def stored_errors(self) -> list[dict]:
        if self.error_count > len(self.errors):
            return [*self.errors, error("more_errors", count=self.error_count - len(self.errors))]
        return self.errors


def _preview_row(draft: Draft, row: Row) -> dict:
    return {
        "row": row.number,
        "cells": [_text(row.raw.get(c.key)) for c in COLUMNS],
        "error": bool(row.errors) or (bool(draft.errors) and row is draft.first),
        "household": draft.label,
    }


def _set_progress(job: ImportJob, fraction: float) -> None:
    percent = max(0, min(99, int(fraction * 100)))
    cache.set(_progress_key(job), percent, timeout=3600)
    if job.status == ImportJob.Status.CHECKING:
        ImportJob.objects.filter(pk=job.pk, status=job.status).update(progress=percent)


def _progress_key(job: ImportJob) -> str:
    return f"households:import-progress:{job.pk}"


def job_progress(job: ImportJob) -> int:
    """The percentage done; while writing, it lives in the cache (the job row is locked in)."""
    if job.status in (ImportJob.Status.CHECKING, ImportJob.Status.RUNNING):
        return int(cache.get(_progress_key(job), job.progress))
    return job.progress


@contextmanager
def _upload_source(job: ImportJob) -> Iterator[tuple[Source, Header, list]]:
    if not job.file:
        raise ImportFileError([error("failed")])
    with (
        job.file.open("rb") as stored,
        open_source(stored, name=job.original_name or job.file.name, size=job.file.size) as source,
    ):
        header, after = read_header(source.rows)
        yield source, header, after


def _rows(source: Source, after: list) -> Iterator[tuple[int, Sequence[Any]]]:
    yield from after
    yield from source.rows


def _delete_stored(name: str) -> None:
    if not name:
        return
    try:
        ImportJob._meta.get_field("file").storage.delete(name)
    except OSError:
        logger.warning("Could not delete import file %s", name)


def _discard_file(job: ImportJob) -> None:
    """Remove the job's file: a job keeps it only while it is needed."""
    _delete_stored(job.file.name if job.file else "")
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.file = ""  # type: ignore[assignment]


def _finish_job(
    job: ImportJob, *, status: str, errors: list[dict] | None = None, **fields: Any
) -> None:
    _discard_file(job)
    cache.delete(_progress_key(job))
    update = {"status": status, "finished_at": timezone.now(), **fields}
    if errors is not None:
        update["errors"] = errors
    ImportJob.objects.filter(pk=job.pk).update(**update)
    for name, value in update.items():
        setattr(job, name, value)


# The households the check found importable, already cleaned, in a plain CSV that the write
# pass reads back without checking again: "H" rows (a household) each followed by its "R"
# rows (residents). It replaces the upload as the job's file.
READY_FORMAT = "households-import-ready-1"


def _ready_rows(draft: Draft) -> Iterator[list[Any]]:
    values = draft.values
    lane_id, lane_name = values["lane"]
    business = bool(values.get("is_business"))
    house = SimpleNamespace(
        house_number=values["house_number"],
        digital_address=values.get("digital_address") or "",
        business_name=(values.get("business_name") or "") if business else "",
    )
    names = (r.values["full_name"] for r in draft.rows)
    yield [
        "H",
        lane_id,
        house.house_number,
        house.digital_address,
        values.get("latitude") or "",
        values.get("longitude") or "",
        "1" if business else "",
        house.business_name,
        search_document(house, lane_name, names),  # type: ignore[arg-type]
    ]
    for row in draft.rows:
        v = row.values
        born = v.get("birth_date")
        yield [
            "R",
            v["full_name"],
            v["gender"],
            born.isoformat() if born else "",
            v.get("national_id") or "",
            v.get("phone") or "",
            v["relationship"],
        ]


def import_check(*, job: ImportJob) -> ImportJob:
    """The dry run: read and validate the whole file, store the report, write nothing else.

    Ends CHECKED when at least one household can be imported, with the importable households
    kept, cleaned, as the job's file in place of the upload; FAILED (file removed) when none
    can.
    """
    job.refresh_from_db()
    if job.status != ImportJob.Status.CHECKING:
        return job
    report = Report()
    with tempfile.TemporaryFile() as ready:
        try:
            with _upload_source(job) as (source, header, after):
                checker = Checker(village=job.village, header=header)
                text = io.TextIOWrapper(ready, encoding="utf-8", newline="")
                out = csv.writer(text)
                out.writerow([READY_FORMAT])
                for draft in checker.households(_rows(source, after)):
                    report.add(draft)
                    if draft.valid:
                        out.writerows(_ready_rows(draft))
                    if len(report.preview) < PREVIEW_ROWS:
                        for row in draft.rows[: PREVIEW_ROWS - len(report.preview)]:
                            report.preview.append(_preview_row(draft, row))
                    if report.households % 2000 == 0:
                        _set_progress(job, source.fraction())
                text.flush()
                text.detach()
        except ImportFileError as exc:
            _finish_job(job, status=ImportJob.Status.FAILED, errors=exc.errors, progress=100)
            return job
        except Exception:
            # Untrusted input may break a parser in ways nobody listed; the user gets a message.
            logger.exception("Import check %s failed", job.pk)
            if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).exists():
                _finish_job(job, status=ImportJob.Status.FAILED, errors=[error("failed")])
            return job
        if report.total_rows == 0:
            _finish_job(
                job, status=ImportJob.Status.FAILED, errors=[error("no_rows")], progress=100
            )
            return job
        counts = {
            "total_rows": report.total_rows,
            "valid_rows": report.valid_rows,
            "errors": report.stored_errors(),
            "preview": report.preview,
            "progress": 100,
        }
        if report.valid_households == 0:
            if ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).exists():
                _finish_job(job, status=ImportJob.Status.FAILED, **counts)
            return job
        upload = job.file.name
        ready.seek(0)
        job.file.save(f"{job.pk}.ready.csv", File(ready), save=False)
    _delete_stored(upload)
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKING).update(
        status=ImportJob.Status.CHECKED, file=job.file.name, **counts
    )
    cache.delete(_progress_key(job))
    if not updated:
        _delete_stored(job.file.name)  # cancelled while checking
    job.refresh_from_db()
    return job


# The history triggers that an import replaces with one statement per batch (pgtrigger URIs).
INSERT_TRIGGERS = ("households.Household:insert_insert", "households.Resident:insert_insert")


class _History:
    """The history events of the rows an import inserts, the same as the triggers write.

    On PostgreSQL each history trigger upserts the change context once per row, which makes
    a large import several times slower; inside the import's transaction the insert
    triggers are told to stand aside (pgtrigger's flag, local to the transaction) and the
    events are copied from the new rows in one statement per batch, under one context.
    Elsewhere ``history.record`` writes them.
    """

    def __init__(self, job: ImportJob) -> None:
        self.bulk = history.triggers_active()
        self.context_id = uuid.uuid4()
        if not self.bulk:
            return
        from pghistory.models import Context

        user = job.created_by
        Context.objects.create(
            id=self.context_id,
            metadata={
                "user": user.pk if user else None,
                "user_name": str(user) if user else "",
                "source": "import",
                "import_job": str(job.pk),
            },
        )
        pgids = [t.get_pgid(m) for m, t in pgtrigger.registered(*INSERT_TRIGGERS)]
        self._set_ignored("{" + ",".join(pgids) + "}")

    def _set_ignored(self, value: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", [value])

    def done(self) -> None:
        if self.bulk:
            self._set_ignored("{}")

    def record(self, instances: list[Any]) -> None:
        """Events for model instances just created (``history.record`` where no triggers)."""
        if not instances:
            return
        if not self.bulk:
            history.record(instances, "insert")
            return
        self.record_ids(type(instances[0]), [i.pk for i in instances])

    def record_ids(self, model: type[Any], ids: list[int]) -> None:
        """Events for the rows ``ids`` of ``model``, copied from the table in one statement."""
        if not ids or not self.bulk:
            return
        events = apps.get_model(model._meta.app_label, f"{model.__name__}Event")
        columns = [f.column for f in events._meta.concrete_fields if not f.name.startswith("pgh_")]
        qn = connection.ops.quote_name
        copied = ", ".join(qn(c) for c in columns)
        # Identifiers from the models' metadata, quoted; the values are parameters.
        sql = (
            f"INSERT INTO {qn(events._meta.db_table)} ({copied}, pgh_context_id, "  # noqa: S608
            f"pgh_created_at, pgh_label, pgh_obj_id) "
            f"SELECT {copied}, %s, NOW(), 'insert', {qn(model._meta.pk.column)} "
            f"FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.context_id, ids])


def _ready_batches(
    lines: Iterable[list[str]], size: int
) -> Iterator[list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """The checked households read back, ``size`` at a time, with their residents."""
    batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for line in lines:
        if line[0] == "H":
            if len(batch) >= size:
                yield batch
                batch = []
            _kind, lane, number, address, lat, lon, business, trade, document = line
            household = {
                "lane_id": int(lane),
                "house_number": number,
                "house_number_key": natural_key(number),
                "digital_address": address,
                "latitude": Decimal(lat) if lat else None,
                "longitude": Decimal(lon) if lon else None,
                "is_business": business == "1",
                "business_name": trade,
                "search_document": document,
            }
            batch.append((household, []))
        elif line[0] == "R" and batch:
            _kind, name, gender, born, national_id, phone, relationship = line
            batch[-1][1].append(
                {
                    "full_name": name,
                    "gender": gender,
                    "birth_date": date.fromisoformat(born) if born else None,
                    "national_id": national_id,
                    "phone": phone,
                    "relationship": relationship,
                    "is_head": relationship == Resident.Relationship.HEAD,
                }
            )
        else:
            raise ImportFileError([error("failed")])
    if batch:
        yield batch


def import_run(*, job: ImportJob) -> ImportJob:
    """Write the households and residents of a confirmed job, in one transaction.

    Writes what the check found importable, as it was then; the database's constraints
    catch a conflict with a change made to the registry since (the same ID number entered
    by hand meanwhile), and then nothing is written. Running twice does not write twice:
    the job leaves RUNNING in the same transaction as the rows.
    """
    job.refresh_from_db()
    if job.status != ImportJob.Status.RUNNING:
        return job
    try:
        with (
            job.file.open("rb") as stored,
            history.change_context(user=job.created_by, source="import", import_job=str(job.pk)),
            transaction.atomic(),
        ):
            lines = csv.reader(io.TextIOWrapper(stored, encoding="utf-8", newline=""))
            if next(lines, None) != [READY_FORMAT]:
                raise ImportFileError([error("failed")])
            writer = _Writer(job)
            for batch in _ready_batches(lines, BATCH):
                writer.write(batch)
                _set_progress(job, writer.residents / max(job.valid_rows, 1))
            writer.history.done()
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.DONE,
                finished_at=timezone.now(),
                progress=100,
                households_written=writer.households,
                residents_written=writer.residents,
                preview=[],
            )
            # Bulk inserts send no signals: the public pages of the village are renewed here.
            public_cache.bump(job.village_id)
    except IntegrityError as exc:
        logger.info("Import %s conflicts with the registry", job.pk, exc_info=True)
        errors = [error("registry_changed"), *_conflict(exc), *job.errors]
        _finish_job(job, status=ImportJob.Status.FAILED, errors=errors, progress=100)
        return job
    except ImportFileError as exc:
        _finish_job(job, status=ImportJob.Status.FAILED, errors=exc.errors, progress=100)
        return job
    except Exception:
        # Anything else (a lost file, the time limit): the transaction is rolled back, so
        # nothing was written.
        logger.exception("Import %s failed", job.pk)
        _finish_job(job, status=ImportJob.Status.FAILED, errors=[error("failed")], progress=100)
        return job
    _discard_file(job)
    cache.delete(_progress_key(job))
    job.refresh_from_db()
    return job


def _conflict(exc: IntegrityError) -> list[dict]:
    """Which uniqueness rule a change to the registry since the check broke, if it can tell."""
    text = str(exc)
    for marker, code in (
        ("national_id", "national_id_taken"),
        ("digital_address", "digital_address_taken"),
        ("house_number", "house_number_taken_since"),
        ("number_in_lane", "house_number_taken_since"),
    ):
        if marker in text:
            return [error(code)]
    return []


class _Writer:
    """Bulk inserts of checked households and their residents, with their history."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.history = _History(job)
        self.households = 0
        self.residents = 0
        if connection.vendor == "postgresql":
            # The one-head rule's per-row triggers stand aside for this transaction; each
            # batch is checked instead by one statement (``_check_heads``), before commit.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL villageportal.head_check = 'skip'")

    def write(self, batch: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
        if not batch:
            return
        shared = {"village_id": self.job.village_id, "created_by_id": self.job.created_by_id}
        household_ids = self._insert(Household, [{**h, **shared} for h, _r in batch])
        residents = [
            {**resident, "household_id": household_id}
            for household_id, (_h, members) in zip(household_ids, batch, strict=True)
            for resident in members
        ]
        self._insert(Resident, residents)
        self._check_heads(household_ids)
        self.households += len(batch)
        self.residents += len(residents)

    def _check_heads(self, household_ids: list[int]) -> None:
        """The one-head rule (``households_exactly_one_head``) over a batch, in one statement."""
        if connection.vendor != "postgresql" or not household_ids:
            return
        # Driven by the batch's ids, each looked up through the residents' household index:
        # the households were written active a moment ago, so the household table is not
        # read. (Filtering that table by ``id = ANY(...)`` let the planner, with no
        # statistics for rows of an uncommitted transaction, scan every household written
        # so far, once per batch: a 100,000-household import spent 20 s there.)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT b.id FROM unnest(%s) AS b(id)
                 WHERE (SELECT count(*) FROM households_resident r
                         WHERE r.household_id = b.id AND r.is_head AND r.left_on IS NULL
                           AND r.deleted_at IS NULL) <> 1
                 LIMIT 1
                """,
                [household_ids],
            )
            bad = cursor.fetchone()
        if bad is not None:
            raise IntegrityError(
                f"households_exactly_one_head: active household {bad[0]} must have exactly one head"
            )

    def _insert(self, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
        """Insert ``rows`` (attribute values; the rest take their defaults); their new ids.

        PostgreSQL gets the rows by COPY, with ids drawn from the table's sequence first;
        other databases through ``bulk_create``.
        """
        if connection.vendor != "postgresql":
            created = model.objects.bulk_create([model(**r) for r in rows], batch_size=BATCH)
            self.history.record(created)
            return [obj.pk for obj in created]
        fields = model._meta.concrete_fields
        pk = model._meta.pk
        qn = connection.ops.quote_name
        # Defaults once per batch, except those that must differ per row (a public code).
        per_row = [
            f
            for f in fields
            if f.has_default() and callable(f.default) and f.default is not timezone.now
        ]
        shared = {f.attname: f.get_default() for f in fields if f not in per_row}
        columns = ", ".join(qn(f.column) for f in fields)
        sql = f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN"
        # The driver's own cursor, in the same transaction: Django's execute wrappers (the
        # history context) would prepend a statement and hide the sequence's values.
        with (
            connection.wrap_database_errors,  # the driver's errors as Django's
            connection.cursor() as cursor,
            cursor.connection.cursor() as raw,
        ):
            raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            ids = [row[0] for row in raw.fetchall()]
            # Each row starts from the shared defaults in column order and gets its own values
            # by position (cheaper than merging dicts: this loop runs once per row).
            # The batch's timestamps as text, once: COPY's text format takes them so, and
            # formatting a datetime for every row is most of the cost of formatting a row.
            template = [
                v.isoformat() if isinstance(v, datetime) else v
                for v in (shared.get(f.attname) for f in fields)
            ]
            position = {f.attname: i for i, f in enumerate(fields)}
            pk_position = position[pk.attname]
            own_defaults = [(position[f.attname], f.get_default) for f in per_row]
            with raw.copy(sql) as copy:
                for new_id, row in zip(ids, rows, strict=True):
                    values = template.copy()
                    for name, value in row.items():
                        index = position.get(name)
                        if index is not None:  # keys that are not columns are left out
                            values[index] = value
                    values[pk_position] = new_id
                    for index, default in own_defaults:
                        values[index] = default()
                    copy.write_row(values)
        self.history.record_ids(model, ids)
        return ids


# ---------------------------------------------------------------------------------------
# The job's life: start, confirm, cancel, expire


def import_start(
    *, village: Village, by: Any, upload: UploadedFile, mode: str = ImportJob.Mode.ALL_OR_NOTHING
) -> ImportJob:
    """Store the upload as a job and check it: now if it is small, otherwise by a worker."""
    suffix = "." + validate_upload(upload)
    if mode not in ImportJob.Mode.values:
        mode = ImportJob.Mode.ALL_OR_NOTHING
    job = ImportJob.objects.create(
        village=village,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        original_name=(upload.name or "upload" + suffix)[-255:],
        mode=mode,
        status=ImportJob.Status.CHECKING,
    )
    upload.seek(0)
    job.file.save(f"{job.pk}{suffix}", upload, save=True)
    if (upload.size or 0) <= INLINE_CHECK_MAX_BYTES:
        return import_check(job=job)
    from households.tasks import import_check_task

    transaction.on_commit(lambda: import_check_task.delay(str(job.pk)))
    return job


def import_confirm(*, job: ImportJob, by: Any, mode: str | None = None) -> ImportJob:
    """Start writing a checked job; all-or-nothing refuses while any row has an error."""
    mode = mode or job.mode
    if mode not in ImportJob.Mode.values:
        raise ValidationError(gettext("Choose how to import."), code="invalid_mode")
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(
            gettext("This import is not waiting for confirmation."), code="not_checked"
        )
    if job.valid_rows == 0:
        raise ValidationError(gettext("No row of this file can be imported."), code="no_valid")
    if mode == ImportJob.Mode.ALL_OR_NOTHING and job.valid_rows < job.total_rows:
        raise ValidationError(
            gettext(
                "Some rows have errors, so nothing was written. Correct the file and upload it "
                "again, or choose to import only the valid rows."
            ),
            code="has_errors",
        )
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.RUNNING, mode=mode, progress=0
    )
    if not updated:
        raise ValidationError(
            gettext("This import is not waiting for confirmation."), code="not_checked"
        )
    from households.tasks import import_run_task

    transaction.on_commit(lambda: import_run_task.delay(str(job.pk)))
    job.refresh_from_db()
    return job


def import_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    """Drop a job that is being checked or waits for confirmation; its file is removed."""
    waiting = (ImportJob.Status.CHECKING, ImportJob.Status.CHECKED)
    if job.status not in waiting:
        raise ValidationError(gettext("This import can no longer be cancelled."), code="too_late")
    updated = ImportJob.objects.filter(pk=job.pk, status__in=waiting).update(
        status=ImportJob.Status.FAILED,
        finished_at=timezone.now(),
        errors=[error("cancelled"), *job.errors],
    )
    if not updated:
        raise ValidationError(gettext("This import can no longer be cancelled."), code="too_late")
    _discard_file(job)
    cache.delete(_progress_key(job))
    job.refresh_from_db()
    return job


def imports_expire(*, older_than_hours: int = STALE_AFTER_HOURS) -> int:
    """End jobs left unconfirmed for a day, so that no uploaded file stays behind."""
    limit = timezone.now() - timezone.timedelta(hours=older_than_hours)
    stale = ImportJob.objects.filter(
        status__in=(ImportJob.Status.CHECKING, ImportJob.Status.CHECKED), created_at__lt=limit
    )
    count = 0
    for job in stale.iterator():
        updated = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
            errors=[error("expired"), *job.errors],
        )
        if updated:
            _discard_file(job)
            count += 1
    return count


# ---------------------------------------------------------------------------------------
# The template to fill in


def template_rows(village: Village) -> tuple[list[str], list[str]]:
    lane = village.lanes.alive().order_by("sort_order", "name").values_list("name", flat=True)
    example = dict(EXAMPLE_ROW)
    example["lane"] = lane.first() or example["lane"]
    return HEADERS, [example[c.key] for c in COLUMNS]


def template_csv(village: Village) -> bytes:
    headers, example = template_rows(village)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(village: Village) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, example = template_rows(village)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhân khẩu"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(example)
    text_columns = {"house_number", "digital_address", "national_id", "phone", "birth_date"}
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) + 4)
        if column.key in text_columns:
            # Text cells keep leading zeros of ID and phone numbers as typed.
            for row in range(2, 1001):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet(gettext("Guide")[:31])
    guide.append([gettext("Column"), gettext("What to write")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column, text in _guide_lines():
        guide.append([column, text])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _guide_lines() -> list[tuple[str, str]]:
    words = {w for pair in RELATIONSHIP_WORDS.values() for w in pair} - {"Chủ hộ", "Anh/chị/em"}
    relationships = ", ".join(sorted(words | {"Anh", "Chị", "Em"}))
    return [
        ("", gettext("One row per person. Repeat the household's columns on each member's row.")),
        ("Ngõ/xóm", gettext("The lane's name exactly as registered in the portal.")),
        ("Số nhà", gettext("Required. Lane and house number identify the household.")),
        ("Mã địa chỉ số", gettext("Optional: the digital address code.")),
        ("Vĩ độ, Kinh độ", gettext("Optional: decimal degrees, for example 18.3427 and 105.9057.")),
        ("Hộ kinh doanh", gettext("“Có” or “Không”. A trade name needs “Có”.")),
        ("Giới tính", gettext("“Nam” or “Nữ”.")),
        ("Ngày sinh", gettext("dd/mm/yyyy, for example 25/03/1985.")),
        ("Số CCCD", gettext("12 digits, written as text so that the leading zero stays.")),
        (
            "Quan hệ với chủ hộ",
            gettext("Exactly one “Chủ hộ” per household; others: %(words)s.")
            % {"words": relationships},
        ),
    ]
