"""What the Map page draws from a map: points with their segment, name positions, a box.

Pure pandas on a :class:`~core.segments.projection.MapResult`: no fitting here, so the
page can redraw (another colour, a selection) without touching UMAP.
"""

from __future__ import annotations

import pandas as pd

from core.i18n import tr
from core.segments.projection import MapResult

__all__ = ["segment_centroids", "map_frame", "select_box"]


def segment_centroids(result: MapResult, labels: pd.Series) -> pd.DataFrame:
    """Where to put each segment's name on the map: the median x, y of its shown users.

    Parameters
    ----------
    result : MapResult
    labels : pd.Series
        Segment per user id.

    Returns
    -------
    pd.DataFrame
        ``segment``, ``x``, ``y``, ``users`` (shown users), largest segment first.
    """
    pts = result.points.assign(segment=labels.reindex(result.points["user_id"]).to_numpy())
    pts = pts.dropna(subset=["segment"])
    out = pts.groupby("segment", sort=False).agg(
        x=("x", "median"), y=("y", "median"), users=("user_id", "size")
    )
    return out.sort_values("users", ascending=False).reset_index()


def map_frame(
    result: MapResult,
    features: pd.DataFrame,
    labels: pd.Series | None = None,
    columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Map points joined with their segment and chosen feature columns, for drawing.

    Parameters
    ----------
    result : MapResult
    features : pd.DataFrame
        Feature table with ``user_id`` (not modified).
    labels : pd.Series, optional
        Segment per user id (``segment`` column; "All users", in the current language,
        when omitted).
    columns : tuple of str
        Feature columns to carry (colour and tooltips); unknown names are ignored.

    Returns
    -------
    pd.DataFrame
        ``user_id``, ``x``, ``y``, ``segment`` and the requested columns.
    """
    keep = [c for c in dict.fromkeys(columns) if c in features.columns and c != "user_id"]
    extra = features[["user_id", *keep]].astype({"user_id": "str"})
    out = result.points.merge(extra, on="user_id", how="left")
    if labels is None:
        out["segment"] = tr("All users")
    else:
        missing = tr("(none)")
        out["segment"] = labels.reindex(out["user_id"]).fillna(missing).astype("str").to_numpy()
    return out[["user_id", "x", "y", "segment", *keep]]


def select_box(
    result: MapResult, x_range: tuple[float, float], y_range: tuple[float, float]
) -> list[str]:
    """User ids of the shown points inside a box drawn on the map.

    Parameters
    ----------
    result : MapResult
    x_range, y_range : (float, float)
        The box's edges in map coordinates (either order).

    Returns
    -------
    list of str
    """
    (x0, x1), (y0, y1) = sorted(map(float, x_range)), sorted(map(float, y_range))
    pts = result.points
    inside = pts["x"].between(x0, x1) & pts["y"].between(y0, y1)
    return pts.loc[inside, "user_id"].astype(str).tolist()
