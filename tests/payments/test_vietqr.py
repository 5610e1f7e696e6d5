"""VietQR: the payload against the EMVCo/NAPAS rules, images decoded back, the counter card."""

import io
from typing import Any

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image

from payments import vietqr
from payments.models import PaymentCode

# Payloads produced by banking apps and a published library for these accounts.
REFERENCES = [
    (
        "970416",
        "257678859",
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA"
        "53037045802VN6304AE9F",
    ),
    (
        "970405",
        "2208205479380",
        "00020101021138570010A00000072701270006970405011322082054793800208QRIBFTTA"
        "53037045802VN630497A6",
    ),
]


@pytest.mark.parametrize(("bin_", "account", "expected"), REFERENCES)
def test_it_matches_reference_payloads(bin_: str, account: str, expected: str) -> None:
    assert vietqr.payload(bank_bin=bin_, account_number=account) == expected


def test_crc_is_ccitt_false() -> None:
    assert vietqr.crc16("123456789") == "29B1"  # the catalogue's check value


def _crc_bitwise(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_a_payload_with_amount_and_message_follows_the_rules() -> None:
    text = vietqr.payload(
        bank_bin="970436", account_number="0011001234567", amount=150000, purpose="Tiền hàng số 5"
    )
    fields = vietqr.parse(text)
    assert list(fields) == ["00", "01", "38", "53", "54", "58", "62", "63"]
    assert fields["00"] == "01" and fields["01"] == "12"
    merchant = vietqr.parse(fields["38"])
    assert merchant == {"00": "A000000727", "01": merchant["01"], "02": "QRIBFTTA"}
    assert vietqr.parse(merchant["01"]) == {"00": "970436", "01": "0011001234567"}
    assert fields["53"] == "704" and fields["54"] == "150000" and fields["58"] == "VN"
    assert vietqr.parse(fields["62"]) == {"08": "TIEN HANG SO 5"}
    assert fields["63"] == f"{_crc_bitwise(text[:-4].encode()):04X}"
    assert text[-8:-4] == "6304"
    assert vietqr.checksum_ok(text)
    assert not vietqr.checksum_ok(text[:-1] + ("0" if text[-1] != "0" else "1"))


def test_a_static_code_has_no_amount() -> None:
    fields = vietqr.parse(vietqr.payload(bank_bin="970422", account_number="0987654321"))
    assert fields["01"] == "11" and "54" not in fields


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"account_number": "12AB5678"}, "chỉ gồm chữ số"),
        ({"account_number": "123"}, "từ 6 đến 19"),
        ({"account_number": "1" * 20}, "từ 6 đến 19"),
        ({"bank_bin": "999999"}, "Ngân hàng không có"),
        ({"amount": -5000}, "lớn hơn 0"),
        ({"amount": "0"}, "lớn hơn 0"),
        ({"amount": "12.5e3x"}, "số đồng nguyên"),
        ({"amount": 10**12}, "quá lớn"),
        ({"purpose": "x" * 40}, "quá dài"),
        ({"purpose": "<script>"}, "chữ cái, chữ số"),
    ],
)
def test_bad_input_is_refused(kwargs: dict, message: str) -> None:
    args = {"bank_bin": "970436", "account_number": "0011001234567", **kwargs}
    with pytest.raises(ValidationError) as info:
        vietqr.payload(**args)
    assert message in " ".join(info.value.messages)


def test_the_bank_list_has_the_common_banks() -> None:
    bins = {b.bin: b.short_name for b in vietqr.banks()}
    for bin_, name in [
        ("970436", "Vietcombank"),
        ("970415", "VietinBank"),
        ("970418", "BIDV"),
        ("970405", "Agribank"),
        ("970407", "Techcombank"),
        ("970422", "MB"),
        ("970416", "ACB"),
        ("970432", "VPBank"),
        ("970423", "TPBank"),
        ("970403", "Sacombank"),
    ]:
        assert bins[bin_] == name
    assert len(bins) == len(vietqr.banks())  # no BIN twice


@pytest.fixture
def code(world: Any) -> PaymentCode:
    return PaymentCode.objects.create(
        village=world.village,
        shop_name="Tạp hóa Bình An",
        bank_bin="970436",
        account_number="0011001234567",
        account_name="LE VAN BINH",
    )


@pytest.fixture
def team(client: Client, digital_team: Any) -> Client:
    client.force_login(digital_team)
    return client


def _decode(image: Image.Image) -> str:
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert results, "no QR code found"
    return results[0].text


@pytest.mark.django_db
def test_the_png_decodes_back_to_the_payload(team: Client, code: PaymentCode) -> None:
    response = team.get(
        reverse("payments_code_png", args=[code.pk]), {"amount": "25000", "purpose": "Don 12"}
    )
    assert response["Content-Type"] == "image/png"
    text = _decode(Image.open(io.BytesIO(response.content)))
    assert text == vietqr.payload(
        bank_bin="970436", account_number="0011001234567", amount=25000, purpose="DON 12"
    )
    assert vietqr.checksum_ok(text)


@pytest.mark.django_db
def test_the_svg_is_a_qr_code_of_the_payload(team: Client, code: PaymentCode) -> None:
    response = team.get(reverse("payments_code_svg", args=[code.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<svg")
    detail = team.get(reverse("payments_code_detail", args=[code.pk]))
    assert vietqr.payload(bank_bin="970436", account_number="0011001234567") in (
        detail.content.decode()
    )


@pytest.mark.django_db
def test_the_pdf_card_shows_the_shop_and_a_readable_code(team: Client, code: PaymentCode) -> None:
    response = team.get(reverse("payments_code_pdf", args=[code.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    page = pdf[0]
    assert "Tạp hóa Bình An" in page.get_textpage().get_text_range()
    image = page.render(scale=4).to_pil()
    assert _decode(image) == vietqr.payload(bank_bin="970436", account_number="0011001234567")


@pytest.mark.django_db
def test_the_printable_card_has_the_name(team: Client, code: PaymentCode) -> None:
    html = team.get(reverse("payments_code_card", args=[code.pk])).content.decode()
    assert "Tạp hóa Bình An" in html and "<svg" in html and "payments/code-card.css" in html
    assert "@page" in _static("payments/code-card.css")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-100", "abc", "999999999999"])
def test_a_bad_amount_is_a_clear_400(team: Client, code: PaymentCode, amount: str) -> None:
    for name in ("payments_code_png", "payments_code_detail", "payments_code_pdf"):
        response = team.get(reverse(name, args=[code.pk]), {"amount": amount})
        assert response.status_code == 400, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bank_bin": "970436", "account_number": "12A456789"}, "Số tài khoản chỉ gồm chữ số"),
        ({"bank_bin": "123456", "account_number": "123456789"}, "123456"),
    ],
)
def test_creating_a_code_with_bad_input_changes_nothing(
    team: Client, world: Any, data: dict, message: str
) -> None:
    response = team.post(reverse("payments_code_create"), {"shop_name": "Quán Nước", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PaymentCode.objects.exists()


@pytest.mark.django_db
def test_creating_a_code_for_a_business(team: Client, shop: Any) -> None:
    response = team.post(
        reverse("payments_code_create"),
        {
            "household": shop.pk,
            "shop_name": "Tạp hóa Bình An",
            "bank_bin": "970418",
            "account_number": "1234 5678 90",
            "account_name": "Lê Văn Bình",
        },
    )
    code = PaymentCode.objects.get()
    assert response.status_code == 302
    assert code.account_number == "1234567890" and code.account_name == "LE VAN BINH"
    again = team.post(
        reverse("payments_code_create"),
        {"shop_name": "Lần hai", "bank_bin": "970418", "account_number": "1234567890"},
    )
    assert again.status_code == 400 and PaymentCode.objects.count() == 1


def _static(path: str) -> str:
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    assert found, path
    with open(found, encoding="utf-8") as handle:
        return handle.read()
