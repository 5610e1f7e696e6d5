"""Vietnamese number words, as on a payment order and on the loudspeakers."""

import pytest

from villageportal.numberwords import amount_words, digit_words, number_words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (101, "một trăm lẻ một"),
        (110, "một trăm mười"),
        (1005, "một nghìn không trăm lẻ năm"),
        (2027, "hai nghìn không trăm hai mươi bảy"),
        (50_000, "năm mươi nghìn"),
        (105_000, "một trăm lẻ năm nghìn"),
        (1_000_000, "một triệu"),
        (1_000_001, "một triệu không trăm lẻ một"),
        (1_050_000, "một triệu không trăm năm mươi nghìn"),
        (500_000_000, "năm trăm triệu"),
        (1_000_000_000, "một tỷ"),
        (2_000_015_000, "hai tỷ không trăm mười lăm nghìn"),
        (1_000_000_000_000, "một nghìn tỷ"),
        (-3, "âm ba"),
    ],
)
def test_numbers_are_read_with_every_group_after_the_first_in_full(number, words) -> None:
    assert number_words(number) == words


def test_digits_and_amounts() -> None:
    assert digit_words("0912") == "không chín một hai"
    assert amount_words(50_000) == "Năm mươi nghìn đồng"
