"""Resource safety for files: the upload size limit, a temporary folder per session, and
uploads copied to that folder once, in chunks, so the rest of the app reads a file on disk.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from pathlib import Path

import streamlit as st

from core import config
from core.data.content_id import copy_hashed
from core.errors import DataError
from core.i18n import fmt, tr
from ui.common.session import TMP_KEY

__all__ = [
    "upload_limit_mb",
    "upload_help",
    "check_upload_size",
    "session_temp_dir",
    "end_session_files",
    "save_upload",
]

#: Session key of the uploads already copied to disk: {file id: path}.
_SAVED_KEY = "_pl_saved_uploads"


def upload_limit_mb() -> int:
    """The upload size limit in MB (``server.maxUploadSize`` in .streamlit/config.toml)."""
    try:
        return int(st.get_option("server.maxUploadSize"))
    except Exception:
        return 200


def upload_help() -> str:
    """Help text for file uploaders that states the limit."""
    return tr(
        "Files up to {limit} MB. For bigger data, connect your database instead, or ask "
        "the person who runs PersonaLab to raise server.maxUploadSize.",
        limit=fmt.number(upload_limit_mb()),
    )


def check_upload_size(n_bytes: int) -> None:
    """Raise DataError with the limit in the message when an upload is too big."""
    limit = upload_limit_mb()
    if n_bytes > limit * 1024 * 1024:
        raise DataError(
            tr(
                "This file is {size} MB; the limit on this server is {limit} MB. Split it "
                "by date, or connect your database instead.",
                size=fmt.number(n_bytes / 1024 / 1024),
                limit=fmt.number(limit),
            )
        )


class _TempDir:
    """A per-session temporary folder, removed when the session ends (or at exit)."""

    def __init__(self) -> None:
        """Make the folder, sweeping folders left by a crashed server."""
        root = config.data_dir() / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        _sweep_stale(root)
        self.path = Path(tempfile.mkdtemp(prefix="session-", dir=root))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, True)

    def cleanup(self) -> None:
        """Delete the folder now."""
        self._finalizer()


def _sweep_stale(root: Path, max_age_hours: float = 24) -> None:
    """Remove session folders left by a crashed server (older than ``max_age_hours``)."""
    cutoff = time.time() - max_age_hours * 3600
    for child in root.glob("session-*"):
        try:
            if child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            pass


def session_temp_dir() -> Path:
    """A temporary folder for this browser session's files; deleted when it ends."""
    holder = st.session_state.get(TMP_KEY)
    if holder is None or not holder.path.exists():
        holder = _TempDir()
        st.session_state[TMP_KEY] = holder
    return holder.path


def end_session_files() -> None:
    """Delete this session's temporary files now (e.g. after a finished export)."""
    holder = st.session_state.pop(TMP_KEY, None)
    if holder is not None:
        holder.cleanup()


def save_upload(upload) -> Path:
    """Copy an uploaded file to this session's folder once, 4 MB at a time; return its path.

    Streamlit keeps each uploaded file in the server's memory (one copy, for as long as
    it stays in the uploader). Everything after the upload (the preview, the load itself)
    reads the copy on disk instead of asking for the bytes, so the file is never held a
    second time: ``getvalue()`` and a cached function taking the bytes would each make or
    hash another full copy. The content hash the dataset is named by is taken during the
    copy. The same upload (same file id) is copied only once per session.
    """
    saved: dict = st.session_state.setdefault(_SAVED_KEY, {})
    file_id = str(getattr(upload, "file_id", None) or id(upload))
    path = saved.get(file_id)
    if path is not None and Path(path).is_file():
        return Path(path)
    folder = session_temp_dir() / f"upload-{len(saved) + 1}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(upload.name).name
    upload.seek(0)
    # Hashed on the way: the load names the dataset by this hash and need not read the
    # file again for it (core.data.content_id).
    copy_hashed(upload, target)
    upload.seek(0)
    saved[file_id] = str(target)
    return target
