"""Exports of a criteria report: .xlsx laid out as an official report, PDF, CSV.

Many villages are evaluated in chunks and written row by row (openpyxl's write-only mode),
so memory stays flat whatever the number of villages.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from households.models import Village
from reports import engine, frozen
from reports.engine import IndicatorResult, VillageReport
from reports.models import CriteriaSet, Indicator, PeriodClose
from villageportal.pdf import VIETNAMESE_FONTS as FONTS

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

    @property
    def single(self) -> bool:
        return self.count == 1


def live(*, criteria_set: CriteriaSet, villages: QuerySet, as_of: date, place: str) -> Source:
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
    )


def for_period(period: PeriodClose, *, place: str, village_id: Any = None) -> Source:
    """A period's export: the frozen figures while it is closed, recomputed once reopened."""
    as_of = frozen.frozen_as_of(period) or period.ends_on
    if not period.is_closed:
        villages = Village.objects.filter(commune_id=period.commune_id)
        if village_id is not None:
            villages = villages.filter(pk=village_id)
        source = live(criteria_set=period.criteria_set, villages=villages, as_of=as_of, place=place)
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
                    _("Figure"),
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
                            figure_text(result),
                            numeric(*value_cell(result)),
                            threshold_text(result.indicator),
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


class ReportPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 8, f"{self.page_no()}", align="C")


PDF_COLUMNS = (8, 40, 60, 22, 18, 18, 24)  # the table of one village's criteria, in mm


def _pdf_heading(pdf: "ReportPDF", source: Source) -> None:
    for n, line in enumerate(heading_lines(source)):
        pdf.set_font("DejaVu", "B" if n in (0, 3) else "", 12 if n == 3 else 10)
        pdf.multi_cell(0, 6, line, align="C" if n < 5 else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _pdf_village_table(pdf: "ReportPDF", report: Any) -> None:
    """One village's criteria: each indicator with its figure, value, threshold and result."""
    pdf.set_font("DejaVu", "", 8)
    with pdf.table(col_widths=PDF_COLUMNS, text_align="LEFT") as table:
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
                        figure_text(result),
                        value_text(result),
                        threshold_text(result.indicator),
                        verdict_text(result.passed),
                    ]
                )
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(
        0,
        6,
        _("Criteria met: %(passed)s/%(total)s — %(verdict)s")
        % {
            "passed": report.passed_count,
            "total": len(report.criteria),
            "verdict": verdict_text(report.passed),
        },
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _pdf_summary(pdf: "ReportPDF", reports: list[Any], *, with_commune: bool) -> None:
    """The villages side by side: met or not per criterion, criteria met, and the totals."""
    criteria = [c.criterion for c in reports[0].criteria]
    fixed = [8, 42, *([30] if with_commune else []), 16, 22]
    width = pdf.epw
    each = (width - sum(fixed)) / max(1, len(criteria))
    if each < 9:  # too many criteria for a portrait page: the summary goes landscape
        pdf.add_page(orientation="L")
        width = pdf.epw
        each = (width - sum(fixed)) / max(1, len(criteria))
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, _("Summary of the villages"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    widths = (*fixed[:-2], *([each] * len(criteria)), *fixed[-2:])
    passed_per_criterion = [0] * len(criteria)
    align = ("CENTER", "LEFT", *(["LEFT"] if with_commune else []), *(["CENTER"] * len(criteria)))
    align = (*align, "CENTER", "CENTER")
    with pdf.table(col_widths=widths, width=width, text_align=align) as table:
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
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    legend = "; ".join(
        f"{pgettext('criterion number', 'C%(number)s') % {'number': c.number}}: {c.title}"
        for c in criteria
    )
    pdf.multi_cell(
        0,
        4.5,
        _("✓ met, ✗ not met. %(legend)s.") % {"legend": legend},
        new_x="LMARGIN",
        new_y="NEXT",
    )


def write_pdf(out: IO[bytes], *, source: Source, progress: Progress | None = None) -> None:
    """The report as a PDF with an embedded font that covers Vietnamese.

    For one village: its criteria. For many (a commune, a province): a summary with the
    villages side by side, then each village's criteria with figure, threshold and result.
    The summary comes first, so the villages' reports are held until the end (the PDF itself
    is built in memory anyway; the .xlsx is the export whose memory stays flat).
    """
    pdf = ReportPDF()
    pdf.add_page()
    _pdf_heading(pdf, source)
    reports = list(source.reports(progress))
    if source.single or len(reports) == 1:
        for report in reports:
            _pdf_village_table(pdf, report)
    elif reports:
        communes = {r.village.commune.name for r in reports}
        _pdf_summary(pdf, reports, with_commune=len(communes) > 1)
        pdf.add_page(orientation="P")
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 7, _("Each village's criteria"), new_x="LMARGIN", new_y="NEXT")
        for number, report in enumerate(reports, start=1):
            if number > 1:
                pdf.ln(4)
            if pdf.will_page_break(40):  # a village's heading is not left alone at a page foot
                pdf.add_page(orientation="P")
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(
                0,
                7,
                f"{number}. {report.village.name} — {report.village.commune.name}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            _pdf_village_table(pdf, report)
    pdf.ln(8)
    if pdf.will_page_break(24):
        pdf.add_page(orientation="P")
    pdf.set_font("DejaVu", "B", 10)
    for left, right in signature_lines(source.as_of):
        pdf.cell(90, 6, left, align="C")
        pdf.cell(90, 6, right, align="C", new_x="LMARGIN", new_y="NEXT")
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
