"""The streamed workbook: valid .xlsx, text never a formula, bytes before the last row."""

import io
import itertools
from datetime import date, datetime

from openpyxl import load_workbook

from villageportal.xlsx_stream import xlsx_stream


def test_the_workbook_opens_with_types_and_formats_kept() -> None:
    rows = [
        ["5A", date(1990, 1, 2), '=HYPERLINK("http://x","bấm")', 3, None, "Nguyễn <b>&", True],
        ["7", datetime(2026, 11, 22, 8, 30), "+84912", 2.5, "", "\x07bell", False],
    ]
    headers = ["Số nhà", "Ngày", "Ghi chú", "Số", "Trống", "Tên", "Có"]
    data = b"".join(xlsx_stream(headers, rows, sheet_name="Hộ gia đình"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Hộ gia đình"
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == headers
    assert all(c.font.b for c in sheet[1])
    first = sheet[2]
    assert first[0].value == "5A"
    assert first[1].value == datetime(1990, 1, 2) and first[1].number_format == "dd/mm/yyyy"
    assert first[2].data_type == "s" and first[2].value.startswith("=HYPERLINK")
    assert first[3].value == 3 and first[4].value is None
    assert first[5].value == "Nguyễn <b>&" and first[6].value is True
    second = sheet[3]
    assert second[1].value == datetime(2026, 11, 22, 8, 30)
    assert second[5].value == "bell"  # a control character a workbook cannot hold is dropped


def test_the_first_bytes_leave_before_the_rows_are_all_read() -> None:
    consumed = itertools.count()
    total = 200_000

    def rows():
        for i in range(total):
            next(consumed)
            yield [f"Nguyễn Văn {i}", i, date(2000, 1, 1), "x" * 30]

    stream = xlsx_stream(["Tên", "Số", "Ngày", "Ghi chú"], rows())
    next(stream)  # the archive's first members and the header row
    chunk = next(stream)  # the first chunk of rows
    assert chunk
    read_so_far = next(consumed)
    assert read_so_far < total / 4
    size = len(chunk) + sum(len(c) for c in stream)
    assert size > 0
    assert next(consumed) == total + 1
