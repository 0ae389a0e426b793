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
from core.i18n import N_, tr

if TYPE_CHECKING:
    from core.data import DbTable

HELP = N_(
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
        "--min-segment-users", type=number(low=1, whole=True, example="100"), default=None,
        metavar="N",
        help="users per group a segment needs before it gets a verdict; smaller segments "
        "read 'too few users to say' (default: --min-n)",
    )  # fmt: skip
    parser.add_argument(
        "--tuning-n", type=number(low=0, above=True, example="20000"), default=None,
        metavar="N",
        help="sequential engine: users in both groups where its interval is tightest "
        "(default: the plan's, 2 x --plan-n, else 5000)",
    )  # fmt: skip
    plan = parser.add_argument_group(
        "plan",
        "the experiment's plan: give --plan-baseline and --plan-mde (users per group come "
        "from the power calculator unless --plan-n is given); the verdict then says how "
        "far along the test is, and the sequential engine is tuned to it",
    )
    plan.add_argument(
        "--plan-baseline", type=number(example="0.05"), default=None, metavar="B",
        help="the control's expected rate (0 to 1) or average (with --plan-std)",
    )  # fmt: skip
    plan.add_argument(
        "--plan-mde", type=number(example="0.1"), default=None, metavar="X",
        help="smallest change worth detecting: relative (0.1 = +10 %%) unless --plan-absolute",
    )  # fmt: skip
    plan.add_argument(
        "--plan-absolute", action="store_true", help="--plan-mde is in the metric's unit"
    )
    plan.add_argument(
        "--plan-power", type=number(low=0, high=1, above=True, below=True, example="0.8"),
        default=0.8, metavar="P", help="chance to detect --plan-mde (default 0.8)",
    )  # fmt: skip
    plan.add_argument(
        "--plan-std", type=number(low=0, above=True, example="20"), default=None, metavar="S",
        help="for an average metric: its standard deviation per user",
    )  # fmt: skip
    plan.add_argument(
        "--plan-n", type=number(low=2, whole=True, example="7000"), default=None, metavar="N",
        help="planned users per group (default: from the power calculator)",
    )  # fmt: skip
    plan.add_argument(
        "--plan-metric", default=None, metavar="COL",
        help="the metric the plan is for (default: the first --metric)",
    )  # fmt: skip
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
        min_n_per_arm=args.min_n, planned_split=args.split, tuning_n=args.tuning_n,
        min_segment_users=args.min_segment_users, plan=_plan(args, frame),
    )  # fmt: skip
    if is_aggregate_table(frame) and not args.metric:
        result = analyze_aggregates(frame, segment_col=args.segment_col, **common)
    else:
        if not args.metric:
            raise DataError(
                tr(
                    "Name at least one metric column of {data} with --metric COL "
                    "(e.g. --metric converted).",
                    data=args.data or args.table,
                )
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
    print(payload["verdict"])  # the JSON's keys are a contract; its sentences are in --lang
    if payload["power_at_plan"]:
        from core.i18n import fmt

        chance = payload["power_at_plan"]
        note = tr(
            "at the plan, the chance to detect the planned effect is {fixed} (frequentist, "
            "one look at the end) and {sequential} (sequential, tuned to {users} users)",
            fixed=fmt.percent(chance["frequentist"]),
            sequential=fmt.percent(chance["sequential"]),
            users=fmt.number(payload["tuning_n"]),
        )
        print(tr("note: {message}", message=note), file=sys.stderr)
    for message in payload["messages"]:  # users left out, SRM, caps: on stderr, as segment does
        print(tr("note: {message}", message=message), file=sys.stderr)


def _plan(args: argparse.Namespace, frame):
    """The plan from the --plan-* options, or None when none is given."""
    from core.experiments import make_plan  # at run time only, as in run()

    given = [args.plan_baseline, args.plan_mde, args.plan_std, args.plan_n, args.plan_metric]
    if all(v is None for v in given) and not args.plan_absolute:
        return None
    if args.plan_baseline is None or args.plan_mde is None:
        raise DataError(
            tr(
                "A plan needs both --plan-baseline (the control's expected value) and "
                "--plan-mde (the smallest change worth detecting), e.g. --plan-baseline 0.05 "
                "--plan-mde 0.1."
            )
        )
    if args.plan_metric:
        metric = args.plan_metric
    elif args.metric:
        metric = args.metric[0]
    elif "metric" in frame.columns and len(frame):
        metric = str(frame["metric"].iloc[0])
    else:
        metric = "conversion"  # the name typed-in totals without a metric column get
    return make_plan(
        metric, kind="mean" if args.plan_std is not None else "rate",
        baseline=args.plan_baseline, mde=args.plan_mde, absolute=args.plan_absolute,
        alpha=round(1 - args.ci, 12), power=args.plan_power, std=args.plan_std, n_per_arm=args.plan_n,
    )  # fmt: skip


def _source(args: argparse.Namespace) -> str | DbTable:
    """DATA, or the table named by ``--db URL --table NAME`` (as for every other command)."""
    from core.data import DbTable  # at run time only, so that ``--help`` stays fast

    if args.db:
        if args.data:
            raise DataError(tr("Give either a DATA file or --db with --table, not both."))
        if not args.table:
            raise DataError(tr("--db needs --table NAME: the table that holds the experiment."))
        return DbTable(args.db, args.table)
    if args.table:
        raise DataError(tr("--table needs --db URL: the database that holds the table."))
    if not args.data:
        raise DataError(
            tr(
                "No experiment data given. Pass a file (e.g. experiment.csv) or --db URL "
                "--table NAME."
            )
        )
    return args.data
