"""The Sankey diagram of segment migration, drawn with Altair.

Vega-Lite has no Sankey mark, and the report renders charts to SVG/PNG with vl-convert
without a browser, which rules out Plotly (Kaleido and a Chromium) and D3-only widgets;
so the diagram is drawn by hand: a rectangle per persona on each side and one filled
band per flow, its edges eased with a smoothstep so bands leave and enter horizontally.
One chart then serves the page, the HTML report and the PDF.
"""

from __future__ import annotations

import re

import altair as alt
import numpy as np
import pandas as pd

from core.i18n import fmt, tr

__all__ = ["sankey_chart"]

#: Width of a persona's bar, as a share of the chart's width.
_NODE = 0.015


def _stack(sizes: pd.Series, gap: float) -> dict[str, float]:
    """Top of each node when the nodes are stacked in order with ``gap`` between them."""
    tops, y = {}, 0.0
    for name, size in sizes.items():
        tops[name] = y
        y += float(size) + gap
    return tops


def sankey_chart(
    table: pd.DataFrame,
    *,
    shown,
    last: tuple[str, ...],
    title: str | None = None,
    before: str | None = None,
    after: str | None = None,
    width: int = 640,
):
    """A Sankey diagram of a movement table (Altair; renders with vl-convert too).

    Parameters
    ----------
    table : pandas.DataFrame
        A movement table (``core.personas.migration.movement_table``); not modified.
    shown : callable
        ``shown(segment, persona)`` -> the label a reader sees for a node.
    last : tuple of str
        Segments drawn after the others on each side (new users, users gone).
    title : str, optional
        Chart title (default: a translated "Who moved between personas").
    before, after : str, optional
        What the left and the right side are (run ids or dates), shown under the title.
    width : int
        Width in pixels.

    Returns
    -------
    altair.LayerChart
        Personas before on the left, after on the right, one band per flow; tooltips
        give users and the share of the "from" persona; node labels give users.
    """
    if title is None:
        title = tr("Who moved between personas")
    flows = table[table["users"] > 0].copy()
    total = float(flows["users"].sum()) or 1.0
    gap = total * 0.02
    left = flows.groupby("from_segment", sort=False)["users"].sum()
    right = flows.groupby("to_segment", sort=False)["users"].sum()
    left = left.reindex(_node_order(left.index, last))
    right = right.reindex(_node_order(right.index, last))
    ltop, rtop = _stack(left, gap), _stack(right, gap)
    lnext, rnext = dict(ltop), dict(rtop)
    from_col, to_col = tr("From"), tr("To")
    users_col, share_col = tr("Users"), tr("Share of the from persona")
    t = np.linspace(0.0, 1.0, 24)
    smooth = t * t * (3 - 2 * t)  # smoothstep: bands leave and enter horizontally
    band_rows = []
    ordered = flows.assign(
        _l=flows["from_segment"].map({n: i for i, n in enumerate(left.index)}),
        _r=flows["to_segment"].map({n: i for i, n in enumerate(right.index)}),
    ).sort_values(["_l", "_r"])
    for i, row in enumerate(ordered.itertuples(index=False)):
        y0 = lnext[row.from_segment]
        y1 = rnext[row.to_segment]
        lnext[row.from_segment] += row.users
        rnext[row.to_segment] += row.users
        src = shown(row.from_segment, row.from_persona)
        dst = shown(row.to_segment, row.to_persona)
        for x, s in zip(t, smooth, strict=True):
            top = y0 + (y1 - y0) * s
            band_rows.append(
                {
                    "band": i,
                    "x": _NODE + (1 - 2 * _NODE) * x,
                    "top": top,
                    "bottom": top + row.users,
                    from_col: src,
                    to_col: dst,
                    users_col: fmt.number(row.users),
                    share_col: fmt.percent(row.share_of_from, 1),
                }
            )
    names_l = {
        n: shown(n, p) for n, p in zip(flows["from_segment"], flows["from_persona"], strict=True)
    }
    names_r = {
        n: shown(n, p) for n, p in zip(flows["to_segment"], flows["to_persona"], strict=True)
    }
    nodes = []
    for side, sizes, tops, names, x0, x1, anchor_x in (
        ("left", left, ltop, names_l, 0.0, _NODE, _NODE + 0.01),
        ("right", right, rtop, names_r, 1 - _NODE, 1.0, 1 - _NODE - 0.01),
    ):
        for seg, size in sizes.items():
            nodes.append(
                {
                    "x0": x0,
                    "x1": x1,
                    "top": tops[seg],
                    "bottom": tops[seg] + float(size),
                    "mid": tops[seg] + float(size) / 2,
                    "tx": anchor_x,
                    "side": side,
                    from_col: names[seg],
                    "label": tr("{persona} ({users})", persona=names[seg], users=fmt.number(size)),
                    users_col: fmt.number(size),
                }
            )
    height = 360
    span = max(max(n["bottom"] for n in nodes), 1.0)
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 1]))
    y_scale = alt.Scale(domain=[span, 0])
    bands = (
        alt.Chart(pd.DataFrame(band_rows))
        .mark_area(opacity=0.45, interpolate="linear")
        .encode(
            x=x,
            y=alt.Y("top:Q", axis=None, scale=y_scale),
            y2="bottom:Q",
            detail="band:N",
            color=alt.Color(f"{from_col}:N", legend=None),
            tooltip=[f"{from_col}:N", f"{to_col}:N", f"{users_col}:N", f"{share_col}:N"],
        )
    )
    node_frame = pd.DataFrame(nodes)
    rects = (
        alt.Chart(node_frame)
        .mark_rect()
        .encode(
            color=alt.Color(f"{from_col}:N", legend=None),
            x=alt.X("x0:Q", axis=None, scale=alt.Scale(domain=[0, 1])),
            x2="x1:Q",
            y=alt.Y("top:Q", axis=None, scale=y_scale),
            y2="bottom:Q",
            tooltip=[alt.Tooltip(f"{from_col}:N", title=tr("Persona")), f"{users_col}:N"],
        )
    )
    text = alt.Chart(node_frame).encode(
        x=alt.X("tx:Q", axis=None, scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("mid:Q", axis=None, scale=y_scale),
        text="label:N",
    )
    labels_left = text.transform_filter(alt.datum.side == "left").mark_text(
        align="left", baseline="middle", fontSize=11, dx=2
    )
    labels_right = text.transform_filter(alt.datum.side == "right").mark_text(
        align="right", baseline="middle", fontSize=11, dx=-2
    )
    subtitle = (
        tr("Left: {before}. Right: {after}.", before=before, after=after)
        if before is not None and after is not None
        else ""
    )
    return (
        alt.layer(bands, rects, labels_left, labels_right)
        .properties(
            width=width,
            height=height,
            title=alt.TitleParams(text=title, subtitle=subtitle, anchor="start"),
        )
        .configure_view(stroke=None)
    )


def _node_order(names, last: tuple[str, ...]) -> list[str]:
    """Segments in label order (S1, S2, ..., named), new/gone last."""

    def key(s: str):
        m = re.fullmatch(r"S(\d+)", s)
        return (0, int(m.group(1)), s) if m else (1, 0, s)

    plain = sorted((n for n in names if n not in last), key=key)
    return plain + [n for n in last if n in set(names)]
