"""``python -m core abtest``: A/B comparison overall and per segment, as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli._options import number, output_file
from core.errors import DataError
from core.experiments import CORRECTIONS, ENGINES  # plain data: does not load the statistics

if TYPE_CHECKING:
    from core.data import DbTable

HELP = (
    "Compare experiment variants (SRM check, lift with intervals, p-values or chance to win) "
    "overall and per segment; writes RESULT.json."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the abtest command: the data, its columns, the method and ``--out``."""
    parser.add_argument(
        "data", nargs="?", metavar="DATA",
        help="one row per user, or per-variant totals; omit it when reading from --db",
    )  # fmt: skip
    parser.add_argument("--db", metavar="URL", help="SQLAlchemy database URL (with --table)")
    parser.add_argument("--table", metavar="NAME", help="the experiment table in --db")
    parser.add_argument("--variant-col", default="variant", help="column naming the variant")
    parser.add_argument("--metric", action="append", default=[], help="metric column (repeat)")
    parser.add_argument(
        "--user-col", default="auto", metavar="COL",
        help="column identifying each user (default: a column named user_id, uid, id or "
        "user); users in more than one variant are left out and reported",
    )  # fmt: skip
    parser.add_argument("--control", default=None, help="control variant (default: first)")
    parser.add_argument(
        "--segment-col", default=None,
        help="column with each user's segment (for totals: each row's segment)",
    )  # fmt: skip
    parser.add_argument("--covariate", default=None, help="pre-period column for CUPED")
    parser.add_argument("--engine", choices=ENGINES, default="frequentist")
    parser.add_argument("--correction", choices=CORRECTIONS, default="holm")
    share = dict(low=0.5, high=1, below=True)
    parser.add_argument(
        "--ci", type=number(**share, example="0.95"), default=0.95,
        help="interval coverage (default 0.95)",
    )  # fmt: skip
    parser.add_argument(
        "--cap", type=number(**share, example="0.99"), default=None, metavar="Q",
        help="cap numeric metrics at this quantile of all users, e.g. 0.99",
    )  # fmt: skip
    parser.add_argument(
        "--split", default=None, metavar="SHARES",
        help="planned split for the SRM check, e.g. 50/50 or A=60,B=40 (default: equal)",
    )  # fmt: skip
    parser.add_argument(
        "--min-n",
        type=number(low=2, whole=True, example="100"),
        default=100,
        help="users per group before a verdict (default 100)",
    )
    parser.add_argument(
        "--out",
        type=output_file("result.json"),
        required=True,
        metavar="RESULT.json",
        help="output JSON file",
    )


def run(args: argparse.Namespace) -> None:
    """Read DATA, analyse it, write the JSON result and print the verdict."""
    # Imported when the command runs, so that ``--help`` does not load SciPy and pandas.
    from core.experiments import (
        analyze_aggregates,
        analyze_experiment,
        is_aggregate_table,
        read_experiment_table,
    )

    frame = read_experiment_table(_source(args))
    common = dict(
        control=args.control, engine=args.engine, correction=args.correction, ci=args.ci,
        min_n_per_arm=args.min_n, planned_split=args.split,
    )  # fmt: skip
    if is_aggregate_table(frame) and not args.metric:
        result = analyze_aggregates(frame, segment_col=args.segment_col, **common)
    else:
        if not args.metric:
            raise DataError(
                f"Name at least one metric column of {args.data or args.table} with --metric COL "
                "(e.g. --metric converted)."
            )
        result = analyze_experiment(
            frame, variant_col=args.variant_col, metrics=args.metric, user_col=args.user_col,
            segment_col=args.segment_col, covariate=args.covariate, cap_quantile=args.cap,
            **common,
        )  # fmt: skip
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    payload = result.to_dict()
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    print(payload["verdict"])
    for message in payload["messages"]:  # users left out, SRM, caps: on stderr, as segment does
        print(f"note: {message}", file=sys.stderr)


def _source(args: argparse.Namespace) -> str | DbTable:
    """DATA, or the table named by ``--db URL --table NAME`` (as for every other command)."""
    from core.data import DbTable  # at run time only, so that ``--help`` stays fast

    if args.db:
        if args.data:
            raise DataError("Give either a DATA file or --db with --table, not both.")
        if not args.table:
            raise DataError("--db needs --table NAME: the table that holds the experiment.")
        return DbTable(args.db, args.table)
    if args.table:
        raise DataError("--table needs --db URL: the database that holds the table.")
    if not args.data:
        raise DataError(
            "No experiment data given. Pass a file (e.g. experiment.csv) or --db URL --table NAME."
        )
    return args.data
