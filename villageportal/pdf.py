"""What every PDF of the portal shares: a font that covers Vietnamese, embedded in the file.

DejaVu Sans (free licence) ships with the project, so the PDFs look the same on a machine
without it.
"""

from pathlib import Path

VIETNAMESE_FONTS = Path(__file__).resolve().parent / "fonts"
