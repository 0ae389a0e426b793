"""PDF fonts: the one place that finds a CJK font for fpdf2 and vl-convert.

Chinese persona names and category values must render in the persona deck and the
report. Debian's ``fonts-noto-cjk`` installs Noto Sans CJK; face 2 of its collection is
Simplified Chinese. Without it, text falls back to Helvetica with non-Latin-1 characters
drawn as ``?`` (readable, never a crash).
"""

from __future__ import annotations

import functools
from pathlib import Path

#: Where Debian puts the CJK fonts (vl-convert is pointed at this folder for chart PNGs).
CJK_FONT_DIR = Path("/usr/share/fonts/opentype/noto")
#: Font files tried in order, with the collection face to use (2 = Simplified Chinese).
CJK_FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    (str(CJK_FONT_DIR / "NotoSansCJK-Regular.ttc"), 2),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    (str(CJK_FONT_DIR / "NotoSerifCJK-Regular.ttc"), 2),
)
#: The family name registered with fpdf2 when a CJK font is found.
CJK_FAMILY = "cjk"
FALLBACK_FAMILY = "helvetica"


def pdf_font(pdf) -> str:
    """Register a CJK font on an ``FPDF`` when one is installed; return the family to use.

    One face only: embedding a second CJK face doubles the PDF time for a bold title.
    """
    for path, index in CJK_FONT_CANDIDATES:
        if Path(path).is_file():
            try:
                pdf.add_font(CJK_FAMILY, "", path, collection_font_number=index)
                return CJK_FAMILY
            except Exception:  # a broken font file: try the next one, then fall back
                continue
    return FALLBACK_FAMILY


def pdf_text(text: object, family: str) -> str:
    """Text the chosen family can draw: with the fallback font, non-Latin-1 becomes '?'."""
    text = str(text)
    if family == CJK_FAMILY:
        return text
    text = text.replace("—", "-").replace("·", "-")
    return text.encode("latin-1", "replace").decode("latin-1")


@functools.cache
def register_chart_fonts() -> None:
    """Let vl-convert find the CJK font when it draws chart PNGs (once per process)."""
    import vl_convert as vlc

    if CJK_FONT_DIR.is_dir():
        vlc.register_font_directory(str(CJK_FONT_DIR))
