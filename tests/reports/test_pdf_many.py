"""The PDF for many villages: a summary with the villages side by side, then each village's
criteria with figure, threshold and result, in Vietnamese that reads back correctly."""

from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from households.models import Village
from reports import exports
from reports.models import ExportJob
from tests.factories import HouseholdFactory, LaneFactory, VillageFactory
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> list[str]:
    """Each page's text, its lines joined (a long line of the PDF wraps anywhere)."""
    return [
        " ".join(page.get_textpage().get_text_range().split())
        for page in pypdfium2.PdfDocument(content)
    ]


@pytest.fixture
def commune(world, settings, tmp_path: Path) -> dict[str, Any]:
    """Three villages of one commune: addresses 4/4, 3/4 and 1/4; locations 2/4, 4/4, 0/4."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Village.objects.update(valid_from=date(2020, 1, 1))
    made = {}
    for name, addressed, located in (
        ("Thôn Đông Phú Thượng", 4, 2),
        ("Thôn Hưng Lộc", 3, 4),
        ("Thôn Ấp Mới", 1, 0),
    ):
        village = VillageFactory(
            commune=world.village.commune, name=name, valid_from=date(2020, 1, 1)
        )
        lane = LaneFactory(village=village, name="Ngõ Giếng")
        for n in range(4):
            HouseholdFactory(
                lane=lane,
                digital_address=f"{name[-3:]}-{n}" if n < addressed else "",
                latitude=18.3 if n < located else None,
                longitude=105.9 if n < located else None,
            )
        made[name] = village
    criteria_set = small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 75),
        ("Bản đồ số", "measure", "households_location", "percent", 50),
        ("Wi-Fi nhà văn hóa", "attested", "", "yes", None),
    )
    return {"villages": made, "set": criteria_set, "commune": world.village.commune}


def _pdf(commune: dict[str, Any]) -> list[str]:
    villages = Village.objects.filter(pk__in=[v.pk for v in commune["villages"].values()])
    with override("vi"):
        content = exports.render(
            "pdf",
            source=exports.live(
                criteria_set=commune["set"],
                villages=villages,
                as_of=timezone.localdate(),
                place="Xã Thử, Tỉnh Thử",
            ),
        )
    assert b"/FontFile2" in content  # DejaVu is embedded
    return _text(content)


def test_the_summary_puts_the_villages_side_by_side_with_totals(commune) -> None:
    pages = _pdf(commune)
    first = pages[0]
    assert "BÁO CÁO" in first and "Kết quả thực hiện tiêu chí thôn thông minh" in first
    assert "TỔNG HỢP KẾT QUẢ CÁC THÔN" in first
    # every village, with its criteria met (Đông Phú Thượng 2/3, Hưng Lộc 2/3, Ấp Mới 0/3)
    summary = first[first.index("TỔNG HỢP KẾT QUẢ CÁC THÔN") :]
    for name in ("Thôn Đông Phú Thượng", "Thôn Hưng Lộc", "Thôn Ấp Mới"):
        assert name in summary
    rows = summary[: summary.index("Số thôn đạt")]
    assert rows.count("2/3") == 2 and rows.count("0/3") == 1
    # totals per criterion: addresses met by 2 of 3 villages, locations by 2, Wi-Fi by none
    assert "Số thôn đạt" in summary
    totals = summary[summary.index("Số thôn đạt") :]
    assert totals.count("2/3") >= 2 and "0/3" in totals
    assert "TC1" in summary and "TC3: Wi-Fi nhà văn hóa" in summary


def test_each_village_gets_its_criteria_with_figure_threshold_and_result(commune) -> None:
    text = "\n".join(_pdf(commune))
    details = text[text.index("KẾT QUẢ CHI TIẾT TỪNG THÔN") :]
    for name, figure, value in (
        ("Thôn Đông Phú Thượng", "4/4", "100,0%"),  # a decimal comma
        ("Thôn Hưng Lộc", "3/4", "75,0%"),
        ("Thôn Ấp Mới", "1/4", "25,0%"),
    ):
        block = details[details.index(name) :]
        assert figure in block[:600] and value in block[:600], name
    assert "≥ 75%" in details and "≥ 50%" in details
    assert "Địa chỉ số" in details and "Bản đồ số" in details
    assert "Đạt" in details and "Chưa đạt" in details
    assert "Nơi nhận:" in text  # the recipients and the signature block close the report


def test_a_commune_pdf_runs_as_a_job_and_keeps_the_layout(
    commune_official, commune, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    client.force_login(commune_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports_commune_export", args=[commune["commune"].pk]),
            {"fmt": "pdf", "set": commune["set"].pk, "date": ""},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == "done"
    content = b"".join(
        client.get(reverse("reports_export_download", args=[job.pk])).streaming_content
    )
    text = "\n".join(_text(content))
    assert "TỔNG HỢP KẾT QUẢ CÁC THÔN" in text and "KẾT QUẢ CHI TIẾT TỪNG THÔN" in text
    # the world's own village belongs to the commune too: four villages in all
    assert "Thôn Đông Phú Thượng" in text and commune["commune"].name in text
