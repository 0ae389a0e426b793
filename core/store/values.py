"""Small values shared by the store modules: limits, ids, timestamps and text cleaning."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from core.errors import DataError
from core.i18n import tr

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_NOTE_LENGTH",
    "now",
    "as_utc",
    "new_id",
    "check_id",
    "clean_text",
    "run_id_for",
    "hash_token",
]

MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 5000


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: mark them UTC, as they were written."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def new_id(nbytes: int = 16) -> str:
    """A random, URL-safe id of ``nbytes`` random bytes that starts with a letter or digit.

    An id starting with ``-`` would read as an option on the command line
    (``personas --run-id -x``) and is escaped by spreadsheet exports as a possible formula,
    so such draws (1 in 32) are drawn again.
    """
    while True:
        value = secrets.token_urlsafe(nbytes)
        if value[0].isalnum():
            return value


def check_id(value: str, what: str) -> str:
    """``value`` when it is a usable id, else a DataError naming ``what`` (marked with ``N_``)."""
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise DataError(
            tr(
                "The {what} '{value}' is not valid; reload the page.",
                what=tr(what),
                value=str(value)[:80],
            )
        )
    return value


def clean_text(value: Any, limit: int) -> str | None:
    """Text without NUL characters, stripped and cut at ``limit``; None when empty."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text[:limit] if text else None


def run_id_for(dataset_id: str, params_hash: str) -> str:
    """The id under which a segmentation of one dataset with one set of settings is saved.

    Parameters
    ----------
    dataset_id : str
        The dataset the segmentation was made on (``Dataset.dataset_id``).
    params_hash : str
        The id of its settings (``SegmentParams.params_hash``).

    Returns
    -------
    str
        12 hex characters of the SHA-256 of both: the same data and settings give the
        same id (saving again updates that run), and the same settings on another
        dataset give another id, so saving there never replaces the first run.
    """
    blob = f"{dataset_id}\0{params_hash}".encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def hash_token(token: str) -> str:
    """SHA-256 hex of a share token (only the hash is stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
