"""The address bar as a permalink: ``?ws=<workspace>&ds=<dataset>&run=<run>&lang=<language>``.

The URL carries the workspace, dataset and run (re-written on every run, because
Streamlit clears the query string on a page switch), so reload, back/forward and a
pasted link land on the same view; the page itself is the URL path (``/segment``).
The Experiments page adds ``experiment=<id>`` for the saved experiment it shows
(:func:`set_experiment_param`).
"""

from __future__ import annotations

import streamlit as st

from core import i18n
from ui.common.datasets import is_sample
from ui.common.language import LANG_PARAM
from ui.common.session import (
    DATASET_KEY,
    DS_PARAM,
    EXPERIMENT_PARAM,
    RUN_KEY,
    RUN_PARAM,
    WS_KEY,
    WS_PARAM,
)

__all__ = ["sync_url", "history_guard", "set_experiment_param"]


def sync_url() -> None:
    """Write ``ws``, ``ds``, ``run`` and ``lang`` of this session into the address bar.

    Streamlit clears query parameters when the visitor switches page, so this runs on
    every script run (sidebar) and right after a save; the address bar is then always a
    permalink of the current view. Other parameters are left alone.

    All four are written in one assignment: every ``st.query_params`` change is one
    message to the browser, and the browser adds a history entry per message (see
    :func:`history_guard` for why those entries are replaced rather than added).
    """
    try:
        ds = st.session_state.get(DATASET_KEY)
        run = st.session_state.get(RUN_KEY)
        wanted = {
            WS_PARAM: st.session_state.get(WS_KEY),
            DS_PARAM: None if ds is None or is_sample(ds) else ds.dataset_id,
            RUN_PARAM: run.run_id if run is not None and run.version else None,
            # a pasted permalink opens in the language it was copied in
            LANG_PARAM: i18n.current(),
        }
        current = {k: st.query_params.get_all(k) for k in st.query_params}
        target = {k: v for k, v in current.items() if k not in wanted}
        target.update({k: [v] for k, v in wanted.items() if v})
        if target != current:
            st.query_params.from_dict(target)
    except Exception:  # the address bar is a convenience; never break a page over it
        pass


def set_experiment_param(experiment_id: str | None) -> None:
    """Point ``?experiment=`` at a saved experiment (None removes it), with the workspace.

    Only the Experiments page calls this; Streamlit drops the parameter when the visitor
    switches page, so other pages never carry it. One assignment, as in :func:`sync_url`.
    """
    try:
        current = {k: st.query_params.get_all(k) for k in st.query_params}
        target = {k: v for k, v in current.items() if k != EXPERIMENT_PARAM}
        if experiment_id:
            target[EXPERIMENT_PARAM] = [experiment_id]
            ws = st.session_state.get(WS_KEY)
            if ws:
                target[WS_PARAM] = [ws]
        if target != current:
            st.query_params.from_dict(target)
    except Exception:  # the address bar is a convenience; never break a page over it
        pass


# Why this script: Streamlit's browser side adds a history entry (pushState) for every
# change of the query string a script makes, unless the run itself came from Back or
# Forward. A sidebar page switch first adds ``/segment`` (Streamlit drops the query
# string on a page switch) and then sync_url() writes ``?ws=..&ds=..&run=..``: two
# entries for one page, so Back landed on the same page once. Streamlit has no option
# for "replace, do not push" (only widgets bound with bind="query-params" keep their
# parameter across a page switch, and their URL value is the label shown, not an id),
# so this small script turns a push that changes only the query string of the current
# path into a replace. Page switches (a new path) still push, so Back and Forward step
# through pages, each entry carrying its permalink. It contains no user data.
_HISTORY_GUARD = """<script>
(function () {
  if (window.__personalabHistoryGuard) { return; }
  window.__personalabHistoryGuard = true;
  var history = window.history;
  var push = history.pushState.bind(history);
  history.pushState = function (data, title, url) {
    try {
      var next = new URL(url, window.location.href);
      if (next.pathname === window.location.pathname) {
        return history.replaceState(data, title, url);
      }
    } catch (e) { /* fall through to a normal push */ }
    return push(data, title, url);
  };
})();
</script>"""


def history_guard() -> None:
    """Keep one browser-history entry per page visit (see ``_HISTORY_GUARD``).

    Drawn in the sidebar of every page; the script installs itself once per tab.
    """
    with st.container(key="pl_history_guard"):
        st.html(_HISTORY_GUARD, unsafe_allow_javascript=True)
    # The element is empty; keep it from taking a line in the sidebar.
    st.html("<style>.st-key-pl_history_guard{display:none}</style>")
