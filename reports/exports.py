"""Exports of a criteria report: .xlsx laid out as an official report, PDF, CSV.

Many villages are evaluated in chunks and written row by row (openpyxl's write-only mode),
so memory stays flat whatever the number of villages.
"""

import csv
import io
from collections.abc import Callable, Iterator
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

from reports import engine
from reports.engine import IndicatorResult, VillageReport
from reports.models import CriteriaSet, Indicator
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


def reports_in_chunks(
    *,
    criteria_set: CriteriaSet,
    villages: QuerySet,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[VillageReport]:
    """Every village's report, one at a time (the figures of all villages computed at once)."""
    villages = engine.existing_on(villages, as_of).order_by("commune__name", "name", "pk")
    total = villages.count()
    for done, report in enumerate(
        engine.evaluate_iter(criteria_set=criteria_set, villages=villages, as_of=as_of), start=1
    ):
        yield report
        if progress and (done % CHUNK == 0 or done == total):
            progress(done, total)


def heading_lines(*, criteria_set: CriteriaSet, place: str, as_of: date) -> list[str]:
    return [
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


def signature_lines(as_of: date) -> list[tuple[str, str]]:
    return [
        ("", _("Date: %(date)s") % {"date": date_format(as_of, "d/m/Y")}),
        (_("PREPARED BY"), _("ON BEHALF OF THE PEOPLE'S COMMITTEE")),
        (_("(signature and full name)"), _("(signature, seal and full name)")),
    ]


def indicator_columns(criteria_set: CriteriaSet) -> list[Indicator]:
    return [i for c in engine.structure(criteria_set) for i in c.indicators.all()]


def write_xlsx(
    out: IO[bytes],
    *,
    criteria_set: CriteriaSet,
    villages: QuerySet,
    as_of: date,
    place: str,
    progress: Callable[[int, int], None] | None = None,
) -> None:
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

    for n, line in enumerate(heading_lines(criteria_set=criteria_set, place=place, as_of=as_of)):
        sheet.append([cell(line, strong=n in (0, 3))])
    sheet.append([])
    single = villages.count() == 1
    if single:
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
        for report in reports_in_chunks(
            criteria_set=criteria_set, villages=villages, as_of=as_of, progress=progress
        ):
            for criterion in report.criteria:
                for result in criterion.indicators:
                    sheet.append(
                        [
                            criterion.criterion.number,
                            criterion.criterion.title,
                            result.indicator.name,
                            figure_text(result),
                            value_text(result),
                            threshold_text(result.indicator),
                            verdict_text(result.passed),
                        ]
                    )
            sheet.append([])
            sheet.append(
                [
                    cell(_("Criteria met"), strong=True),
                    f"{report.passed_count}/{len(report.criteria)}",
                    verdict_text(report.passed),
                ]
            )
    else:
        columns = indicator_columns(criteria_set)
        sheet.append(
            [
                cell(_("No."), strong=True),
                cell(_("Village"), strong=True),
                cell(_("Commune"), strong=True),
                *(cell(f"{i.name} ({threshold_text(i)})", strong=True) for i in columns),
                cell(_("Criteria met"), strong=True),
                cell(_("Smart village"), strong=True),
            ]
        )
        for number, report in enumerate(
            reports_in_chunks(
                criteria_set=criteria_set, villages=villages, as_of=as_of, progress=progress
            ),
            start=1,
        ):
            results = [r for c in report.criteria for r in c.indicators]
            sheet.append(
                [
                    number,
                    report.village.name,
                    report.village.commune.name,
                    *(value_text(r) for r in results),
                    f"{report.passed_count}/{len(report.criteria)}",
                    verdict_text(report.passed),
                ]
            )
    sheet.append([])
    for left, right in signature_lines(as_of):
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


def write_csv(
    out: IO[str],
    *,
    criteria_set: CriteriaSet,
    villages: QuerySet,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> None:
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
        ]
    )
    for report in reports_in_chunks(
        criteria_set=criteria_set, villages=villages, as_of=as_of, progress=progress
    ):
        for criterion in report.criteria:
            for result in criterion.indicators:
                figure = result.figure
                writer.writerow(
                    [
                        safe(report.village.name),
                        safe(report.village.commune.name),
                        as_of.isoformat(),
                        safe(criterion.criterion.title),
                        safe(result.indicator.name),
                        result.indicator.measure_code,
                        "" if figure is None else figure.numerator,
                        "" if figure is None or figure.denominator is None else figure.denominator,
                        value_text(result),
                        threshold_text(result.indicator),
                        verdict_text(result.passed),
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


def write_pdf(
    out: IO[bytes],
    *,
    criteria_set: CriteriaSet,
    villages: QuerySet,
    as_of: date,
    place: str,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    pdf = ReportPDF()
    pdf.add_page()
    lines = heading_lines(criteria_set=criteria_set, place=place, as_of=as_of)
    for n, line in enumerate(lines):
        pdf.set_font("DejaVu", "B" if n in (0, 3) else "", 12 if n == 3 else 10)
        pdf.multi_cell(0, 6, line, align="C" if n < 5 else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    single = villages.count() == 1
    pdf.set_font("DejaVu", "", 8)
    for report in reports_in_chunks(
        criteria_set=criteria_set, villages=villages, as_of=as_of, progress=progress
    ):
        if single:
            with pdf.table(col_widths=(8, 40, 60, 22, 18, 18, 24), text_align="LEFT") as table:
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
        else:
            pdf.set_font("DejaVu", "", 9)
            pdf.cell(
                0,
                6,
                f"{report.village.name}: {report.passed_count}/{len(report.criteria)} — "
                f"{verdict_text(report.passed)}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 10)
    for left, right in signature_lines(as_of):
        pdf.cell(90, 6, left, align="C")
        pdf.cell(90, 6, right, align="C", new_x="LMARGIN", new_y="NEXT")
    out.write(bytes(pdf.output()))


def render(
    fmt: str,
    *,
    criteria_set: CriteriaSet,
    villages: QuerySet,
    as_of: date,
    place: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The export as bytes (for one village or a commune, written in the request)."""
    if fmt == "csv":
        text = io.StringIO()
        text.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM.
        write_csv(
            text, criteria_set=criteria_set, villages=villages, as_of=as_of, progress=progress
        )
        return text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    writer = write_xlsx if fmt == "xlsx" else write_pdf
    writer(
        buffer,
        criteria_set=criteria_set,
        villages=villages,
        as_of=as_of,
        place=place,
        progress=progress,
    )
    return buffer.getvalue()


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
