"""Reading and checking uploaded spreadsheets (.xlsx or .csv): the part every import shares.

An import (the registry's households, the adoption lists, the camera list) checks an upload
with ``validate_upload``, reads its rows with ``open_source`` (openpyxl in read-only mode, or
the csv reader with the encodings Vietnamese offices produce), finds its header row and
cleans each cell with the ``clean_*`` functions, which raise ``CellError`` with a message
code. Errors are stored as codes and parameters (``error``) and put into words when shown
(``error_text``), in the language of whoever reads them; an import adds its own codes to
``MESSAGES``.

The words in the cells and headers ("Có", "Không", dd/mm/yyyy) are the file format that
village offices use, so they stay Vietnamese whatever the language of the page.
"""

import codecs
import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from villageportal.inputs import has_forbidden_characters
from villageportal.text import fold as _plain_fold

# ---------------------------------------------------------------------------------------
# Messages


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
    "invalid_date": gettext_lazy(
        "“%(value)s” is not a date: write it as dd/mm/yyyy, for example 25/03/1985."
    ),
    "future_date": gettext_lazy("The birth date is in the future."),
    "too_old": gettext_lazy("A birth date before 1900 is not plausible."),
    "invalid_yes_no": gettext_lazy("Write “Có” or “Không”, not “%(value)s”."),
    "invalid_number": gettext_lazy("“%(value)s” is not a number."),
    "latitude_range": gettext_lazy("A latitude lies between -90 and 90."),
    "longitude_range": gettext_lazy("A longitude lies between -180 and 180."),
    "more_errors": gettext_lazy("… and %(count)d more errors that are not listed."),
    "failed": gettext_lazy(
        "The import stopped because of an unexpected error: nothing was written."
    ),
}


def error(code: str, *, at: int | None = None, column: str = "", **params: Any) -> dict:
    """An error as an import stores it: the row (as numbered in the spreadsheet), the column."""
    return {"row": at, "column": column, "code": code, "params": params}


def error_text(item: dict, messages: Mapping[str, Any] = MESSAGES) -> str:
    """The message of a stored error, in the active language (``messages``: codes to words)."""
    template = messages.get(item.get("code", ""), messages["failed"])
    try:
        return str(template) % item.get("params", {})
    except (KeyError, TypeError, ValueError):
        return str(template)


class ImportFileError(Exception):
    """The file as a whole cannot be imported: a wrong format, missing columns, no rows."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors[0]["code"] if errors else "")
        self.errors = errors


class CellError(Exception):
    """A cell that cannot be read: a message code of ``MESSAGES`` and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# ---------------------------------------------------------------------------------------
# Checking an upload before it is stored


def max_bytes() -> int:
    """The largest upload accepted (``IMPORT_MAX_BYTES``)."""
    return int(settings.IMPORT_MAX_BYTES)


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
def open_source(
    fileobj: IO[bytes], *, name: str, size: int, header_keys: Mapping[str, str] | None = None
) -> Iterator[Source]:
    """The rows of an .xlsx or .csv file, streamed.

    In a workbook, the sheet read is the first whose first rows hold the most of
    ``header_keys`` (header ``key``s to column keys): a guide sheet may come first.
    """
    suffix = PurePath(name).suffix.lower()
    if size == 0:
        raise ImportFileError([error("empty_file")])
    if suffix == ".xlsx":
        with _xlsx_source(fileobj, header_keys or {}) as source:
            yield source
    elif suffix == ".csv":
        yield _csv_source(fileobj, size)
    else:
        raise ImportFileError([error("unsupported_format")])


def rows_from(after: list, source: Source) -> Iterator[tuple[int, Sequence[Any]]]:
    """The rows read past the header (``after``), then the rest of the source."""
    yield from after
    yield from source.rows


@contextmanager
def _xlsx_source(fileobj: IO[bytes], header_keys: Mapping[str, str]) -> Iterator[Source]:
    # Untrusted input: openpyxl raises many kinds of errors on a damaged file.
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False)
    except Exception as exc:
        raise ImportFileError([error("not_a_spreadsheet")]) from exc
    try:
        try:
            sheet = _data_sheet(workbook.worksheets, header_keys)
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


def _data_sheet(sheets: list, header_keys: Mapping[str, str]) -> Any:
    """The first sheet whose first rows hold the most known headers (a guide may come first)."""
    best, best_score = None, -1
    for sheet in sheets:
        if not hasattr(sheet, "iter_rows"):
            continue  # a chart sheet
        score = max(
            (
                header_score(cells, header_keys)
                for cells in sheet.iter_rows(max_row=10, values_only=True)
            ),
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
# Comparing words


fold = lru_cache(maxsize=8192)(_plain_fold)
fold.__doc__ = """Lower-case, without diacritics (cached): "Ngõ Đình" -> "ngo dinh"."""


@lru_cache(maxsize=4096)
def key(text: str) -> str:
    """Compare words ignoring case, diacritics, spaces and punctuation: "Ngõ / Xóm" = "ngoxom"."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@lru_cache(maxsize=4096)
def words(text: str) -> str:
    """Case and diacritics ignored, words kept apart: "Con  Dâu" -> "con dau"."""
    return " ".join(re.split(r"[^a-z0-9]+", fold(text))).strip()


# ---------------------------------------------------------------------------------------
# Headers


# Row-number columns that people add to their lists; not data.
IGNORED_HEADERS = frozenset({"stt", "so thu tu"})
IGNORED_KEYS = frozenset(key(h) for h in IGNORED_HEADERS)


@dataclass(frozen=True)
class Column:
    """A column of a file format: its key, its header in the template, and other names."""

    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()


def header_keys(columns: Sequence[Column]) -> dict[str, str]:
    """Each header and alias, as ``key`` compares it, to its column's key."""
    return {
        key(name): column.key for column in columns for name in (column.header, *column.aliases)
    }


def header_score(cells: Sequence[Any], keys: Mapping[str, str]) -> int:
    """How many cells of a row are known headers: the header row scores highest."""
    return sum(1 for c in cells if key(cell_text(c)) in keys)


@dataclass
class Header:
    """The header row of a file: its number, each column's index and name as written."""

    row: int
    indexes: dict[str, int]
    names: dict[str, str]  # the header of each column as written in the file
    columns: Sequence[Column] = ()

    def name(self, column_key: str) -> str:
        if column_key in self.names:
            return self.names[column_key]
        return next(c.header for c in self.columns if c.key == column_key)


def read_header(
    rows: Iterator[tuple[int, Sequence[Any]]], columns: Sequence[Column]
) -> tuple[Header, list]:
    """Find the header row among the first rows and map its columns; return rows read past it.

    A title above the header ("DANH SÁCH HỘ GIA ĐÌNH") is skipped. Unknown, misspelled,
    repeated and missing columns are reported together, as one ``ImportFileError``.
    """
    keys = header_keys(columns)
    candidates: list[tuple[int, Sequence[Any]]] = []
    for number, cells in rows:
        if not blank(cells):
            candidates.append((number, cells))
        if len(candidates) >= 10:
            break
    if not candidates:
        raise ImportFileError([error("empty_file")])
    best = max(candidates, key=lambda item: header_score(item[1], keys))
    if header_score(best[1], keys) == 0:
        best = candidates[0]
    number, cells = best
    after = [item for item in candidates if item[0] > number]
    problems: list[dict] = []
    indexes: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, cell in enumerate(cells):
        text = cell_text(cell)
        if not text or key(text) in IGNORED_KEYS:
            continue
        column_key = keys.get(key(text))
        if column_key is None:
            suggestion = suggest_header(text, columns)
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
        elif column_key in indexes:
            problems.append(error("duplicate_column", at=number, column=text, header=text))
        else:
            indexes[column_key] = index
            names[column_key] = text
    for column in columns:
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
    return Header(number, indexes, names, columns), after


def suggest_header(text: str, columns: Sequence[Column]) -> str:
    """The header of ``columns`` that ``text`` is probably a misspelling of, or ""."""
    names = {key(n): c.header for c in columns for n in (c.header, *c.aliases)}
    close = difflib.get_close_matches(key(text), list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else ""


# ---------------------------------------------------------------------------------------
# Cells

YES = frozenset({"co", "x", "1", "c", "yes", "true", "dung"})
NO = frozenset({"khong", "0", "k", "no", "false", "sai"})
YES_WORD, NO_WORD = "Có", "Không"
# dd/mm/yyyy (also with - or .), and yyyy-mm-dd (also with /).
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
YEAR_FIRST = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")


def blank(cells: Sequence[Any]) -> bool:
    """Whether a row has nothing but empty cells and spaces."""
    # A loop rather than all(...): it runs once per row and mostly stops at the first cell.
    for cell in cells:
        if cell is None:
            continue
        if not isinstance(cell, str) or cell.strip():
            return False
    return True


def cell_text(value: Any) -> str:
    """A cell as text: NFC, spaces collapsed, whole numbers without ".0", dates dd/mm/yyyy."""
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


def plain_text(value: Any, *, max_length: int, names: bool = False) -> str:
    """A text cell: no control characters, no formula (``names``: nor +, - or @ first)."""
    text = no_control(cell_text(value))
    if text.startswith("=") or (names and text[:1] in ("+", "-", "@")):
        raise CellError("formula", value=text[:40])
    if len(text) > max_length:
        raise CellError("too_long", max=max_length, count=len(text))
    return text


def no_control(text: str) -> str:
    """``text``, unless it holds control characters."""
    if has_forbidden_characters(text):
        raise CellError("control_characters")
    return text


def no_formula(value: Any) -> str:
    """A cell as text, unless it holds control characters or starts a formula."""
    text = no_control(cell_text(value))
    if text.startswith("="):
        raise CellError("formula", value=text[:40])
    return text


def clean_date(value: Any, today: date) -> date | None:
    """A date cell (a date, an Excel day count, dd/mm/yyyy or yyyy-mm-dd), not after today."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if 1900 <= value <= 2100 or not 1 <= value < 2958466:
            # A year alone, or nothing like a day count: not a date.
            raise CellError("invalid_date", value=cell_text(value))
        parsed = from_excel(value).date()
    else:
        text = no_formula(value)
        if not text:
            return None
        text = text.split(" ")[0]  # "1985-03-25 00:00:00" from some tools
        match = DAY_FIRST.fullmatch(text)
        if match:
            day, month, year = match.groups()
        elif match := YEAR_FIRST.fullmatch(text):
            year, month, day = match.groups()
        else:
            raise CellError("invalid_date", value=cell_text(value)[:40])
        try:
            parsed = date(int(year), int(month), int(day))
        except ValueError as exc:
            raise CellError("invalid_date", value=cell_text(value)[:40]) from exc
    if parsed > today:
        raise CellError("future_date")
    if parsed.year < 1900:
        raise CellError("too_old")
    return parsed


def clean_decimal(value: Any, limit: int, range_code: str) -> Decimal | None:
    """A number cell (a decimal comma accepted) within ±``limit``, to seven decimals."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError("invalid_number", value=cell_text(value))
    if isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = no_formula(value).replace(" ", "")
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as Vietnamese Excel writes it
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError("invalid_number", value=cell_text(value)[:40]) from exc
    if not number.is_finite():
        raise CellError("invalid_number", value=cell_text(value)[:40])
    if not -limit <= number <= limit:
        raise CellError(range_code)
    return number.quantize(Decimal("0.0000001"), rounding=ROUND_HALF_UP)


def clean_yes_no(value: Any) -> bool | None:
    """A yes/no cell ("Có", "x", "1"... or "Không", "0"...); None when empty."""
    if isinstance(value, bool):
        return value
    text = no_formula(value)
    if not text:
        return None
    word = words(text)
    if word in YES:
        return True
    if word in NO:
        return False
    raise CellError("invalid_yes_no", value=text[:40])
