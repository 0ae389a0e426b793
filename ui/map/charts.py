"""Altair scatter for the Map page: points coloured by segment or feature, names at centres."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from core.i18n import tr
from core.segments import column_label, segment_label
from ui.map.data import TOOLTIP_FEATURES

SEGMENT = "segment"
#: Height of the plot area in pixels; the legend under it adds :func:`height` room.
PLOT_HEIGHT = 560


def height(n_segments: int, color: str) -> int:
    """The chart element's height: the plot plus axis and the legend rows under it."""
    legend_rows = -(-n_segments // 2) if color == SEGMENT else 0
    return PLOT_HEIGHT + 70 + (30 + 20 * legend_rows if legend_rows else 0)


def _segment_order(label: str) -> tuple:
    """S2 before S10; other labels (Noise, new segments) after, alphabetically."""
    match = re.fullmatch(r"S(\d+)", str(label))
    return (0, int(match.group(1)), "") if match else (1, 0, str(label))


def scatter(
    points: pd.DataFrame,
    centres: pd.DataFrame | None,
    color: str,
    names: dict,
    title: str,
    selectable: bool,
) -> alt.LayerChart:
    """Scatter of users; ``color`` is ``segment`` or a numeric feature column.

    Every title, axis, legend and tooltip field is in the page's language; segment labels
    PersonaLab gave (Noise, RFM names) are translated, names a user typed are not.
    """
    segments = sorted(points["segment"].unique(), key=_segment_order)
    named = any(names.get(s, s) != s for s in segments)  # persona names, not just labels
    names = {s: segment_label(s) for s in segments} | dict(names)
    data = points.assign(name=points["segment"].map(lambda s: names.get(s, s)))
    # Legend in segment order (S1 = largest first, S10 after S9), showing the names.
    if color == SEGMENT:
        enc_color = alt.Color(
            "name:N",
            title=tr("Persona") if named else tr("Segment"),
            sort=[names.get(s, s) for s in segments],
            # persona names are long: under the map, in two columns, shown whole
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=600),
        )
    else:
        enc_color = alt.Color(
            f"{color}:Q", title=column_label(color), scale=alt.Scale(scheme="viridis")
        )
    tooltip = [
        alt.Tooltip("user_id:N", title=tr("User")),
        alt.Tooltip("segment:N", title=tr("Segment")),
    ]
    if named:
        tooltip.append(alt.Tooltip("name:N", title=tr("Persona")))
    for col in dict.fromkeys([*TOOLTIP_FEATURES, color]):
        if col in data.columns and col != SEGMENT:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=column_label(col), format=",.2f"))
    dots = (
        alt.Chart(data)
        .mark_circle(size=16, opacity=0.7)
        .encode(
            x=alt.X("x:Q", title=tr("Map position (similar users sit close; no unit)")),
            y=alt.Y("y:Q", title=tr("Map position (no unit)")),
            color=enc_color,
            tooltip=tooltip,
        )
    )
    if selectable:
        dots = dots.add_params(alt.selection_interval(name="brush", encodings=["x", "y"]))
    layers = [dots]
    if centres is not None and len(centres):
        labels = centres.assign(name=centres["segment"].map(lambda s: names.get(s, s)))
        labels["align"] = _label_alignment(labels["x"], data["x"])
        for align in labels["align"].unique():  # one dataset, a layer per alignment
            for halo in (True, False):  # a white outline first, so names read over dots
                style = {"stroke": "white", "strokeWidth": 3} if halo else {}
                layers.append(
                    alt.Chart(labels)
                    .transform_filter(alt.datum.align == align)
                    .mark_text(fontSize=13, fontWeight="bold", align=align, **style)
                    .encode(x="x:Q", y="y:Q", text="name:N")
                )
    return alt.layer(*layers).properties(title=title, height=PLOT_HEIGHT)


def _label_alignment(centre_x: pd.Series, all_x: pd.Series) -> list[str]:
    """Names near the left edge start at their centre, near the right edge end there.

    A centred name on a segment at the edge of the map ran off the plot.
    """
    low, high = float(all_x.min()), float(all_x.max())
    span = (high - low) or 1.0
    where = (centre_x - low) / span
    return ["left" if w < 0.3 else "right" if w > 0.7 else "center" for w in where]
