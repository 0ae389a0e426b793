"""The dataset layout and its version: reading ``meta.schema_version`` and upgrading old files.

Every dataset file records the layout it was written in as ``schema_version`` in its
``meta`` table:

= ============================================================================
1 the canonical ``events``, ``users``, ``rejected`` and ``meta`` tables
2 plus the derived tables Explore reads: ``events.uid``, ``user_keys`` and
  ``user_days`` (``core.data.derived``)
= ============================================================================

:func:`ensure_current_layout` runs whenever a dataset is opened. An older file is
upgraded once, safely: the file is copied next to itself, the copy is brought up to date
and then renamed over the original, under a lock so that two processes do not both do
it. A process already reading the old file keeps reading its (unchanged) copy. A file
from a newer PersonaLab gets one clear sentence.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path

import duckdb

try:
    import fcntl
except ImportError:  # Windows has no advisory locks: two upgrades may then run, each one safe
    fcntl = None

from core.data.derived import write_activity_tables
from core.errors import DataError
from core.i18n import tr

#: The layout this code writes and reads.
SCHEMA_VERSION = 2


def read_schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The layout version of the open dataset, or None when it has no ``meta`` table.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection to the dataset file.

    Returns
    -------
    int or None
        The version (a dataset without the key is version 1); None for a DuckDB file that
        PersonaLab's ingest did not write (tests and tools build such files by hand).

    Raises
    ------
    DataError
        When the version is not a whole number.
    """
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
        "AND table_schema = current_schema()"
    ).fetchall()[0][0]
    if not has_meta:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    value = row[0][0] if row else "1"
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DataError(
            tr(
                "The dataset's layout version {value} is not a number; the file is damaged. "
                "Load the data again.",
                value=repr(value),
            )
        ) from None


def ensure_current_layout(path: str | Path) -> int | None:
    """Read a dataset's layout version and upgrade an older file in place.

    Parameters
    ----------
    path : str or Path
        The dataset file.

    Returns
    -------
    int or None
        The version now on disk (:data:`SCHEMA_VERSION` after an upgrade), or None when
        the file has no ``meta`` table or this process holds it open for writing (it is
        being written, so it is not an old file).

    Raises
    ------
    DataError
        When the file comes from a newer PersonaLab, or an old file could not be upgraded.
    """
    path = Path(path)
    version = _version_on_disk(path)
    if version is None or version == SCHEMA_VERSION:
        return version
    if version > SCHEMA_VERSION:
        raise DataError(
            tr(
                "{file} was saved by a newer version of PersonaLab (dataset layout {version}; "
                "this version reads up to {supported}): update PersonaLab to open it, or load "
                "the data again.",
                file=path.name,
                version=version,
                supported=SCHEMA_VERSION,
            )
        )
    upgrade_dataset(path)
    return SCHEMA_VERSION


def upgrade_dataset(path: str | Path) -> None:
    """Bring an older dataset file to :data:`SCHEMA_VERSION` (copy, upgrade, rename over).

    The derived tables are written into a copy next to the file, the copy's version is
    set, and the copy replaces the file in one rename. An exclusive lock on a sidecar file
    makes concurrent openers wait for one upgrade instead of doing it twice.

    Parameters
    ----------
    path : str or Path
        The dataset file.

    Raises
    ------
    DataError
        When the copy cannot be written (a read-only data folder, a full disk).
    """
    path = Path(path)
    with _upgrade_lock(path):
        version = _version_on_disk(path)
        if version is None or version >= SCHEMA_VERSION:
            return  # another process upgraded it while this one waited
        tmp = path.parent / f".tmp-upgrade-{uuid.uuid4().hex[:12]}.duckdb"
        try:
            shutil.copyfile(path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                write_activity_tables(con)
                con.execute("DELETE FROM meta WHERE key = 'schema_version'")
                con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, path)
        except (OSError, duckdb.Error) as exc:
            raise DataError(
                tr(
                    "{file} was saved by an older version of PersonaLab and could not be "
                    "brought up to date ({detail}); load the data again.",
                    file=path.name,
                    detail=str(exc).splitlines()[0][:120],
                )
            ) from None
        finally:
            for leftover in (tmp, Path(f"{tmp}.wal")):
                leftover.unlink(missing_ok=True)


def _version_on_disk(path: Path) -> int | None:
    """The file's layout version; None without meta or while this process writes the file."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if "different configuration" in str(exc):
            return None  # open read-write in this process: being written right now
        raise DataError(
            tr(
                "{file} is not a PersonaLab dataset (or is damaged); load the data again.",
                file=path.name,
            )
        ) from None
    try:
        return read_schema_version(con)
    finally:
        con.close()


@contextlib.contextmanager
def _upgrade_lock(path: Path):
    """Hold an exclusive lock on ``.<name>.upgrade.lock`` next to the dataset (POSIX only)."""
    lock_path = path.parent / f".{path.name}.upgrade.lock"
    with open(lock_path, "w") as handle:
        if fcntl is None:
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
