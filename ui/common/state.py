"""Shared app state as the pages use it: ``from ui.common import state``.

Pages call these helpers instead of touching ``st.session_state`` directly, so the
contract stays in one place. This module only gathers them; each lives in the module
that does its job:

- :mod:`ui.common.session`: the session keys, the :class:`Run` value, notices;
- :mod:`ui.common.storage`: the connection to the app store;
- :mod:`ui.common.workspace`: the current workspace;
- :mod:`ui.common.datasets`: the current dataset, its engine and feature table;
- :mod:`ui.common.selection`: switching dataset; loading, saving and reloading runs;
- :mod:`ui.common.permalink`: the address bar as a permalink, one history entry per page;
- :mod:`ui.common.files`: upload size limit and per-session temporary files;
- :mod:`ui.common.sidebar`: the saved-work pickers.
"""

from __future__ import annotations

from ui.common.datasets import (
    current_dataset,
    dataset_engine,
    dataset_label,
    engine_of,
    features,
    features_of,
    is_sample,
    open_saved_dataset,
)
from ui.common.files import (
    check_upload_size,
    end_session_files,
    save_upload,
    session_temp_dir,
    upload_help,
    upload_limit_mb,
)
from ui.common.permalink import history_guard, sync_url
from ui.common.selection import (
    current_run,
    load_run,
    reload_run,
    saved_runs,
    set_current_dataset,
    set_current_run,
)
from ui.common.session import (
    DATASET_KEY,
    DS_PARAM,
    JOIN_PARAM,
    RUN_KEY,
    RUN_PARAM,
    SAMPLE_LABEL,
    SHARE_PARAM,
    WS_KEY,
    WS_PARAM,
    Run,
    app_link,
    notices,
    notify,
    query_param,
)
from ui.common.sidebar import saved_work_sidebar
from ui.common.storage import cached_store, store
from ui.common.workspace import (
    clear_tab,
    enter_participant_workspace,
    forget_after_leaving,
    participant_info,
    participant_workspace,
    set_workspace,
    visible_workspaces,
    workspace_id,
    workspace_link,
)

__all__ = [
    "Run",
    "SAMPLE_LABEL",
    "WS_PARAM",
    "DS_PARAM",
    "RUN_PARAM",
    "SHARE_PARAM",
    "JOIN_PARAM",
    "app_link",
    "query_param",
    "workspace_link",
    "clear_tab",
    "forget_after_leaving",
    "enter_participant_workspace",
    "participant_info",
    "participant_workspace",
    "open_saved_dataset",
    "store",
    "notify",
    "notices",
    "workspace_id",
    "visible_workspaces",
    "set_workspace",
    "current_dataset",
    "set_current_dataset",
    "is_sample",
    "dataset_label",
    "dataset_engine",
    "engine_of",
    "features",
    "features_of",
    "load_run",
    "current_run",
    "set_current_run",
    "reload_run",
    "saved_runs",
    "upload_limit_mb",
    "upload_help",
    "check_upload_size",
    "session_temp_dir",
    "end_session_files",
    "save_upload",
    "sync_url",
    "history_guard",
    "saved_work_sidebar",
    "DATASET_KEY",
    "RUN_KEY",
    "WS_KEY",
    "cached_store",
]
