"""From a user's file (or database table) to a validated, canonical DuckDB dataset.

:func:`ingest` lands the source (``core.data.sources``), maps its columns
(``core.data.mapping``), plans what to do with personal data (``core.data.privacy``),
then writes the canonical tables in DuckDB SQL (``core.data.canonical``) and the
derived tables Explore reads (``core.data.derived``), with the report and the layout
version in ``meta``. Work happens in a scratch database in memory, held to a memory
limit (``memory_mb``; beyond it DuckDB spills to a scratch folder that is removed
afterwards) and a thread count; the result is
written to a temporary file that is renamed into place only when everything succeeded,
so a bad file changes nothing already saved, and raw personal data never reaches it.
Loading the same inputs again reopens the stored dataset (``core.data.catalogue``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from core import config
from core.common.sql import quote_literal
from core.data.canonical import value_map_columns, write_events
from core.data.canonical_users import _build_users
from core.data.catalogue import Dataset, _claim, datasets_dir, open_dataset, remove_stale_work
from core.data.content_id import check_input, pending_id, worth_a_thread
from core.data.content_id import dataset_id as dataset_id_of
from core.data.database import DbTable
from core.data.first_read import first_read, prefix_read
from core.data.guess import events_privacy, stage_checked
from core.data.landed import LoadedSource
from core.data.layout import SCHEMA_VERSION
from core.data.mapping import guess_mapping
from core.data.privacy import PrivacyOptions, _privacy_plan, resolve_salt
from core.data.report import IngestReport, Note
from core.data.schema import REQUIRED_EVENT_FIELDS
from core.data.sources import detect_format, load_source
from core.data.sources import source_name as display_name
from core.errors import DataError
from core.i18n import N_, fmt, tr

if TYPE_CHECKING:
    import pandas as pd


def _stored(final: Path) -> Dataset | None:
    """The dataset stored at ``final``, or None (a damaged one is removed)."""
    if not final.exists():
        return None
    try:
        return open_dataset(final)
    except DataError:
        final.unlink(missing_ok=True)
        return None


def _stored_after_all(pending: Future, final_for) -> Dataset | None:
    """After a failed load: the stored dataset of the same inputs, if the hash finds one."""
    try:
        found = pending.result()
    except Exception:  # the load's own error is the one to report
        return None
    return _stored(final_for(found))


def _require_fields(src: LoadedSource, mapping: dict) -> None:
    what = {
        "user_id": N_("{file}: no column looks like a user id (columns: {columns})."),
        "timestamp": N_("{file}: no column looks like the event time (columns: {columns})."),
        "event_type": N_(
            "{file}: no column looks like the event type (view, like, purchase ...) "
            "(columns: {columns})."
        ),
    }
    for field in REQUIRED_EVENT_FIELDS:
        if field not in mapping.values():
            raise DataError(
                tr(what[field], file=src.name, columns=tr(", ").join(src.columns)),
                kind="events",
                field=field,
            )


def _parse_as_of(as_of) -> str | None:
    if as_of is None or as_of == "":
        return None
    try:
        import pandas as pd  # heavy: imported only when an as-of date is given

        return pd.Timestamp(as_of).isoformat()
    except (ValueError, TypeError):
        raise DataError(
            tr("The as-of date '{date}' is not a date; write it like 2025-03-31.", date=as_of)
        ) from None


def _counts(con, column: str) -> dict:
    return {
        k: int(v)
        for k, v in con.execute(
            f"SELECT {column}, count(*) FROM out.events WHERE {column} IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    }


def ingest(
    events_source: Any,
    *,
    users_source: Any = None,
    mapping: Mapping[str, str] | None = None,
    users_mapping: Mapping[str, str] | None = None,
    privacy: PrivacyOptions | None = None,
    dest: str | Path | None = None,
    as_of: Any = None,
    source_name: str | None = None,
    users_name: str | None = None,
    drop_duplicates: bool = False,
    memory_mb: int | None = None,
    threads: int | None = None,
) -> Dataset:
    """Read, map, validate and pseudonymise events (and users) into a DuckDB dataset.

    Parameters
    ----------
    events_source : str, Path, bytes, file-like or DbTable
        The events file (csv, tsv, xlsx, parquet, jsonl) or database table.
    users_source : same types, optional
        One row per user with attributes.
    mapping, users_mapping : dict, optional
        Explicit ``{source column: canonical field}`` overrides; other columns are
        recognised from their names (``core.data.schema.guess_mapping``).
    privacy : PrivacyOptions, optional
        Hash (default) or drop detected personal-data columns.
    dest : path, optional
        Where to write the DuckDB file; default ``<data dir>/datasets/<id>.duckdb``, which
        is reused when the same inputs, file names, mapping and options were loaded before.
    as_of : date-like, optional
        Reference date stored with the dataset (features measure recency to it).
    source_name, users_name : str, optional
        Display names for uploads (their extension decides the format).
    drop_duplicates : bool
        Remove exact duplicate event rows (every loaded field equal). Off by default:
        they are counted in the report (``duplicate_rows``) and kept, because a log can
        hold two identical real events.
    memory_mb : int, optional
        Memory DuckDB may use for this load before it spills to disk (in the scratch
        folder next to the datasets); default what the file is estimated to need
        (``core.data.admission.estimate_need``) within :func:`core.config.ingest_memory_mb`.
        The server passes each load's reservation from its budget.
    threads : int, optional
        Threads DuckDB may use; default :func:`core.config.ingest_threads`.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        One sentence naming the file and column and what to do; nothing is written.
    """
    privacy = privacy or PrivacyOptions()
    mapping = dict(mapping or {})
    users_mapping = dict(users_mapping or {})
    as_of_iso = _parse_as_of(as_of)
    ev_name = source_name or display_name(events_source, "events")
    us_name = users_name or (
        display_name(users_source, "users") if users_source is not None else None
    )
    # Names are checked before a stored copy is reused: the same bytes under a name
    # PersonaLab does not read are still refused.
    for name, source in ((ev_name, events_source), (us_name, users_source)):
        if source is not None and not isinstance(source, DbTable):
            detect_format(name)
    # The id the dataset is stored under hashes the input's bytes: a big file is hashed
    # in a thread while the load runs (core.data.content_id).
    sources = (events_source, users_source)
    for source in sources:
        check_input(source)
    pending = pending_id(
        lambda: dataset_id_of(
            *sources,
            mapping,
            users_mapping,
            privacy,
            as_of_iso,
            (ev_name, us_name),
            drop_duplicates,
        ),
        background=worth_a_thread(*sources),
    )

    def final_for(found: str) -> Path:
        return Path(dest) if dest else datasets_dir() / f"{found}.duckdb"

    out_dir = Path(dest).parent if dest else datasets_dir()
    remove_stale_work(datasets_dir(), out_dir)
    if dest is None and pending.done() and (stored := _stored(final_for(pending.result()))):
        return stored
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="ingest-", dir=datasets_dir()))
    lock = _claim(work)
    tmp_out = out_dir / f".tmp-{work.name}.duckdb"
    # Scratch work in memory (spilling to ``work/spill`` when large): raw, not yet
    # pseudonymised values are never written to a database file.
    con = duckdb.connect(":memory:")
    if dest is None and not pending.done():
        # Loaded before after all: stop the work (the error it raises is set aside below).
        def stop_if_stored(hashed: Future) -> None:
            if hashed.exception() is None and final_for(hashed.result()).exists():
                with contextlib.suppress(duckdb.Error):
                    con.interrupt()

        pending.add_done_callback(stop_if_stored)
    try:
        con.execute("SET temp_directory = " + quote_literal(work / "spill"))
        con.execute(
            f"SET memory_limit = '{int(memory_mb or _default_memory_mb(events_source, ev_name))}MB'"
        )
        con.execute(f"SET threads = {int(threads or config.ingest_threads())}")
        con.execute("SET TimeZone = 'UTC'")
        # DuckDB draws a progress bar on stderr for queries over 2 s: on the command line
        # that is noise around the one-sentence summary or error.
        con.execute("SET enable_progress_bar = false")
        con.execute("ATTACH " + quote_literal(tmp_out) + " AS out")
        # A CSV or Parquet file is not landed: it is read once where it lies, parsed with
        # what its first rows suggest, and read again only when a decision made from them
        # turns out different for the whole file (core.data.first_read, "Reading the file
        # once"). Other sources are read for their samples and lists first.
        ev = load_source(events_source, ev_name, con, table="src_events", stream_dir=work / "src")
        ev_map = guess_mapping(ev.columns, "events", overrides=mapping)
        _require_fields(ev, ev_map)
        values = value_map_columns(ev_map)
        guess = prefix_read(con, ev, ev_map, values) if ev.streamed else None
        first = None
        if guess is None:
            ev, first = first_read(con, ev, ev_map, values)
        us = None
        us_map: dict[str, str] = {}
        us_plan: dict[str, str] = {}
        us_warnings: list[str] = []
        us_privacy: tuple[list, bool] = ([], False)
        if users_source is not None:
            us = load_source(users_source, us_name, con, table="src_users")
            us_warnings.extend(us.warnings)
            us_map = guess_mapping(us.columns, "users", overrides=users_mapping)
            if "user_id" in us_map.values():
                us_plan, us_notes, us_uid_hashed = _privacy_plan(con, us, us_map, privacy)
                us_privacy = (us_notes, us_uid_hashed)

        def decide(read):
            return events_privacy(con, ev, ev_map, privacy, read, us, us_privacy)

        salt = resolve_salt(privacy)
        ev, staging, (plan, notes, uid_hashed) = stage_checked(
            con, ev, ev_map, values, guess, first, decide, lambda fn: _with_salt(con, salt, fn)
        )
        warnings: list[str] = [*ev.warnings, *us_warnings, *staging.ts_warnings]
        counts = _with_salt(con, salt, lambda: write_events(con, ev, staging, drop_duplicates))
        user_rows, custom = _with_salt(
            con, salt, lambda: _build_users(con, us, us_map, us_plan, uid_hashed, warnings)
        )
        users_without_events = 0
        if us is not None and user_rows:
            users_without_events = con.execute(
                "SELECT count(*) FROM out.users u WHERE NOT EXISTS "
                "(SELECT 1 FROM out.events e WHERE e.user_id = u.user_id)"
            ).fetchall()[0][0]
            if users_without_events == user_rows:
                # Every users row would become a user with no events (a "prospect"):
                # two files keyed by different ids, not a real audience.
                raise DataError(
                    tr(
                        "{users_file}: none of its {n} user ids appear in {events_file}; "
                        "check that both files use the same kind of id (for example both "
                        "member numbers), or load the events without the users file.",
                        users_file=us.name,
                        n=fmt.number(user_rows),
                        events_file=ev.name,
                    )
                )
            if users_without_events:
                warnings.append(
                    Note(
                        N_(
                            "{n} user(s) in {users_file} have no events in {events_file}; "
                            "they are kept as prospects with zero counts."
                        ),
                        n=int(users_without_events),
                        users_file=us.name,
                        events_file=ev.name,
                    )
                )
            unmatched = con.execute(
                "SELECT count(DISTINCT user_id) FROM out.events e WHERE NOT EXISTS "
                "(SELECT 1 FROM out.users u WHERE u.user_id = e.user_id)"
            ).fetchall()[0][0]
            if unmatched:
                warnings.append(
                    Note(
                        N_(
                            "{n} user(s) in {events_file} have no row in {users_file}; their "
                            "attributes will be empty."
                        ),
                        n=int(unmatched),
                        events_file=ev.name,
                        users_file=us.name,
                    )
                )
        users, dmin, dmax = con.execute(
            "SELECT count(DISTINCT user_id), min(timestamp), max(timestamp) FROM out.events"
        ).fetchall()[0]
        report = IngestReport(
            source_name=ev.name,
            rows_read=int(counts["rows_read"]) + sum(ev.skipped.values()),
            rows_loaded=int(counts["rows_loaded"]),
            users=int(users),
            date_min=dmin,
            date_max=dmax,
            event_type_counts=_counts(con, "event_type"),
            platform_counts=_counts(con, "platform"),
            duplicates_removed=int(counts["duplicates_removed"]),
            duplicate_rows=int(counts["duplicate_rows"]),
            rejected_by_reason=_merge_counts(ev.skipped, counts["rejected_by_reason"]),
            mapping=ev_map,
            unmapped_columns=tuple(c for c in ev.columns if c not in ev_map),
            users_mapping=us_map,
            user_rows=int(user_rows),
            users_without_events=int(users_without_events),
            custom_user_columns=custom,
            privacy_actions=tuple(notes),
            warnings=tuple(warnings),
            timestamp_formats=counts["timestamp_formats"],
            encoding=ev.encoding,
            as_of=as_of_iso,
            min_group_size=privacy.min_group_size,
        )
        dataset_id = pending.result()
        final = final_for(dataset_id)
        if dest is None and (stored := _stored(final)):
            return stored
        con.execute("CREATE TABLE out.meta (key VARCHAR, value VARCHAR)")
        con.executemany(
            "INSERT INTO out.meta VALUES (?, ?)",
            [
                ("report", json.dumps(report.to_dict(), ensure_ascii=False)),
                ("report_notes", json.dumps(report.notes_to_json(), ensure_ascii=False)),
                ("dataset_id", dataset_id),
                ("schema_version", str(SCHEMA_VERSION)),
            ],
        )
        con.execute("DETACH out")
        con.close()
        os.replace(tmp_out, final)
    except (duckdb.Error, DataError) as exc:
        # Interrupted (or failed) while the thread found the same inputs stored: reuse them.
        if dest is None and (stored := _stored_after_all(pending, final_for)):
            return stored
        if isinstance(exc, DataError):
            raise
        raise DataError(
            tr(
                "{file}: the data could not be processed ({detail}). Check the column mapping "
                "and the file, then try again.",
                file=ev_name,
                detail=str(exc).splitlines()[0][:160],
            )
        ) from None
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
        for leftover in (tmp_out, Path(f"{tmp_out}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        lock.close()
    return Dataset(final, dataset_id, report)


def _default_memory_mb(source: Any, name: str) -> int:
    """DuckDB's memory for a load run outside the server's queue (the command line): what
    the file is estimated to need, within the budget (``core.data.admission``)."""
    from core.data.admission import BASE_MB, MIN_DUCKDB_MB, estimate_need

    budget = config.ingest_memory_mb()
    if not isinstance(source, (str, Path)) or not Path(source).is_file():
        return budget
    need = estimate_need(Path(source).stat().st_size, detect_format(name))
    return max(MIN_DUCKDB_MB, min(budget, need.ideal_mb) - BASE_MB)


def _merge_counts(*parts: Mapping[str, int]) -> dict[str, int]:
    """Add up reason -> count mappings, largest first (ties by name)."""
    total: dict[str, int] = {}
    for part in parts:
        for key, n in part.items():
            total[key] = total.get(key, 0) + int(n)
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))


def _with_salt(con, salt: str, fn):
    """Run ``fn`` with the salt bound as DuckDB variable ``salt`` (never inlined in SQL text)."""
    con.execute("SET VARIABLE personalab_salt = ?", [salt])
    try:
        return fn()
    finally:
        con.execute("RESET VARIABLE personalab_salt")


def preview_source(source: Any, name: str | None = None, n: int = 5) -> pd.DataFrame:
    """The first ``n`` rows of a source as text, for the mapping form.

    Parameters
    ----------
    source : str, Path, bytes, file-like or DbTable
    name : str, optional
        Display name (its extension decides the format).
    n : int
        Rows to return.

    Returns
    -------
    pandas.DataFrame
        All columns as str; raises DataError on unreadable input like :func:`ingest`.
    """
    name = name or display_name(source)
    head = _text_head(source, name) if detect_format(name) in ("csv", "tsv") else None
    con = duckdb.connect()
    try:
        # Only the first rows of a workbook are read: a 1M-row sheet previews at once.
        load_source(source if head is None else head, name, con, table="preview", max_rows=n)
        return con.execute(f"SELECT * FROM preview LIMIT {int(n)}").df()
    finally:
        con.close()


def _text_head(source: Any, name: str, nbytes: int = 1 << 20) -> bytes | None:
    """The first ~1 MB of a big text file, cut after its last complete line (None if small)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file() or path.stat().st_size <= nbytes:
            return None
        with open(path, "rb") as fh:
            data = fh.read(nbytes)
    elif isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) <= nbytes:
            return None
        data = bytes(source[:nbytes])
    else:
        return None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: a newline byte is not a line end
        return None
    cut = data.rfind(b"\n")
    return data[: cut + 1] if cut > 0 else None


def sample_dataset() -> Dataset:
    """The bundled sample (``sample_data/events.csv`` + ``users.csv``) as a dataset.

    Ingested once into the data directory and reused afterwards (same content, same id).

    Raises
    ------
    DataError
        If the sample files are missing from the installation.
    """
    folder = config.sample_dir()
    events = folder / "events.csv"
    users = folder / "users.csv"
    if not events.is_file():
        raise DataError(
            tr(
                "The bundled sample data is missing (sample_data/events.csv); run python -m "
                "core sample --users 2000 --out sample_data, or load your own file."
            )
        )
    return ingest(events, users_source=users if users.is_file() else None)
