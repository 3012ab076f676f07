"""The fonts of our PDFs: DejaVu Sans, which covers Vietnamese, from the matplotlib package (the
repository holds no font file), and the text normalised to NFC (decomposed marks stack badly)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

__all__ = ["FONT_FAMILY", "font_files", "nfc"]

FONT_FAMILY = "DejaVu"


def font_files() -> dict[str, Path]:
    """fpdf2 style ("" regular, "B" bold, "I" oblique) → the installed DejaVu Sans file."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = {"": folder / "DejaVuSans.ttf", "B": folder / "DejaVuSans-Bold.ttf", "I": folder / "DejaVuSans-Oblique.ttf"}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"the DejaVu fonts that matplotlib ships are missing: {', '.join(missing)}")
    return files


def nfc(text: object) -> str:
    """Text as a PDF should draw it: NFC, so each Vietnamese letter is one precomposed glyph."""
    return unicodedata.normalize("NFC", "" if text is None else str(text))
