"""Vietnamese speech for the loudspeakers: a pluggable offline engine fed with spoken text.

An engine turns the words that ``announcements.speech.normalize`` gives into WAV bytes. The
default calls espeak-ng (Debian package ``espeak-ng``, voice ``vi``) as a subprocess, offline; a
better voice replaces it through the ``ANNOUNCEMENTS_TTS_ENGINE`` setting (a dotted path to a
class with ``synthesize``).
"""

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

from django.utils.module_loading import import_string

from announcements.conf import setting
from announcements.speech import normalize


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


def synthesize(text: str) -> bytes:
    return engine().synthesize(normalize(text))
