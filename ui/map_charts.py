"""Altair scatter for the Map page: points coloured by segment or feature, names at centres."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.map_data import TOOLTIP_FEATURES

SEGMENT = "segment"


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
    if color == SEGMENT:
        enc_color = alt.Color("name:N", title="Segment", sort=sorted(data["name"].unique()))
    else:
        enc_color = alt.Color(f"{color}:Q", title=color, scale=alt.Scale(scheme="viridis"))
    tooltip = [alt.Tooltip("user_id:N", title="User"), alt.Tooltip("name:N", title="Segment")]
    for col in dict.fromkeys([*TOOLTIP_FEATURES, color]):
        if col in data.columns and col != SEGMENT:
            tooltip.append(alt.Tooltip(f"{col}:Q", title=col, format=",.2f"))
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
