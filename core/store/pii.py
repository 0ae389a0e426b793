"""Keeping personal data out of the store.

User ids that look like personal data are refused (pseudonymise them on the Data page);
strings inside reports and mappings that look like an email, phone or ID number are
replaced by a salted hash before they are saved.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from core import config
from core.data.privacy import kind_by_content, resolve_salt, value_kind
from core.errors import DataError

# From the concrete module: the ``core.data`` package root does not offer these
# detection helpers (yet); switch to the root if it comes to re-export them.
from core.i18n import N_, tr

__all__ = ["scrub", "check_user_ids"]

_KIND_LABELS = {
    "email": N_("email addresses"),
    "phone": N_("phone numbers"),
    "id_card": N_("ID numbers"),
}
_PERSONAL_DATA = N_("personal data")


def _salted(value: str) -> str:
    """``pii:`` and 16 hex characters of the salted SHA-256 of ``value``."""
    try:
        salt = resolve_salt()
    except Exception:
        salt = config.salt_env() or ""
    return "pii:" + hashlib.sha256((salt + value.strip()).encode()).hexdigest()[:16]


def scrub(value: Any) -> Any:
    """Replace strings that look like an email, phone or ID number by a salted hash.

    Parameters
    ----------
    value : Any
        A JSON-friendly value (dicts and lists are walked).

    Returns
    -------
    Any
        A copy with such strings replaced; other values unchanged.
    """
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str) and len(value) < 64 and value_kind(value):
        return _salted(value)
    return value


def check_user_ids(labels: pd.Series) -> None:
    """Refuse labels whose user ids look like personal data (they would be stored).

    Parameters
    ----------
    labels : pandas.Series
        Segment per user, indexed by user id (the first 500 ids are checked).

    Raises
    ------
    DataError
        When the ids look like email addresses, phone numbers or ID numbers.
    """
    sample = [str(v) for v in labels.index[:500]]
    if not sample:
        return
    kind = kind_by_content(sample)
    if kind:
        label = _KIND_LABELS.get(kind, _PERSONAL_DATA)
        raise DataError(
            tr(
                "The user ids look like {kind}, which PersonaLab never saves in clear; load "
                "the data again with 'hash personal data' turned on (Data page), then save "
                "the run.",
                kind=tr(label),
            )
        )
