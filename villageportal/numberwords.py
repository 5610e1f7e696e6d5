"""Whole numbers in Vietnamese words, as they are written out on a payment order or read aloud.

Groups of three digits are read from the left with ``nghìn``, ``triệu``, ``tỷ`` (and
``nghìn tỷ``, ``triệu tỷ``, ``tỷ tỷ`` above); a group after the first is read with its hundreds
even when they are zero (``2027`` is ``hai nghìn không trăm hai mươi bảy``), a zero tens digit
before a unit is ``lẻ`` (``105`` is ``một trăm lẻ năm``), a one after ``mươi`` is ``mốt`` and a
five after a tens digit is ``lăm``. Groups that are all zeros are skipped.
"""

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_SCALES = ("", "nghìn", "triệu")


def _below_thousand(n: int, *, full: bool) -> str:
    """Words for 0 < n < 1000; ``full`` reads the hundreds even when they are zero."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("lẻ")
            words.append(DIGITS[units])
        return " ".join(words)
    words += ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens > 1:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return " ".join(words)


def _below_billion(n: int, *, full: bool) -> str:
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        leading = full or index < len(groups) - 1
        words.append(_below_thousand(group, full=leading))
        if _SCALES[index]:
            words.append(_SCALES[index])
    return " ".join(words)


def number_words(n: int) -> str:
    """``1050000`` -> ``một triệu không trăm năm mươi nghìn``; below zero, ``âm`` first."""
    if n < 0:
        return f"âm {number_words(-n)}"
    if n == 0:
        return DIGITS[0]
    parts: list[str] = []
    billions = []
    while n:
        n, chunk = divmod(n, 1_000_000_000)
        billions.append(chunk)
    for index in range(len(billions) - 1, -1, -1):
        chunk = billions[index]
        if not chunk:
            continue
        parts.append(_below_billion(chunk, full=index < len(billions) - 1))
        parts += ["tỷ"] * index
    return " ".join(parts)


def digit_words(digits: str) -> str:
    """``"0912"`` -> ``không chín một hai``: each digit on its own."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def amount_words(amount: int) -> str:
    """An amount of money as written on a Vietnamese payment order: ``Năm mươi nghìn đồng``."""
    text = f"{number_words(amount)} đồng"
    return text[:1].upper() + text[1:]
