"""``python -m core features``: the per-user feature table as CSV or Parquet.

Reads the events (and optional users) through the shared input options, builds the
feature table in the engine (``core.segments.features.build_features``) and writes one row per
user to ``--out``: ``.csv`` (UTF-8, spreadsheet-safe cells) or ``.parquet``.

With ``--db URL --table NAME --in-database`` the events stay in the database: the
feature query runs there (PostgreSQL is tested) and only one row per user comes back.
The table must already hold canonical values (a timestamp column, lower-case event
types); ``--map SRC=FIELD`` renames its columns.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli._common import add_input_arguments, open_events_from_args
from core.cli._options import output_file
from core.errors import DataError

HELP = (
    "Build one row per user (counts per event type, recency, frequency, monetary, active "
    "days, tenure, engagement, active hours, platform and format mix, lifecycle stage, user "
    "attributes) and write it as CSV or Parquet."
)

OUTPUT_SUFFIXES = (".csv", ".parquet")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Shared input options, --out and --in-database."""
    add_input_arguments(parser)
    parser.add_argument(
        "--out",
        type=output_file("features.csv"),
        required=True,
        metavar="FILE",
        help="output file: features.csv or .parquet",
    )
    parser.add_argument(
        "--in-database",
        action="store_true",
        help="with --db: compute the features inside that database instead of copying the "
        "table (for tables already in canonical form; --map renames columns)",
    )


def run(args: argparse.Namespace) -> None:
    """Build the features and write them; print one line saying where."""
    from core.data import dataset_engine
    from core.i18n import fmt, tr
    from core.segments.features import build_features

    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise DataError(
            tr(
                "The output file '{path}' must end in .csv or .parquet, e.g. --out features.csv.",
                path=str(out),
            )
        )
    if getattr(args, "in_database", False):
        frame = _features_in_database(args)
    else:
        dataset = open_events_from_args(args)
        frame = build_features(dataset_engine(dataset.path), as_of=args.as_of)
    _write(frame, out)
    print(
        tr(
            "wrote {users} users x {features} features to {path}",
            users=fmt.number(len(frame)),
            features=fmt.number(frame.shape[1] - 1),
            path=str(out),
        ),
        file=sys.stdout,
    )


def _features_in_database(args: argparse.Namespace):
    """Run the feature query inside ``--db`` (push-down), columns renamed by ``--map``."""
    import sqlalchemy as sa

    from core.data import connect, parse_mapping_args
    from core.i18n import tr
    from core.segments.features import build_features

    if not args.db or not args.table:
        raise DataError(tr("--in-database needs --db URL and --table NAME."))
    if args.events or args.users:
        raise DataError(tr("--in-database reads tables from --db only; leave out the file names."))
    engine = connect(args.db)
    try:
        events = _renamed(_raw_table(engine, args.table), parse_mapping_args(args.map))
        users = None
        if args.users_table:
            table = _raw_table(engine, args.users_table)
            users = _renamed(table, parse_mapping_args(args.users_map))
            if "user_id" not in users.c:
                raise DataError(
                    tr(
                        "The users table '{name}' has no user_id column; add --users-map "
                        "SRC=user_id.",
                        name=args.users_table,
                    )
                )
        return build_features(engine, events=events, users=users, as_of=args.as_of)
    except sa.exc.DBAPIError as exc:
        raise DataError(
            tr(
                "The database refused the feature query on table '{name}'; check that its "
                "columns hold canonical values (a timestamp column, event types as text), or "
                "drop --in-database to load and clean the table first.",
                name=args.table,
            )
        ) from exc
    finally:
        engine.dispose()


def _raw_table(engine, name: str):
    """Reflect ``name`` with whatever columns it has (not yet canonical)."""
    from core.data import reflect_table
    from core.i18n import tr

    table = reflect_table(engine, name)
    if table is None:
        raise DataError(
            tr("The database has no table named '{name}'; check the table name.", name=name)
        )
    return table


def _renamed(table, mapping: dict):
    """A select that renames mapped columns to canonical fields (others keep their name)."""
    import sqlalchemy as sa

    from core.i18n import tr

    mapping = dict(mapping or {})
    unknown = [src for src in mapping if src not in table.c]
    if unknown:
        raise DataError(
            tr(
                "The table '{name}' has no column '{column}' named in --map; check the spelling.",
                name=table.name,
                column=unknown[0],
            )
        )
    targets = set(mapping.values())
    cols = [
        c.label(mapping[c.name]) if c.name in mapping else c
        for c in table.c
        if c.name in mapping or c.name not in targets
    ]
    return sa.select(*cols).subquery(table.name)


def _write(frame, out: Path) -> None:
    """CSV (spreadsheet-safe) or Parquet by the file's extension."""
    from core.export import safe_csv

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        out.write_bytes(safe_csv(frame))
