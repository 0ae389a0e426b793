"""``python -m core sample``: write a synthetic dataset with planted personas."""

from __future__ import annotations

import argparse
import sys

from core.cli._options import SEED, number, output_folder
from core.i18n import N_, tr

HELP = N_(
    "Write a synthetic social-media dataset with six planted personas, a campaign A/B "
    "test and campaign costs (events.csv, users.csv, experiment.csv, campaign_costs.csv, "
    "truth.csv) into a folder."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--users``, ``--days``, ``--seed``, ``--start`` and ``--out``."""
    parser.add_argument(
        "--users", type=number(low=1, whole=True, example="2000"), required=True, metavar="N",
        help=N_("number of users (above 0)"),
    )  # fmt: skip
    parser.add_argument(
        "--days", type=number(whole=True, example="90"), default=90, metavar="D",
        help=N_("days covered (default 90, at least 14)"),
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=SEED, default=7, metavar="S", help=N_("random seed (default 7)")
    )
    parser.add_argument(
        "--start",
        default="2025-09-01",
        metavar="DATE",
        help=N_("first day, YYYY-MM-DD (default 2025-09-01)"),
    )
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help=N_("folder to write into")
    )


def run(args: argparse.Namespace) -> None:
    """Generate and write the files; print one line per file written."""
    from core.data import write_sample

    written = write_sample(
        args.out, n_users=args.users, days=args.days, seed=args.seed, start=args.start
    )
    for path in written.values():
        print(tr("wrote {path}", path=path), file=sys.stdout)
