"""PersonaLab entry point: page config, shared sidebar, navigation. Nothing else."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from core import config
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.i18n import N_, fmt, ntr, tr
from ui import share, workshop
from ui.common import auth, language, state

st.set_page_config(page_title="PersonaLab", page_icon=":busts_in_silhouette:", layout="wide")
language.install()
language.choose()  # this tab's language: its switch, the link, the cookie, the browser

#: Page files are found next to this file, not in the working directory, so
#: ``streamlit run /path/to/app.py`` works from any folder.
ROOT = Path(__file__).resolve().parent

#: Page file, title in the navigation and the browser tab (translated when drawn), icon.
PAGES = [
    ("app_pages/home.py", N_("Start"), ":material/home:"),
    ("app_pages/data.py", N_("Data"), ":material/upload_file:"),
    ("app_pages/explore.py", N_("Explore"), ":material/monitoring:"),
    ("app_pages/segment.py", N_("Segment"), ":material/tune:"),
    ("app_pages/map.py", N_("Map"), ":material/scatter_plot:"),
    ("app_pages/personas.py", N_("Personas"), ":material/groups:"),
    ("app_pages/experiments.py", N_("Experiments"), ":material/science:"),
    ("app_pages/workshop.py", N_("Workshop"), ":material/co_present:"),
]
#: Pages a workshop participant does not get (the facilitator's board).
FACILITATOR_PAGES = {"app_pages/workshop.py"}


@st.cache_resource
def _warm_up_map_engine() -> threading.Thread:
    """Compile UMAP's numba code once per server process, in the background."""

    def _warm() -> None:
        """Compile, ignoring any failure."""
        try:
            # Imported here, in the background thread: it loads UMAP and numba.
            from core.segments.projection import warm_up

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
        st.error(escape_markdown(exc))
        return
    report = ds.report
    st.caption(tr("Dataset: **{name}**", name=escape_markdown(state.dataset_label(ds))))
    st.caption(
        tr(
            "{users} · {events} · {start} to {end}",
            users=ntr("{n} user", "{n} users", report.users, n=fmt.number(report.users)),
            events=ntr(
                "{n} event", "{n} events", report.rows_loaded, n=fmt.number(report.rows_loaded)
            ),
            start=fmt.date(report.date_min),
            end=fmt.date(report.date_max),
        )
    )
    run = state.current_run()
    if run is None:
        st.caption(tr("No saved segmentation yet: tune one on the Segment page."))
    else:
        n_segments = int(run.labels.nunique())
        st.caption(
            ntr(
                "Segmentation run `{run}` · {n} segment",
                "Segmentation run `{run}` · {n} segments",
                n_segments,
                run=run.run_id,
                n=fmt.number(n_segments),
            )
        )


pages = [
    st.Page(ROOT / path, title=tr(title), icon=icon, default=(i == 0))
    for i, (path, title, icon) in enumerate(PAGES)
    if (ROOT / path).exists()
]
participant_pages = [
    p for p, (path, _, _) in zip(pages, PAGES, strict=False) if path not in FACILITATOR_PAGES
]
# A share link shows one saved run read-only, and nothing else (ui.share); a server with
# a password or OIDC login shows only the login screen until it is passed (ui.common.auth).
# The pages are registered hidden (so any page URL resolves, no "page not found") but none
# of them runs.
if share.share_token():
    st.navigation(pages, position="hidden")
    language.switch(where="main")
    share.render_shared_view()
    st.stop()
# A workshop join link (?join=) shows only the join form; a participant's tab (joined, or
# opened with a participant's own link) needs no server password: the join code let them
# in once and their workspace id is their key. After leaving, or once the workshop ended,
# the tab shows one sentence and nothing else (ui.workshop).
code = workshop.join_code()
if code:
    st.navigation(pages, position="hidden")
    language.switch(where="main")
    workshop.render_join_screen(code)
    st.stop()
if workshop.left_tab():
    st.navigation(pages, position="hidden")
    language.switch(where="main")
    workshop.render_left()
    st.stop()
participant = workshop.participant_tab()
if participant == "ended":
    st.navigation(pages, position="hidden")
    language.switch(where="main")
    workshop.render_ended()
    st.stop()
if participant is None and workshop.return_offer():
    st.navigation(pages, position="hidden")
    st.stop()
if participant is None and not auth.allowed():
    st.navigation(pages, position="hidden")
    state.forget_after_leaving()  # the next person at this laptop starts clean
    language.switch(where="main")
    auth.login_screen()
    st.stop()

if config.warm_up():  # tests switch it off
    _warm_up_map_engine()
_store = state.store()
if _store is not None:  # delete the work of ended workshops, once per server process
    workshop.sweep_once_per_process(_store, _store.url)
navigation = st.navigation(pages if participant is None else participant_pages)
# The browser tab names the page in the tab's language ("用户画像 · PersonaLab").
st.set_page_config(page_title=f"{navigation.title} · PersonaLab")
language.switch()  # first in the sidebar, under the page menu
# The dataset/run summary sits at the top of the sidebar. It is drawn before the page
# and drawn again after it, so saving a run on the Segment page shows up at once (a page
# that stops early keeps the first drawing; Streamlit draws nothing after st.stop).
summary = st.sidebar.empty()
with summary.container():
    _sidebar()
with st.sidebar:  # saved work: workspace / dataset / run pickers bound to the URL, sharing
    if participant is not None:
        workshop.participant_sidebar()
    state.saved_work_sidebar()
    share.share_controls()
    if participant is None:
        auth.account_controls()
        auth.remember_login()
workshop.welcome()  # a participant's first page after joining: their link, in the page
navigation.run()
with summary.container():
    _sidebar()
