"""Vietnamese speech for the loudspeakers: text normalisation and a pluggable offline engine.

An engine turns normalised text into WAV bytes. The default calls espeak-ng (Debian package
``espeak-ng``, voice ``vi``) as a subprocess, offline; a better voice replaces it through the
``ANNOUNCEMENTS_TTS_ENGINE`` setting (a dotted path to a class with ``synthesize``).
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

from django.utils.module_loading import import_string
from num2words import num2words

from announcements.conf import setting


class Engine(Protocol):
    def synthesize(self, text: str) -> bytes: ...


class EngineUnavailable(Exception):
    pass


class EspeakEngine:
    voice = "vi"

    def synthesize(self, text: str) -> bytes:
        binary = shutil.which("espeak-ng") or shutil.which("espeak")
        if binary is None:
            raise EngineUnavailable("espeak-ng is not installed")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "speech.wav"
            subprocess.run(  # noqa: S603 - a fixed binary and arguments; the text goes to stdin
                [binary, "-v", self.voice, "-s", "150", "-w", str(out), "--stdin"],
                input=text.encode(),
                check=True,
                timeout=300,
                capture_output=True,
            )
            return out.read_bytes()


def engine() -> Engine:
    return import_string(setting("ANNOUNCEMENTS_TTS_ENGINE"))()


def _number(text: str) -> str:
    return num2words(int(text), lang="vi")


_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")
_TIME = re.compile(r"\b(\d{1,2})[:h](\d{2})\b")
_DECIMAL = re.compile(r"\b(\d+),(\d+)\b")
_GROUPED = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")
_NUMBER = re.compile(r"\d+")
_UNITS = {
    "%": " phần trăm",
    "km": " ki lô mét",
    "m2": " mét vuông",
    "ha": " héc ta",
    "kg": " ki lô gam",
}


def normalize(text: str) -> str:
    """Numbers, dates and times as words, the way a Vietnamese announcer reads them.

    ``7h30 ngày 15/11/2026`` becomes ``bảy giờ ba mươi phút ngày mười lăm tháng mười một năm
    hai nghìn không trăm hai mươi sáu``; ``1.500.000`` (thousands with dots) and ``2,5``
    (decimal comma) are read as amounts.
    """

    def date(m: re.Match[str]) -> str:
        day, month, year = m.group(1), m.group(2), m.group(3)
        if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
            return m.group(0)
        words = f"ngày {_number(day)} tháng {_number(month)}"
        if year:
            words += f" năm {_year(year)}"
        return words

    def clock(m: re.Match[str]) -> str:
        hours, minutes = int(m.group(1)), int(m.group(2))
        if hours > 23 or minutes > 59:
            return m.group(0)
        words = f"{_number(str(hours))} giờ"
        if minutes:
            words += f" {_number(str(minutes))} phút"
        return words

    text = re.sub(r"\bngày\s+(?=\d{1,2}/\d{1,2})", "", text)
    text = _DATE.sub(date, text)
    text = _TIME.sub(clock, text)
    for unit, words in _UNITS.items():
        text = re.sub(rf"(\d)\s*{re.escape(unit)}(?!\w)", rf"\1{words}", text)
    text = _GROUPED.sub(lambda m: _number(m.group(0).replace(".", "")), text)
    text = _DECIMAL.sub(lambda m: f"{_number(m.group(1))} phẩy {_digits(m.group(2))}", text)
    text = _NUMBER.sub(lambda m: _number(m.group(0)), text)
    return re.sub(r"\s+", " ", text).strip()


def _year(value: str) -> str:
    year = int(value)
    thousands, rest = divmod(year, 1000)
    if thousands and rest < 100:
        hundreds = "không trăm " + (
            num2words(rest, lang="vi") if rest >= 10 else f"lẻ {num2words(rest, lang='vi')}"
        )
        return (
            f"{num2words(thousands, lang='vi')} nghìn {hundreds}"
            if rest
            else f"{num2words(thousands, lang='vi')} nghìn"
        )
    return num2words(year, lang="vi")


def _digits(value: str) -> str:
    return (
        " ".join(num2words(int(d), lang="vi") for d in value)
        if value.startswith("0")
        else _number(value)
    )


def synthesize(text: str) -> bytes:
    return engine().synthesize(normalize(text))
