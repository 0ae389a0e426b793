"""``python -m core workshops``: delete the work of workshops past their last day (cron)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys

from core.i18n import N_

HELP = N_(
    "Delete the work of workshop sessions past their last day or ended by their "
    "facilitator (participants' workspaces, runs, datasets, experiments and unused data "
    'files); prints {"workshops": ..., "workspaces": ..., "files": [...]}. Run it daily '
    "from cron; the app also runs it at start and whenever the board opens."
)


def _day(text: str) -> dt.date:
    """A YYYY-MM-DD date, or one sentence saying what is expected."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        from core.i18n import tr

        raise argparse.ArgumentTypeError(
            tr("'{text}' should be a date as YYYY-MM-DD, e.g. 2026-03-31", text=text)
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--sweep`` and ``--today``."""
    parser.add_argument(
        "--sweep", action="store_true", required=True,
        help="delete the work of ended workshops (required: the command changes nothing without it)",
    )  # fmt: skip
    parser.add_argument(
        "--today", type=_day, default=None, metavar="DATE",
        help="the current day, YYYY-MM-DD (default: the server's date); workshops whose "
        "last day is before it are swept",
    )  # fmt: skip


def run(args: argparse.Namespace) -> None:
    """Sweep the store that the app uses (``PERSONALAB_DATABASE_URL`` or the data folder)."""
    from core.data import sample_dataset
    from core.errors import DataError
    from core.store import open_store

    store = open_store()
    keep = []
    if store.has_work_to_sweep(args.today):
        # the bundled sample is shared by every session: never delete its file
        with contextlib.suppress(DataError):
            keep.append(str(sample_dataset().path))
    result = store.sweep_workshops(args.today, keep_files=keep)
    report = {"workshops": result.workshops, "workspaces": result.workspaces}
    print(json.dumps({**report, "files": list(result.files)}), file=sys.stdout)
