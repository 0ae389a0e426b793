"""Exports: what a user downloads or hands on.

- ``csv_export``: spreadsheet-safe CSV (:func:`safe_csv`), the one CSV writer that every
  download and CLI table goes through;
- ``activation``: every user with their persona (CSV, Excel, Parquet) and hashed audience
  lists per persona for ad platforms;
- ``deck``: the pieces of a persona card (:func:`card_sections`), cards as Markdown or
  HTML, and the PDF workshop deck.
"""

from core.export.activation import (
    ACTIVATION_COLUMNS,
    ACTIVATION_FORMATS,
    DEFAULT_PHONE_REGION,
    EXCEL_MAX_USERS,
    activation_bytes,
    activation_table,
    audience_files,
    audience_tables,
    contact_columns,
    ids_were_hashed,
    normalise_email,
    normalise_phone,
    protected_columns,
    read_contacts,
    read_user_attributes,
    sha256_hex,
)
from core.export.csv_export import FORMULA_PREFIXES, neutralise_cell, safe_csv, safe_frame
from core.export.deck import card_sections, persona_html, persona_markdown, personas_pdf

__all__ = [
    "ACTIVATION_COLUMNS",
    "ACTIVATION_FORMATS",
    "DEFAULT_PHONE_REGION",
    "EXCEL_MAX_USERS",
    "activation_bytes",
    "activation_table",
    "audience_files",
    "audience_tables",
    "contact_columns",
    "ids_were_hashed",
    "normalise_email",
    "normalise_phone",
    "protected_columns",
    "read_contacts",
    "read_user_attributes",
    "sha256_hex",
    "FORMULA_PREFIXES",
    "card_sections",
    "neutralise_cell",
    "persona_html",
    "persona_markdown",
    "personas_pdf",
    "safe_csv",
    "safe_frame",
]
