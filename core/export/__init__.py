"""Exports: what a user downloads or hands on.

- ``csv_export``: spreadsheet-safe CSV (:func:`safe_csv`), the one CSV writer that every
  download and CLI table goes through;
- ``deck``: the pieces of a persona card (:func:`card_sections`), cards as Markdown or
  HTML, and the PDF workshop deck.
"""

from core.export.csv_export import FORMULA_PREFIXES, neutralise_cell, safe_csv, safe_frame
from core.export.deck import card_sections, persona_html, persona_markdown, personas_pdf

__all__ = [
    "FORMULA_PREFIXES",
    "card_sections",
    "neutralise_cell",
    "persona_html",
    "persona_markdown",
    "personas_pdf",
    "safe_csv",
    "safe_frame",
]
