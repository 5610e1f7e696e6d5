"""VietQR amounts as Vietnamese people write them, and what a code carries shown beside it."""

from typing import Any

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from payments import vietqr
from payments.models import PaymentCode

ACCOUNT = {"bank_bin": "970436", "account_number": "0011001234567"}


@pytest.mark.parametrize(
    "written",
    [
        "50000",
        "50.000",
        "50 000",
        "50\u00a0000",
        "50.000 đ",
        "50.000đ",
        "50.000 đồng",
        "50.000 VNĐ",
        "50.000 Đ",
        " 50.000 ",
    ],
)
def test_fifty_thousand_dong_written_as_people_write_it(written: str) -> None:
    assert vietqr.clean_amount(written) == 50_000
    fields = vietqr.parse(vietqr.payload(**ACCOUNT, amount=written))
    assert fields["54"] == "50000"


def test_larger_amounts_with_several_groups() -> None:
    assert vietqr.clean_amount("1.500.000") == 1_500_000
    assert vietqr.clean_amount("1 500 000 đồng") == 1_500_000
    assert vietqr.clean_amount(1_500_000) == 1_500_000


@pytest.mark.parametrize(
    ("written", "message"),
    [
        # A decimal comma: never dropped, never taken for a thousands separator.
        ("50.000,5", "có phần thập phân sau dấu phẩy"),
        ("50.000,00", "có phần thập phân sau dấu phẩy"),
        ("50,000", "có phần thập phân sau dấu phẩy"),
        ("12,5", "có phần thập phân sau dấu phẩy"),
        # A dot that is not between groups of three digits could be a decimal point.
        ("1000.5", "dấu chấm không ngăn cách các nhóm ba chữ số"),
        ("1.00", "dấu chấm không ngăn cách các nhóm ba chữ số"),
        ("5.0000", "dấu chấm không ngăn cách các nhóm ba chữ số"),
        ("1000.000", "dấu chấm không ngăn cách các nhóm ba chữ số"),
        # Neither an amount nor dong.
        ("50.000 000", "không phải là số tiền"),
        ("1e5", "không phải là số tiền"),
        ("50.000 USD", "không phải là số tiền"),
        ("\uff15\uff10\uff10\uff10\uff10", "không phải là số tiền"),  # fullwidth digits
        ("năm mươi nghìn", "không phải là số tiền"),
        ("-50.000", "lớn hơn 0"),
        ("0 đ", "lớn hơn 0"),
    ],
)
def test_an_amount_that_could_be_misread_is_refused_with_the_reason(
    written: str, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        vietqr.clean_amount(written)
    text = " ".join(info.value.messages)
    assert message in text
    if message != "lớn hơn 0":
        assert written.strip() in text  # the message quotes what was typed


def test_the_limit_is_written_the_vietnamese_way() -> None:
    with pytest.raises(ValidationError) as info:
        vietqr.clean_amount("500.000.001")
    assert "500.000.000" in " ".join(info.value.messages)


def test_what_a_payload_carries_is_read_back_from_the_payload() -> None:
    text = vietqr.payload(**ACCOUNT, amount="1.050.000 đ", purpose="Tiền điện tháng 5")
    encoded = vietqr.encoded(text)
    assert encoded.amount == 1_050_000
    assert encoded.amount_figures == "1.050.000"
    assert encoded.amount_words == "Một triệu không trăm năm mươi nghìn đồng"
    assert encoded.purpose == "TIEN DIEN THANG 5"
    static = vietqr.encoded(vietqr.payload(**ACCOUNT))
    assert (static.amount, static.amount_words, static.purpose) == (None, "", "")


@pytest.fixture
def code(world: Any) -> PaymentCode:
    return PaymentCode.objects.create(village=world.village, shop_name="Tạp hóa Bình An", **ACCOUNT)


@pytest.fixture
def team(client: Client, digital_team: Any) -> Client:
    client.force_login(digital_team)
    return client


SHOWN = [
    "Số tiền: 50.000 đồng (Năm mươi nghìn đồng)",
    "Nội dung chuyển khoản: DON 12",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["payments_code_detail", "payments_code_card"])
def test_the_amount_and_message_are_shown_in_words_and_figures_beside_the_code(
    team: Client, code: PaymentCode, name: str
) -> None:
    response = team.get(reverse(name, args=[code.pk]), {"amount": "50.000đ", "purpose": "Đơn 12"})
    assert response.status_code == 200
    html = response.content.decode()
    for text in SHOWN:
        assert text in html
    blank = team.get(reverse(name, args=[code.pk])).content.decode()
    assert "Số tiền: người trả tự nhập" in blank and 'class="purpose"' not in blank


@pytest.mark.django_db
def test_the_pdf_counter_card_shows_the_amount_and_message(team: Client, code: PaymentCode) -> None:
    response = team.get(
        reverse("payments_code_pdf", args=[code.pk]), {"amount": "50 000", "purpose": "Don 12"}
    )
    text = pypdfium2.PdfDocument(response.content)[0].get_textpage().get_text_range()
    flat = " ".join(text.split())
    for line in SHOWN:
        assert line in flat


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [("50.000,00", "phần thập phân"), ("1000.5", "dấu chấm")],
)
def test_a_misreadable_amount_is_a_400_with_the_reason_on_every_route(
    team: Client, code: PaymentCode, amount: str, message: str
) -> None:
    for name in (
        "payments_code_detail",
        "payments_code_card",
        "payments_code_png",
        "payments_code_svg",
        "payments_code_pdf",
    ):
        response = team.get(reverse(name, args=[code.pk]), {"amount": amount})
        assert response.status_code == 400, name
        assert message in response.content.decode(), name


@pytest.mark.django_db
def test_the_api_says_what_the_code_carries(team: Client, code: PaymentCode) -> None:
    url = reverse("payments_code-payload", args=[code.pk])
    body = team.get(url, {"amount": "50.000 đồng", "purpose": "Don 12"}).json()
    assert vietqr.parse(body["payload"])["54"] == "50000"
    assert body["amount"] == 50_000
    assert body["amount_words"] == "Năm mươi nghìn đồng"
    assert body["purpose"] == "DON 12"
    refused = team.get(url, {"amount": "1000.5"})
    assert refused.status_code == 400
    assert "dấu chấm" in refused.content.decode()
