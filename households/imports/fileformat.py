"""The registry's spreadsheet format: its columns, the words in its cells, its messages.

One row per resident; the household's columns repeat on each member's row. The column
headers and the words in the cells ("Nam", "Chủ hộ") are the file format that village offices
use, so they stay Vietnamese whatever the language of the page; messages about them go
through gettext. The reading and the cells shared with other imports are in
``villageportal.spreadsheets``.
"""

import csv
import difflib
import io
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from households.models import Resident, Village
from households.services import (
    SPREADSHEET_HOUSEHOLD_FIELDS,
    clean_digital_address,
    clean_national_id,
    clean_phone,
)
from villageportal import spreadsheets
from villageportal.spreadsheets import NO_WORD, YES_WORD, CellError, Column

__all__ = ["NO_WORD", "YES_WORD", "CellError", "Column"]

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
HEADER_KEYS = spreadsheets.header_keys(COLUMNS)
HOUSEHOLD_KEYS = SPREADSHEET_HOUSEHOLD_FIELDS
# Household values that member rows may repeat or leave blank.
SHARED_KEYS = HOUSEHOLD_KEYS[2:]

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
    """The word an export writes for a relationship ("Vợ" or "Chồng" by gender)."""
    female, male = RELATIONSHIP_WORDS.get(relationship, ("", ""))
    return female if gender == Resident.Gender.FEMALE else male


# ---------------------------------------------------------------------------------------
# Messages: the spreadsheet reader's, and the registry's own.

MESSAGES: dict[str, Any] = {
    **spreadsheets.MESSAGES,
    "no_rows": gettext_lazy("The file has a header row but no residents."),
    "unknown_lane": gettext_lazy(
        "The village has no lane “%(value)s”: add the lane first or correct the name."
    ),
    "unknown_lane_suggest": gettext_lazy(
        "The village has no lane “%(value)s”: did you mean “%(suggestion)s”?"
    ),
    "invalid_gender": gettext_lazy("Write “Nam” or “Nữ”, not “%(value)s”."),
    "invalid_relationship": gettext_lazy(
        "Unknown relationship “%(value)s”: write for example “Chủ hộ”, “Vợ”, “Chồng”, “Con” "
        "or “Khác”."
    ),
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
    "cancelled": gettext_lazy("Cancelled: nothing was written."),
    "expired": gettext_lazy("Not confirmed in time: the file was removed and nothing was written."),
    "registry_changed": gettext_lazy(
        "The registry changed since the check and some rows are no longer valid: nothing was "
        "written. Upload the file again."
    ),
}

error = spreadsheets.error


def error_text(item: dict) -> str:
    """The message of a stored error of a registry import, in the active language."""
    return spreadsheets.error_text(item, MESSAGES)


PREVIEW_ROWS = 20
MAX_ERRORS = 1000
# Households whose rows are checked against, and written to, the registry together.
BATCH = 1000


# ---------------------------------------------------------------------------------------
# The registry's own cells


def clean_gender(value: Any) -> str:
    text = spreadsheets.no_formula(value)
    if not text:
        raise CellError("required")
    gender = GENDERS.get(spreadsheets.words(text)) or (
        text.lower() if text.lower() in Resident.Gender.values else None
    )
    if gender is None:
        raise CellError("invalid_gender", value=text[:40])
    return gender


def clean_relationship(value: Any) -> str:
    text = spreadsheets.no_formula(value)
    if not text:
        raise CellError("required")
    words = spreadsheets.words(text)
    relationship = RELATIONSHIPS.get(words) or RELATIONSHIPS.get(words.replace(" ", ""))
    if relationship is None and words.replace(" ", "_") in Resident.Relationship.values:
        relationship = words.replace(" ", "_")
    if relationship is None:
        raise CellError("invalid_relationship", value=text[:40])
    return relationship


def clean_national_id_cell(value: Any) -> str:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    text = spreadsheets.no_formula(value)
    try:
        return clean_national_id(text)
    except ValidationError as exc:
        count = len(re.sub(r"\D", "", text))
        if numeric and count == 11:
            raise CellError("national_id_as_number", count=count) from exc
        raise CellError("invalid_national_id", count=count) from exc


def clean_phone_cell(value: Any) -> str:
    text = spreadsheets.no_formula(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and len(text) == 9:
        text = "0" + text  # the leading zero a number cell dropped
    try:
        return clean_phone(text)
    except ValidationError as exc:
        raise CellError("invalid_phone") from exc


def clean_digital_address_cell(value: Any) -> str:
    text = spreadsheets.no_formula(value)
    try:
        text = clean_digital_address(text)
    except ValidationError as exc:
        raise CellError("invalid_digital_address", value=text[:40]) from exc
    if len(text) > 32:
        raise CellError("too_long", max=32, count=len(text))
    return text


def clean_lane(lanes: dict[str, tuple[int, str]], value: Any) -> tuple[int, str] | None:
    """The lane of the village with this name (case and diacritics ignored)."""
    text = spreadsheets.plain_text(value, max_length=100)
    if not text:
        return None
    lane = lanes.get(spreadsheets.fold(text))
    if lane is None:
        close = difflib.get_close_matches(spreadsheets.fold(text), list(lanes), n=1, cutoff=0.75)
        if close:
            raise CellError("unknown_lane_suggest", value=text[:60], suggestion=lanes[close[0]][1])
        raise CellError("unknown_lane", value=text[:60])
    return lane


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
