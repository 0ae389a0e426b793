"""The id a dataset is stored under, hashed off the load's critical path.

A dataset file is named by a hash of everything it holds (the input's bytes, the file
names, the mapping, the privacy options, the as-of date), so loading the same inputs
again reopens the stored dataset instead of doing the work twice. The input's bytes are
the expensive part: sha256 over a 650 MB file takes 0.55-0.75 s of one core. So:

- an upload the app hashed while copying it to disk (:func:`copy_hashed`) is not read
  again: its digest is remembered for that file (same path, size, change time, inode);
- a big file on disk is hashed in a thread while the load starts (:func:`pending_id`).
  When the hash finds that the dataset is stored already, the load is interrupted and
  the stored dataset returned; otherwise the load never waited for it.
- anything else (a small file, bytes, a database table) is hashed before the load, as
  it costs next to nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from core.data.database import DbTable
from core.errors import DataError
from core.i18n import tr

#: Files at least this big are hashed in a thread while the load runs. 4 MiB is about
#: 4 ms of hashing, and starting a thread well under one: below it the thread buys
#: nothing. Above it the hash runs beside the load's first statements, which keep one
#: core busy (a 62 MB file: 0.07-0.09 s that no longer delay the load).
BACKGROUND_MIN_BYTES = 4 << 20
#: Bytes per read when copying an upload or hashing a file.
_COPY_CHUNK = 4 << 20

#: Digests taken while copying uploads, by file (path, size, change times, inode).
_known: dict[tuple, str] = {}
_KNOWN_MAX = 1024
_known_lock = threading.Lock()


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def copy_hashed(source, target: Path, chunk: int = _COPY_CHUNK) -> str:
    """Copy the file-like ``source`` to ``target``, hashing the bytes on the way.

    The digest is remembered for ``target`` as it now is on disk, so a load of it skips
    reading it again to hash it; a file changed afterwards gets hashed anew.
    """
    h = hashlib.sha256()
    with open(target, "wb") as out:
        while block := source.read(chunk):
            h.update(block)
            out.write(block)
    digest = h.hexdigest()
    with _known_lock:
        _known[_stat_key(target)] = digest
        while len(_known) > _KNOWN_MAX:  # a long-running server: forget the oldest
            del _known[next(iter(_known))]
    return digest


def _known_digest(path: Path) -> str | None:
    with _known_lock:
        return _known.get(_stat_key(path))


def _file_sha256(path: Path) -> str:
    known = _known_digest(path)
    if known is not None:
        return known
    # Read into one reused 4 MB buffer (hashlib releases the GIL while it hashes a block).
    # A memory map was 0.07 s faster on 650 MB but counts every page it touched in the
    # process's resident memory, so a load's peak grew by the file's size.
    h = hashlib.sha256()
    buf = bytearray(_COPY_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def check_input(source: Any) -> None:
    """Refuse a path that is a folder or no file, in one sentence (before any work)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            raise DataError(
                tr("{file} is a folder, not a file. Pick the data file inside it.", file=path.name)
            )
        if not path.is_file():
            raise DataError(
                tr("{file}: file not found. Check the path and try again.", file=path.name)
            )


def hash_input(source: Any) -> str:
    """sha256 of a file's bytes, an upload's bytes, or a DB table's address (a path is
    checked by :func:`check_input` first, before any work)."""
    if source is None:
        return "none"
    if isinstance(source, (str, Path)):
        return _file_sha256(Path(source))
    h = hashlib.sha256()
    if isinstance(source, DbTable):  # tables change under us: never reuse an old copy
        h.update(f"{source.url}|{source.table}|{time.time_ns()}".encode())
    elif isinstance(source, (bytes, bytearray, memoryview)):
        h.update(bytes(source))
    elif hasattr(source, "getvalue"):
        h.update(source.getvalue())
    else:
        h.update(str(id(source)).encode())
    return h.hexdigest()


def dataset_id(
    events, users, mapping, users_mapping, privacy, as_of, names, drop_duplicates=False
) -> str:
    """Content hash of everything a dataset file holds, its files' display names included.

    The names are part of it because the stored report (and the app) shows them: without
    them, a second upload of the same bytes under another name reopened the first
    upload's file and was shown under the first person's file name.
    """
    parts = {
        "events": hash_input(events),
        "users": hash_input(users),
        "names": list(names),
        "mapping": sorted((mapping or {}).items()),
        "users_mapping": sorted((users_mapping or {}).items()),
        "privacy": privacy.fingerprint(),
        "as_of": as_of,
        "version": 2,
    }
    found = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    if drop_duplicates:  # the same inputs without their duplicates: another dataset
        found = hashlib.sha256(f"{found}|drop_duplicates".encode()).hexdigest()[:16]
    return found


def worth_a_thread(*sources: Any) -> bool:
    """Whether hashing ``sources`` is worth doing in a thread (a big file not yet hashed)."""
    for source in sources:
        if isinstance(source, (str, Path)):
            path = Path(source)
            if path.stat().st_size >= BACKGROUND_MIN_BYTES and _known_digest(path) is None:
                return True
    return False


def pending_id(compute: Callable[[], str], background: bool) -> Future:
    """The dataset id as a ``concurrent.futures.Future``: computed in a thread (for a big
    file, see :func:`worth_a_thread`) or here and now. Its done-callbacks run in the
    thread that computed it."""
    future: Future = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            future.set_result(compute())
        except BaseException as exc:  # raised by result(), in the caller's thread
            future.set_exception(exc)

    if background:
        threading.Thread(target=run, name="personalab-hash", daemon=True).start()
    else:
        run()
    return future
