"""Importing households and residents from .csv and .xlsx: check first, then write."""

import csv
import io
import unicodedata
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from households import imports
from households.imports import fileformat
from households.models import Household, ImportJob, Resident
from households.tasks import import_check_task, jobs_expire_task
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory
from villageportal import spreadsheets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]

HEADERS = imports.HEADERS
KEYS = [c.key for c in imports.COLUMNS]


def person(**values: Any) -> list[Any]:
    base = {
        "lane": "Ngõ Văn hóa",
        "house_number": "7",
        "digital_address": "",
        "latitude": "18.3427",
        "longitude": "105.9057",
        "is_business": "Không",
        "business_name": "",
        "full_name": "Lê Văn Cường",
        "gender": "Nam",
        "birth_date": "02/09/1980",
        "national_id": "042080000001",
        "phone": "0912 345 001",
        "relationship": "Chủ hộ",
    }
    base.update(values)
    return [base[k] for k in KEYS]


def good_rows() -> list[list[Any]]:
    """Two households of the world's lane: a family of three and a shop."""
    return [
        person(),
        person(
            full_name="Phạm Thị Dung",
            gender="Nữ",
            birth_date="1982-05-14",
            national_id="042182000002",
            phone="",
            relationship="Vợ",
        ),
        person(
            full_name="Lê Minh Đức",
            birth_date="20/01/2010",
            national_id="",
            phone="",
            relationship="Con",
        ),
        person(
            house_number="9",
            digital_address="HT.0009",
            is_business="Có",
            business_name="Tạp hóa Én",
            full_name="Hoàng Thị Én",
            gender="nữ",
            birth_date="01/01/1975",
            national_id="042175000003",
            phone="0987654003",
        ),
    ]


def csv_bytes(
    rows: list[list[Any]], *, headers: list[str] = HEADERS, encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    if encoding == "cp1258":
        return to_cp1258(out.getvalue())
    return out.getvalue().encode(encoding)


def to_cp1258(text: str) -> bytes:
    """What Excel on Vietnamese Windows writes: base letters with separate tone marks."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tone = "".join(c for c in parts if c in tones)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += (base + tone).encode("cp1258")
    return bytes(out)


def xlsx_bytes(rows: list[list[Any]], *, headers: list[str] = HEADERS, title: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_left(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.fixture
def head_client(village_head: Any) -> Client:
    client = Client()
    client.force_login(village_head)
    return client


def upload(client: Client, content: bytes, name: str, mode: str = "all") -> Any:
    return client.post(
        reverse("household_import"),
        {"mode": mode, "file": SimpleUploadedFile(name, content)},
    )


def last_job() -> ImportJob:
    return ImportJob.objects.latest("created_at")


def codes(job: ImportJob) -> list[str]:
    return [e["code"] for e in job.errors]


def confirm(client: Client, job: ImportJob, capture: Any, mode: str = "") -> Any:
    with capture(execute=True):
        return client.post(
            reverse("household_import_confirm", kwargs={"pk": job.pk}),
            {"mode": mode} if mode else {},
        )


def imported() -> list[Household]:
    return list(Household.objects.filter(house_number__in=["7", "9", "11"]).order_by("pk"))


# ---------------------------------------------------------------------------------------
# Success paths


def test_a_csv_is_checked_without_writing_then_written_exactly_on_confirm(
    head_client, village, world, media, django_capture_on_commit_callbacks
) -> None:
    households_before = Household.objects.count()
    residents_before = Resident.objects.count()

    response = upload(head_client, csv_bytes(good_rows()), "ho-gia-dinh.csv")

    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("household_import_job", kwargs={"pk": job.pk})
    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.valid_rows, job.errors) == (4, 4, [])
    assert [r["row"] for r in job.preview] == [2, 3, 4, 5]
    assert Household.objects.count() == households_before
    assert Resident.objects.count() == residents_before
    # Only the checked rows are kept until the confirmation, not the upload itself.
    assert [p.name for p in files_left(media)] == [f"{job.pk}.ready.csv"]
    page = head_client.get(response["Location"])
    assert page.status_code == 200
    assert b'data-testid="confirm"' in page.content
    assert b'http-equiv="refresh"' not in page.content

    response = confirm(head_client, job, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.households_written, job.residents_written) == (2, 4)
    assert Household.objects.count() == households_before + 2
    assert Resident.objects.count() == residents_before + 4
    seven, nine = imported()
    assert (seven.village, seven.lane, seven.house_number_key) == (
        village,
        world.lane,
        "00000007",
    )
    assert str(seven.latitude) == "18.3427000"
    assert " le van cuong " in seven.search_document.replace("|", " ")
    assert nine.is_business and nine.business_name == "Tạp hóa Én"
    assert nine.digital_address == "HT.0009"
    members = {r.full_name: r for r in seven.residents.all()}
    assert members["Lê Văn Cường"].is_head
    assert members["Lê Văn Cường"].phone == "+84912345001"
    assert members["Phạm Thị Dung"].relationship == Resident.Relationship.SPOUSE
    assert members["Phạm Thị Dung"].birth_date == date(1982, 5, 14)
    assert members["Lê Minh Đức"].relationship == Resident.Relationship.CHILD
    assert members["Lê Minh Đức"].national_id == ""
    assert nine.residents.get().gender == Resident.Gender.FEMALE
    assert files_left(media) == []
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert b'data-testid="households-written">2<' in page.content


def test_the_import_is_recorded_in_the_history_as_an_import(
    head_client, village_head, django_capture_on_commit_callbacks
) -> None:
    from households import services as registry
    from households.history import change_context
    from households.models import HouseholdEvent, ResidentEvent

    upload(head_client, csv_bytes(good_rows()), "ho.csv")
    confirm(head_client, last_job(), django_capture_on_commit_callbacks)

    events = ResidentEvent.objects.filter(full_name="Lê Văn Cường").select_related("pgh_context")
    assert [e.pgh_label for e in events] == ["insert"]
    assert events[0].pgh_context.metadata["source"] == "import"
    assert events[0].pgh_context.metadata["user"] == village_head.pk
    assert events[0].phone == "+84912345001"
    household = Household.objects.get(house_number="9")
    assert HouseholdEvent.objects.filter(pgh_obj_id=household.pk, pgh_label="insert").exists()

    # Writes after the import are recorded as usual (the bulk path leaves no trace behind).
    with change_context(user=village_head, source="web"):
        registry.household_update(household=household, by=village_head, house_number="9B")
    assert HouseholdEvent.objects.filter(pgh_obj_id=household.pk, pgh_label="update").exists()


def test_an_import_renews_the_village_public_pages(
    head_client, village, world, django_capture_on_commit_callbacks
) -> None:
    """Bulk inserts send no signals; the import bumps the village's public version itself."""
    from villageportal import public_cache

    lane_page = reverse("qrsigns_lane", kwargs={"village_id": village.pk, "lane_id": world.lane.pk})
    before = Client().get(lane_page).content.decode()
    assert "HT.0009" not in before
    version = public_cache.version(village.pk)
    upload(head_client, csv_bytes(good_rows()), "ho.csv")
    confirm(head_client, last_job(), django_capture_on_commit_callbacks)
    assert public_cache.version(village.pk) > version
    assert "HT.0009" in Client().get(lane_page).content.decode()


def test_a_csv_without_bom_and_with_semicolons_is_read(head_client) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(good_rows())
    upload(head_client, out.getvalue().encode("utf-8"), "ho.csv")

    job = last_job()
    assert (job.status, job.valid_rows, job.errors) == (ImportJob.Status.CHECKED, 4, [])


def test_a_windows_1258_csv_is_decoded_to_the_same_names(
    head_client, django_capture_on_commit_callbacks
) -> None:
    content = csv_bytes(good_rows(), encoding="cp1258")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    upload(head_client, content, "ho.csv")
    job = last_job()
    assert (job.status, job.errors) == (ImportJob.Status.CHECKED, [])
    confirm(head_client, job, django_capture_on_commit_callbacks)

    names = set(
        Resident.objects.filter(household__in=imported()).values_list("full_name", flat=True)
    )
    assert names == {"Lê Văn Cường", "Phạm Thị Dung", "Lê Minh Đức", "Hoàng Thị Én"}
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert Household.objects.get(house_number="9").business_name == "Tạp hóa Én"


def test_an_xlsx_with_excel_dates_numbers_a_title_row_and_merged_household_cells(
    head_client, django_capture_on_commit_callbacks
) -> None:
    rows = good_rows()
    rows[0][KEYS.index("birth_date")] = datetime(1980, 9, 2)
    rows[0][KEYS.index("latitude")] = 18.3427
    rows[0][KEYS.index("phone")] = 912345001  # a number cell that lost its leading zero
    rows[1][KEYS.index("birth_date")] = date(1982, 5, 14)
    # The second member leaves the household's cells blank, as after merging cells.
    for key in imports.HOUSEHOLD_KEYS:
        rows[2][KEYS.index(key)] = None
    headers = [h.upper() if i % 2 else h for i, h in enumerate(HEADERS)]
    headers[0] = "Ngo / xom"
    upload(head_client, xlsx_bytes(rows, headers=headers, title="DANH SÁCH HỘ GIA ĐÌNH"), "ho.xlsx")

    job = last_job()
    assert (job.status, job.errors, job.valid_rows) == (ImportJob.Status.CHECKED, [], 4)
    assert job.preview[0]["row"] == 4  # the title and a blank row come first
    confirm(head_client, job, django_capture_on_commit_callbacks)

    seven = Household.objects.get(house_number="7")
    assert seven.residents.count() == 3
    head = seven.residents.get(is_head=True)
    assert (head.birth_date, head.phone) == (date(1980, 9, 2), "+84912345001")


def test_the_sheet_with_the_columns_is_found_behind_a_guide(head_client) -> None:
    workbook = load_workbook(io.BytesIO(xlsx_bytes(good_rows())))
    guide = workbook.create_sheet("Hướng dẫn", 0)
    guide.append(["Điền mỗi người một dòng."])
    out = io.BytesIO()
    workbook.save(out)
    upload(head_client, out.getvalue(), "ho.xlsx")
    assert (last_job().status, last_job().valid_rows) == (ImportJob.Status.CHECKED, 4)


def test_the_templates_hold_the_headers_and_an_example_that_imports(head_client, village) -> None:
    LaneFactory(village=village, name="Ngõ Mẫu", sort_order=0)
    village.lanes.exclude(name="Ngõ Mẫu").update(sort_order=5)
    response = head_client.get(reverse("household_import_template", kwargs={"fmt": "xlsx"}))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][0] == "Ngõ Mẫu"
    upload(head_client, response.content, "mau.xlsx")
    assert (last_job().status, last_job().errors, last_job().total_rows) == ("checked", [], 1)
    head_client.post(reverse("household_import_cancel", kwargs={"pk": last_job().pk}))

    response = head_client.get(reverse("household_import_template", kwargs={"fmt": "csv"}))
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == HEADERS and len(lines) == 2

    upload(head_client, response.content, "mau.csv")
    assert (last_job().status, last_job().errors) == (ImportJob.Status.CHECKED, [])
    assert head_client.get("/registry/import/template.pdf").status_code == 404


def test_a_large_file_is_checked_by_a_background_job_with_progress(
    head_client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(imports.jobs, "INLINE_CHECK_MAX_BYTES", 10)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(head_client, csv_bytes(good_rows()), "ho.csv")
    job = last_job()
    assert job.status == ImportJob.Status.CHECKING
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert b'<meta http-equiv="refresh" content="2">' in page.content
    assert b"<progress" in page.content

    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    import_check_task.delay(str(job.pk))  # a second delivery changes nothing
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_the_page_refreshes_itself_while_writing(head_client, world) -> None:
    job = ImportJob.objects.create(
        village=world.village,
        original_name="ho.csv",
        status=ImportJob.Status.RUNNING,
        progress=40,
        total_rows=10,
    )
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert b'<meta http-equiv="refresh" content="2">' in page.content
    assert b'value="40"' in page.content


@pytest.mark.parametrize(
    ("word", "relationship"),
    [
        ("Chủ hộ", "head"),
        ("Vợ", "spouse"),
        ("Chồng", "spouse"),
        ("Con", "child"),
        ("Bố", "parent"),
        ("Mẹ", "parent"),
        ("Cháu", "grandchild"),
        ("Ông", "grandparent"),
        ("Bà", "grandparent"),
        ("Anh", "sibling"),
        ("Chị", "sibling"),
        ("Em", "sibling"),
        ("Anh/chị/em", "sibling"),
        ("con dâu", "child_in_law"),
        ("CON RỂ", "child_in_law"),
        ("Khác", "other"),
    ],
)
def test_relationships_are_read_in_vietnamese(word: str, relationship: str) -> None:
    assert fileformat.clean_relationship(word) == relationship


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("25/03/1985", date(1985, 3, 25)),
        ("5/3/1985", date(1985, 3, 5)),
        ("25-03-1985", date(1985, 3, 25)),
        ("1985-03-25", date(1985, 3, 25)),
        (datetime(1985, 3, 25), date(1985, 3, 25)),
        (31131, date(1985, 3, 25)),  # an Excel day number
        ("", None),
    ],
)
def test_dates_as_people_write_them(value: Any, expected: date | None) -> None:
    assert spreadsheets.clean_date(value, date(2026, 1, 1)) == expected


@pytest.mark.parametrize("value", ["31/02/1990", "1985", 1985, "25/03/85", "03/25/1985"])
def test_dates_that_are_not(value: Any) -> None:
    with pytest.raises(imports.CellError):
        spreadsheets.clean_date(value, date(2026, 1, 1))


# ---------------------------------------------------------------------------------------
# Bad input: a clear message, nothing written, no file left behind


def check(client: Client, rows: list[list[Any]], **kwargs: Any) -> ImportJob:
    upload(client, csv_bytes(rows, **kwargs), "ho.csv")
    return last_job()


def test_a_missing_column_fails_the_file(head_client, media) -> None:
    headers = [h for h in HEADERS if h != "Giới tính"]
    rows = [
        [c for h, c in zip(HEADERS, row, strict=True) if h != "Giới tính"] for row in good_rows()
    ]
    job = check(head_client, rows, headers=headers)

    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [
        {
            "row": 1,
            "column": "Giới tính",
            "code": "missing_column",
            "params": {"header": "Giới tính"},
        }
    ]
    assert files_left(media) == []
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert b'data-testid="job-failed"' in page.content


def test_a_misspelled_header_is_named_with_a_suggestion(head_client, media) -> None:
    headers = list(HEADERS)
    headers[KEYS.index("full_name")] = "Ho va tenn"
    job = check(head_client, good_rows(), headers=headers)

    assert job.status == ImportJob.Status.FAILED
    unknown = next(e for e in job.errors if e["code"] == "unknown_column_suggest")
    assert unknown["params"] == {"header": "Ho va tenn", "suggestion": "Họ và tên"}
    assert "missing_column" in codes(job)  # the required column is then missing too
    assert files_left(media) == []


def test_a_file_without_our_headers_says_so(head_client, media) -> None:
    rows = [["STT", "Name", "Address"], ["1", "An", "Somewhere"]]
    upload(head_client, csv_bytes(rows[1:], headers=rows[0]), "ho.csv")
    job = last_job()
    assert (job.status, codes(job)) == (ImportJob.Status.FAILED, ["no_header"])
    assert files_left(media) == []


def test_a_file_with_only_a_header_has_no_rows(head_client) -> None:
    job = check(head_client, [])
    assert (job.status, codes(job)) == (ImportJob.Status.FAILED, ["no_rows"])


def row_errors(job: ImportJob) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["code"]) for e in job.errors}


def test_bad_cells_are_reported_by_row_and_column(head_client, media) -> None:
    rows = good_rows()
    rows[0][KEYS.index("birth_date")] = "31/02/1990"
    rows[1][KEYS.index("national_id")] = "04218200000"  # 11 digits
    rows[2][KEYS.index("full_name")] = '=HYPERLINK("http://x.example","bấm")'
    rows[3][KEYS.index("gender")] = "Khác"
    job = check(head_client, rows)

    assert job.status == ImportJob.Status.FAILED  # no household is left valid
    assert row_errors(job) == {
        (2, "Ngày sinh", "invalid_date"),
        (3, "Số CCCD", "invalid_national_id"),
        (4, "Họ và tên", "formula"),
        (5, "Giới tính", "invalid_gender"),
    }
    assert next(e for e in job.errors if e["code"] == "invalid_national_id")["params"] == {
        "count": 11
    }
    assert Household.objects.filter(house_number__in=["7", "9"]).count() == 0
    assert files_left(media) == []
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert page.status_code == 200
    assert page.content.count(b"<tr><td>") >= 4


def test_a_real_excel_formula_is_refused(head_client, media) -> None:
    rows = good_rows()
    rows[3][KEYS.index("business_name")] = '=HYPERLINK("http://evil.example","Tạp hóa")'
    rows[0][KEYS.index("phone")] = "=3+4"
    upload(head_client, xlsx_bytes(rows), "ho.xlsx")

    job = last_job()
    assert row_errors(job) == {(2, "Số điện thoại", "formula"), (5, "Tên cơ sở", "formula")}
    assert job.status == ImportJob.Status.FAILED
    assert files_left(media) == []


def test_two_heads_and_a_household_without_head(head_client) -> None:
    rows = good_rows()
    rows[1][KEYS.index("relationship")] = "chủ hộ"
    rows[3][KEYS.index("relationship")] = "Con"
    job = check(head_client, rows)

    assert row_errors(job) == {
        (3, "Quan hệ với chủ hộ", "two_heads"),
        (5, "Quan hệ với chủ hộ", "no_head"),
    }
    assert job.errors[0]["params"] == {"row": 2}


def test_duplicates_in_the_file_and_in_the_registry(head_client, world) -> None:
    ResidentFactory(national_id="042175000003", household=world.household)
    ResidentFactory(
        household=HouseholdFactory(
            lane=world.lane, village=world.village, digital_address="HT.0042"
        ),
        is_head=True,
    )
    rows = [
        *good_rows(),
        person(house_number="5a", full_name="Trùng Số Nhà", national_id="042080000010"),
        person(house_number="11", full_name="Trùng CCCD", national_id="042080000001"),
        person(house_number="13", full_name="Mã Trùng", national_id="", digital_address="HT.0042"),
        person(
            house_number="15", full_name="Mã Trùng Tệp", national_id="", digital_address="HT.0009"
        ),
        person(house_number="7", full_name="Tách Rời", national_id="042080000011"),
    ]
    job = check(head_client, rows)

    assert row_errors(job) == {
        (5, "Số CCCD", "national_id_taken"),
        (6, "Số nhà", "house_number_taken"),  # "5a" is the world's "5A"
        (7, "Số CCCD", "duplicate_national_id_in_file"),
        (8, "Mã địa chỉ số", "digital_address_taken"),
        (9, "Mã địa chỉ số", "duplicate_digital_address_in_file"),
        (10, "Số nhà", "household_repeated"),
    }
    repeated = next(e for e in job.errors if e["code"] == "household_repeated")
    assert repeated["params"] == {"row": 2}
    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.valid_rows) == (9, 3)


def test_household_cells_that_contradict_each_other(head_client) -> None:
    rows = good_rows()
    rows[1][KEYS.index("digital_address")] = "HT.0007"
    rows[2][KEYS.index("digital_address")] = "HT.0008"
    job = check(head_client, rows)
    assert row_errors(job) == {(4, "Mã địa chỉ số", "household_differs")}
    assert job.errors[0]["params"] == {"row": 3, "value": "HT.0007"}


def test_a_bad_household_cell_repeated_on_member_rows_is_reported_on_each(head_client) -> None:
    """Member rows repeat the household's cells; each repeat of a bad one is named too."""
    rows = good_rows()
    for row in rows[:3]:
        row[KEYS.index("latitude")] = "18,3427,1"
    rows[3][KEYS.index("latitude")] = "18,3427,1"  # the next household, the same bad cell
    job = check(head_client, rows)

    assert row_errors(job) == {(n, "Vĩ độ", "invalid_number") for n in (2, 3, 4, 5)}
    assert job.status == ImportJob.Status.FAILED


def test_an_unknown_lane_is_an_error_and_no_lane_is_created(head_client, village) -> None:
    lanes = village.lanes.count()
    rows = good_rows()
    for row in rows[:3]:
        row[KEYS.index("lane")] = "ngõ văn hoá "  # other accents and case: the same lane
    rows[3][KEYS.index("lane")] = "Ngõ Văn hoa 2"
    job = check(head_client, rows)

    assert {(e["row"], e["code"]) for e in job.errors} == {(5, "unknown_lane_suggest")}
    assert job.valid_rows == 3
    assert job.errors[0]["params"]["suggestion"] == "Ngõ Văn hóa"
    assert village.lanes.count() == lanes


def test_a_lane_of_another_village_is_unknown(head_client, world) -> None:
    rows = [person(lane="Ngõ Khác")]
    job = check(head_client, rows)
    assert codes(job) == ["unknown_lane"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("ho.xlsx", b"this is not a spreadsheet at all", "not_a_spreadsheet"),
        ("ho.xlsx", b"", "empty"),  # Django's own check of empty uploads
        ("ho.csv", b"", "empty"),
        ("ho.csv", b"PK\x03\x04binary\x00\x00", "not_text"),
        ("ho.xls", b"\xd0\xcf\x11\xe0", "old_excel"),
        ("ho.pdf", b"%PDF-1.4", "unsupported_format"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_before_anything_is_stored(
    head_client, media, name, content, code
) -> None:
    response = upload(head_client, content, name)

    assert response.status_code == 400
    assert response.context["form"].has_error("file", code)
    assert not ImportJob.objects.exists()
    assert files_left(media) == []


def test_a_zip_that_is_not_a_workbook_fails_the_check(head_client, media) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    upload(head_client, out.getvalue(), "ho.xlsx")

    job = last_job()
    assert (job.status, codes(job)) == (ImportJob.Status.FAILED, ["not_a_spreadsheet"])
    assert files_left(media) == []


@pytest.mark.parametrize("times", [1, 4])
def test_a_file_over_the_limit_is_refused_without_reading_or_storing_it(
    head_client, media, settings, monkeypatch, times
) -> None:
    from households import io_views

    handlers: list[io_views.UploadLimit] = []

    class Spy(io_views.UploadLimit):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            handlers.append(self)

    monkeypatch.setattr(io_views, "UploadLimit", Spy)
    settings.IMPORT_MAX_BYTES = limit = 50 * 1024
    big = b""
    while len(big) < limit * times + 1024:
        big += csv_bytes(good_rows() * 50)

    response = upload(head_client, big, "ho.csv")

    assert response.status_code == 400
    assert response.context["form"].has_error("file", "too_big")
    assert handlers[0].exceeded
    # A body far too long is refused before its first byte, a bit too long one at the limit.
    assert handlers[0].received <= limit + 64 * 1024
    if times > 1:
        assert handlers[0].received == 0
    assert not ImportJob.objects.exists()
    assert files_left(media) == []


def test_a_50_megabyte_file_is_refused_with_the_default_limit(head_client, media, settings) -> None:
    assert imports.max_bytes() == 48 * 1024 * 1024
    big = b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024)

    response = upload(head_client, big, "ho.xlsx")

    assert response.status_code == 400
    assert response.context["form"].has_error("file", "too_big")
    assert not ImportJob.objects.exists()
    assert files_left(media) == []


# ---------------------------------------------------------------------------------------
# All or nothing, or only the valid rows


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(
    head_client, media, django_capture_on_commit_callbacks
) -> None:
    rows = good_rows()
    rows[3][KEYS.index("national_id")] = "123"
    job = check(head_client, rows)
    assert (job.status, job.valid_rows, job.total_rows) == (ImportJob.Status.CHECKED, 3, 4)

    response = confirm(head_client, job, django_capture_on_commit_callbacks, mode="all")

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert imported() == []
    assert len(files_left(media)) == 1  # still waiting for a decision


def test_only_the_valid_rows_skips_bad_households_whole_and_lists_them(
    head_client, media, django_capture_on_commit_callbacks
) -> None:
    rows = good_rows()
    rows[2][KEYS.index("birth_date")] = "hôm qua"  # one member of house 7
    job = check(head_client, rows)
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert b'name="mode" value="valid"' in page.content

    confirm(head_client, job, django_capture_on_commit_callbacks, mode="valid")

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.households_written, job.residents_written) == (1, 1)
    assert [h.house_number for h in imported()] == ["9"]
    assert codes(job) == ["invalid_date"]
    assert job.errors[0]["household"] == "7, Ngõ Văn hóa"
    assert files_left(media) == []
    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk}))
    assert "7, Ngõ Văn hóa" in page.content.decode()


def test_a_registry_change_after_the_check_rolls_the_whole_import_back(
    head_client, world, media, django_capture_on_commit_callbacks
) -> None:
    job = check(head_client, good_rows())
    ResidentFactory(household=world.household, national_id="042175000003")

    confirm(head_client, job, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert codes(job)[:2] == ["registry_changed", "national_id_taken"]
    assert imported() == []
    assert files_left(media) == []


def test_confirming_twice_writes_once(head_client, django_capture_on_commit_callbacks) -> None:
    job = check(head_client, good_rows())
    confirm(head_client, job, django_capture_on_commit_callbacks)
    confirm(head_client, job, django_capture_on_commit_callbacks)
    assert len(imported()) == 2


def test_cancelling_removes_the_file_and_writes_nothing(head_client, media) -> None:
    job = check(head_client, good_rows())
    assert len(files_left(media)) == 1

    response = head_client.post(reverse("household_import_cancel", kwargs={"pk": job.pk}))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and codes(job) == ["cancelled"]
    assert files_left(media) == []
    assert imported() == []
    response = head_client.post(reverse("household_import_confirm", kwargs={"pk": job.pk}))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED


def test_unconfirmed_jobs_expire_and_lose_their_file(head_client, media) -> None:
    from django.utils import timezone

    job = check(head_client, good_rows())
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=2)
    )
    assert jobs_expire_task.delay().get() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and codes(job) == ["expired"]
    assert files_left(media) == []


# ---------------------------------------------------------------------------------------
# Who may do it


def test_an_officer_may_import(officer) -> None:
    client = Client()
    client.force_login(officer)
    assert client.get(reverse("household_import")).status_code == 200
    upload(client, csv_bytes(good_rows()), "ho.csv")
    assert last_job().created_by == officer


def test_the_digital_team_may_not_import(digital_team, media) -> None:
    client = Client()
    client.force_login(digital_team)
    assert client.get(reverse("household_import")).status_code == 403
    assert upload(client, csv_bytes(good_rows()), "ho.csv").status_code == 403
    assert not ImportJob.objects.exists()
    assert files_left(media) == []


def test_an_outsider_gets_404_on_another_villages_job(head_client, outsider) -> None:
    job = check(head_client, good_rows())
    client = Client()
    client.force_login(outsider)
    for name, method in [
        ("household_import_job", client.get),
        ("household_import_confirm", client.post),
        ("household_import_cancel", client.post),
    ]:
        assert method(reverse(name, kwargs={"pk": job.pk})).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


@pytest.mark.parametrize("name", ["household_import_confirm", "household_import_cancel"])
def test_post_only_views_answer_405_to_get(head_client, name) -> None:
    job = check(head_client, good_rows())
    assert head_client.get(reverse(name, kwargs={"pk": job.pk})).status_code == 405
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED


def test_the_upload_needs_a_csrf_token(village_head, media) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(village_head)
    assert upload(client, csv_bytes(good_rows()), "ho.csv").status_code == 403
    assert not ImportJob.objects.exists()


# ---------------------------------------------------------------------------------------
# A real worker process (with REDIS_URL and a PostgreSQL DATABASE_URL)


@pytest.fixture
def worker(tmp_path: Path, media: Path) -> Any:
    """``celery worker`` on a queue of its own, against the test database and media."""
    from tests.workers import celery_worker

    with celery_worker(tmp_path, MEDIA_ROOT=str(media)) as process:
        yield process


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_checks_and_writes_an_import(worker, world, village_head, media) -> None:
    from django.core.files.base import ContentFile

    from households.tasks import import_run_task

    job = ImportJob.objects.create(
        village=world.village, created_by=village_head, original_name="ho.csv"
    )
    job.file.save(f"{job.pk}.csv", ContentFile(csv_bytes(good_rows())))

    worker.run(import_check_task, str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.valid_rows) == (ImportJob.Status.CHECKED, 4)
    assert Household.objects.filter(house_number__in=["7", "9"]).count() == 0

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    worker.run(import_run_task, str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.households_written, job.residents_written) == ("done", 2, 4)
    assert Resident.objects.filter(household__house_number__in=["7", "9"]).count() == 4
    assert files_left(media) == []


def test_control_characters_in_a_cell_are_refused(head_client, media) -> None:
    rows = good_rows()
    rows[0][KEYS.index("full_name")] = "Nguyễn\x1b[2J Văn Mới"
    rows[2][KEYS.index("business_name")] = "Tạp hóa\x07"
    job = check(head_client, rows)

    assert (2, "Họ và tên", "control_characters") in row_errors(job)
    assert (4, "Tên cơ sở", "control_characters") in row_errors(job)
    assert Household.objects.filter(house_number__in=["7", "9"]).count() == 0


def test_the_finished_import_links_to_exactly_the_households_it_added(
    head_client, world, django_capture_on_commit_callbacks
) -> None:
    before = HouseholdFactory(village=world.village, lane=world.lane, house_number="3")
    upload(head_client, csv_bytes(good_rows()), "ho.csv")
    job = last_job()
    confirm(head_client, job, django_capture_on_commit_callbacks)
    # A second import afterwards: its households are not the first one's.
    upload(head_client, csv_bytes([person(house_number="21", full_name="Võ Văn Tư")]), "b.csv")
    confirm(head_client, last_job(), django_capture_on_commit_callbacks)

    page = head_client.get(reverse("household_import_job", kwargs={"pk": job.pk})).content
    link = f"{reverse('household_list')}?import={job.pk}"
    assert f'href="{link}"'.encode() in page
    assert "Xem 2 hộ vừa thêm".encode() in page

    response = head_client.get(link)
    shown = {h.pk for h in response.context["page"].object_list}
    assert shown == {h.pk for h in imported()} and len(shown) == 2
    assert before.pk not in shown and world.household.pk not in shown
    assert b'data-testid="import-filter"' in response.content
    # The filter stays while the other filters change; a bad value is ignored.
    assert f'name="import" value="{job.pk}"'.encode() in response.content
    everyone = head_client.get(reverse("household_list"), {"import": "not-a-job"})
    assert len(everyone.context["page"].object_list) > 2
