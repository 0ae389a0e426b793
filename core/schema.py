"""Canonical tables, column and event synonyms (en + zh), mapping, and DataError."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input, with a message a marketing manager can act on.

    The message names the file, column or row and says what to do. Pages show it with
    ``st.error``; the CLI prints it on stderr and exits with code 2.
    """
