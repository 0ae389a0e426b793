"""Turning what a run carries into what the database stores, and back.

Segmentation parameters become JSON plus a type name (:func:`params_to_dict`) and come
back as the same class (:func:`params_from_dict`); segment labels become Parquet bytes
(:func:`labels_to_parquet`); reports and settings become plain JSON values
(:func:`to_jsonable`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import io
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from core.errors import DataError
from core.i18n import tr

__all__ = [
    "to_jsonable",
    "params_to_dict",
    "params_from_dict",
    "params_digest",
    "labels_to_parquet",
    "labels_from_parquet",
]

#: The modules a saved run may name as its parameters' home. Runs saved before the move
#: into packages say "core.segmentation"; later ones "core.segments.segmentation". Both
#: mean the class that the ``core.segments`` package offers under the same name.
PARAMS_MODULES = ("core.segmentation", "core.segments.segmentation")
_PARAMS_PACKAGE = "core.segments"


def to_jsonable(value: Any) -> Any:
    """Turn tuples, numpy scalars, dates and nested dataclasses into plain JSON values.

    Parameters
    ----------
    value : Any
        A dataclass, mapping, sequence, set, date, numpy/pandas scalar or plain value.

    Returns
    -------
    Any
        The same content as dicts, lists, strings, numbers, booleans and None (NaN
        becomes None; sets are sorted; anything else becomes its ``str``).
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy / pandas scalar
        try:
            return to_jsonable(value.item())
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and value != value:  # NaN is not valid JSON
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def params_to_dict(params: Any) -> tuple[dict, str]:
    """Serialise segmentation parameters: ``(JSON-friendly dict, type name)``.

    Parameters
    ----------
    params : SegmentParams, Mapping or None
        A dataclass goes through an ``asdict``-like conversion (tuples become lists) and
        is named by its module and class; a mapping is copied (type ``"dict"``);
        ``None`` gives ``({}, "none")``.

    Returns
    -------
    (dict, str)
        The JSON-friendly values and the type name to rebuild them with.

    Raises
    ------
    DataError
        When ``params`` is of another kind.
    """
    if params is None:
        return {}, "none"
    if dataclasses.is_dataclass(params) and not isinstance(params, type):
        kind = f"{type(params).__module__}.{type(params).__qualname__}"
        return to_jsonable(params), kind
    if isinstance(params, Mapping):
        return to_jsonable(dict(params)), "dict"
    raise DataError(
        tr(
            "Segmentation settings of kind {kind} cannot be saved; save the run again from "
            "the Segment page.",
            kind=type(params).__name__,
        )
    )


def _tuplify(value: Any) -> Any:
    """Lists back to tuples (frozen dataclasses hold tuples), recursively."""
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuplify(v) for k, v in value.items()}
    return value


def params_from_dict(data: dict, params_type: str) -> Any:
    """Rebuild parameters saved by :func:`params_to_dict`.

    Parameters
    ----------
    data : dict
        The saved JSON values.
    params_type : str
        The saved type name: ``"dict"``, ``"none"`` or a class of one of
        :data:`PARAMS_MODULES`, old or new spelling.

    Returns
    -------
    SegmentParams or dict
        The class of that name from the ``core.segments`` package, rebuilt (through its
        ``from_dict`` if it has one, else its constructor with lists turned into
        tuples); the plain dict when the type is not ours, no longer exists, or its
        fields no longer match.
    """
    if params_type in ("dict", "none"):
        return dict(data)
    module, _, name = params_type.rpartition(".")
    # Only rehydrate our own classes, never arbitrary imports; wherever the class lives
    # inside the package, its package root offers it.
    if module not in PARAMS_MODULES:
        return dict(data)
    try:
        # Imported on first use for start-up speed: the segments package loads scikit-learn.
        cls = getattr(importlib.import_module(_PARAMS_PACKAGE), name)
    except (ImportError, AttributeError):
        return dict(data)
    try:
        if hasattr(cls, "from_dict"):
            return cls.from_dict(dict(data))
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _tuplify(v) for k, v in data.items() if k in names})
    except Exception:  # a field renamed since the run was saved: keep the saved values
        return dict(data)


def params_digest(params_json: dict) -> str:
    """SHA-256 (hex, first 16 characters) of the canonical JSON of the parameters.

    Parameters
    ----------
    params_json : dict
        Parameters as returned by :func:`params_to_dict`.

    Returns
    -------
    str
        The same digest for the same values, whatever the order of the keys.
    """
    blob = json.dumps(params_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def labels_to_parquet(labels: pd.Series) -> bytes:
    """Parquet bytes of a labels Series (index ``user_id``, values the segment, as text).

    Parameters
    ----------
    labels : pandas.Series
        Segment per user, indexed by user id.

    Returns
    -------
    bytes
        A zstd-compressed Parquet file with columns ``user_id`` and ``segment``.

    Raises
    ------
    DataError
        When ``labels`` is not a Series.
    """
    if not isinstance(labels, pd.Series):
        raise DataError(tr("The segment labels to save should be one column of segment names."))
    frame = pd.DataFrame(
        {
            "user_id": labels.index.astype(str),
            "segment": labels.astype(object)
            .where(labels.notna(), None)
            .map(lambda v: None if v is None else str(v)),
        }
    )
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def labels_from_parquet(blob: bytes) -> pd.Series:
    """Labels Series from the Parquet bytes of :func:`labels_to_parquet`.

    Parameters
    ----------
    blob : bytes
        The saved Parquet file.

    Returns
    -------
    pandas.Series
        Segment names as text, named ``segment``, indexed by ``user_id``.
    """
    frame = pd.read_parquet(io.BytesIO(blob))
    series = pd.Series(
        frame["segment"].astype(str).to_numpy(),
        index=pd.Index(frame["user_id"].astype(str), name="user_id"),
        name="segment",
        dtype=str,
    )
    return series
