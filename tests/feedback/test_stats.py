"""The statistics page, its exports, and the measures for the reports app."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from feedback import services
from feedback.models import Report, Village
from tests.feedback.conftest import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(village: Any, categories: dict, village_head: Any) -> list[Report]:
    now = timezone.now()
    # Yesterday morning, handled within the hour: the same day whatever time it is now.
    morning = timezone.localtime(now - timedelta(days=1)).replace(hour=9, minute=0)
    quick = make_report(village, categories["roads"], now=morning, description="=HYPERLINK(1)")
    services.report_transition(
        report=quick,
        to_status="resolved",
        by=village_head,
        text="Xong",
        now=morning + timedelta(hours=1),
    )
    services.report_rate(report=quick, satisfied=True)
    # A month before it is closed: late by any count of working hours, Tết included.
    slow = make_report(village, categories["water"], now=now - timedelta(days=30))
    services.report_transition(
        report=slow, to_status="closed", by=village_head, text="Không thuộc thẩm quyền", now=now
    )
    services.report_rate(report=slow, satisfied=False)
    make_report(village, categories["water"], now=now)
    return [quick, slow]


def test_the_statistics_page_counts_and_shares(figures: list, village_head: Any) -> None:
    client = Client()
    client.force_login(village_head)
    response = client.get(reverse("feedback_stats"))
    assert response.status_code == 200
    data = response.context["figures"]
    assert data["total"] == 3
    assert data["satisfaction"] == 50.0
    assert data["resolved_same_day"] == 100.0
    assert data["ack_on_time"] == 50.0  # the slow one was acknowledged days late


def test_exports_have_no_personal_data_and_no_formulas(figures: list, village_head: Any) -> None:
    client = Client()
    client.force_login(village_head)
    response = client.get(reverse("feedback_export", kwargs={"fmt": "csv"}))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "tracking_code" and len(rows) == 4
    assert "nam@example.com" not in text and "Lê Văn Nam" not in text
    response = client.get(reverse("feedback_export", kwargs={"fmt": "xlsx"}))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Phản ánh", "Tóm tắt"]
    reports = book["Phản ánh"]
    assert reports.max_row == 4
    assert reports["A1"].value == "Mã theo dõi" and reports["B1"].value == "Thời điểm gửi"
    assert reports["B2"].is_date and reports["B2"].number_format == "dd/mm/yyyy hh:mm"
    summary = {row[0].value: row[1] for row in book["Tóm tắt"].iter_rows()}
    assert summary["Phản ánh"].value == 3 and summary["Phản ánh"].data_type == "n"
    shares = [c for label, c in summary.items() if c.number_format == "0.0%"]
    assert len(shares) == 4
    assert all(c.value is None or 0 <= c.value <= 1 for c in shares)


def test_the_measures_compute_for_all_villages_at_once(
    figures: list, village: Any, django_assert_max_num_queries: Any
) -> None:
    import feedback.measures  # noqa: F401
    from reports.registry import MEASURES

    villages = Village.objects.all()
    today = timezone.localdate()
    with django_assert_max_num_queries(1):
        ack = MEASURES["feedback_acknowledged_on_time"].compute(villages, today)
    assert ack[village.pk].numerator == 1 and ack[village.pk].denominator == 2
    same_day = MEASURES["feedback_resolved_same_day"].compute(villages, today)
    assert (same_day[village.pk].numerator, same_day[village.pk].denominator) == (1, 1)
    satisfaction = MEASURES["feedback_satisfaction"].compute(villages, today)
    assert (satisfaction[village.pk].numerator, satisfaction[village.pk].denominator) == (1, 2)
    assert MEASURES["feedback_satisfaction"].records(village, today).count() == 1
