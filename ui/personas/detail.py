"""Detail view of one persona: activity heatmap, mixes, demographics, comments, KPIs, actions."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.i18n import N_, fmt, ntr, tr
from core.personas import (
    ALL_USERS,
    CAMPAIGN_KPIS,
    FORMAT_LABELS,
    KPIS,
    attribute_label,
    category_word,
    feature_label,
    format_kpi_value,
    playbook,
)

WEEKDAYS = list(playbook.WEEKDAYS)
TEST_NAMES = {
    "welch": N_("Welch's t-test"),
    "hours": N_("chi-square test of active hours"),
    "weekdays": N_("chi-square test of weekend activity"),
    "category": N_("two-proportion z-test"),
}


def _bar(rows, title: str, x_title: str, label: str, attribute: str = "") -> alt.Chart:
    """A horizontal bar chart of a mix: share per category, users in the tooltip.

    ``title``, ``x_title`` and ``label`` are shown as given (translate before);
    ``attribute`` names the mix so PersonaLab's own category values are translated.
    """
    frame = pd.DataFrame(rows, columns=["category", "share", "users"])
    frame["category"] = [category_word(attribute, c) for c in frame["category"]]
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title=x_title, axis=alt.Axis(format="%")),
            y=alt.Y("category:N", title=label, sort="-x"),
            tooltip=[
                alt.Tooltip("category:N", title=label),
                alt.Tooltip("share:Q", title=tr("Share of users"), format=".1%"),
                alt.Tooltip("users:Q", title=tr("users")),
            ],
        )
    )


def _trait_headers() -> dict[str, str]:
    """The trait table's column headers in the current language."""
    return {
        "trait": tr("trait"),
        "feature": tr("feature"),
        "group": tr("group"),
        "everyone": tr("everyone"),
        "lift": tr("lift"),
        "effect size": tr("effect size"),
        "adjusted p": tr("adjusted p"),
        "test": tr("test"),
    }


def _kpi_headers() -> dict[str, str]:
    """The KPI table's column headers in the current language."""
    return {
        "KPI": tr("KPI"),
        "formula": tr("formula"),
        "this group": tr("this group"),
        "all users": tr("all users"),
    }


def _p_text(p: float) -> str:
    """An adjusted p-value to three decimals, tiny ones as '< 0.001'."""
    if p is None or not math.isfinite(p):
        return tr("n/a")
    return "< 0.001" if p < 0.001 else fmt.number(p, 3)


#: Event types as a chart shows them (the canonical event types stay keys in data).
EVENT_WORDS = {
    "view": N_("view"),
    "like": N_("like"),
    "comment": N_("comment"),
    "share": N_("share"),
    "save": N_("save"),
    "follow": N_("follow"),
    "click": N_("click"),
    "message": N_("message"),
    "register": N_("register"),
    "purchase": N_("purchase"),
}


def _event_word(event: str) -> str:
    """An event type as a reader sees it."""
    return tr(EVENT_WORDS[event]) if event in EVENT_WORDS else event


def _format_word(fmt_key: str) -> str:
    """A content format as a reader sees it ('short video' / '短视频')."""
    label = FORMAT_LABELS.get(str(fmt_key))
    return tr(label) if label else str(fmt_key)


def heatmap_chart(card) -> alt.Chart | None:
    """Weekday x hour activity of the segment (hidden cells left blank)."""
    days = [tr(d) for d in WEEKDAYS]
    rows = [(days[w], h, e) for w, h, e in card.heatmap if e is not None]
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["weekday", "hour", "events"])
    return (
        alt.Chart(frame, title=tr("When this group is active (events per weekday and hour)"))
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=tr("Hour of day (0-23, local time of the data)")),
            y=alt.Y("weekday:O", title=tr("Weekday"), sort=days),
            color=alt.Color("events:Q", title=tr("Events (count)"), scale=alt.Scale(scheme="reds")),
            tooltip=[
                alt.Tooltip("weekday:N", title=tr("Weekday")),
                alt.Tooltip("hour:O", title=tr("Hour")),
                alt.Tooltip("events:Q", title=tr("events")),
            ],
        )
        .properties(height=220)
    )


def render_detail(card, name: str, kpi_table: pd.DataFrame | None) -> None:
    """The detail tabs for one persona card."""
    st.subheader(escape_markdown(name))
    st.caption(
        tr(
            "Segment {segment} · {users} users · {share} of everyone",
            segment=escape_markdown(card.segment),
            users=fmt.number(card.size),
            share=fmt.percent(card.share),
        )
    )
    if card.is_hidden:
        st.info(card.hidden[0])
        return
    tabs = st.tabs(
        [
            tr("Activity"),
            tr("Who they are"),
            tr("Comments"),
            tr("What makes them different"),
            tr("KPIs"),
            tr("Actions"),
        ]
    )
    with tabs[0]:
        chart = heatmap_chart(card)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
        else:
            st.caption(tr("No activity-hour data for this group."))
        left, right = st.columns(2)
        if card.platform_mix:
            left.altair_chart(
                _bar(
                    card.platform_mix,
                    tr("Platform mix"),
                    tr("Share of the group's events (%)"),
                    tr("Platform"),
                    "top_platform",
                ),
                width="stretch",
            )
        if card.format_mix:
            right.altair_chart(
                _bar(
                    [(_format_word(c), s, u) for c, s, u in card.format_mix],
                    tr("Content-format mix"),
                    tr("Share of the group's events (%)"),
                    tr("Format"),
                ),
                width="stretch",
            )
        if card.engagement:
            eng = pd.DataFrame(
                sorted(
                    ((_event_word(k), v) for k, v in card.engagement.items()), key=lambda kv: -kv[1]
                ),
                columns=["event type", "per user"],
            )
            st.altair_chart(
                alt.Chart(eng, title=tr("Engagement per event type (average events per user)"))
                .mark_bar()
                .encode(
                    x=alt.X("per user:Q", title=tr("Events per user (count)")),
                    y=alt.Y("event type:N", title=tr("Event type"), sort="-x"),
                    tooltip=[
                        alt.Tooltip("event type:N", title=tr("Event type")),
                        alt.Tooltip("per user:Q", title=tr("Events per user"), format=",.2f"),
                    ],
                ),
                width="stretch",
            )
    with tabs[1]:
        left, right = st.columns(2)
        if card.lifecycle_mix:
            left.altair_chart(
                _bar(
                    card.lifecycle_mix,
                    tr("Lifecycle stage"),
                    tr("Share of the group's users (%)"),
                    tr("Stage"),
                    "lifecycle_stage",
                ),
                width="stretch",
            )
        if card.value_mix:
            right.altair_chart(
                _bar(
                    card.value_mix,
                    tr("Value tier (spend)"),
                    tr("Share of the group's users (%)"),
                    tr("Tier"),
                    "value_tier",
                ),
                width="stretch",
            )
        cols = st.columns(2)
        for i, (attr, rows) in enumerate(card.demographics.items()):
            cols[i % 2].altair_chart(
                _bar(
                    rows[:10],
                    attribute_label(attr),
                    tr("Share of the group's users (%)"),
                    attribute_label(attr),
                    attr,
                ),
                width="stretch",
            )
        if card.hidden:
            st.caption(
                tr("Hidden for privacy: {what}", what=escape_markdown(tr("; ").join(card.hidden)))
            )
    with tabs[2]:
        if card.sentiment and card.sentiment.get("score") is not None:
            s = card.sentiment
            c = st.columns(3)
            c[0].metric(
                tr("Comment sentiment (-1 to +1)"),
                ("+" if s["score"] >= 0 else "") + fmt.number(s["score"], 2),
                help=tr("Simple word-list baseline: positive minus negative words per comment."),
            )
            c[1].metric(tr("Positive comments"), fmt.percent(s["positive_share"]))
            c[2].metric(tr("Negative comments"), fmt.percent(s["negative_share"]))
            st.caption(
                ntr(
                    "From the {n} most recent comment of this group.",
                    "From the {n} most recent comments of this group.",
                    s["n_comments"],
                    n=fmt.number(s["n_comments"]),
                )
            )
        if card.comment_words:
            words = pd.DataFrame(card.comment_words, columns=["word", "count"])
            st.altair_chart(
                alt.Chart(words, title=tr("Top comment words"))
                .mark_bar()
                .encode(
                    x=alt.X("count:Q", title=tr("Times used (count)")),
                    y=alt.Y("word:N", title=tr("Word"), sort="-x"),
                    tooltip=[
                        alt.Tooltip("word:N", title=tr("Word")),
                        alt.Tooltip("count:Q", title=tr("Times used (count)")),
                    ],
                ),
                width="stretch",
            )
        if not card.comment_words and not card.sentiment:
            st.caption(tr("No comment text for this group."))
    with tabs[3]:
        rows = [
            {
                "trait": t.phrase,
                "feature": feature_label(t.feature),
                "group": t.value,
                "everyone": t.population_value,
                "lift": t.lift,
                "effect size": t.effect_size,
                "adjusted p": _p_text(t.p_adjusted),
                "test": tr(TEST_NAMES[t.test]) if t.test in TEST_NAMES else t.test,
            }
            for t in card.traits
        ]
        category_test = TEST_NAMES["category"]
        category_test = tr(category_test)
        rows += [
            {
                "trait": c.phrase,
                "feature": attribute_label(c.attribute),
                "group": c.share,
                "everyone": c.population_share,
                "lift": c.lift,
                "effect size": c.effect_size,
                "adjusted p": _p_text(c.p_adjusted),
                "test": category_test,
            }
            for c in card.category_traits
        ]
        if rows:
            st.dataframe(
                pd.DataFrame(rows).rename(columns=_trait_headers()),
                hide_index=True,
                width="stretch",
            )
        else:
            st.caption(tr("Nothing about this group differs clearly from everyone else."))
        st.caption(
            tr(
                "Only differences that pass a test against the other users are shown. Every test "
                "of every card is corrected together (Benjamini-Hochberg, 5 %), and a difference "
                "also has to be large enough to matter (effect size at least 0.2 and 20 % away "
                "from the average). Lift = group / everyone. Effect size: Cohen's d for numbers, "
                "Cohen's h for shares."
            )
        )
    with tabs[4]:
        rows = []
        for k in KPIS:
            row = {"KPI": k.name, "formula": k.formula}
            if k.sql is None:
                row["this group"] = tr("needs {what}", what=k.needs)
                row["all users"] = ""
            elif k.key in CAMPAIGN_KPIS:
                row["this group"] = tr("per campaign: Explore → KPIs → Campaign targeting")
                row["all users"] = ""
            else:
                row["this group"] = format_kpi_value(k.key, card.kpis.get(k.key))
                if kpi_table is not None and ALL_USERS in kpi_table.index:
                    row["all users"] = format_kpi_value(k.key, kpi_table.loc[ALL_USERS, k.key])
            rows.append(row)
        st.dataframe(
            pd.DataFrame(rows).rename(columns=_kpi_headers()),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            tr(
                "Rates use exposures (view events) as the denominator. Retention and "
                "stickiness use the last 30 days."
            )
        )
    with tabs[5]:
        for i, rec in enumerate(card.recommendations, 1):
            st.markdown(
                tr(
                    "{i}. **{action}** — why: {reason}",
                    i=fmt.number(i),
                    action=escape_markdown(rec.action),
                    reason=escape_markdown(rec.reason),
                )
            )
        if not card.recommendations:
            st.caption(tr(playbook.NO_ACTION_NOTE))
        platforms = tr("; ").join(card.best_platforms) or tr(playbook.NO_PLATFORM_NOTE)
        st.markdown(tr("**Best platforms:** {platforms}", platforms=escape_markdown(platforms)))
        times = tr("; ").join(card.best_times) or tr(playbook.NO_WINDOW_NOTE)
        st.markdown(tr("**Best posting times:** {times}", times=escape_markdown(times)))
        st.info(card.contact_note)
