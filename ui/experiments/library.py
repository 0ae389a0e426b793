"""Experiments page: save an experiment, list the workspace's, reopen, rename, delete.

A saved experiment keeps the table it was analysed on, its column roles, every setting
and its plan (:meth:`core.store.Store.save_experiment`). Reopening one puts the settings
back into the page's widgets and analyses the saved table again, so the page shows what
it showed when it was saved. The address bar carries ``?experiment=<id>`` (with the
workspace) while one is open, so a reload or a pasted link reopens it.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.common.markdown import escape_markdown
from core.errors import DataError
from core.experiments import guess_user_column, join_segments
from core.i18n import N_, fmt, ntr, tr
from core.store import ExperimentRecord, StoreError
from ui.common.permalink import set_experiment_param
from ui.common.session import EXPERIMENT_PARAM, query_param
from ui.experiments import planning
from ui.experiments import saved as saved_view
from ui.experiments.inputs import Choice

__all__ = [
    "OPEN_KEY",
    "SETTING_KEYS",
    "resolve_opened",
    "close",
    "opened_banner",
    "choice_of",
    "saved_list",
    "save_section",
]

OPEN_KEY = "exp_open"  # the opened ExperimentRecord (with its table)
_REQUEST_KEY = "exp_open_request"  # an id to open on the next run (set by callbacks)
_FLASH_KEY = "exp_flash"  # a success message shown once after a rerun
_LIST_MSG_KEY = "exp_list_msg"  # (kind, sentence) of the last rename or delete
#: Saved setting -> the widget that shows it.
SETTING_KEYS = {
    "engine": "exp_engine", "correction": "exp_correction", "ci": "exp_ci",
    "control": "exp_control", "cap_quantile": "exp_cap", "min_n_per_arm": "exp_min_n",
    "min_segment_users": "exp_min_seg", "tuning_n": "exp_tuning",
}  # fmt: skip
#: Columns the analysis reads as the user id (the names core's analysis looks for).
_NOT_FOUND = N_(
    "This experiment link does not open anything: there is no saved experiment with that "
    "id in this workspace (it may have been deleted, or belong to someone else)."
)


def _seed(record: ExperimentRecord) -> None:
    """Put a saved experiment's settings and plan into the page's widgets."""
    settings = record.settings
    for name, key in SETTING_KEYS.items():
        if name in settings and settings[name] is not None:
            value = settings[name]
            # whole numbers of users: the number inputs take ints (JSON may give floats)
            is_count = name in ("min_n_per_arm", "min_segment_users", "tuning_n")
            st.session_state[key] = int(value) if is_count else value
    st.session_state["exp_split"] = settings.get("planned_split") or ""
    st.session_state["exp_cap"] = settings.get("cap_quantile") or 0.0  # 0.0: no capping
    plan = settings.get("plan")
    for key in planning.PLAN_DEFAULTS:
        st.session_state.pop(key, None)
    st.session_state.pop("_exp_plan_kind_for", None)
    if plan:
        values = planning.plan_widget_values(plan)
        st.session_state.update(values)
        st.session_state["_exp_plan_kind_for"] = values.get("exp_plan_metric")
    else:
        st.session_state["exp_plan_on"] = False
    default = 2 * int(plan["n_per_arm"]) if plan and plan.get("n_per_arm") else 5000
    st.session_state["_exp_tuning_default"] = default
    if settings.get("tuning_n") is None:
        st.session_state["exp_tuning"] = default
    st.session_state["exp_save_name"] = record.name


def _open(store, ws: str | None, experiment_id: str) -> ExperimentRecord | None:
    """Load and open a saved experiment of this workspace; None when there is none."""
    record = store.get_experiment(ws, experiment_id) if store is not None and ws else None
    if record is None:
        return None
    st.session_state[OPEN_KEY] = record
    st.session_state["exp_pick"] = record.id  # the saved list points at it too
    _seed(record)
    return record


def resolve_opened(store, ws: str | None) -> tuple[ExperimentRecord | None, str | None]:
    """The experiment this page shows, from a click or the link; or a sentence why not.

    Returns ``(record, None)``, ``(None, None)`` when none is asked for, or
    ``(None, sentence)`` when the link's id is not a saved experiment of this workspace.
    """
    opened = st.session_state.get(OPEN_KEY)
    requested = st.session_state.pop(_REQUEST_KEY, None)
    wanted = requested or query_param(EXPERIMENT_PARAM)
    if opened is not None and opened.workspace_id != ws:
        # the visitor switched workspace: close it (its link belongs to the other one)
        opened = st.session_state[OPEN_KEY] = None
        wanted = requested
    if wanted and (opened is None or opened.id != wanted):
        opened = _open(store, ws, wanted)
        if opened is None:
            st.session_state.pop(OPEN_KEY, None)
            return None, tr(_NOT_FOUND)
    set_experiment_param(opened.id if opened is not None else None)
    return opened, None


def close() -> None:
    """Callback: stop showing a saved experiment (the link no longer points at it)."""
    st.session_state.pop(OPEN_KEY, None)
    set_experiment_param(None)


def _request(experiment_id: str) -> None:
    """Callback: open this saved experiment on the next run."""
    st.session_state[_REQUEST_KEY] = experiment_id


def opened_banner(record: ExperimentRecord) -> None:
    """The opened experiment's name, where its data came from, and a Close button."""
    with st.container(border=True):
        c1, c2 = st.columns([5, 1])
        inputs = record.inputs
        rows = inputs.get("rows")
        if isinstance(rows, int):
            what = ntr("{n} row", "{n} rows", rows, n=fmt.number(rows))
        else:
            what = tr("its data")
        if inputs.get("label"):
            what = tr("{rows} from {source}", rows=what, source=inputs["label"])
        c1.markdown(tr("**{name}** · saved experiment", name=escape_markdown(record.name)))
        c1.caption(
            escape_markdown(
                tr(
                    "Analysed again from the saved table ({what}), saved {when}. Change the "
                    "method or the plan below and save again, or close it to start a new "
                    "analysis.",
                    what=what,
                    when=fmt.datetime(record.created_at.astimezone(), "short"),
                )
            )
        )
        c2.button(tr("Close"), key="exp_close", on_click=close, icon=":material/close:")
    flash = st.session_state.pop(_FLASH_KEY, None)
    if flash:
        st.success(escape_markdown(flash), icon=":material/check_circle:")


def choice_of(record: ExperimentRecord) -> Choice | None:
    """The data choice of a saved experiment: its table and column roles."""
    if record.data is None:
        return None
    inputs = record.inputs
    if inputs.get("kind") == "totals":
        return Choice("totals", record.data, label=str(inputs.get("label", "")))
    return Choice(
        "users", record.data, variant_col=inputs.get("variant_col"),
        metrics=tuple(inputs.get("metrics") or ()), covariate=inputs.get("covariate"),
        segment_col=inputs.get("segment_col"), label=str(inputs.get("label", "")),
    )  # fmt: skip


def _table_to_save(choice: Choice, run) -> tuple:
    """The table to save, its column roles and the run it was broken down by."""
    if choice.kind == "totals":
        frame = choice.frame.dropna(how="all")
        return frame, {"kind": "totals"}, None
    frame, segment_col, run_id = choice.frame, choice.segment_col, None
    if choice.use_run and run is not None:
        names = {k: run.segment_name(k) for k in set(run.labels.astype(str))}
        frame = join_segments(frame, run.labels, names=names, name="saved_segment")
        segment_col = "saved_segment"
        run_id = run.run_id if run.version else None
    user_col = guess_user_column(frame)
    roles = [user_col, choice.variant_col, *choice.metrics, choice.covariate, segment_col]
    keep = list(dict.fromkeys(c for c in roles if c is not None))
    inputs = {
        "kind": "users", "variant_col": choice.variant_col, "metrics": list(choice.metrics),
        "covariate": choice.covariate, "segment_col": segment_col, "user_col": user_col,
    }  # fmt: skip
    return frame[keep], inputs, run_id


def save_section(store, workspace_id, choice: Choice, settings: dict, plan, result, run) -> None:
    """Name and save this experiment (over the opened one, or as a new one)."""
    st.markdown("#### " + tr("Save this experiment"))
    if store is None:
        st.caption(tr("Saving needs the app's database, which cannot be reached right now."))
        return
    opened = st.session_state.get(OPEN_KEY)
    st.session_state.setdefault("exp_save_name", opened.name if opened is not None else "")
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    name = c1.text_input(
        tr("Name"), key="exp_save_name", max_chars=200,
        placeholder=tr("e.g. Spring coupon test"),
    )  # fmt: skip
    update = c2.button(
        tr("Save changes") if opened is not None else tr("Save"), key="exp_save",
        type="primary", icon=":material/save:",
    )  # fmt: skip
    as_new = opened is not None and c3.button(tr("Save as new"), key="exp_save_new")
    st.caption(
        tr(
            "Saves the data as analysed (personal data such as emails hashed), the method, "
            "the plan and the results in this workspace; the address bar then links to it."
        )
    )
    if not (update or as_new):
        return
    problem = st.session_state.get("exp_plan_error")
    try:
        if problem:
            raise DataError(tr("The plan cannot be saved as it is: {problem}", problem=problem))
        if not str(name or "").strip():
            raise DataError(
                tr(
                    "Give the experiment a name before saving it (for example 'Spring coupon "
                    "test')."
                )
            )
        ws = workspace_id(create=True)
        if ws is None:
            raise DataError(tr("Saving needs the app's database, which cannot be reached now."))
        frame, inputs, run_id = _table_to_save(choice, run)
        inputs.update({"label": choice.label, "rows": int(len(frame))})
        saved = {**settings, "plan": plan.to_dict() if plan is not None else None}
        # personal-looking text is hashed value by value: about 3 s per 200,000 users
        with st.spinner(tr("Saving the experiment and its data...")):
            record = store.save_experiment(
                ws, name=name, inputs=inputs, settings=saved, results=result.to_dict(),
                run_id=run_id, data=frame,
                experiment_id=opened.id if opened is not None and not as_new else None,
            )  # fmt: skip
    except (DataError, StoreError) as exc:
        st.error(escape_markdown(exc))
        return
    st.session_state[_REQUEST_KEY] = record.id
    st.session_state.pop(OPEN_KEY, None)
    st.session_state[_FLASH_KEY] = tr(
        "Saved as '{name}'. The address bar now links to it.", name=record.name
    )
    st.rerun()


def saved_list(store, ws: str | None, opened: ExperimentRecord | None) -> None:
    """The workspace's saved experiments: open, rename or delete one."""
    experiments = store.list_experiments(ws) if store is not None and ws else []
    title = tr("Saved experiments ({count})", count=fmt.number(len(experiments)))
    with st.expander(title, expanded=False, icon=":material/folder_open:"):
        message = st.session_state.pop(_LIST_MSG_KEY, None)
        if message:
            (st.error if message[0] == "error" else st.success)(escape_markdown(message[1]))
        if not experiments:
            st.caption(
                tr(
                    "No experiment saved in this workspace yet: analyse one below and save it "
                    "under a name to find it here and share it."
                )
            )
            return
        labels = {
            e.id: f"{e.name} · {fmt.datetime(e.created_at.astimezone(), 'short')} · {e.id[:6]}"
            for e in experiments
        }
        ids = list(labels)
        if st.session_state.get("exp_pick") not in ids:
            st.session_state["exp_pick"] = (
                opened.id if opened is not None and opened.id in ids else ids[0]
            )
        pick = st.selectbox(tr("Saved experiment"), ids, format_func=labels.get, key="exp_pick")
        record = next(e for e in experiments if e.id == pick)
        for sentence in saved_view.in_current_language(record.results)[1][:2]:
            st.caption(escape_markdown(sentence))
        c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
        c1.button(tr("Open"), key="exp_open_btn", on_click=_request, args=(pick,), type="primary")
        c2.text_input(tr("New name"), key="exp_rename_text", placeholder=record.name)
        c3.button(tr("Rename"), key="exp_rename_btn", on_click=_rename, args=(store, ws, pick))
        confirm = st.checkbox(tr("Yes, delete this experiment for good"), key="exp_delete_ok")
        st.button(
            tr("Delete"), key="exp_delete_btn", disabled=not confirm, icon=":material/delete:",
            on_click=_delete, args=(store, ws, pick),
        )  # fmt: skip


def _rename(store, ws: str, experiment_id: str) -> None:
    """Callback: rename a saved experiment (and the opened one's shown name)."""
    name = st.session_state.get("exp_rename_text", "")
    try:
        record = store.rename_experiment(ws, experiment_id, name)
    except (DataError, StoreError) as exc:
        st.session_state[_LIST_MSG_KEY] = ("error", str(exc))
        return
    opened = st.session_state.get(OPEN_KEY)
    if opened is not None and opened.id == experiment_id:
        st.session_state[OPEN_KEY] = dataclasses.replace(opened, name=record.name)
        st.session_state["exp_save_name"] = record.name
    st.session_state["exp_rename_text"] = ""
    st.session_state[_LIST_MSG_KEY] = ("ok", tr("Renamed to '{name}'.", name=record.name))


def _delete(store, ws: str, experiment_id: str) -> None:
    """Callback: delete a saved experiment (closing it if it is open)."""
    st.session_state["exp_delete_ok"] = False
    try:
        store.delete_experiment(ws, experiment_id)
    except (DataError, StoreError) as exc:
        st.session_state[_LIST_MSG_KEY] = ("error", str(exc))
        return
    opened = st.session_state.get(OPEN_KEY)
    if opened is not None and opened.id == experiment_id:
        close()
    st.session_state.pop("exp_pick", None)
    st.session_state[_LIST_MSG_KEY] = ("ok", tr("The experiment was deleted."))
