"""Recognising columns and values: which source column is which field, canonical names.

Lookups go through the synonym tables of ``core.data.synonyms``; explicit choices
(``--map SRC=FIELD`` on the CLI, the mapping form on the Data page) win over guesses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from core.data.schema import EVENT_FIELDS, USER_FIELDS, Kind
from core.data.synonyms import (
    COLUMN_SYNONYMS,
    EVENT_TYPE_SYNONYMS,
    PLATFORM_SYNONYMS,
    normalise_key,
)
from core.errors import DataError
from core.i18n import tr


def canonical_event_type(value: object) -> str:
    """Return the canonical event type of ``value`` (unknown values lower-cased).

    Parameters
    ----------
    value : object
        A raw event name such as ``"点赞"``, ``"Repost"`` or ``"impression"``.

    Returns
    -------
    str
        ``"like"``, ``"share"``, ``"view"`` ...; an unknown name comes back stripped and
        lower-cased so it is kept as its own type.
    """
    return EVENT_TYPE_SYNONYMS.get(normalise_key(value), str(value).strip().lower())


def canonical_platform(value: object) -> str:
    """Return the canonical platform of ``value`` (unknown values lower-cased).

    Parameters
    ----------
    value : object
        A raw platform name such as ``"微信"``, ``"B站"`` or ``"IG"``.

    Returns
    -------
    str
        ``"wechat"``, ``"bilibili"``, ``"instagram"`` ...; unknown names lower-cased.
    """
    return PLATFORM_SYNONYMS.get(normalise_key(value), str(value).strip().lower())


def guess_mapping(
    columns: Iterable[str],
    kind: Kind = "events",
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Guess which source column holds which canonical field.

    Parameters
    ----------
    columns : iterable of str
        The source file's column names, in file order.
    kind : {"events", "users"}
        Which canonical table the columns are for.
    overrides : mapping of str to str, optional
        Explicit ``{source column: field}`` choices (``--map SRC=FIELD`` or the mapping
        form). They win over guesses; a guessed column that would claim the same field is
        dropped. A field value of ``""`` or ``"ignore"`` un-maps that column.

    Returns
    -------
    dict
        ``{source column: canonical field}``, each field used at most once (the first
        matching column in file order wins). Columns not in the result are unmapped
        (for users they are kept as custom attributes).

    Raises
    ------
    DataError
        If an override names a column that does not exist or a field that is unknown.
    """
    if kind not in COLUMN_SYNONYMS:
        raise DataError(tr("kind={kind} should be 'events' or 'users'.", kind=repr(kind)))
    columns = [str(c) for c in columns]
    fields = EVENT_FIELDS if kind == "events" else USER_FIELDS
    overrides = dict(overrides or {})
    for src, field in overrides.items():
        if src not in columns:
            raise DataError(
                tr(
                    "The mapping names a column '{column}' that is not in the file (columns: "
                    "{columns}). Check the spelling in --map.",
                    column=src,
                    columns=tr(", ").join(columns),
                )
            )
        if field not in ("", "ignore") and field not in fields:
            raise DataError(
                tr(
                    "The mapping sends '{column}' to '{field}', which is not one of the "
                    "{kind} fields; use one of: {fields}.",
                    column=src,
                    field=field,
                    kind=kind,
                    fields=tr(", ").join(fields),
                )
            )
    chosen: dict[str, str] = {}
    for src, field in overrides.items():
        if field in ("", "ignore"):
            continue
        if field in chosen:
            raise DataError(
                tr(
                    "Columns '{first}' and '{second}' are both mapped to {field}; map only "
                    "one of them.",
                    first=chosen[field],
                    second=src,
                    field=field,
                ),
                kind=kind,
                column=src,
            )
        chosen[field] = src
    mapping: dict[str, str] = {}
    taken = set(chosen)
    synonyms = COLUMN_SYNONYMS[kind]
    for col in columns:
        if col in overrides:
            if overrides[col] not in ("", "ignore"):
                mapping[col] = overrides[col]
            continue
        field = synonyms.get(normalise_key(col))
        if field is not None and field not in taken:
            mapping[col] = field
            taken.add(field)
    return mapping


def parse_mapping_args(items: Iterable[str] | None) -> dict[str, str]:
    """Parse repeated ``SRC=FIELD`` strings into ``{SRC: FIELD}``.

    Parameters
    ----------
    items : iterable of str or None
        Values of ``--map`` such as ``["会员编号=user_id", "动作=event_type"]``.

    Returns
    -------
    dict
        ``{source column: field}``.

    Raises
    ------
    DataError
        If an item has no ``=``.
    """
    out: dict[str, str] = {}
    for item in items or ():
        src, sep, field = str(item).rpartition("=")
        if not sep or not src.strip():
            raise DataError(
                tr(
                    "--map '{item}' should look like COLUMN=FIELD, for example --map uid=user_id.",
                    item=item,
                )
            )
        out[src.strip()] = field.strip()
    return out
