"""Exports of a criteria report: .xlsx laid out as an official report, PDF, CSV.

Many villages are evaluated in chunks and written row by row (openpyxl's write-only mode),
so memory stays flat whatever the number of villages.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from households.models import Village
from reports import engine, frozen, numbers
from reports.engine import IndicatorResult, VillageReport
from reports.models import CriteriaSet, Indicator, PeriodClose
from villageportal.pdf import DOCUMENT_FONT, add_document_fonts, vietnamese_date_line

CHUNK = 200
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(text: Any) -> Any:
    """Text a spreadsheet would run as a formula, neutralised."""
    if isinstance(text, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def threshold_text(indicator: Indicator) -> str:
    if indicator.threshold_kind == Indicator.Threshold.PERCENT_AT_LEAST:
        return f"≥ {indicator.threshold_value.normalize():f}%"
    if indicator.threshold_kind == Indicator.Threshold.COUNT_AT_LEAST:
        return f"≥ {indicator.threshold_value.normalize():f}"
    return _("Yes")


def value_text(result: IndicatorResult) -> str:
    if not result.available:
        return _("not available")
    value = result.value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if result.figure is not None and result.figure.denominator is not None:
        return f"{value:.1f}%"
    return f"{value:g}"


def value_cell(result: IndicatorResult) -> tuple[Any, str | None]:
    """The indicator's value as the spreadsheet keeps it: a number with its format, so that
    Excel sums, sorts and shows it in the reader's own notation (decimal comma in Vietnam).
    Text only where there is no number (not available, yes or no)."""
    value = result.value
    if not result.available or value is None or isinstance(value, bool):
        return value_text(result), None
    if result.figure is not None and result.figure.denominator is not None:
        return round(float(value) / 100, 4), "0.0%"
    number = float(value)
    return (int(number), "#,##0") if number.is_integer() else (number, "#,##0.0")


def figure_cells(result: IndicatorResult) -> tuple[Any, Any]:
    """The numerator and the denominator as numbers (the attestation's date where there is
    no figure), so that a spreadsheet can add them up."""
    figure = result.figure
    if figure is None:
        return figure_text(result), None
    numerator = float(figure.numerator)
    return (int(numerator) if numerator.is_integer() else numerator), figure.denominator


def threshold_cell(indicator: Indicator) -> tuple[Any, str | None]:
    """The threshold as a number with a format that shows "≥" (text only for a yes)."""
    value = indicator.threshold_value
    if value is None or indicator.threshold_kind == Indicator.Threshold.YES:
        return threshold_text(indicator), None
    whole = value == value.to_integral_value()
    if indicator.threshold_kind == Indicator.Threshold.PERCENT_AT_LEAST:
        return float(value) / 100, '"≥ "0%' if whole else '"≥ "0.0%'
    return (int(value), '"≥ "#,##0') if whole else (float(value), '"≥ "#,##0.0')


def figure_text(result: IndicatorResult) -> str:
    figure = result.figure
    if figure is None:
        if result.attestation is not None:
            return _("attested on %(date)s") % {
                "date": date_format(result.attestation.attested_on, "d/m/Y")
            }
        return ""
    if figure.denominator is None:
        return f"{figure.numerator:g}"
    return f"{figure.numerator:g}/{figure.denominator}"


def verdict_text(passed: bool | None) -> str:
    if passed is None:
        return _("not available")
    return _("Met") if passed else _("Not met")


@dataclass
class Letterhead:
    """The parts of an administrative document (Decree 30/2020/NĐ-CP, appendix I) that say who
    issues it, where, and who signs it."""

    issuer: str  # the issuing body, in capitals: ỦY BAN NHÂN DÂN XÃ …, THÔN …
    parent: str = ""  # the body directly above it (cơ quan chủ quản), in capitals
    symbol: str = "BC-UBND"  # the number's symbol: "Số:      /BC-UBND"
    place: str = ""  # the place of the date line
    authority: str = ""  # TM. ỦY BAN NHÂN DÂN
    title: str = ""  # CHỦ TỊCH, TRƯỞNG THÔN
    signer: str = ""  # the signer's name, when known
    recipients: list[str] = field(default_factory=list)
    subject: str = ""  # the line under BÁO CÁO
    speaker: str = ""  # the issuer as the body's first sentence names it
    hint: str = ""  # under the title: what goes in the space (signature, seal)


def _bare(name: str) -> str:
    """A place's name without the word for its kind: ``Xã Cẩm Thử`` → ``Cẩm Thử``."""
    for prefix in ("Thành phố ", "Đặc khu ", "Phường ", "Tỉnh ", "Xã ", "Thôn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _in_text(name: str) -> str:
    """A place's name inside a sentence: ``Xã Cẩm Thử`` → ``xã Cẩm Thử``."""
    return _bare(name) if _bare(name) == name else name[:1].lower() + name[1:]


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word[:1].isalpha()).upper()


def letterhead_for(
    *, village: Any = None, commune: Any = None, province: Any = None, signer: str = ""
) -> Letterhead:
    """The issuing body and signer of a report: a village's by its head (trưởng thôn) under
    the commune's People's Committee; a commune's or a province's by its People's Committee."""
    if village is not None:
        commune = village.commune
        return Letterhead(
            parent=_("PC OF %(commune)s") % {"commune": commune.name.upper()},
            issuer=village.name.upper(),
            symbol="BC-" + (_initials(village.name) or "TT"),
            place=_bare(commune.name),
            title=_("VILLAGE HEAD"),
            signer=signer,
            recipients=[
                _("PC of %(commune)s (to report)") % {"commune": _in_text(commune.name)},
                _("Filed: village office."),
            ],
            subject=_("Results of the smart-village criteria of %(village)s")
            % {"village": village.name},
            speaker=village.name,
            hint=_("(signature and full name)"),
        )
    if commune is not None:
        return Letterhead(
            issuer=_("PEOPLE'S COMMITTEE OF %(commune)s") % {"commune": commune.name.upper()},
            symbol="BC-UBND",
            place=_bare(commune.name),
            authority=_("ON BEHALF OF THE PEOPLE'S COMMITTEE"),
            title=_("CHAIRPERSON"),
            signer=signer,
            recipients=[
                _("PC of %(province)s (to report)") % {"province": _in_text(commune.province.name)},
                _("The villages of the commune"),
                _("Filed: VT."),
            ],
            subject=_("Results of the smart-village criteria of the villages of %(commune)s")
            % {"commune": _in_text(commune.name)},
            speaker=_("The People's Committee of %(place)s") % {"place": _in_text(commune.name)},
            hint=_("(signature, seal and full name)"),
        )
    name = province.name if province is not None else ""
    return Letterhead(
        issuer=_("PEOPLE'S COMMITTEE OF %(province)s") % {"province": name.upper()},
        symbol="BC-UBND",
        place=_bare(name),
        authority=_("ON BEHALF OF THE PEOPLE'S COMMITTEE"),
        title=_("CHAIRPERSON"),
        signer=signer,
        recipients=[_("The communes and wards of the province"), _("Filed: VT.")],
        subject=_("Results of the smart-village criteria of the villages of %(province)s")
        % {"province": _in_text(name)},
        speaker=_("The People's Committee of %(place)s") % {"place": _in_text(name)},
        hint=_("(signature, seal and full name)"),
    )


Progress = Callable[[int, int], None]


@dataclass
class Source:
    """What an export writes: the reports of one or many villages, and their heading.

    Made by ``live`` (computed from the records as of a date) or ``frozen`` (the figures a
    period close froze); the writers read both the same way.
    """

    criteria_set: CriteriaSet
    as_of: date
    place: str
    count: int
    columns: list[Any]
    reports: Callable[[Progress | None], Iterable[Any]]
    # A line under the heading: where the figures come from when it is not today's records.
    note: str = ""
    # Who issues and signs the document (Decree 30/2020's header and signature block).
    letterhead: Letterhead | None = None

    @property
    def single(self) -> bool:
        return self.count == 1


def live(
    *,
    criteria_set: CriteriaSet,
    villages: QuerySet,
    as_of: date,
    place: str,
    letterhead: Letterhead | None = None,
) -> Source:
    """Every village's report computed as of ``as_of``: the figures of all villages at once,
    the reports built one at a time as they are written."""
    villages = engine.existing_on(villages, as_of).order_by("commune__name", "name", "pk")
    total = villages.count()

    def reports(progress: Progress | None) -> Iterator[VillageReport]:
        for done, report in enumerate(
            engine.evaluate_iter(criteria_set=criteria_set, villages=villages, as_of=as_of),
            start=1,
        ):
            yield report
            if progress and (done % CHUNK == 0 or done == total):
                progress(done, total)

    return Source(
        criteria_set=criteria_set,
        as_of=as_of,
        place=place,
        count=total,
        columns=indicator_columns(criteria_set),
        reports=reports,
        letterhead=letterhead,
    )


def for_period(
    period: PeriodClose,
    *,
    place: str,
    village_id: Any = None,
    letterhead: Letterhead | None = None,
) -> Source:
    """A period's export: the frozen figures while it is closed, recomputed once reopened."""
    as_of = frozen.frozen_as_of(period) or period.ends_on
    if not period.is_closed:
        villages = Village.objects.filter(commune_id=period.commune_id)
        if village_id is not None:
            villages = villages.filter(pk=village_id)
        source = live(
            criteria_set=period.criteria_set,
            villages=villages,
            as_of=as_of,
            place=place,
            letterhead=letterhead,
        )
        source.note = frozen.reopened_note(period)
        return source
    stored = frozen.frozen_reports(period, village_id=village_id)

    def reports(progress: Progress | None) -> Iterator[Any]:
        yield from stored
        if progress and stored:
            progress(len(stored), len(stored))

    columns = [r.indicator for c in stored[0].criteria for r in c.indicators] if stored else []
    return Source(
        criteria_set=period.criteria_set,
        as_of=as_of,
        place=place,
        count=len(stored),
        columns=columns,
        reports=reports,
        note=frozen.closed_note(period),
        letterhead=letterhead,
    )


def heading_lines(source: Source) -> list[str]:
    criteria_set, place, as_of = source.criteria_set, source.place, source.as_of
    lines = [
        _("SOCIALIST REPUBLIC OF VIETNAM"),
        _("Independence - Freedom - Happiness"),
        "",
        _("REPORT ON THE SMART-VILLAGE CRITERIA"),
        place,
        _("Legal basis: %(name)s, decision %(number)s of %(date)s")
        % {
            "name": criteria_set.name,
            "number": criteria_set.legal_basis_number,
            "date": date_format(criteria_set.legal_basis_date, "d/m/Y"),
        },
        _("Figures as of %(date)s (version %(version)s of the set)")
        % {"date": date_format(as_of, "d/m/Y"), "version": criteria_set.version},
    ]
    if source.note:
        lines.append(source.note)
    return lines


def signature_lines(as_of: date) -> list[tuple[str, str]]:
    return [
        ("", _("Date: %(date)s") % {"date": date_format(as_of, "d/m/Y")}),
        (_("PREPARED BY"), _("ON BEHALF OF THE PEOPLE'S COMMITTEE")),
        (_("(signature and full name)"), _("(signature, seal and full name)")),
    ]


def indicator_columns(criteria_set: CriteriaSet) -> list[Indicator]:
    return [i for c in engine.structure(criteria_set) for i in c.indicators.all()]


def write_xlsx(out: IO[bytes], *, source: Source, progress: Progress | None = None) -> None:
    """One sheet: heading, one row per village (or per indicator for one village), signatures."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(pgettext("report document", "Report"))
    bold = Font(bold=True)
    centre = Alignment(horizontal="center")

    def cell(value: Any, *, strong: bool = False, centred: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=safe(value))
        if strong:
            c.font = bold
        if centred:
            c.alignment = centre
        return c

    def numeric(value: Any, number_format: str | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=safe(value))
        if number_format:
            c.number_format = number_format
        return c

    def met(report: Any) -> WriteOnlyCell:
        # "7/8" to the eye, the number 7 to Excel.
        return numeric(report.passed_count, f'0"/{len(report.criteria)}"')

    for n, line in enumerate(heading_lines(source)):
        sheet.append([cell(line, strong=n in (0, 3))])
    sheet.append([])
    if source.single:
        sheet.append(
            [
                cell(h, strong=True)
                for h in (
                    _("No."),
                    _("Criterion"),
                    _("Indicator"),
                    _("Numerator"),
                    _("Denominator"),
                    _("Value"),
                    _("Threshold"),
                    _("Result"),
                )
            ]
        )
        for report in source.reports(progress):
            for criterion in report.criteria:
                for result in criterion.indicators:
                    sheet.append(
                        [
                            criterion.criterion.number,
                            safe(criterion.criterion.title),
                            safe(result.indicator.name),
                            *figure_cells(result),
                            numeric(*value_cell(result)),
                            numeric(*threshold_cell(result.indicator)),
                            verdict_text(result.passed),
                        ]
                    )
            sheet.append([])
            sheet.append(
                [
                    cell(_("Criteria met"), strong=True),
                    met(report),
                    verdict_text(report.passed),
                ]
            )
    else:
        sheet.append(
            [
                cell(_("No."), strong=True),
                cell(_("Village"), strong=True),
                cell(_("Commune"), strong=True),
                *(cell(f"{i.name} ({threshold_text(i)})", strong=True) for i in source.columns),
                cell(_("Criteria met"), strong=True),
                cell(_("Smart village"), strong=True),
            ]
        )
        for number, report in enumerate(source.reports(progress), start=1):
            results = [r for c in report.criteria for r in c.indicators]
            sheet.append(
                [
                    number,
                    safe(report.village.name),
                    safe(report.village.commune.name),
                    *(numeric(*value_cell(r)) for r in results),
                    met(report),
                    verdict_text(report.passed),
                ]
            )
    sheet.append([])
    for left, right in signature_lines(source.as_of):
        sheet.append(
            [
                None,
                cell(left, strong=True, centred=True),
                None,
                None,
                cell(right, strong=True, centred=True),
            ]
        )
    workbook.save(out)


def write_csv(out: IO[str], *, source: Source, progress: Progress | None = None) -> None:
    """One row per village and indicator: the same figures as the page and the API."""
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Village"),
            _("Commune"),
            _("Date"),
            _("Criterion"),
            _("Indicator"),
            _("Measure"),
            _("Numerator"),
            _("Denominator"),
            _("Value"),
            _("Threshold"),
            _("Result"),
            _("Source of the figures"),
        ]
    )
    # A CSV has no heading: where the figures come from travels on every row.
    origin = source.note or _("computed from the records")
    for report in source.reports(progress):
        for criterion in report.criteria:
            for result in criterion.indicators:
                figure = result.figure
                writer.writerow(
                    [
                        safe(report.village.name),
                        safe(report.village.commune.name),
                        source.as_of.isoformat(),
                        safe(criterion.criterion.title),
                        safe(result.indicator.name),
                        result.indicator.measure_code,
                        "" if figure is None else figure.numerator,
                        "" if figure is None or figure.denominator is None else figure.denominator,
                        value_text(result),
                        threshold_text(result.indicator),
                        verdict_text(result.passed),
                        origin,
                    ]
                )


# Decree 30/2020/NĐ-CP, appendix I: A4, margins 20-25 mm top and bottom, 30-35 mm left,
# 15-20 mm right; Times New Roman (here its metric twin); the sizes of each part, in points.
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20, 20, 30, 15
SIZE_NATIONAL_NAME = 12  # Quốc hiệu: 12-13, capitals, bold
SIZE_MOTTO = 13  # Tiêu ngữ: 13-14, bold, a rule of its own length below
SIZE_ISSUER = 12  # issuing body: 12-13, capitals (bold for the issuer itself)
SIZE_NUMBER = 13  # "Số: …/BC-…": 13
SIZE_DATE = 13  # place and date: 13-14, italic
SIZE_TITLE = 14  # BÁO CÁO and its subject: 13-14, bold
SIZE_BODY = 13  # body text: 13-14
SIZE_TABLE = 11  # the tables of figures
SIZE_SIGNATURE = 14  # the signer's authority, title and name: 13-14, bold
SIZE_RECIPIENTS_LABEL = 12  # "Nơi nhận:": 12, bold italic
SIZE_RECIPIENTS = 11  # the recipients: 11
SIZE_PAGE_NUMBER = 13  # page numbers: 13-14, centred in the top margin, none on page 1
PT = 0.3528  # mm per point
LEFT_COLUMN = 72  # mm: the issuing body and number; the rest of the width is the right column


class ReportPDF(FPDF):
    font = DOCUMENT_FONT

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        add_document_fonts(self)
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(auto=True, margin=MARGIN_BOTTOM)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_y(8)
            self.set_font(self.font, "", SIZE_PAGE_NUMBER)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_y(MARGIN_TOP)

    def line_height(self, size: float) -> float:
        return size * PT * 1.25

    def rule_under(self, text_width: float, x: float, width: float, share: float = 1.0) -> None:
        """A thin rule under the line just written, ``share`` of its text width, centred."""
        length = min(text_width, width) * share
        y = self.get_y() + 1.0
        self.set_line_width(0.25)
        self.line(x + (width - length) / 2, y, x + (width + length) / 2, y)
        self.set_y(y + 1.5)


PDF_COLUMNS = (11, 34, 46, 19, 18, 17, 20)  # the table of one village's criteria, in mm


def pdf_value(result: IndicatorResult) -> str:
    """The value as the document writes it, in the active language's notation."""
    if not result.available:
        return _("not available")
    value = result.value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if result.figure is not None and result.figure.denominator is not None:
        return numbers.percent(value)
    return numbers.figure(value)


def pdf_figure(result: IndicatorResult) -> str:
    figure = result.figure
    if figure is None or figure.denominator is None:
        return figure_text(result) if figure is None else numbers.figure(figure.numerator)
    return f"{numbers.figure(figure.numerator)}/{numbers.figure(figure.denominator)}"


def pdf_threshold(indicator: Indicator) -> str:
    if indicator.threshold_kind == Indicator.Threshold.PERCENT_AT_LEAST:
        return f"≥ {numbers.figure(indicator.threshold_value)}%"
    if indicator.threshold_kind == Indicator.Threshold.COUNT_AT_LEAST:
        return f"≥ {numbers.figure(indicator.threshold_value)}"
    return _("Yes")


def national_heading(pdf: ReportPDF, *, x: float, top: float, width: float) -> None:
    """Decree 30/2020's national name and motto, centred in the column at ``x``, and a rule
    as long as the motto under it."""
    pdf.set_xy(x, top)
    pdf.set_font(pdf.font, "B", SIZE_NATIONAL_NAME)
    pdf.cell(
        width,
        pdf.line_height(SIZE_NATIONAL_NAME),
        _("SOCIALIST REPUBLIC OF VIETNAM"),
        align="C",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_font(pdf.font, "B", SIZE_MOTTO)
    motto = _("Independence - Freedom - Happiness")
    pdf.cell(width, pdf.line_height(SIZE_MOTTO), motto, align="C", new_x="LEFT", new_y="NEXT")
    pdf.rule_under(pdf.get_string_width(motto), x, width)


def number_and_date_line(
    pdf: ReportPDF, *, y: float, left_width: float, symbol: str, date_line: str
) -> None:
    """One line of the header: the document's number (left blank to be filled in) under the
    issuer, the place and date in italics under the national name."""
    pdf.set_xy(pdf.l_margin, y)
    pdf.set_font(pdf.font, "", SIZE_NUMBER)
    pdf.cell(
        left_width,
        pdf.line_height(SIZE_NUMBER),
        _("No.: %(blank)s/%(symbol)s") % {"blank": "\u00a0" * 8, "symbol": symbol},
        align="C",
    )
    pdf.set_xy(pdf.l_margin + left_width, y)
    pdf.set_font(pdf.font, "I", SIZE_DATE)
    pdf.cell(
        pdf.epw - left_width,
        pdf.line_height(SIZE_DATE),
        date_line,
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _pdf_letterhead(pdf: ReportPDF, source: Source, letterhead: Letterhead, issued: date) -> None:
    """The header of Decree 30/2020: the issuing body and number at the left, the national
    name, motto and the place and date at the right, then the title and its subject."""
    left_x, top = pdf.l_margin, pdf.get_y()
    right_x = left_x + LEFT_COLUMN
    right_w = pdf.epw - LEFT_COLUMN
    # Left: the body above the issuer, the issuer in bold, a short rule under it.
    pdf.set_xy(left_x, top)
    if letterhead.parent:
        pdf.set_font(pdf.font, "", SIZE_ISSUER)
        pdf.multi_cell(
            LEFT_COLUMN,
            pdf.line_height(SIZE_ISSUER),
            letterhead.parent,
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_font(pdf.font, "B", SIZE_ISSUER)
    pdf.multi_cell(
        LEFT_COLUMN,
        pdf.line_height(SIZE_ISSUER),
        letterhead.issuer,
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    widest = max(pdf.get_string_width(part) for part in letterhead.issuer.split("\n"))
    pdf.rule_under(widest, left_x, LEFT_COLUMN, share=0.4)
    left_bottom = pdf.get_y()
    # Right: the national name, the motto with a rule of its own length.
    national_heading(pdf, x=right_x, top=top, width=right_w)
    number_and_date_line(
        pdf,
        y=max(left_bottom, pdf.get_y()) + 1.5,
        left_width=LEFT_COLUMN,
        symbol=letterhead.symbol,
        date_line=vietnamese_date_line(letterhead.place or source.place, issued),
    )
    pdf.ln(6)
    # The title and its subject, bold and centred, a short rule under them.
    pdf.set_font(pdf.font, "B", SIZE_TITLE)
    pdf.cell(0, pdf.line_height(SIZE_TITLE), _("REPORT"), align="C", new_x="LMARGIN", new_y="NEXT")
    subject = letterhead.subject or _("Results of the smart-village criteria")
    pdf.multi_cell(
        0, pdf.line_height(SIZE_TITLE), subject, align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.rule_under(pdf.get_string_width(subject), pdf.l_margin, pdf.epw, share=0.35)
    pdf.ln(4)


def _pdf_paragraph(pdf: ReportPDF, text: str, *, style: str = "") -> None:
    """A body paragraph: justified, first line indented 1 cm, 6 pt after (Decree 30/2020)."""
    pdf.set_font(pdf.font, style, SIZE_BODY)
    with (
        pdf.text_columns(text_align="J", line_height=1.15) as columns,
        columns.paragraph(first_line_indent=10, bottom_margin=6 * PT) as paragraph,
    ):
        paragraph.write(text)


def _pdf_section(pdf: ReportPDF, text: str) -> None:
    if pdf.will_page_break(30):
        pdf.add_page(orientation="P")
    pdf.ln(1)
    pdf.set_font(pdf.font, "B", SIZE_BODY)
    pdf.multi_cell(0, pdf.line_height(SIZE_BODY), text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _pdf_body(pdf: ReportPDF, source: Source, letterhead: Letterhead, reports: list[Any]) -> None:
    criteria_set = source.criteria_set
    _pdf_paragraph(
        pdf,
        _(
            "Pursuant to %(name)s (decision %(number)s of %(date)s), %(issuer)s reports the "
            "results of the smart-village criteria as of %(as_of)s (version %(version)s of "
            "the set) as follows:"
        )
        % {
            "name": criteria_set.name,
            "number": criteria_set.legal_basis_number,
            "date": date_format(criteria_set.legal_basis_date, "d/m/Y"),
            "issuer": letterhead.speaker or source.place,
            "as_of": date_format(source.as_of, "d/m/Y"),
            "version": criteria_set.version,
        },
    )
    if source.note:
        _pdf_paragraph(pdf, source.note, style="I")
    if len(reports) > 1:
        passing = sum(1 for r in reports if r.passed)
        _pdf_paragraph(
            pdf,
            _(
                "Of the %(total)s villages, %(passing)s meet every criterion and %(behind)s "
                "do not yet; the tables below give each village's figures."
            )
            % {"total": len(reports), "passing": passing, "behind": len(reports) - passing},
        )
    elif reports:
        report = reports[0]
        _pdf_paragraph(
            pdf,
            _("The village meets %(passed)s of %(total)s criteria: %(verdict)s.")
            % {
                "passed": report.passed_count,
                "total": len(report.criteria),
                "verdict": verdict_text(report.passed).lower(),
            },
        )


def _pdf_village_table(pdf: ReportPDF, report: Any) -> None:
    """One village's criteria: each indicator with its figure, value, threshold and result."""
    pdf.set_font(pdf.font, "", SIZE_TABLE)
    with pdf.table(
        col_widths=PDF_COLUMNS,
        width=pdf.epw,
        text_align=("CENTER", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "CENTER"),
        line_height=pdf.line_height(SIZE_TABLE),
    ) as table:
        table.row(
            [
                _("No."),
                _("Criterion"),
                _("Indicator"),
                _("Figure"),
                _("Value"),
                _("Threshold"),
                _("Result"),
            ]
        )
        for criterion in report.criteria:
            for result in criterion.indicators:
                table.row(
                    [
                        str(criterion.criterion.number),
                        criterion.criterion.title,
                        result.indicator.name,
                        pdf_figure(result),
                        pdf_value(result),
                        pdf_threshold(result.indicator),
                        verdict_text(result.passed),
                    ]
                )
    pdf.ln(1.5)
    pdf.set_font(pdf.font, "B", SIZE_BODY)
    pdf.multi_cell(
        0,
        pdf.line_height(SIZE_BODY),
        _("Criteria met: %(passed)s/%(total)s — %(verdict)s")
        % {
            "passed": report.passed_count,
            "total": len(report.criteria),
            "verdict": verdict_text(report.passed),
        },
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _pdf_summary(pdf: ReportPDF, reports: list[Any], *, with_commune: bool) -> None:
    """The villages side by side: met or not per criterion, criteria met, and the totals."""
    criteria = [c.criterion for c in reports[0].criteria]
    fixed = [11, 38, *([28] if with_commune else []), 17, 20]
    width = pdf.epw
    each = (width - sum(fixed)) / max(1, len(criteria))
    if each < 9:  # too many criteria for a portrait page: the summary goes landscape
        pdf.add_page(orientation="L")
        width = pdf.epw
        each = (width - sum(fixed)) / max(1, len(criteria))
    pdf.set_font(pdf.font, "", SIZE_TABLE)
    widths = (*fixed[:-2], *([each] * len(criteria)), *fixed[-2:])
    passed_per_criterion = [0] * len(criteria)
    align = ("CENTER", "LEFT", *(["LEFT"] if with_commune else []), *(["CENTER"] * len(criteria)))
    align = (*align, "CENTER", "CENTER")
    with pdf.table(
        col_widths=widths, width=width, text_align=align, line_height=pdf.line_height(SIZE_TABLE)
    ) as table:
        table.row(
            [
                _("No."),
                _("Village"),
                *([_("Commune")] if with_commune else []),
                *(
                    pgettext("criterion number", "C%(number)s") % {"number": c.number}
                    for c in criteria
                ),
                _("Criteria met"),
                _("Smart village"),
            ]
        )
        for number, report in enumerate(reports, start=1):
            marks = []
            for index, criterion in enumerate(report.criteria):
                passed_per_criterion[index] += bool(criterion.passed)
                marks.append("✓" if criterion.passed else "✗")
            table.row(
                [
                    str(number),
                    report.village.name,
                    *([report.village.commune.name] if with_commune else []),
                    *marks,
                    f"{report.passed_count}/{len(report.criteria)}",
                    verdict_text(report.passed),
                ]
            )
        total = len(reports)
        table.row(
            [
                "",
                _("Villages meeting it"),
                *([""] if with_commune else []),
                *(f"{n}/{total}" for n in passed_per_criterion),
                "",
                f"{sum(1 for r in reports if r.passed)}/{total}",
            ]
        )
    pdf.ln(1.5)
    pdf.set_font(pdf.font, "I", SIZE_TABLE)
    legend = "; ".join(
        f"{pgettext('criterion number', 'C%(number)s') % {'number': c.number}}: {c.title}"
        for c in criteria
    )
    pdf.multi_cell(
        0,
        pdf.line_height(SIZE_TABLE),
        _("✓ met, ✗ not met. %(legend)s.") % {"legend": legend},
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _pdf_signature(pdf: ReportPDF, letterhead: Letterhead) -> None:
    """ "Nơi nhận" at the left, level with the signer's authority and title at the right, then
    room for the signature and seal, then the signer's name."""
    pdf.ln(6)
    if pdf.will_page_break(55):
        pdf.add_page(orientation="P")
    top = pdf.get_y()
    left_w = 75.0
    right_x = pdf.l_margin + left_w
    right_w = pdf.epw - left_w
    pdf.set_xy(pdf.l_margin, top + 1)
    pdf.set_font(pdf.font, "BI", SIZE_RECIPIENTS_LABEL)
    pdf.cell(
        left_w,
        pdf.line_height(SIZE_RECIPIENTS_LABEL),
        _("Recipients:"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(pdf.font, "", SIZE_RECIPIENTS)
    recipients = letterhead.recipients
    for n, name in enumerate(recipients):
        end = "." if n == len(recipients) - 1 else ";"
        pdf.multi_cell(
            left_w,
            pdf.line_height(SIZE_RECIPIENTS),
            f"- {name.rstrip('.;')}{end}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    left_bottom = pdf.get_y()
    pdf.set_xy(right_x, top)
    pdf.set_font(pdf.font, "B", SIZE_SIGNATURE)
    for line in (letterhead.authority, letterhead.title):
        if line:
            pdf.cell(
                right_w,
                pdf.line_height(SIZE_SIGNATURE),
                line,
                align="C",
                new_x="LEFT",
                new_y="NEXT",
            )
    pdf.set_font(pdf.font, "I", SIZE_RECIPIENTS)
    pdf.cell(
        right_w,
        pdf.line_height(SIZE_RECIPIENTS),
        letterhead.hint,
        align="C",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_y(pdf.get_y() + 22)
    pdf.set_x(right_x)
    pdf.set_font(pdf.font, "B", SIZE_SIGNATURE)
    pdf.cell(
        right_w,
        pdf.line_height(SIZE_SIGNATURE),
        letterhead.signer or "",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_y(max(pdf.get_y(), left_bottom))


def write_pdf(
    out: IO[bytes], *, source: Source, progress: Progress | None = None, issued: date | None = None
) -> None:
    """The report as an administrative document in the format of Decree 30/2020/NĐ-CP.

    Header (issuing body and number, national name and motto, place and date), the title and
    its subject, the body, the tables, then the recipients and the signature block. For one
    village: its criteria. For many (a commune, a province): a summary with the villages side
    by side, then each village's criteria. The summary comes first, so the villages' reports
    are held until the end (the PDF itself is built in memory anyway; the .xlsx is the
    export whose memory stays flat).
    """
    letterhead = source.letterhead or Letterhead(issuer=source.place.upper(), place=source.place)
    issued = issued or timezone.localdate()
    pdf = ReportPDF()
    pdf.add_page()
    _pdf_letterhead(pdf, source, letterhead, issued)
    reports = list(source.reports(progress))
    _pdf_body(pdf, source, letterhead, reports)
    if source.single or len(reports) == 1:
        for report in reports:
            _pdf_village_table(pdf, report)
    elif reports:
        communes = {r.village.commune.name for r in reports}
        _pdf_section(pdf, _("I. SUMMARY OF THE VILLAGES"))
        _pdf_summary(pdf, reports, with_commune=len(communes) > 1)
        if pdf.cur_orientation == "L":
            pdf.add_page(orientation="P")
        _pdf_section(pdf, _("II. EACH VILLAGE'S CRITERIA"))
        for number, report in enumerate(reports, start=1):
            if number > 1:
                pdf.ln(3)
            if pdf.will_page_break(45):  # a village's heading is not left alone at a page foot
                pdf.add_page(orientation="P")
            pdf.set_font(pdf.font, "B", SIZE_BODY)
            pdf.multi_cell(
                0,
                pdf.line_height(SIZE_BODY),
                f"{number}. {report.village.name} — {report.village.commune.name}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            _pdf_village_table(pdf, report)
    _pdf_signature(pdf, letterhead)
    out.write(bytes(pdf.output()))


def render(fmt: str, *, source: Source, progress: Progress | None = None) -> bytes:
    """The export as bytes (for one village, written in the request)."""
    if fmt == "csv":
        text = io.StringIO()
        text.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM.
        write_csv(text, source=source, progress=progress)
        return text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    writer = write_xlsx if fmt == "xlsx" else write_pdf
    writer(buffer, source=source, progress=progress)
    return buffer.getvalue()


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
