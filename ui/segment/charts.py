"""Altair charts for the Segment page: quality per k and segment sizes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

METRIC_TITLES = {
    "silhouette": ("Silhouette", "higher is better"),
    "calinski_harabasz": ("Calinski-Harabasz", "higher is better"),
    "davies_bouldin": ("Davies-Bouldin", "lower is better"),
}

#: Height of each suggest-k chart in pixels (Streamlit squeezes a layered chart without it).
SWEEP_HEIGHT = 240


def sweep_charts(table: pd.DataFrame, recommended: int) -> list[alt.Chart]:
    """One small line chart per quality metric vs k, the recommended k marked."""
    charts = []
    for metric, title in METRIC_TITLES.items():
        data = table[["k", metric]].rename(columns={metric: "value"})
        base = alt.Chart(data).encode(
            x=alt.X("k:O", title="Segments (k)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title="score", scale=alt.Scale(zero=False)),
        )
        line = base.mark_line(point=True)
        rule = (
            alt.Chart(pd.DataFrame({"k": [recommended]}))
            .mark_rule(color="#d62728", strokeDash=[4, 3])
            .encode(x="k:O")
        )
        # two title lines: a narrow column never cuts the title off
        charts.append(
            (line + rule).properties(title=alt.TitleParams(list(title)), height=SWEEP_HEIGHT)
        )
    return charts


def render_sweep(table: pd.DataFrame, recommended: int) -> None:
    """The three quality charts side by side, each as wide as its column (never cut off)."""
    st.markdown(f"**Quality by number of segments** (dashed: suggested k = {recommended})")
    for col, chart in zip(
        st.columns(len(METRIC_TITLES)), sweep_charts(table, recommended), strict=True
    ):
        col.altair_chart(chart, width="stretch", height=SWEEP_HEIGHT)


def sizes_chart(sizes: pd.Series, names: dict | None = None) -> alt.Chart:
    """Horizontal bars: users per segment, largest first."""
    names = names or {}
    data = pd.DataFrame(
        {
            "segment": [names.get(s, s) for s in sizes.index],
            "users": sizes.to_numpy(),
            "share": sizes.to_numpy() / max(int(sizes.sum()), 1),
        }
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort=list(data["segment"]), title="Segment"),
            x=alt.X("users:Q", title="Users"),
            color=alt.Color("segment:N", sort=list(data["segment"]), legend=None),
            tooltip=[
                alt.Tooltip("segment:N", title="Segment"),
                alt.Tooltip("users:Q", title="Users", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(
            title="Segment sizes (users)", height=alt.Step(28)
        )  # a fixed total height collapses in Streamlit
    )
