"""The processing register and the impact-assessment annex, generated from the declarations.

Two documents of a commune, the controller of its villages' data: the register (one row per
declared group of personal fields) and the impact-assessment dossier, whose sections follow
the content Decree 13/2023/NĐ-CP, Art. 24(2) lists (docs/privacy.md says why that text).
What only the commune knows (its data-protection contact, the date of its own assessment) is
left as dotted lines, marked for filling by hand.
"""

from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from privacy.registry import (
    DataClass,
    LegalBasis,
    PersonalField,
    Purpose,
    audience_label,
    personal_fields,
)
from reports.exports import (
    SIZE_BODY,
    SIZE_ISSUER,
    SIZE_SIGNATURE,
    SIZE_TITLE,
    ReportPDF,
    letterhead_for,
    national_heading,
    number_and_date_line,
)
from villageportal.pdf import vietnamese_date_line

REGISTER, ANNEX = "register", "annex"
DOCUMENTS = (REGISTER, ANNEX)
FORMATS = ("xlsx", "pdf")
DOTS = "." * 60
TO_FILL = "fill"  # a line the commune fills by hand


@dataclass(frozen=True)
class Row:
    number: int
    data: str
    data_class: str
    subject: str
    purpose: str
    legal_basis: str
    seen_by: str
    retention: str
    stored_in: str
    sensitive: bool


def _row(number: int, entry: PersonalField) -> Row:
    return Row(
        number=number,
        data=str(entry.label),
        data_class=str(DataClass(entry.data_class).label),
        subject=str(entry.subject) or _("The resident"),
        purpose=str(Purpose(entry.purpose).label),
        legal_basis=str(LegalBasis(entry.legal_basis).label),
        seen_by="; ".join(audience_label(code) for code in entry.audience()),
        retention=str(entry.retention)
        + (f" ({entry.retention_setting})" if entry.retention_setting else ""),
        stored_in=f"{entry.model}: {', '.join(entry.fields)}",
        sensitive=entry.data_class == DataClass.SENSITIVE,
    )


def register_rows() -> list[Row]:
    """The register in the order of the purposes (the registry first), as declared."""
    order = {purpose: n for n, purpose in enumerate(Purpose.values)}
    entries = sorted(
        personal_fields(),
        key=lambda e: (order[e.purpose], e.data_class == DataClass.SENSITIVE, e.model),
    )
    return [_row(n, entry) for n, entry in enumerate(entries, start=1)]


def headings() -> list[str]:
    return [
        _("No."),
        _("Personal data"),
        _("Class"),
        _("Whose data"),
        _("Purpose"),
        _("Legal basis"),
        _("Who sees it"),
        _("Retention"),
        _("Where it is stored"),
    ]


def row_cells(row: Row) -> list[Any]:
    return [
        row.number,
        row.data,
        row.data_class,
        row.subject,
        row.purpose,
        row.legal_basis,
        row.seen_by,
        row.retention,
        row.stored_in,
    ]


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[tuple[str, str]]  # (kind, text): kind "text" or TO_FILL


def _in_text(name: str) -> str:
    """A place's name inside a sentence: ``Xã Cẩm Thử`` → ``xã Cẩm Thử``."""
    for kind in ("Xã ", "Phường ", "Đặc khu "):
        if name.startswith(kind):
            return name[:1].lower() + name[1:]
    return name


def _by_retention(rows: list[Row]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for row in rows:
        grouped.setdefault(row.retention, []).append(row.data)
    return grouped


def annex_sections(commune: Any) -> list[Section]:
    """The dossier's sections (Decree 13/2023, Art. 24(2)), filled from the declarations."""
    rows = register_rows()
    purposes = list(dict.fromkeys(r.purpose for r in rows))
    sensitive = [r.data for r in rows if r.sensitive]
    basic = [r.data for r in rows if not r.sensitive]
    text, fill = "text", TO_FILL
    return [
        Section(
            _("1. The controller of the personal data"),
            [
                (
                    text,
                    _("People's Committee of %(commune)s, %(province)s")
                    % {"commune": _in_text(commune.name), "province": commune.province.name},
                ),
                (fill, _("Address, phone and e-mail of the People's Committee:")),
            ],
        ),
        Section(
            _("2. The person in charge of personal data protection"),
            [
                (fill, _("Full name and position:")),
                (fill, _("Phone and e-mail:")),
            ],
        ),
        Section(
            _("3. Purposes of processing"),
            [(text, "- " + p) for p in purposes],
        ),
        Section(
            _("4. Kinds of personal data processed"),
            [(text, _("Sensitive personal data:"))]
            + [(text, "- " + d) for d in sensitive]
            + [(text, _("Basic personal data:"))]
            + [(text, "- " + d) for d in basic],
        ),
        Section(
            _("5. Who receives the data"),
            [
                (
                    text,
                    _(
                        "Staff of the commune and its villages, each role only the fields the "
                        "register lists; providers that deliver messages the resident chose "
                        "(SMS, e-mail, Zalo) receive only the address and the message."
                    ),
                ),
                (fill, _("Other recipients, if any:")),
            ],
        ),
        Section(
            _("6. Transfer of personal data abroad"),
            [
                (
                    text,
                    _(
                        "The portal transfers no personal data abroad by itself; the hosting "
                        "and message providers chosen by the commune decide where data travels."
                    ),
                ),
                (fill, _("Providers and countries, if any:")),
            ],
        ),
        Section(
            _("7. Processing time and when data is deleted"),
            [
                (text, f"- {retention}: {'; '.join(data)}")
                for retention, data in _by_retention(rows).items()
            ],
        ),
        Section(
            _("8. Protection measures"),
            [
                (
                    text,
                    _(
                        "Each role sees only the fields listed in the register; a commune "
                        "official opens a personal record on purpose and the opening is logged; "
                        "every change to the registry is recorded (who, when, what); staff who "
                        "see personal data sign in with two-factor authentication; camera and "
                        "messaging credentials are encrypted at rest; uploaded photos are "
                        "stripped of their metadata."
                    ),
                ),
                (fill, _("Organisational measures of the commune:")),
            ],
        ),
        Section(
            _("9. Assessment of the impact, possible harm and measures to reduce it"),
            [
                (
                    text,
                    _(
                        "%(sensitive)s kinds of sensitive and %(basic)s kinds of basic personal "
                        "data are processed. A leak of national ID numbers, phone numbers, "
                        "locations or financial data could lead to fraud or harassment of "
                        "residents; the measures in section 8 limit who can see them."
                    )
                    % {"sensitive": len(sensitive), "basic": len(basic)},
                ),
                (fill, _("The commune's assessment and date:")),
            ],
        ),
    ]


def _title(document: str) -> str:
    if document == ANNEX:
        return _("DOSSIER OF THE PERSONAL DATA PROCESSING IMPACT ASSESSMENT")
    return _("REGISTER OF PERSONAL DATA PROCESSING")


def write_xlsx(out: IO[bytes], *, commune: Any, document: str) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([_("PEOPLE'S COMMITTEE OF %(commune)s") % {"commune": commune.name.upper()}])
    sheet.append([_title(document)])
    sheet.append([vietnamese_date_line(commune.name, timezone.localdate())])
    sheet.append([])
    for cell in (sheet["A1"], sheet["A2"]):
        cell.font = bold
    if document == REGISTER:
        sheet.title = _("Processing register")
        sheet.append(headings())
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in register_rows():
            sheet.append(row_cells(row))
        for letter, width in zip("ABCDEFGHI", (5, 40, 16, 24, 36, 36, 40, 40, 36), strict=True):
            sheet.column_dimensions[letter].width = width
    else:
        sheet.title = _("Impact assessment")
        sheet.column_dimensions["A"].width = 110
        for section in annex_sections(commune):
            sheet.append([section.title])
            sheet[f"A{sheet.max_row}"].font = bold
            for kind, text in section.lines:
                sheet.append([f"{text} {DOTS}" if kind == TO_FILL else text])
    for line in sheet.iter_rows(min_row=5):
        for cell in line:
            cell.alignment = wrap
    workbook.save(out)


def _letterhead(pdf: ReportPDF, commune: Any, title: str, issued: date) -> None:
    """Decree 30/2020's header: the commune's committee and the number at the left, the
    national name and motto at the right, the place and date, then the title."""
    head = letterhead_for(commune=commune)
    left_w = 72.0
    top = pdf.get_y()
    right_w = pdf.epw - left_w
    pdf.set_font(pdf.font, "B", SIZE_ISSUER)
    pdf.multi_cell(
        left_w, pdf.line_height(SIZE_ISSUER), head.issuer, align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.rule_under(pdf.get_string_width(head.issuer), pdf.l_margin, left_w, share=0.4)
    left_bottom = pdf.get_y()
    national_heading(pdf, x=pdf.l_margin + left_w, top=top, width=right_w)
    number_and_date_line(
        pdf,
        y=max(left_bottom, pdf.get_y()) + 1.5,
        left_width=left_w,
        symbol="UBND",
        date_line=vietnamese_date_line(head.place, issued),
    )
    pdf.ln(6)
    pdf.set_font(pdf.font, "B", SIZE_TITLE)
    pdf.multi_cell(0, pdf.line_height(SIZE_TITLE), title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.rule_under(pdf.get_string_width(title), pdf.l_margin, pdf.epw, share=0.3)
    pdf.ln(4)


def _signature(pdf: ReportPDF, commune: Any) -> None:
    head = letterhead_for(commune=commune)
    pdf.ln(6)
    if pdf.will_page_break(50):
        pdf.add_page()
    right_w = 90.0
    x = pdf.l_margin + pdf.epw - right_w
    pdf.set_font(pdf.font, "B", SIZE_SIGNATURE)
    for line in (head.authority, head.title):
        pdf.set_x(x)
        pdf.cell(
            right_w, pdf.line_height(SIZE_SIGNATURE), line, align="C", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.set_x(x)
    pdf.set_font(pdf.font, "I", 11)
    pdf.cell(right_w, pdf.line_height(11), head.hint, align="C", new_x="LMARGIN", new_y="NEXT")


def write_pdf(out: IO[bytes], *, commune: Any, document: str) -> None:
    pdf = ReportPDF()
    issued = timezone.localdate()
    if document == REGISTER:
        pdf.add_page(orientation="L")
        _letterhead(pdf, commune, _title(document), issued)
        pdf.set_font(pdf.font, "", 9)
        widths: tuple[float, ...] = (10, 36, 17, 20, 28, 30, 38, 30, 0)
        widths = (*widths[:-1], pdf.epw - sum(widths[:-1]))
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.2) as table:
            heading = table.row()
            pdf.set_font(pdf.font, "B", 9)
            for text in headings():
                heading.cell(text)
            pdf.set_font(pdf.font, "", 9)
            for row in register_rows():
                line = table.row()
                for value in row_cells(row):
                    line.cell(str(value))
    else:
        pdf.add_page()
        _letterhead(pdf, commune, _title(document), issued)
        for section in annex_sections(commune):
            if pdf.will_page_break(25):
                pdf.add_page()
            pdf.set_font(pdf.font, "B", SIZE_BODY)
            pdf.multi_cell(
                0, pdf.line_height(SIZE_BODY), section.title, new_x="LMARGIN", new_y="NEXT"
            )
            for kind, text in section.lines:
                style = "I" if kind == TO_FILL else ""
                pdf.set_font(pdf.font, style, SIZE_BODY)
                body = f"{text} {DOTS}" if kind == TO_FILL else text
                pdf.multi_cell(
                    0, pdf.line_height(SIZE_BODY), body, align="L", new_x="LMARGIN", new_y="NEXT"
                )
            pdf.ln(1)
        pdf.set_font(pdf.font, "I", 11)
        pdf.multi_cell(
            0,
            pdf.line_height(11),
            _("Lines ending in dots are for the commune to fill by hand before signing."),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    _signature(pdf, commune)
    out.write(bytes(pdf.output()))


def render(*, commune: Any, document: str, fmt: str) -> bytes:
    import io

    buffer = io.BytesIO()
    if fmt == "xlsx":
        write_xlsx(buffer, commune=commune, document=document)
    else:
        write_pdf(buffer, commune=commune, document=document)
    return buffer.getvalue()


def filename(*, commune: Any, document: str, fmt: str) -> str:
    from django.utils.text import slugify

    return f"{document}-{slugify(commune.codename or commune.pk)}.{fmt}"
