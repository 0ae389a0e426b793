"""Input options shared by every CLI command that reads events.

Light to import (argparse only at the top): every command module imports it to register
its options, also for ``--help``; pandas and the ingest code load when a command runs.

``add_input_arguments`` adds ``EVENTS`` (optional when ``--db`` is given), ``--users``,
``--map SRC=FIELD`` (repeatable), ``--users-map``, ``--db URL``, ``--table NAME``,
``--users-table NAME``, ``--as-of DATE``, ``--privacy hash|drop`` and ``--drop-duplicates``;
``open_events_from_args`` turns them into a validated :class:`core.data.Dataset`.

``--db``: the table is copied into a temporary DuckDB dataset through SQLAlchemy + pandas
chunks (``core.data.sources.read_db_table``), then validated like a file. That keeps every
command identical for files and databases; a command that only needs the feature table
of a huge warehouse table can instead run ``core.segments.features.build_features`` on
``core.data.engine.connect(url)`` directly (the query is pushed down, one row per user back).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DataError
from core.i18n import N_, tr

if TYPE_CHECKING:
    import pandas as pd

    from core.data import Dataset


def add_input_arguments(parser: argparse.ArgumentParser, *, users: bool = True) -> None:
    """Add the shared input options to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-command parser.
    users : bool
        Whether to offer ``--users`` / ``--users-map`` / ``--users-table``.
    """
    parser.add_argument(
        "events",
        nargs="?",
        metavar="EVENTS",
        help=N_(
            "events file: .csv/.tsv (UTF-8, UTF-8 with BOM or GBK), .xlsx, .parquet or "
            ".jsonl; omit it when reading from a database with --db"
        ),
    )
    if users:
        parser.add_argument(
            "--users", metavar="USERS", help=N_("optional users file (one row per user)")
        )
    parser.add_argument(
        "--map",
        metavar="SRC=FIELD",
        action="append",
        default=[],
        help=N_(
            "map a column of the events file to a canonical field, e.g. --map 会员编号=user_id "
            "(repeatable); fields: user_id timestamp event_type platform amount content_id "
            "content_format campaign text"
        ),
    )
    if users:
        parser.add_argument(
            "--users-map",
            metavar="SRC=FIELD",
            action="append",
            default=[],
            help=N_("map a column of the users file, e.g. --users-map 城市=region (repeatable)"),
        )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=N_("SQLAlchemy database URL to read events from (with --table)"),
    )
    parser.add_argument("--table", metavar="NAME", help=N_("events table name in --db"))
    if users:
        parser.add_argument("--users-table", metavar="NAME", help=N_("users table name in --db"))
    parser.add_argument(
        "--as-of", metavar="DATE", help=N_("reference date for recency (default: last event)")
    )
    parser.add_argument(
        "--privacy",
        choices=("hash", "drop"),
        default="hash",
        help=N_("what to do with columns holding personal data (default: hash)"),
    )
    parser.add_argument(
        "--drop-duplicates",
        action="store_true",
        help=N_(
            "remove exact duplicate event rows (default: count them in the summary and keep "
            "them, since two identical orders can both be real)"
        ),
    )


def open_events_from_args(args: argparse.Namespace) -> Dataset:
    """Ingest the inputs named by the shared options and return the dataset.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of a parser set up by :func:`add_input_arguments`.

    Returns
    -------
    Dataset
        Stored in the data directory (reused when the same inputs were loaded before).
        Its validation summary and warnings are kept for :func:`take_summaries`, which
        ``python -m core`` prints to stderr when the command succeeds.

    Raises
    ------
    DataError
        Missing or conflicting inputs, or any problem ingest finds.
    """
    # Imported here, not at the top: every command imports this module to register its
    # options, and ``--help`` should not load pandas, DuckDB and the ingest code.
    from core.data import DbTable, PrivacyOptions, ingest, note_text, parse_mapping_args

    events = getattr(args, "events", None)
    db = getattr(args, "db", None)
    table = getattr(args, "table", None)
    users = getattr(args, "users", None)
    users_table = getattr(args, "users_table", None)
    if db:
        if events:
            raise DataError(tr("Give either an EVENTS file or --db with --table, not both."))
        if not table:
            raise DataError(tr("--db needs --table NAME: the table that holds the events."))
        events = DbTable(db, table)
        if users_table:
            users = DbTable(db, users_table)
    elif table or users_table:
        raise DataError(tr("--table needs --db URL: the database that holds the table."))
    if not events:
        raise DataError(
            tr("No events given. Pass an events file (e.g. events.csv) or --db URL --table NAME.")
        )
    dataset = ingest(
        events,
        users_source=users,
        mapping=parse_mapping_args(getattr(args, "map", None)),
        users_mapping=parse_mapping_args(getattr(args, "users_map", None)),
        privacy=PrivacyOptions(action=getattr(args, "privacy", "hash") or "hash"),
        as_of=getattr(args, "as_of", None),
        drop_duplicates=bool(getattr(args, "drop_duplicates", False)),
    )
    # What was read, kept and rejected is printed to stderr when the command succeeds
    # (core.__main__); a command refused later prints its one error sentence only.
    _SUMMARIES.extend((dataset.report.summary(), *map(note_text, dataset.report.warnings)))
    return dataset


_SUMMARIES: list[str] = []


def take_summaries() -> list[str]:
    """The validation summaries (and warnings) of the loads since the last call; clears them.

    Returns
    -------
    list of str
        One summary sentence per loaded dataset, each followed by its warnings.
    """
    out = list(_SUMMARIES)
    _SUMMARIES.clear()
    return out


def read_segments(path: str) -> pd.Series:
    """Read a segments CSV (``user_id,segment``) into a Series of str indexed by user_id."""
    import pandas as pd  # at run time only, so that ``--help`` stays fast

    p = Path(path)
    if not p.is_file():
        raise DataError(
            tr(
                "{path}: file not found. Pass the CSV written by `python -m core segment`.",
                path=path,
            )
        )
    try:
        frame = pd.read_csv(p, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            tr(
                "{path}: not a readable CSV; save it as UTF-8 CSV with columns user_id,segment.",
                path=path,
            )
        ) from exc
    missing = {"user_id", "segment"} - set(frame.columns)
    if missing:
        raise DataError(
            tr(
                "{path}: needs the columns user_id and segment; {missing} is missing.",
                path=path,
                missing=tr(", ").join(sorted(missing)),
            )
        )
    frame = frame[frame["user_id"].str.strip() != ""]
    if frame.empty:
        raise DataError(tr("{path}: has no rows; run `python -m core segment` first.", path=path))
    return pd.Series(
        frame["segment"].to_numpy(),
        index=pd.Index(frame["user_id"], name="user_id"),
        name="segment",
    )
