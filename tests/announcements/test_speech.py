"""What the loudspeakers say: each rule as the words a Vietnamese announcer would speak."""

import re

import pytest

from announcements import speakers, tts
from announcements.speech import normalize
from tests.announcements.factories import AnnouncementFactory


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        # Money: "đ", "đồng", "VNĐ", "VND", with or without a space, grouped by dots or spaces.
        ("1.000.000đ", "một triệu đồng"),
        ("Hỗ trợ 1.000.000đ.", "Hỗ trợ một triệu đồng."),
        ("50.000 đ", "năm mươi nghìn đồng"),
        ("50 000 đồng", "năm mươi nghìn đồng"),
        ("200.000 VNĐ", "hai trăm nghìn đồng"),
        ("200.000VND", "hai trăm nghìn đồng"),
        ("Đơn vị: VNĐ", "Đơn vị: đồng"),
        ("1.050.000đ", "một triệu không trăm năm mươi nghìn đồng"),
        ("2,5 triệu đồng", "hai phẩy năm triệu đồng"),
        # Per unit.
        ("50.000đ/hộ", "năm mươi nghìn đồng mỗi hộ"),
        ("Thu 30.000 đồng/người/tháng", "Thu ba mươi nghìn đồng mỗi người mỗi tháng"),
        ("20.000đ / tháng", "hai mươi nghìn đồng mỗi tháng"),
        ("15.000đ/kg", "mười lăm nghìn đồng mỗi ki lô gam"),
        # Years, alone and in dates.
        ("năm 2027", "năm hai nghìn không trăm hai mươi bảy"),
        ("năm 2005", "năm hai nghìn không trăm lẻ năm"),
        ("năm 1998", "năm một nghìn chín trăm chín mươi tám"),
        ("tháng 11/2026", "tháng mười một năm hai nghìn không trăm hai mươi sáu"),
        (
            "ngày 15/11/2026",
            "ngày mười lăm tháng mười một năm hai nghìn không trăm hai mươi sáu",
        ),
        ("15-11-2026", "ngày mười lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"),
        ("Sáng 3/4 họp", "Sáng ngày ba tháng tư họp"),
        ("từ ngày 1/4 đến 5/4", "từ ngày một tháng tư đến ngày năm tháng tư"),
        # Fractions.
        ("3/4 số hộ", "ba phần tư số hộ"),
        ("Hơn 2/3 số hộ", "Hơn hai phần ba số hộ"),
        ("1/2 diện tích", "một phần hai diện tích"),
        # Phone numbers: digit by digit, in groups.
        (
            "Liên hệ 0912 000 001.",
            "Liên hệ không chín một hai, không không không, không không một.",
        ),
        ("0912000001", "không chín một hai, không không không, không không một"),
        ("0912.345.678", "không chín một hai, ba bốn năm, sáu bảy tám"),
        ("gọi 113", "gọi một một ba"),
        ("ĐT 0243 825 1234", "ĐT không hai bốn ba, tám hai năm, một hai ba bốn"),
        # House numbers.
        ("số 12A", "số mười hai a"),
        ("nhà số 12B ngõ 5", "nhà số mười hai bê ngõ năm"),
        ("số 12/3", "số mười hai trên ba"),
        # Times.
        ("7h30", "bảy giờ ba mươi"),
        ("lúc 7:30", "lúc bảy giờ ba mươi"),
        ("14h", "mười bốn giờ"),
        ("7h05", "bảy giờ năm phút"),
        ("07h00", "bảy giờ"),
        # Ranges.
        ("15-20", "mười lăm đến hai mươi"),
        ("15 - 20 hộ", "mười lăm đến hai mươi hộ"),
        ("7h-9h", "bảy giờ đến chín giờ"),
        ("1.000.000-2.000.000đ", "một triệu đến hai triệu đồng"),
        # Percentages and decimal commas.
        ("20%", "hai mươi phần trăm"),
        ("tăng 12,5 %", "tăng mười hai phẩy năm phần trăm"),
        ("15-20%", "mười lăm đến hai mươi phần trăm"),
        ("2,5 ha", "hai phẩy năm héc ta"),
        ("1,05 m", "một phẩy không năm mét"),
        # Abbreviations of village notices.
        ("UBND xã", "ủy ban nhân dân xã"),
        ("HTX Đông Phú", "hợp tác xã Đông Phú"),
        ("mang CCCD và BHYT", "mang căn cước công dân và bảo hiểm y tế"),
        ("TDP số 3", "tổ dân phố số ba"),
        ("Đ/c Lan", "đồng chí Lan"),
        # Ordinals.
        ("lần thứ 4", "lần thứ tư"),
        ("giải thứ 1", "giải thứ nhất"),
        # Not a date, not a fraction: read as it is written.
        ("Mã 31/13", "Mã ba mươi mốt trên mười ba"),
        # Punctuation: never doubled, no stray symbols.
        ("Thông báo.. Họp!!!", "Thông báo. Họp!"),
        ("Kính gửi: , các hộ", "Kính gửi: các hộ"),
        ("Đóng phí (bắt buộc) * ngay", "Đóng phí, bắt buộc, ngay"),
        ("Họp\nĐúng giờ", "Họp. Đúng giờ"),
        ("và/hoặc", "và hoặc"),
    ],
)
def test_it_reads_notices_as_an_announcer_would(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


def test_a_whole_notice_is_read_in_words() -> None:
    assert tts.normalize(
        "Họp lúc 7h30 ngày 15/11/2026, phun 2,5 ha, hỗ trợ 1.500.000 đồng, 20%."
    ) == (
        "Họp lúc bảy giờ ba mươi ngày mười lăm tháng mười một năm hai nghìn không trăm "
        "hai mươi sáu, phun hai phẩy năm héc ta, hỗ trợ một triệu năm trăm nghìn đồng, "
        "hai mươi phần trăm."
    )


SAMPLES = [
    "UBND xã thông báo: thu 50.000đ/hộ (từ 1/4-30/4/2027), liên hệ Đ/c Lan 0912 000 001!!",
    "Giá: 1.000.000 VNĐ... & 2/3 số hộ ~ 15-20% #tin * @thôn [gấp] {x} <b>",
    "7h30' — 9h; số 12A/5, 3,5m²; 10.5 kg; -3°C; +84 912 000 001\t\x00\x07",
    "“Trích” \u2018dẫn\u2019 «xx» a_b c|d e^f g\\h • i · k",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_spoken_text_has_words_and_plain_punctuation_only(text: str) -> None:
    spoken = normalize(text)
    assert re.fullmatch(r"[^\W\d_]+(?:[ ]?[.,;:!?]?[ ][^\W\d_]+)*[.,;:!?]?", spoken), spoken
    assert not re.search(r"[.,;:!?]\s*[.,;:!?]", spoken), spoken


@pytest.mark.django_db
def test_the_loudspeaker_text_of_an_announcement_has_no_doubled_stops(world) -> None:
    announcement = AnnouncementFactory(
        village=world.village, title="Họp thôn.", body="Thu 50.000đ/hộ."
    )
    spoken = normalize(speakers.speech_text(announcement))
    assert "Họp thôn. Thu năm mươi nghìn đồng mỗi hộ." in spoken
    assert ".." not in spoken and ". ." not in spoken
