"""Altair charts for the Segment page: quality per k and segment sizes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.i18n import N_, fmt, tr
from core.segments import segment_label

#: Metric -> its two title lines (translated where drawn).
METRIC_TITLES = {
    "silhouette": (N_("Silhouette"), N_("higher is better")),
    "calinski_harabasz": (N_("Calinski-Harabasz"), N_("higher is better")),
    "davies_bouldin": (N_("Davies-Bouldin"), N_("lower is better")),
}

#: Height of each suggest-k chart in pixels (Streamlit squeezes a layered chart without it).
SWEEP_HEIGHT = 240


def sweep_charts(table: pd.DataFrame, recommended: int) -> list[alt.Chart]:
    """One small line chart per quality metric vs k, the recommended k marked."""
    charts = []
    for metric, title in METRIC_TITLES.items():
        data = table[["k", metric]].rename(columns={metric: "value"})
        base = alt.Chart(data).encode(
            x=alt.X("k:O", title=tr("Segments (k)"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title=tr("score"), scale=alt.Scale(zero=False)),
        )
        line = base.mark_line(point=True)
        rule = (
            alt.Chart(pd.DataFrame({"k": [recommended]}))
            .mark_rule(color="#d62728", strokeDash=[4, 3])
            .encode(x="k:O")
        )
        # two title lines: a narrow column never cuts the title off
        charts.append(
            (line + rule).properties(
                title=alt.TitleParams([tr(line) for line in title]), height=SWEEP_HEIGHT
            )
        )
    return charts


def render_sweep(table: pd.DataFrame, recommended: int) -> None:
    """The three quality charts side by side, each as wide as its column (never cut off)."""
    st.markdown(
        tr(
            "**Quality by number of segments** (dashed: suggested k = {k})",
            k=fmt.number(recommended),
        )
    )
    for col, chart in zip(
        st.columns(len(METRIC_TITLES)), sweep_charts(table, recommended), strict=True
    ):
        col.altair_chart(chart, width="stretch", height=SWEEP_HEIGHT)


def sizes_chart(sizes: pd.Series, names: dict | None = None) -> alt.Chart:
    """Horizontal bars: users per segment, largest first (labels in the page's language)."""
    names = names or {}
    data = pd.DataFrame(
        {
            "segment": [names.get(s, segment_label(s)) for s in sizes.index],
            "users": sizes.to_numpy(),
            "share": sizes.to_numpy() / max(int(sizes.sum()), 1),
        }
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort=list(data["segment"]), title=tr("Segment")),
            x=alt.X("users:Q", title=tr("Users")),
            color=alt.Color("segment:N", sort=list(data["segment"]), legend=None),
            tooltip=[
                alt.Tooltip("segment:N", title=tr("Segment")),
                alt.Tooltip("users:Q", title=tr("Users"), format=","),
                alt.Tooltip("share:Q", title=tr("Share of users"), format=".1%"),
            ],
        )
        # a fixed total height collapses in Streamlit
        .properties(title=tr("Segment sizes (users)"), height=alt.Step(28))
    )
