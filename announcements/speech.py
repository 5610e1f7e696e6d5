"""Notice text as a Vietnamese announcer reads it on the village loudspeakers.

``normalize`` turns what a village head types into words only: amounts of money, years, dates
and times, fractions, ranges, percentages, decimal commas, phone and account numbers (digit by
digit, in groups), house numbers, units and the abbreviations of village notices. The rules run
in a fixed order, each one turning digits and symbols into words, so that a later rule never
sees what an earlier one has read. What is left at the end is words and plain punctuation:
no symbol and no doubled punctuation reaches the speech engine.
"""

import re
import unicodedata
from collections.abc import Callable

from villageportal.numberwords import digit_words, number_words

# Abbreviations of village notices, matched as whole words with their exact case.
ABBREVIATIONS = {
    "UBMTTQ": "ủy ban mặt trận tổ quốc",
    "UBND": "ủy ban nhân dân",
    "HĐND": "hội đồng nhân dân",
    "MTTQ": "mặt trận tổ quốc",
    "HTX": "hợp tác xã",
    "CCCD": "căn cước công dân",
    "CMND": "chứng minh nhân dân",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "TDP": "tổ dân phố",
    "PCCC": "phòng cháy chữa cháy",
    "ANTT": "an ninh trật tự",
    "CSGT": "cảnh sát giao thông",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "NTM": "nông thôn mới",
    "SĐT": "số điện thoại",
    "STK": "số tài khoản",
    "Đ/c": "đồng chí",
    "đ/c": "đồng chí",
}

# Units written after a number, and after "/" in a price ("50.000đ/kg").
UNITS = {
    "km": "ki lô mét",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m3": "mét khối",
    "m³": "mét khối",
    "ha": "héc ta",
    "kg": "ki lô gam",
    "cm": "xăng ti mét",
    "mm": "mi li mét",
    "°C": "độ xê",
    "m": "mét",
}

# What "/" means after an amount: "50.000đ/hộ" is fifty thousand dong for each household.
PER = (
    "hộ|người|khẩu|nhân khẩu|tháng|năm|ngày|tuần|quý|lần|buổi|suất|lượt|giờ|con|cái|chiếc|xe|"
    "học sinh|cháu|em|phòng|gói|bao|lít|tấn|sào|km|kg|ha|m2|m3"
)

LETTERS = {
    "A": "a",
    "B": "bê",
    "C": "xê",
    "D": "dê",
    "Đ": "đê",
    "E": "e",
    "G": "giê",
    "H": "hát",
    "K": "ca",
    "P": "pê",
    "T": "tê",
    "V": "vê",
    "X": "ích",
}

_START = r"(?<![\w.,/])"  # a number starts here: not inside a word, a number or a date
_SPACE = r"[ \u00a0\u202f]"  # the spaces that may group thousands: "50 000"
_CURRENCY = r"(?:đồng|đ|Đ|VNĐ|VND|vnđ|vnd)(?!\w)"
_PHONE_CONTEXT = (
    r"(?:gọi|điện thoại|số máy|hotline|Hotline|đường dây nóng|Zalo|zalo|số tài khoản|mã số|"
    r"căn cước công dân|chứng minh nhân dân)"
)
_DATE_CONTEXT = r"(?:ngày|hôm|sáng|trưa|chiều|tối|đêm|từ|đến|tới|hết|chủ nhật|thứ \w+)"
_HOUSE_CONTEXT = r"(?:số|nhà|ngõ|ngách|hẻm|kiệt)"


def _words(digits: str) -> str:
    """A written number: grouped thousands, a plain number, or a code with a leading zero."""
    plain = re.sub(r"[.\s\u00a0\u202f]", "", digits)
    if len(plain) > 1 and plain.startswith("0"):
        return digit_words(plain)
    return number_words(int(plain))


def _fraction_digits(digits: str) -> str:
    """The part after a decimal comma: "2,5" is "hai phẩy năm", "1,05" "một phẩy không năm"."""
    return digit_words(digits) if digits.startswith("0") else number_words(int(digits))


def _decimal(whole: str, fraction: str | None, mark: str = "phẩy") -> str:
    words = _words(whole)
    return f"{words} {mark} {_fraction_digits(fraction)}" if fraction else words


def _valid_date(day: str, month: str) -> bool:
    return 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _digit_groups(text: str) -> str:
    """A phone or account number: digit by digit, a short pause between its written groups."""
    plus = text.lstrip().startswith("+")
    groups = re.findall(r"\d+", text)
    if len(groups) == 1:
        digits = groups[0]
        sizes = {10: (4, 3, 3), 11: (3, 4, 4)}.get(len(digits))
        if sizes and not plus:
            groups, at = [], 0
            for size in sizes:
                groups.append(digits[at : at + size])
                at += size
    spoken = ", ".join(digit_words(group) for group in groups)
    return f"cộng {spoken}" if plus else spoken


def _phones(text: str) -> str:
    def in_context(m: re.Match[str]) -> str:
        number = m.group(2)
        if len(re.sub(r"\D", "", number)) < 3:
            return m.group(0)
        return f"{m.group(1)}{_digit_groups(number)}"

    text = re.sub(
        rf"({_PHONE_CONTEXT}[:\s]*)(\+?\d[\d \-.]*\d)(?!\d|[ .,\-]\d|\s*{_CURRENCY})",
        in_context,
        text,
    )

    def bare(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if m.group(0).startswith("+"):
            ok = digits.startswith("84") and len(digits) in (11, 12)
        else:
            ok = len(digits) in (10, 11)
        return _digit_groups(m.group(0)) if ok else m.group(0)

    return re.sub(r"(?<![\w.,/+])(?:\+84|0)\d{1,3}(?:[ .\-]?\d){7,9}(?![\w,]|\.\d)", bare, text)


def _month(month: int) -> str:
    return "tư" if month == 4 else number_words(month)


def _date_words(day: str, month: str, year: str | None = None) -> str:
    words = f"{number_words(int(day))} tháng {_month(int(month))}"
    return f"{words} năm {number_words(int(year))}" if year else words


def _dates(text: str) -> str:
    def full(m: re.Match[str]) -> str:
        day, month, year = m.group(2), m.group(4), m.group(5)
        if not _valid_date(day, month):
            return m.group(0)
        return f"{m.group(1) or 'ngày'} {_date_words(day, month, year)}"

    text = re.sub(
        rf"(?:((?<!\w)[Nn]gày)\s+)?{_START}(\d{{1,2}})([/.\-])(\d{{1,2}})\3(\d{{4}})(?!\d)",
        full,
        text,
    )

    def month_year(m: re.Match[str]) -> str:
        month, year = int(m.group(2)), int(m.group(3))
        if not 1 <= month <= 12:
            return m.group(0)
        return f"{m.group(1) or 'tháng'} {_month(month)} năm {number_words(year)}"

    text = re.sub(
        rf"(?:((?<!\w)[Tt]háng)\s+)?{_START}(\d{{1,2}})/(\d{{4}})(?!\d)", month_year, text
    )

    def in_context(m: re.Match[str]) -> str:
        word, day, month = m.group(1), m.group(2), m.group(3)
        if not _valid_date(day, month):
            return m.group(0)
        if word.lower() == "ngày":
            return f"{word} {_date_words(day, month)}"
        return f"{m.group(0)[: m.start(2) - m.start(0)]}ngày {_date_words(day, month)}"

    return re.sub(
        rf"(?<!\w)({_DATE_CONTEXT}),?\s+{_START}(\d{{1,2}})/(\d{{1,2}})(?![\d/])",
        in_context,
        text,
        flags=re.IGNORECASE,
    )


def _clock(m: re.Match[str]) -> str:
    hours, minutes = int(m.group(1)), m.group(2)
    if hours > 23 or (minutes and int(minutes) > 59):
        return m.group(0)
    words = f"{number_words(hours)} giờ"
    if minutes and int(minutes):
        words += f" {number_words(int(minutes))}"
        if int(minutes) < 10 and not m.group(3):
            words += " phút"
    return words + (m.group(3) or "")


def _money(m: re.Match[str]) -> str:
    return f"{_decimal(m.group(1), m.group(2))} đồng"


def _slash(m: re.Match[str]) -> str:
    top, bottom = int(m.group(2)), int(m.group(3))
    lead = m.group(1) or ""
    if lead or bottom < 2 or top >= bottom:
        return f"{lead}{_words(m.group(2))} trên {_words(m.group(3))}"
    below = "tư" if bottom == 4 else number_words(bottom)
    return f"{number_words(top)} phần {below}"


def _house(m: re.Match[str]) -> str:
    letter = m.group(2)
    return f"{_words(m.group(1))} {LETTERS.get(letter.upper(), letter.lower())}"


_STRENGTH = "?!.;:,"


def _punctuation(m: re.Match[str]) -> str:
    marks = re.sub(r"\s", "", m.group(0))
    return next(mark for mark in _STRENGTH if mark in marks)


# (pattern, replacement) in the order they run; each turns digits or symbols into words.
_RULES: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    # Negative numbers and ranges: "-5 độ", "15-20", "7h-9h", "1.000.000-2.000.000đ".
    (r"(?<![\w\d.,])-(?=\d)", "âm "),
    (r"(\d(?:h|%|đ)?)\s*[-\u2013]\s*(?=\d)", r"\1 đến "),
    (r"(?<=\w)\s*[-\u2013]\s*(?=ngày )", " đến "),
    # Times: "7h30", "7:30", "7 giờ 30", "14h".
    (
        r"(?<![\w.,/])(\d{1,2})(?:\s*(?:h|giờ)\s*|:)(\d{2})(?!\d)(\s*phút)?",
        _clock,
    ),
    (r"(?<![\w.,/])(\d{1,2})h(?!\w)()()", _clock),
    # Money: "1.000.000đ", "50 000 đ", "50.000 đồng", "1,5 VNĐ"; a bare "VNĐ" is "đồng".
    (
        rf"{_START}(\d{{1,3}}(?:[.]\d{{3}})+|\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)(?:,(\d+))?\s*{_CURRENCY}",
        _money,
    ),
    (r"(?<!\w)(?:VNĐ|VND)(?!\w)", "đồng"),
    # Percentages, then per unit: "đồng/hộ", "đồng / tháng", "5%/năm".
    (r"(\d)\s*%", r"\1 phần trăm"),
    (rf"(?<=\w)\s*/\s*({PER})(?!\w)", r" mỗi \1"),
    # Units after a number.
    *[
        (rf"(?<=\d)\s*{re.escape(unit)}(?!\w)", f" {words}")
        for unit, words in sorted(UNITS.items(), key=lambda item: -len(item[0]))
    ],
    *[(rf"(?<=mỗi ){re.escape(unit)}(?!\w)", words) for unit, words in UNITS.items()],
    # Fractions ("3/4 số hộ") and house numbers with a slash ("số 12/3").
    (rf"((?<!\w){_HOUSE_CONTEXT}\s+)?{_START}(\d+)/(\d+)(?![\d/])", _slash),
    # Ordinals: "thứ 1" is "thứ nhất", "thứ 4" is "thứ tư".
    (r"(?<!\w)([Tt]hứ)\s+1(?!\d)", r"\1 nhất"),
    (r"(?<!\w)([Tt]hứ)\s+4(?!\d)", r"\1 tư"),
    # House numbers with a letter: "12A", "số 12b".
    (r"(?<![\w.,])(\d+)([A-ZĐ])(?!\w)", _house),
    (r"(?<=số )(\d+)([a-d])(?!\w)", _house),
    # Grouped thousands with an optional decimal comma, decimals, plain numbers.
    (
        rf"{_START}([1-9]\d{{0,2}}(?:\.\d{{3}})+)(?:,(\d+))?(?![\d])",
        lambda m: _decimal(m.group(1), m.group(2)),
    ),
    (rf"{_START}(\d+),(\d+)(?!\d)", lambda m: _decimal(m.group(1), m.group(2))),
    (rf"{_START}(\d+)\.(\d{{1,2}})(?![\d])", lambda m: _decimal(m.group(1), m.group(2), "chấm")),
    (r"\d+", lambda m: _words(m.group(0))),
    # What is left of symbols.
    (r"%", " phần trăm"),
    (r"&", " và "),
    (r"\+", " cộng "),
    (r"=", " bằng "),
    (r"@", " a còng "),
    (r"[≈~]", " khoảng "),
    (r"[()\[\]{}]", ", "),
    (r"\s[-\u2013\u2014]+\s", ", "),
    (r"…|\.{2,}", "."),
    (r"[\"“”„«»'\u2018\u2019`*#_|^\\<>/•·\u2013\u2014-]", " "),
    # Punctuation: none doubled, none before a word without a space, none to start with.
    (r"\s+(?=[.,;:!?])", ""),
    (r"[.,;:!?](?:\s*[.,;:!?])+", _punctuation),
    (r"([.,;:!?])(?=\w)", r"\1 "),
    (r"^[\s.,;:!?]+", ""),
]
_COMPILED = [(re.compile(pattern), replacement) for pattern, replacement in _RULES]


def normalize(text: str) -> str:
    """What the loudspeaker says for ``text``: words and plain punctuation only.

    ``Họp lúc 7h30 ngày 15/11/2026, hỗ trợ 1.500.000đ/hộ`` becomes ``Họp lúc bảy giờ ba mươi
    ngày mười lăm tháng mười một năm hai nghìn không trăm hai mươi sáu, hỗ trợ một triệu năm
    trăm nghìn đồng mỗi hộ``.
    """
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(c)[0] == "C" and c != "\n" else c for c in text)
    text = re.sub(r"\s*\n\s*", ". ", text)
    for short, words in ABBREVIATIONS.items():
        text = re.sub(rf"(?<!\w){re.escape(short)}(?!\w)", words, text)
    text = _phones(text)
    text = _dates(text)
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()
