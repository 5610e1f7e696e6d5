"""A commune official's first day in a real Chromium: sign in, land on the commune's villages
side by side (a 360-px phone and a 1366-px laptop), export; the report's PDF page as the
commune receives it; the VietQR counter card on a phone."""

import os
from datetime import date, timedelta
from typing import Any

import pypdfium2
import pytest
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from households.models import Village
from payments.models import PaymentCode
from reports import exports
from tests.factories import HouseholdFactory, LaneFactory, UserFactory, VillageFactory
from tests.reports.factories import small_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_locale() -> str:
    return "vi-VN"


@pytest.fixture
def commune(world: Any) -> Any:
    """Five villages of one commune, of different sizes, with a history since last month."""
    names = ["Thôn An Bình", "Thôn Hòa Hiệp Trung", "Thôn Phú Long", "Thôn Tân Thành"]
    today = timezone.localdate()
    for index, name in enumerate(names):
        village = VillageFactory(commune=world.village.commune, name=name)
        lane = LaneFactory(village=village)
        for n in range(12 + 6 * index):
            HouseholdFactory(lane=lane, digital_address=f"{index}-{n}" if n % (index + 2) else "")
        for n in range(index + 1):
            member = Membership.objects.create(
                user=UserFactory(), role=Role.DIGITAL_TEAM, village=village
            )
            since = today.replace(day=1) if n == index and index else today - timedelta(days=90)
            Membership.objects.filter(pk=member.pk).update(
                created_at=timezone.make_aware(
                    timezone.datetime(since.year, since.month, since.day, 9)
                )
            )
    Village.objects.update(valid_from=date(2020, 1, 1))
    small_set(
        ("Hộ gia đình có mã địa chỉ số", "measure", "households_digital_address", "percent", 60),
        ("Thành viên tổ công nghệ số cộng đồng", "measure", "digital_team_members", "count", 3),
        ("Wi-Fi công cộng tại nhà văn hóa thôn", "attested", "", "yes", None),
    )
    return world.village.commune


def _sign_in(page: Any, live_server: Any, user: Any, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")


def _no_page_scroll(page: Any) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_commune_official_lands_on_the_commune_and_reads_it_on_a_phone_and_a_laptop(
    page: Any,
    browser: Any,
    live_server: Any,
    commune_official: Any,
    password: str,
    commune: Any,
    output_dir: str,
) -> None:
    _sign_in(page, live_server, commune_official, password)
    page.wait_for_url(f"{live_server.url}/commune/")
    assert page.get_by_test_id("village-row").count() == 5
    assert "Thôn Xa Lạ" not in page.content()  # another commune's village
    assert page.get_by_test_id("behind-village").count() >= 1
    # On a phone the table scrolls inside its own box; the page does not.
    assert _no_page_scroll(page)
    box = page.locator(".compare-wrap")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    page.screenshot(path=os.path.join(output_dir, "commune-home-360px.png"), full_page=True)
    # Scrolled sideways, the village column stays in view.
    box.evaluate("e => e.scrollLeft = e.scrollWidth")
    box.scroll_into_view_if_needed()
    first = page.get_by_test_id("village-row").first.locator("th")
    assert first.bounding_box()["x"] <= box.bounding_box()["x"] + 1
    page.screenshot(path=os.path.join(output_dir, "commune-home-360px-scrolled.png"))

    laptop = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    wide = laptop.new_page()
    _sign_in(wide, live_server, commune_official, password)
    wide.wait_for_url(f"{live_server.url}/commune/")
    assert _no_page_scroll(wide)
    # No heading is cut: each one's text fits inside its cell.
    cut = wide.eval_on_selector_all(
        "[data-testid=indicator-heading]",
        "cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1).length",
    )
    assert cut == 0
    wrap = wide.locator(".compare-wrap")
    assert not wrap.evaluate("e => e.scrollWidth > e.clientWidth")  # fits the laptop
    wide.screenshot(path=os.path.join(output_dir, "commune-home-1366px.png"), full_page=True)
    with wide.expect_navigation():
        wide.get_by_test_id("export-pdf").click()
    assert "/reports/exports/" in wide.url
    laptop.close()


def test_the_commune_report_pdf_page_as_the_commune_receives_it(
    commune: Any, output_dir: str, settings: Any
) -> None:
    from django.utils import translation

    with translation.override("vi"):
        criteria_set = small_set(
            (
                "Hộ gia đình có mã địa chỉ số",
                "measure",
                "households_digital_address",
                "percent",
                60,
            ),
            name="Bộ tiêu chí thôn thông minh tỉnh Hà Tĩnh",
        )
        source = exports.live(
            criteria_set=criteria_set,
            villages=Village.objects.filter(commune=commune),
            as_of=timezone.localdate(),
            place=commune.name,
            letterhead=exports.letterhead_for(commune=commune),
        )
        path = os.path.join(output_dir, "commune-report.pdf")
        with open(path, "wb") as handle:
            exports.write_pdf(handle, source=source)
    document = pypdfium2.PdfDocument(path)
    document[0].render(scale=1.5).to_pil().save(os.path.join(output_dir, "commune-report-p1.png"))
    text = document[0].get_textpage().get_text_range()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "BÁO CÁO" in text


def test_the_counter_card_fits_a_phone_and_shows_the_amount_and_message(
    page: Any, live_server: Any, digital_team: Any, password: str, world: Any, output_dir: str
) -> None:
    code = PaymentCode.objects.create(
        village=world.village,
        shop_name="Tạp hóa Bình An — đại lý gạo, nước mắm và đồ khô",
        bank_bin="970436",
        account_number="0011001234567",
        account_name="NGUYEN VAN AN",
    )
    _sign_in(page, live_server, digital_team, password)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/adoption/qr/{code.pk}/card/?amount=50000&purpose=Don+hang+12")
    page.screenshot(path=os.path.join(output_dir, "vietqr-counter-card-360px.png"), full_page=True)
    card = page.get_by_test_id("card")
    text = card.inner_text()
    assert "50.000 đồng" in text and "DON HANG 12" in text.upper()
    assert _no_page_scroll(page)
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    # Nothing inside the card runs past its edge.
    overflowing = card.evaluate(
        "c => [...c.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right >"
        " c.getBoundingClientRect().right + 0.5).map(e => e.outerHTML.slice(0, 80))"
    )
    assert overflowing == []


def test_the_counter_card_pdf_shows_the_whole_subtitle_amount_and_message(
    client: Any, digital_team: Any, world: Any, output_dir: str
) -> None:
    code = PaymentCode.objects.create(
        village=world.village,
        shop_name="Tạp hóa Bình An — đại lý gạo, nước mắm và đồ khô",
        bank_bin="970436",
        account_number="0011001234567",
    )
    client.force_login(digital_team)
    response = client.get(
        f"/adoption/qr/{code.pk}/card.pdf", {"amount": "50000", "purpose": "Don hang 12"}
    )
    assert response.status_code == 200
    page = pypdfium2.PdfDocument(response.content)[0]
    page.render(scale=3).to_pil().save(os.path.join(output_dir, "vietqr-counter-card-pdf.png"))
    text = " ".join(page.get_textpage().get_text_range().split())
    assert "Quét bằng ứng dụng ngân hàng bất kỳ (VietQR)" in text
    assert "50.000 đồng" in text and "DON HANG 12" in text.upper()
    # Every character lies inside the page.
    textpage = page.get_textpage()
    width = page.get_width()
    rights = [textpage.get_charbox(i)[2] for i in range(textpage.count_chars())]
    assert max(rights) <= width
