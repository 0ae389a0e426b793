"""PersonaLab entry point: page config, shared sidebar, navigation. Nothing else."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from core import config
from core.errors import DataError
from ui.common import auth, state
from ui.share import view as share

st.set_page_config(page_title="PersonaLab", page_icon=":busts_in_silhouette:", layout="wide")

#: Page files are found next to this file, not in the working directory, so
#: ``streamlit run /path/to/app.py`` works from any folder.
ROOT = Path(__file__).resolve().parent

PAGES = [
    ("app_pages/home.py", "Start", ":material/home:"),
    ("app_pages/data.py", "Data", ":material/upload_file:"),
    ("app_pages/explore.py", "Explore", ":material/monitoring:"),
    ("app_pages/segment.py", "Segment", ":material/tune:"),
    ("app_pages/map.py", "Map", ":material/scatter_plot:"),
    ("app_pages/personas.py", "Personas", ":material/groups:"),
    ("app_pages/experiments.py", "Experiments", ":material/science:"),
]


@st.cache_resource
def _warm_up_map_engine() -> threading.Thread:
    """Compile UMAP's numba code once per server process, in the background."""

    def _warm() -> None:
        try:
            from core.segments import warm_up

            warm_up()
        except Exception:  # warming is an optimisation; the map still works without it
            pass

    thread = threading.Thread(target=_warm, name="umap-warm-up", daemon=True)
    thread.start()
    return thread


def _sidebar() -> None:
    """Dataset and saved-run summary at the top of the sidebar."""
    st.markdown("### PersonaLab")
    try:
        ds = state.current_dataset()
    except DataError as exc:
        st.error(state.escape_markdown(exc))
        return
    report = ds.report
    label = (
        "Bundled sample"
        if state.is_sample(ds)
        else (getattr(report, "source_name", None) or "Your data")
    )
    st.caption(f"Dataset: **{state.escape_markdown(label)}**")
    st.caption(
        f"{report.users:,} users · {report.rows_loaded:,} events · "
        f"{report.date_min:%Y-%m-%d} to {report.date_max:%Y-%m-%d}"
    )
    run = state.current_run()
    if run is None:
        st.caption("No saved segmentation yet: tune one on the Segment page.")
    else:
        st.caption(f"Segmentation run `{run.run_id}` · {run.labels.nunique()} segments")


pages = [
    st.Page(ROOT / path, title=title, icon=icon, default=(i == 0))
    for i, (path, title, icon) in enumerate(PAGES)
    if (ROOT / path).exists()
]
# A share link shows one saved run read-only, and nothing else (ui/share.py); a server
# with a password or OIDC login shows only the login screen until it is passed (ui/auth.py).
# The pages are registered hidden (so any page URL resolves, no "page not found") but none
# of them runs.
if share.share_token():
    st.navigation(pages, position="hidden")
    share.render_shared_view()
    st.stop()
if not auth.allowed():
    st.navigation(pages, position="hidden")
    auth.login_screen()
    st.stop()

if config.warm_up():  # tests switch it off
    _warm_up_map_engine()
navigation = st.navigation(pages)
# The dataset/run summary sits at the top of the sidebar. It is drawn before the page
# and drawn again after it, so saving a run on the Segment page shows up at once (a page
# that stops early keeps the first drawing; Streamlit draws nothing after st.stop).
summary = st.sidebar.empty()
with summary.container():
    _sidebar()
with st.sidebar:  # saved work: workspace / dataset / run pickers bound to the URL, sharing
    state.saved_work_sidebar()
    share.share_controls()
    auth.account_controls()
    auth.remember_login()
navigation.run()
with summary.container():
    _sidebar()
