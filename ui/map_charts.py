"""Altair scatter for the Map page: points coloured by segment or feature, names at centres."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd

from core.personas import feature_label
from ui.map_data import TOOLTIP_FEATURES

SEGMENT = "segment"


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
    """Scatter of users; ``color`` is ``segment`` or a numeric feature column."""
    data = points.assign(name=points["segment"].map(lambda s: names.get(s, s)))
    # Legend in segment order (S1 = largest first, S10 after S9), showing the names.
    segments = sorted(data["segment"].unique(), key=_segment_order)
    named = any(names.get(s, s) != s for s in segments)
    if color == SEGMENT:
        enc_color = alt.Color(
            "name:N",
            title="Persona" if named else "Segment",
            sort=[names.get(s, s) for s in segments],
            legend=alt.Legend(labelLimit=320),  # persona names are long; show them whole
        )
    else:
        enc_color = alt.Color(
            f"{color}:Q", title=feature_label(color), scale=alt.Scale(scheme="viridis")
        )
    tooltip = [alt.Tooltip("user_id:N", title="User"), alt.Tooltip("segment:N", title="Segment")]
    if named:
        tooltip.append(alt.Tooltip("name:N", title="Persona"))
    for col in dict.fromkeys([*TOOLTIP_FEATURES, color]):
        if col in data.columns and col != SEGMENT:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=feature_label(col), format=",.2f"))
    dots = (
        alt.Chart(data)
        .mark_circle(size=16, opacity=0.7)
        .encode(
            x=alt.X("x:Q", title="Map position (similar users sit close; no unit)"),
            y=alt.Y("y:Q", title="Map position (no unit)"),
            color=enc_color,
            tooltip=tooltip,
        )
    )
    if selectable:
        dots = dots.add_params(alt.selection_interval(name="brush", encodings=["x", "y"]))
    layers = [dots]
    if centres is not None and len(centres):
        labels = centres.assign(name=centres["segment"].map(lambda s: names.get(s, s)))
        layers.append(
            alt.Chart(labels)
            .mark_text(fontSize=13, fontWeight="bold", stroke="white", strokeWidth=3)
            .encode(x="x:Q", y="y:Q", text="name:N")
        )
        layers.append(
            alt.Chart(labels)
            .mark_text(fontSize=13, fontWeight="bold")
            .encode(x="x:Q", y="y:Q", text="name:N")
        )
    return alt.layer(*layers).properties(title=title, height=560)
