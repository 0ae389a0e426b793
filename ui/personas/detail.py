"""Detail view of one persona: activity heatmap, mixes, demographics, comments, KPIs, actions."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.personas import (
    ALL_USERS,
    CAMPAIGN_KPIS,
    KPIS,
    attribute_label,
    feature_label,
    format_kpi_value,
    playbook,
)

WEEKDAYS = list(playbook.WEEKDAYS)
TEST_NAMES = {
    "welch": "Welch's t-test",
    "hours": "chi-square test of active hours",
    "weekdays": "chi-square test of weekend activity",
    "category": "two-proportion z-test",
}


def _bar(rows, title: str, x_title: str, label: str = "Category") -> alt.Chart:
    """A horizontal bar chart of a mix: share per category, users in the tooltip."""
    frame = pd.DataFrame(rows, columns=["category", "share", "users"])
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title=x_title, axis=alt.Axis(format="%")),
            y=alt.Y("category:N", title=label, sort="-x"),
            tooltip=[
                alt.Tooltip("category:N", title=label),
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("users:Q", title="users"),
            ],
        )
    )


def heatmap_chart(card) -> alt.Chart | None:
    """Weekday x hour activity of the segment (hidden cells left blank)."""
    rows = [(WEEKDAYS[w], h, e) for w, h, e in card.heatmap if e is not None]
    if not rows:
        return None
    frame = pd.DataFrame(rows, columns=["weekday", "hour", "events"])
    return (
        alt.Chart(frame, title="When this group is active (events per weekday and hour)")
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title="Hour of day (0-23, local time of the data)"),
            y=alt.Y("weekday:O", title="Weekday", sort=WEEKDAYS),
            color=alt.Color("events:Q", title="Events (count)", scale=alt.Scale(scheme="reds")),
            tooltip=["weekday:N", "hour:O", alt.Tooltip("events:Q", title="events")],
        )
        .properties(height=220)
    )


def render_detail(card, name: str, kpi_table: pd.DataFrame | None) -> None:
    """The detail tabs for one persona card."""
    st.subheader(escape_markdown(name))
    st.caption(
        f"Segment {escape_markdown(card.segment)} · {card.size:,} users · {card.share:.0%} of everyone"
    )
    if card.is_hidden:
        st.info(card.hidden[0])
        return
    tabs = st.tabs(
        ["Activity", "Who they are", "Comments", "What makes them different", "KPIs", "Actions"]
    )
    with tabs[0]:
        chart = heatmap_chart(card)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
        else:
            st.caption("No activity-hour data for this group.")
        left, right = st.columns(2)
        if card.platform_mix:
            left.altair_chart(
                _bar(
                    card.platform_mix, "Platform mix", "Share of the group's events (%)", "Platform"
                ),
                width="stretch",
            )
        if card.format_mix:
            right.altair_chart(
                _bar(
                    card.format_mix,
                    "Content-format mix",
                    "Share of the group's events (%)",
                    "Format",
                ),
                width="stretch",
            )
        if card.engagement:
            eng = pd.DataFrame(
                sorted(card.engagement.items(), key=lambda kv: -kv[1]),
                columns=["event type", "per user"],
            )
            st.altair_chart(
                alt.Chart(eng, title="Engagement per event type (average events per user)")
                .mark_bar()
                .encode(
                    x=alt.X("per user:Q", title="Events per user (count)"),
                    y=alt.Y("event type:N", title="Event type", sort="-x"),
                ),
                width="stretch",
            )
    with tabs[1]:
        left, right = st.columns(2)
        if card.lifecycle_mix:
            left.altair_chart(
                _bar(
                    card.lifecycle_mix, "Lifecycle stage", "Share of the group's users (%)", "Stage"
                ),
                width="stretch",
            )
        if card.value_mix:
            right.altair_chart(
                _bar(
                    card.value_mix, "Value tier (spend)", "Share of the group's users (%)", "Tier"
                ),
                width="stretch",
            )
        cols = st.columns(2)
        for i, (attr, rows) in enumerate(card.demographics.items()):
            cols[i % 2].altair_chart(
                _bar(
                    rows[:10],
                    attribute_label(attr),
                    "Share of the group's users (%)",
                    attribute_label(attr),
                ),
                width="stretch",
            )
        if card.hidden:
            st.caption("Hidden for privacy: " + escape_markdown("; ".join(card.hidden)))
    with tabs[2]:
        if card.sentiment and card.sentiment.get("score") is not None:
            s = card.sentiment
            c = st.columns(3)
            c[0].metric(
                "Comment sentiment (-1 to +1)",
                f"{s['score']:+.2f}",
                help="Simple word-list baseline: positive minus negative words per comment.",
            )
            c[1].metric("Positive comments", f"{s['positive_share']:.0%}")
            c[2].metric("Negative comments", f"{s['negative_share']:.0%}")
            st.caption(f"From the {s['n_comments']:,} most recent comments of this group.")
        if card.comment_words:
            words = pd.DataFrame(card.comment_words, columns=["word", "count"])
            st.altair_chart(
                alt.Chart(words, title="Top comment words")
                .mark_bar()
                .encode(
                    x=alt.X("count:Q", title="Times used (count)"),
                    y=alt.Y("word:N", title="Word", sort="-x"),
                ),
                width="stretch",
            )
        if not card.comment_words and not card.sentiment:
            st.caption("No comment text for this group.")
    with tabs[3]:
        rows = [
            {
                "trait": t.phrase,
                "feature": feature_label(t.feature),
                "group": t.value,
                "everyone": t.population_value,
                "lift": t.lift,
                "effect size": t.effect_size,
                "adjusted p": t.p_adjusted,
                "test": TEST_NAMES.get(t.test, t.test),
            }
            for t in card.traits
        ]
        rows += [
            {
                "trait": c.phrase,
                "feature": attribute_label(c.attribute),
                "group": c.share,
                "everyone": c.population_share,
                "lift": c.lift,
                "effect size": c.effect_size,
                "adjusted p": c.p_adjusted,
                "test": TEST_NAMES["category"],
            }
            for c in card.category_traits
        ]
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        else:
            st.caption("Nothing about this group differs clearly from everyone else.")
        st.caption(
            "Only differences that pass a test against the other users are shown. Every test "
            "of every card is corrected together (Benjamini-Hochberg, 5 %), and a difference "
            "also has to be large enough to matter (effect size at least 0.2 and 20 % away "
            "from the average). Lift = group / everyone. Effect size: Cohen's d for numbers, "
            "Cohen's h for shares."
        )
    with tabs[4]:
        rows = []
        for k in KPIS:
            row = {"KPI": k.name, "formula": k.formula}
            if k.sql is None:
                row["this group"] = f"needs {k.needs}"
                row["all users"] = ""
            elif k.key in CAMPAIGN_KPIS:
                row["this group"] = "per campaign: Explore → KPIs → Campaign targeting"
                row["all users"] = ""
            else:
                row["this group"] = format_kpi_value(k.key, card.kpis.get(k.key))
                if kpi_table is not None and ALL_USERS in kpi_table.index:
                    row["all users"] = format_kpi_value(k.key, kpi_table.loc[ALL_USERS, k.key])
            rows.append(row)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(
            "Rates use exposures (view events) as the denominator. Retention and stickiness use the last 30 days."
        )
    with tabs[5]:
        for i, rec in enumerate(card.recommendations, 1):
            st.markdown(
                f"{i}. **{escape_markdown(rec.action)}** — why: {escape_markdown(rec.reason)}"
            )
        if not card.recommendations:
            st.caption(playbook.NO_ACTION_NOTE)
        platforms = "; ".join(card.best_platforms) or playbook.NO_PLATFORM_NOTE
        st.markdown("**Best platforms:** " + escape_markdown(platforms))
        times = "; ".join(card.best_times) or playbook.NO_WINDOW_NOTE
        st.markdown("**Best posting times:** " + escape_markdown(times))
        st.info(card.contact_note)
