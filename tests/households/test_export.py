"""Exporting the household list to .csv and .xlsx: streamed, per role, formula-safe."""

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse
from openpyxl import load_workbook

from households.models import Household, Resident
from households.services import households_reindex
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory

pytestmark = pytest.mark.django_db

PERSONAL = {"Số CCCD", "Số điện thoại", "Ngày sinh"}


@pytest.fixture
def registry(world: Any) -> dict[str, Any]:
    """The world's household with personal data, plus a shop, an empty house and a leaver."""
    an, binh = world.household.residents.order_by("-is_head")
    Resident.objects.filter(pk=an.pk).update(
        national_id="042080000001", phone="+84912345001", birth_date=date(1980, 9, 2)
    )
    Resident.objects.filter(pk=binh.pk).update(
        relationship=Resident.Relationship.SPOUSE, gender=Resident.Gender.FEMALE
    )
    market = LaneFactory(village=world.village, name="Xóm Chợ")
    shop = HouseholdFactory(
        lane=market,
        village=world.village,
        house_number="2",
        is_business=True,
        business_name="+SUM(A1:A9)",
        digital_address="HT.0002",
    )
    ResidentFactory(
        household=shop,
        full_name='=HYPERLINK("http://evil.example","Bấm vào")',
        is_head=True,
        relationship=Resident.Relationship.HEAD,
        birth_date=date(1990, 1, 1),
    )
    ResidentFactory(household=shop, full_name="Đã Chuyển Đi", left_on=date(2024, 1, 1))
    empty = HouseholdFactory(lane=market, village=world.village, house_number="4")
    households_reindex(Household.objects.values_list("pk", flat=True))
    return {"market": market, "shop": shop, "empty": empty}


def export(user: Any, fmt: str = "csv", **params: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(reverse("household_export"), {"format": fmt, **params})


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def by_header(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_village_head_exports_every_current_resident_with_all_columns(
    village_head, registry
) -> None:
    response = export(village_head)
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="ho-gia-dinh-thon-dong-phu-' in response["Content-Disposition"]
    rows = csv_rows(response)

    assert set(rows[0]) >= PERSONAL
    records = by_header(rows)
    names = [r["Họ và tên"] for r in records]
    assert "Đã Chuyển Đi" not in names  # left the household
    assert len(records) == 4  # two members, the shop's head, the empty house
    an = next(r for r in records if r["Họ và tên"] == "Nguyễn Văn An")
    assert an["Số CCCD"] == "042080000001"
    assert an["Số điện thoại"] == "0912345001"
    assert an["Ngày sinh"] == "02/09/1980"
    assert an["Số nhà"] == "5A" and an["Ngõ/xóm"] == "Ngõ Văn hóa"
    assert (
        next(r for r in records if r["Họ và tên"] == "Trần Thị Bình")["Quan hệ với chủ hộ"] == "Vợ"
    )
    empty = next(r for r in records if r["Số nhà"] == "4")
    assert empty["Họ và tên"] == ""
    assert "Xa Lạ" not in str(records) and "Ngõ Khác" not in str(records)


def test_the_digital_team_gets_no_id_numbers_phones_or_birth_dates(digital_team, registry) -> None:
    rows = csv_rows(export(digital_team))

    assert not PERSONAL & set(rows[0])
    assert "Tuổi" in rows[0] and "Họ và tên" in rows[0]
    body = str(rows)
    assert "042080000001" not in body and "0912345001" not in body


def test_a_security_officer_gets_phones_but_no_id_numbers(security_officer, registry) -> None:
    header = csv_rows(export(security_officer))[0]
    assert "Số điện thoại" in header
    assert "Số CCCD" not in header and "Ngày sinh" not in header


def test_a_commune_official_gets_households_only(commune_official, registry) -> None:
    rows = csv_rows(export(commune_official))

    assert "Họ và tên" not in rows[0] and not PERSONAL & set(rows[0])
    assert sorted(r[1] for r in rows[1:]) == ["2", "4", "5A"]
    assert "Nguyễn Văn An" not in str(rows)


def test_text_that_a_spreadsheet_would_run_is_neutralised_in_csv(village_head, registry) -> None:
    records = by_header(csv_rows(export(village_head)))
    shop = next(r for r in records if r["Số nhà"] == "2")

    assert shop["Họ và tên"] == '\'=HYPERLINK("http://evil.example","Bấm vào")'
    assert shop["Tên cơ sở"] == "'+SUM(A1:A9)"


def test_the_xlsx_export_writes_formulas_as_text_and_dates_as_dates(village_head, registry) -> None:
    response = export(village_head, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row if c.value}

    assert set(header) >= PERSONAL
    evil = cells['=HYPERLINK("http://evil.example","Bấm vào")']
    assert evil.data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert isinstance(cells[datetime(1980, 9, 2)].value, datetime)
    assert cells["042080000001"].data_type == "s"  # the ID keeps its leading zero


def test_the_xlsx_export_for_the_digital_team_has_no_personal_columns(
    digital_team, registry
) -> None:
    response = export(digital_team, "xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert not PERSONAL & set(header)
    assert "042080000001" not in str([c.value for row in sheet.iter_rows() for c in row])


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({}, ["5A", "2", "4"]),
        ({"business": "1"}, ["2"]),
        ({"q": "binh"}, ["5A"]),
        ({"missing": "address"}, ["5A", "4"]),
    ],
)
def test_the_list_filters_apply(village_head, registry, params, numbers) -> None:
    rows = by_header(csv_rows(export(village_head, **params)))
    assert list(dict.fromkeys(r["Số nhà"] for r in rows)) == numbers


def test_the_lane_filter_applies(village_head, registry) -> None:
    rows = by_header(csv_rows(export(village_head, lane=str(registry["market"].pk))))
    assert {r["Số nhà"] for r in rows} == {"2", "4"}


def test_an_unknown_format_is_refused(village_head, registry) -> None:
    assert export(village_head, "pdf").status_code == 400


def test_the_queries_do_not_grow_with_the_registry(
    village_head, registry, world, django_assert_max_num_queries
) -> None:
    for number in range(30):
        household = HouseholdFactory(
            lane=world.lane, village=world.village, house_number=f"{100 + number}"
        )
        ResidentFactory(household=household, is_head=True)
        ResidentFactory(household=household)
    client = Client()
    client.force_login(village_head)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("household_export"))
        body = b"".join(response.streaming_content)
    assert body.count(b"\r\n") == 1 + 4 + 60


def test_under_asgi_the_export_is_streamed_asynchronously(village_head, registry) -> None:
    async def fetch() -> tuple[Any, bytes]:
        client = AsyncClient()
        await client.aforce_login(village_head)
        response = await client.get(reverse("household_export"), {"format": "csv"})
        parts = [part async for part in response.streaming_content]
        return response, b"".join(parts)

    response, body = async_to_sync(fetch)()
    assert response.status_code == 200
    assert response.is_async
    assert "Nguyễn Văn An" in body.decode("utf-8-sig")
    assert Household.objects.count() >= 3
