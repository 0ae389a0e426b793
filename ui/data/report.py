"""Data page: the validation report of a dataset (metrics, charts, rejected rows)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.data import open_dataset, read_rejected
from core.export import safe_csv


@st.cache_data(show_spinner=False, max_entries=8)
def _rejected(path: str, dataset_id: str) -> pd.DataFrame:
    return read_rejected(open_dataset(path))


def _height(counts: dict) -> int:
    return max(160, 34 * len(counts))


def _bar(counts: dict, what: str, title: str) -> alt.Chart:
    frame = pd.DataFrame({what: list(counts), "events": list(counts.values())})
    return (
        alt.Chart(frame, title=title)
        .mark_bar(color="#d6336c")
        .encode(
            x=alt.X("events:Q", title="Events (count)", axis=alt.Axis(tickMinStep=1, format=",d")),
            y=alt.Y(f"{what}:N", sort="-x", title=what.replace("_", " ").capitalize()),
            tooltip=[alt.Tooltip(f"{what}:N"), alt.Tooltip("events:Q", format=",")],
        )
        .properties(height=_height(counts))
    )


def render_report(dataset, *, label: str) -> None:
    """Show what was loaded, rejected and done to personal data for ``dataset``."""
    r = dataset.report
    st.subheader(f"Validation report: {escape_markdown(label)}")
    # Two rows of three: six columns cut a count of millions ("1,000,...").
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric("Rows read", f"{r.rows_read:,}")
    cols[1].metric("Events loaded", f"{r.rows_loaded:,}")
    cols[2].metric("Users", f"{r.users:,}")
    cols[3].metric(
        "Duplicate rows",
        f"{r.duplicate_rows:,}",
        help="Rows repeated exactly (same user, time, type and every other loaded field). "
        + ("They were removed." if r.duplicates_removed else "They were kept as real events."),
    )
    cols[4].metric("Rows rejected", f"{r.rows_rejected:,}")
    cols[5].metric("Days covered", f"{(r.date_max - r.date_min).days + 1:,}")
    st.caption(escape_markdown(r.summary()))  # the same sentence the command line prints
    st.caption(
        f"Events from {r.date_min:%Y-%m-%d %H:%M} to {r.date_max:%Y-%m-%d %H:%M}"
        + (f" · {r.user_rows:,} rows of user attributes" if r.user_rows else "")
        + (f" · read as {escape_markdown(r.encoding)}" if r.encoding else "")
        + (
            f" · dates read as: {escape_markdown(', '.join(r.timestamp_formats))}"
            if r.timestamp_formats
            else ""
        )
    )
    for warning in r.warnings:
        st.warning(escape_markdown(warning))
    if r.privacy_actions:
        st.info(
            "**Personal data protected before saving:**\n\n"
            + "\n".join(f"- {escape_markdown(a)}" for a in r.privacy_actions)
        )
    else:
        st.caption("No personal data (names, emails, phone or ID numbers) was found.")

    left, right = st.columns(2)
    if r.event_type_counts:
        left.altair_chart(
            _bar(r.event_type_counts, "event_type", "Events by type"),
            width="stretch",
            height=_height(r.event_type_counts) + 60,
        )
    if r.platform_counts:
        right.altair_chart(
            _bar(r.platform_counts, "platform", "Events by platform"),
            width="stretch",
            height=_height(r.platform_counts) + 60,
        )
    else:
        right.caption("No platform column: map one to compare platforms.")

    with st.expander("Column mapping used"):
        rows = [{"column in file": c, "used as": f} for c, f in r.mapping.items()]
        rows += [{"column in file": c, "used as": "(not used)"} for c in r.unmapped_columns]
        rows += [
            {"column in file": f"users: {c}", "used as": f} for c, f in r.users_mapping.items()
        ]
        rows += [
            {"column in file": f"users: {c}", "used as": "custom attribute"}
            for c in r.custom_user_columns
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    if not r.rejected_by_reason:
        st.success("Every row passed the checks.")
        return
    st.markdown("**Rejected rows and why**")
    reasons = pd.DataFrame(
        {"reason": list(r.rejected_by_reason), "rows": list(r.rejected_by_reason.values())}
    )
    st.dataframe(reasons, hide_index=True, width="content")
    rejected = _rejected(str(dataset.path), dataset.dataset_id)
    st.download_button(
        f"Download a sample of rejected rows ({len(rejected):,} rows, CSV)",
        data=safe_csv(rejected),
        file_name=f"rejected_{dataset.dataset_id}.csv",
        mime="text/csv",
        key="data_download_rejected",
        on_click="ignore",
    )
