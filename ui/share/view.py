"""Read-only share links: ``?share=<token>`` opens one saved run, nothing else.

A shared viewer sees that run's personas, segment sizes and saved experiment results.
There is no upload, no editing, no navigation to other pages and no other workspace:
``app.py`` routes a request carrying ``share`` to :func:`render_shared_view` alone.
Tokens are 256-bit random strings; the store keeps only their SHA-256 and compares with
``hmac.compare_digest``. Failed look-ups are counted per client and slowed down, so
guessing is hopeless and enumeration is not possible.
"""

from __future__ import annotations

import time
import urllib.parse

import altair as alt
import pandas as pd
import streamlit as st

from core.errors import DataError
from ui.common import auth, state

_LAST_LINK_KEY = "_pl_share_last"
INVALID_LINK = (
    "This share link is not valid, or it was revoked. Ask the person who sent it for a new link."
)


def share_token() -> str | None:
    """The ``share`` token in the URL, if any."""
    try:
        value = st.query_params.get(state.SHARE_PARAM)
    except Exception:
        return None
    return str(value) if value else None


def share_url(token: str) -> str:
    """The absolute link for a token, on this server (respects server.baseUrlPath)."""
    base = ""
    try:
        parts = urllib.parse.urlsplit(str(st.context.url or ""))
        if parts.scheme and parts.netloc:
            base = f"{parts.scheme}://{parts.netloc}"
    except Exception:
        pass
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = f"/{prefix}/" if prefix else "/"
    return f"{base}{path}?{urllib.parse.urlencode({state.SHARE_PARAM: token})}"


# --- the owner's side: create and revoke ----------------------------------------------------


def share_controls() -> None:
    """Sidebar: make a read-only link to the current run, list and revoke links."""
    s = state.store()
    run = state.current_run()
    ws = state.workspace_id()
    if s is None or run is None or ws is None or not run.version:
        return
    with st.expander("Share this segmentation", icon=":material/share:"):
        st.caption(
            "Anyone with the link can see these personas and experiment results, "
            "read-only. They cannot see your other work or change anything."
        )
        if st.button("Create a read-only link", key="share_create"):
            token, link = s.create_share_link(ws, run.run_id)
            st.session_state[_LAST_LINK_KEY] = (link.id, share_url(token))
        last = st.session_state.get(_LAST_LINK_KEY)
        links = [x for x in s.list_share_links(ws, run.run_id) if x.active]
        if last and any(x.id == last[0] for x in links):
            st.caption("Copy this link now; it is shown only once:")
            st.code(last[1], language=None)
        for link in links:
            cols = st.columns([3, 2])
            cols[0].caption(f"Link made {link.created_at.astimezone():%d %b %H:%M}")
            if cols[1].button("Revoke", key=f"share_revoke_{link.id}"):
                s.revoke_share_link(ws, link.id)
                st.session_state.pop(_LAST_LINK_KEY, None)
                st.rerun()


# --- the viewer's side ----------------------------------------------------------------------


@st.cache_data(max_entries=16, ttl=3600, show_spinner="Preparing the personas...")
def _personas_table(path: str, run_key: str, _labels: pd.Series, names: dict) -> pd.DataFrame:
    """One row per segment: name, users, share, top traits (cached per run version)."""
    labels = _labels
    sizes = labels.value_counts()
    rows = []
    traits: dict[str, str] = {}
    try:
        from core.data.engine import dataset_engine
        from core.personas.profiles import build_personas
        from core.segments import build_features

        engine = dataset_engine(path)
        feats = build_features(engine)
        for p in build_personas(feats, labels, engine=None):
            traits[p.segment] = "; ".join(p.trait_sentences(3))
    except (DataError, ImportError):
        pass
    for segment, size in sizes.items():
        rows.append(
            {
                "Segment": str(segment),
                "Persona": names.get(segment, str(segment)),
                "Users": int(size),
                "Share": float(size) / float(sizes.sum()),
                "What stands out": traits.get(segment, ""),
            }
        )
    return pd.DataFrame(rows)


def render_shared_view(token: str | None = None) -> None:
    """The whole page for a share link (no sidebar navigation, nothing editable)."""
    token = token or share_token()
    key = auth.client_key()
    delay = auth.failure_delay(key)
    if delay:
        time.sleep(delay)
    s = state.store()
    link = s.resolve_share_token(token) if (s is not None and token) else None
    record = s.get_run(link.workspace_id, link.run_id) if link is not None else None
    if record is None:
        auth.note_failure(key)
        st.title("PersonaLab")
        st.error(INVALID_LINK)
        return
    dataset = s.get_dataset(link.workspace_id, record.dataset_id)
    st.title("Shared personas")
    source = dataset.source_name if dataset is not None else "a dataset"
    st.caption(
        f"Read-only view of a segmentation of {state.escape_markdown(source)}, "
        f"saved {record.updated_at.astimezone():%d %b %Y %H:%M}. "
        f"{record.labels.size:,} users in {record.labels.nunique()} segments."
    )
    table = _personas_table(
        dataset.path if dataset is not None else "",
        f"{link.workspace_id}/{record.run_id}/{record.version}",
        record.labels,
        dict(record.names),
    )
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("Users:Q", title="Users (count)"),
            y=alt.Y("Persona:N", sort="-x", title=None),
            tooltip=["Persona", "Segment", "Users", alt.Tooltip("Share:Q", format=".1%")],
        )
        .properties(title="Segment sizes", height=max(120, 36 * len(table)))
    )
    st.altair_chart(chart, width="stretch")
    st.subheader("Personas")
    notes = {k: v for k, v in record.notes.items() if v}
    cols = st.columns(min(3, max(1, len(table))))
    for i, row in enumerate(table.itertuples(index=False)):
        with cols[i % len(cols)], st.container(border=True):
            st.markdown(f"#### {state.escape_markdown(row.Persona)}")
            st.caption(f"{row.Users:,} users · {row.Share:.0%} of everyone")
            if row[4]:
                traits = str(row[4]).split("; ")
                st.markdown("\n".join(f"- {state.escape_markdown(t)}" for t in traits))
            if notes.get(row.Segment):
                st.caption("Notes")
                st.text(notes[row.Segment])
    experiments = s.list_experiments(link.workspace_id, run_id=record.run_id)
    if experiments:
        st.subheader("Experiment results")
        for exp in experiments:
            st.markdown(f"**{state.escape_markdown(exp.name)}**")
            results = exp.results.get("results")
            if isinstance(results, list) and results:
                st.dataframe(pd.DataFrame(results), hide_index=True, width="stretch")
            else:
                st.json(exp.results, expanded=False)
    st.caption("This link shows one saved segmentation only. Nothing here can be changed.")
