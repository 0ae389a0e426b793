"""The dataset catalogue: where datasets live, opening one, and cleaning up after ingests.

A dataset is one DuckDB file ``<data dir>/datasets/<id>.duckdb`` (the id is a content
hash). :func:`open_dataset` reads its report and brings an older layout up to date
(``core.data.layout``); :func:`remove_stale_work` deletes the scratch of ingests that
died.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

try:
    import fcntl
except ImportError:  # Windows has no advisory locks: scratch is then judged by its age
    fcntl = None

if TYPE_CHECKING:
    import pandas as pd

from core.config import data_dir
from core.data.layout import ensure_current_layout
from core.data.report import REJECTED_SAMPLE_ROWS, IngestReport
from core.errors import DataError
from core.i18n import tr


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A stored dataset: the DuckDB file, its id (content hash) and its ingest report."""

    path: Path
    dataset_id: str
    report: IngestReport


def datasets_dir() -> Path:
    """``<data dir>/datasets``, created if needed."""
    path = data_dir() / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


#: Scratch files whose owner cannot be told (written before work folders were locked)
#: are removed once they are this old.
STALE_AFTER_SECONDS = 3600


def _claim(work: Path):
    """Lock ``work/.lock`` for this ingest; the open file holds the lock until closed."""
    handle = open(work / ".lock", "w")  # noqa: SIM115 - closed in ingest's finally
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _in_use(work: Path) -> bool:
    """True while an ingest (in any process) holds ``work/.lock``."""
    lock = work / ".lock"
    if not lock.exists():  # just created, or left by an older version: judge by age
        return time.time() - work.stat().st_mtime < STALE_AFTER_SECONDS
    if fcntl is None:  # no advisory locks (Windows): judge by age
        return time.time() - lock.stat().st_mtime < STALE_AFTER_SECONDS
    with open(lock) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def remove_stale_work(*folders: Path) -> list[Path]:
    """Delete scratch left by ingests that died (``kill -9``, power loss, out of memory).

    An ingest works in ``<datasets>/ingest-*/`` and writes ``.tmp-ingest-*.duckdb`` next to
    its destination, holding a lock on ``ingest-*/.lock`` until it ends; its ``finally``
    removes both, but a killed process runs no ``finally``. Every ingest calls this first:
    a work folder whose lock nobody holds, and a temporary database whose work folder is
    gone or unlocked, are removed. Live ingests of other processes are left alone.

    Parameters
    ----------
    *folders : Path
        Folders to clean (the datasets folder and the destination's folder).

    Returns
    -------
    list of Path
        What was removed.
    """
    removed: list[Path] = []
    for folder in dict.fromkeys(Path(f) for f in folders):
        if not folder.is_dir():
            continue
        for work in folder.glob("ingest-*"):
            with contextlib.suppress(OSError):
                if work.is_dir() and not _in_use(work):
                    shutil.rmtree(work, ignore_errors=True)
                    removed.append(work)
        for tmp in folder.glob(".tmp-*.duckdb*"):
            owner = tmp.name.removeprefix(".tmp-").split(".duckdb")[0]
            with contextlib.suppress(OSError):
                if owner.startswith("ingest-"):
                    live = any(
                        (f / owner).is_dir() and _in_use(f / owner)
                        for f in (folder, datasets_dir())
                    )
                else:
                    live = time.time() - tmp.stat().st_mtime < STALE_AFTER_SECONDS
                if not live:
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def open_dataset(path: str | Path) -> Dataset:
    """Open a dataset written by :func:`ingest`.

    Parameters
    ----------
    path : str or Path
        The ``.duckdb`` file.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        If the file is missing, is not a PersonaLab dataset, or comes from a newer
        PersonaLab. A file in an older layout is upgraded first (``core.data.layout``).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            tr("Dataset file {file} was not found; load the data again.", file=path.name)
        )
    ensure_current_layout(path)
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        finally:
            con.close()
        report = IngestReport.from_dict(json.loads(meta["report"]))
        report = report.with_notes(json.loads(meta.get("report_notes") or "null"))
    except (duckdb.Error, KeyError, ValueError, TypeError):
        raise DataError(
            tr(
                "{file} is not a PersonaLab dataset (or is damaged); load the data again.",
                file=path.name,
            )
        ) from None
    return Dataset(path, meta.get("dataset_id", path.stem), report)


def read_rejected(dataset: Dataset, limit: int = REJECTED_SAMPLE_ROWS) -> pd.DataFrame:
    """The stored sample of rejected rows (all text, plus ``reason``), at most ``limit``.

    Parameters
    ----------
    dataset : Dataset
    limit : int

    Returns
    -------
    pandas.DataFrame
    """
    con = duckdb.connect(str(dataset.path), read_only=True)
    try:
        return con.execute(f"SELECT * FROM rejected LIMIT {int(limit)}").df()
    finally:
        con.close()
