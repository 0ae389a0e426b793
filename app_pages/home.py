"""Start page: what is loaded, and the four steps from raw events to personas and tests."""

from __future__ import annotations

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import fmt, tr
from ui.common import state

st.title("PersonaLab")
st.markdown(
    tr(
        "Turn social-media interactions into **customer segments**, readable **personas** "
        "with recommended actions, and **A/B test** verdicts per segment."
    )
)

try:
    dataset = state.current_dataset()
except DataError as exc:
    st.error(escape_markdown(exc))
    st.page_link("app_pages/data.py", label=tr("Load a dataset"), icon=":material/upload_file:")
    st.stop()

report = dataset.report
if state.is_sample(dataset):
    st.info(
        tr(
            "You are looking at the **bundled sample**: a brand's followers on WeChat, Weibo, "
            "Douyin, Xiaohongshu, Kuaishou, Instagram and Bilibili over 90 days. Six kinds of "
            "customers are hidden in it (quiet browsers, engaged fans, sharers with many "
            "followers, big spenders, bargain hunters and people who went quiet) plus a "
            "campaign A/B test. Follow the steps below to find them."
        )
    )
else:
    st.success(tr("Your dataset is loaded. Follow the steps below."))

cols = st.columns(4)
cols[0].metric(tr("Users"), fmt.number(report.users))
cols[1].metric(tr("Events"), fmt.number(report.rows_loaded))
cols[2].metric(tr("Platforms"), fmt.number(len(report.platform_counts)))
cols[3].metric(tr("Days covered"), fmt.number((report.date_max - report.date_min).days + 1))

st.subheader(tr("Four steps"))
steps = [
    (
        "app_pages/data.py",
        tr("1. Data"),
        ":material/upload_file:",
        tr(
            "Use the sample or upload your own export (CSV, Excel, Parquet; Chinese column "
            "names are fine)."
        ),
    ),
    (
        "app_pages/explore.py",
        tr("2. Explore"),
        ":material/monitoring:",
        tr("See when people are active, which platforms and formats work, and the KPIs."),
    ),
    (
        "app_pages/segment.py",
        tr("3. Segment"),
        ":material/tune:",
        tr("Pick what matters, let PersonaLab suggest how many groups, save the segmentation."),
    ),
    (
        "app_pages/personas.py",
        tr("4. Personas"),
        ":material/groups:",
        tr(
            "Read each group as a persona card with the actions to take, then test them on "
            "Experiments."
        ),
    ),
]
for path, label, icon, text in steps:
    left, right = st.columns([1, 3])
    with left:
        st.page_link(path, label=label, icon=icon)
    right.write(text)
