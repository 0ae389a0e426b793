"""Data page: the validation report of a dataset (metrics, charts, rejected rows)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.data import note_text, open_dataset, read_rejected, reason_text
from core.export import safe_csv
from core.i18n import fmt, ntr, tr
from ui.data.mapping import FIELD_LABELS


@st.cache_data(show_spinner=False, max_entries=8)
def _rejected(path: str, dataset_id: str) -> pd.DataFrame:
    # Untranslated: the reasons are translated where they are shown.
    return read_rejected(open_dataset(path))


def _height(counts: dict) -> int:
    return max(160, 34 * len(counts))


def _bar(counts: dict, axis_title: str, title: str) -> alt.Chart:
    """Events per value (an event type, a platform: data, shown as it is stored)."""
    frame = pd.DataFrame({"value": list(counts), "events": list(counts.values())})
    events_title = tr("Events (count)")
    return (
        alt.Chart(frame, title=title)
        .mark_bar(color="#d6336c")
        .encode(
            x=alt.X("events:Q", title=events_title, axis=alt.Axis(tickMinStep=1, format=",d")),
            y=alt.Y("value:N", sort="-x", title=axis_title),
            tooltip=[
                alt.Tooltip("value:N", title=axis_title),
                alt.Tooltip("events:Q", title=events_title, format=","),
            ],
        )
        .properties(height=_height(counts))
    )


def _field_label(field: str) -> str:
    """A canonical field as the mapping form names it (without the 'required' mark)."""
    label = FIELD_LABELS.get(field)
    return tr(label).split(" · ")[0] if label else field


def render_report(dataset, *, label: str) -> None:
    """Show what was loaded, rejected and done to personal data for ``dataset``."""
    r = dataset.report
    st.subheader(tr("Validation report: {name}", name=escape_markdown(label)))
    # Two rows of three: six columns cut a count of millions ("1,000,...").
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric(tr("Rows read"), fmt.number(r.rows_read))
    cols[1].metric(tr("Events loaded"), fmt.number(r.rows_loaded))
    cols[2].metric(tr("Users"), fmt.number(r.users))
    cols[3].metric(
        tr("Duplicate rows"),
        fmt.number(r.duplicate_rows),
        help=tr(
            "Rows repeated exactly (same user, time, type and every other loaded field). "
            "They were removed."
        )
        if r.duplicates_removed
        else tr(
            "Rows repeated exactly (same user, time, type and every other loaded field). "
            "They were kept as real events."
        ),
    )
    cols[4].metric(tr("Rows rejected"), fmt.number(r.rows_rejected))
    cols[5].metric(tr("Days covered"), fmt.number((r.date_max - r.date_min).days + 1))
    st.caption(escape_markdown(r.summary()))  # the same sentence the command line prints
    parts = [
        tr(
            "Events from {start} to {end}",
            start=f"{r.date_min:%Y-%m-%d %H:%M}",
            end=f"{r.date_max:%Y-%m-%d %H:%M}",
        )
    ]
    if r.user_rows:
        parts.append(
            ntr(
                "{n} row of user attributes",
                "{n} rows of user attributes",
                r.user_rows,
                n=fmt.number(r.user_rows),
            )
        )
    if r.encoding:
        parts.append(tr("read as {encoding}", encoding=escape_markdown(r.encoding)))
    if r.timestamp_formats:
        formats = tr(", ").join(reason_text(f) for f in r.timestamp_formats)
        parts.append(tr("dates read as: {formats}", formats=escape_markdown(formats)))
    st.caption(" · ".join(parts))
    for warning in r.warnings:
        st.warning(escape_markdown(note_text(warning)))
    if r.privacy_actions:
        st.info(
            "**"
            + tr("Personal data protected before saving:")
            + "**\n\n"
            + "\n".join(f"- {escape_markdown(note_text(a))}" for a in r.privacy_actions)
        )
    else:
        st.caption(tr("No personal data (names, emails, phone or ID numbers) was found."))

    left, right = st.columns(2)
    if r.event_type_counts:
        left.altair_chart(
            _bar(r.event_type_counts, tr("Event type"), tr("Events by type")),
            width="stretch",
            height=_height(r.event_type_counts) + 60,
        )
    if r.platform_counts:
        right.altair_chart(
            _bar(r.platform_counts, tr("Platform"), tr("Events by platform")),
            width="stretch",
            height=_height(r.platform_counts) + 60,
        )
    else:
        right.caption(tr("No platform column: map one to compare platforms."))

    with st.expander(tr("Column mapping used")):
        column, used = tr("Column in your file"), tr("Used as")
        users = tr("users file")
        rows = [{column: c, used: _field_label(f)} for c, f in r.mapping.items()]
        rows += [{column: c, used: tr("(not used)")} for c in r.unmapped_columns]
        rows += [
            {column: f"{users}: {c}", used: _field_label(f)} for c, f in r.users_mapping.items()
        ]
        rows += [
            {column: f"{users}: {c}", used: tr("custom attribute")} for c in r.custom_user_columns
        ]
        st.dataframe(pd.DataFrame(rows, columns=[column, used]), hide_index=True, width="stretch")

    if not r.rejected_by_reason:
        st.success(tr("Every row passed the checks."))
        return
    st.markdown("**" + tr("Rejected rows and why") + "**")
    reasons = pd.DataFrame(
        {
            tr("Reason"): [reason_text(k) for k in r.rejected_by_reason],
            tr("Rows"): [fmt.number(v) for v in r.rejected_by_reason.values()],
        }
    )
    st.dataframe(reasons, hide_index=True, width="content")
    rejected = _rejected(str(dataset.path), dataset.dataset_id)
    st.download_button(
        tr("Download a sample of rejected rows ({n} rows, CSV)", n=fmt.number(len(rejected))),
        # The columns keep their names (a data file); the reason is written for the reader.
        data=safe_csv(rejected.assign(reason=rejected["reason"].map(reason_text))),
        file_name=f"rejected_{dataset.dataset_id}.csv",
        mime="text/csv",
        key="data_download_rejected",
        on_click="ignore",
    )
