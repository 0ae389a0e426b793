"""``python -m core summary``: Explore's headline numbers computed inside a database or Spark.

``--db URL --table NAME`` names events that stay where they are (DuckDB, PostgreSQL,
Spark ``spark://...``, a warehouse with a SQLAlchemy driver); the aggregates run there
(``core.explore.engine_summary``) and a short summary is printed in the chosen language.
``--out FILE.json`` also writes every number, with English keys, for a scheduler or a
dashboard to read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.cli._options import output_file
from core.errors import DataError
from core.i18n import N_

HELP = N_(
    "Headline numbers (users, events, buyers, revenue, daily and weekly active users, "
    "events by type and platform, the engagement ladder and its conversion rates) computed "
    "inside the database or Spark cluster that holds the events."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--db, --table, --start, --end, --platform and --out."""
    parser.add_argument(
        "--db",
        required=True,
        metavar="URL",
        help="SQLAlchemy URL of the engine holding the events, e.g. "
        "postgresql+psycopg2://user@host/db or spark://local",
    )
    parser.add_argument(
        "--table", default="events", metavar="NAME", help="the events table (default: events)"
    )
    parser.add_argument("--start", metavar="YYYY-MM-DD", help="first day to count")
    parser.add_argument("--end", metavar="YYYY-MM-DD", help="last day to count")
    parser.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="NAME",
        help="count only this platform (repeatable)",
    )
    parser.add_argument(
        "--out",
        type=output_file("summary.json"),
        default=None,
        metavar="FILE",
        help="also write every number as JSON to this file",
    )


def _day(value: str | None, option: str):
    """A YYYY-MM-DD option as a date, or None."""
    import datetime as dt

    from core.i18n import tr

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise DataError(
            tr(
                "{option} '{value}' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31.",
                option=option,
                value=value,
            )
        ) from None


def payload(summary) -> dict:
    """The summary as a JSON-ready dict (English keys, ISO dates, NaN as null)."""
    import math

    def clean(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if hasattr(value, "isoformat"):
            return value.isoformat()[:10]
        return value

    def records(frame):
        return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]

    return {
        "totals": {k: clean(v) for k, v in summary.totals.items()},
        "daily": records(summary.daily),
        "weekly": records(summary.weekly),
        "by_type": records(summary.by_type),
        "by_platform": records(summary.by_platform),
        "ladder": records(summary.ladder),
    }


def describe(summary) -> list[str]:
    """The summary as lines a person reads, in the current language."""
    from core.explore.engine_summary import STEP_LABELS
    from core.i18n import fmt, tr

    t = summary.totals
    lines = [
        tr(
            "{users} users made {events} events from {start} to {end}.",
            users=fmt.number(t["users"]),
            events=fmt.number(t["events"]),
            start=fmt.date(t["first_day"]),
            end=fmt.date(t["last_day"]),
        ),
        tr(
            "{buyers} buyers ({rate} of users) spent {revenue} in total.",
            buyers=fmt.number(t["buyers"]),
            rate=_pct(t["purchase_rate"]),
            revenue=fmt.number(t["revenue"], 2),
        ),
        tr(
            "Of the users who viewed, {click} clicked and {buy} bought.",
            click=_pct(t["view_to_click"]),
            buy=_pct(t["view_to_purchase"]),
        ),
    ]
    daily = summary.daily
    if not daily.empty:
        lines.append(
            tr(
                "Daily active users: {avg} on average, {peak} at the peak on {day}.",
                avg=fmt.number(round(float(daily["active_users"].mean()))),
                peak=fmt.number(int(daily["active_users"].max())),
                day=fmt.date(daily.loc[daily["active_users"].idxmax(), "date"].date()),
            )
        )
    weekly = summary.weekly
    if not weekly.empty:
        lines.append(
            tr(
                "Weekly active users in the last week (from {week}): {users}.",
                week=fmt.date(weekly["week"].iloc[-1].date()),
                users=fmt.number(int(weekly["active_users"].iloc[-1])),
            )
        )
    top = summary.by_platform.head(3)
    if not top.empty:
        shares = [
            tr(
                "{platform} {share}",
                platform=row.platform or tr("(no platform)"),
                share=_pct(row.events / t["events"]),
            )
            for row in top.itertuples()
        ]
        lines.append(tr("Events by platform: {list}.", list=tr(", ").join(shares)))
    ladder = summary.ladder
    steps = [
        tr("{step} {users}", step=tr(STEP_LABELS[row.step]), users=fmt.number(row.users))
        for row in ladder.itertuples()
    ]
    lines.append(tr("Engagement ladder: {steps}.", steps=" → ".join(steps)))
    return lines


def _pct(value: float) -> str:
    """A share as a percentage, or a dash when it is undefined."""
    from core.i18n import fmt

    return fmt.percent(value, 1)  # a dash when undefined


def run(args: argparse.Namespace) -> None:
    """Compute the summary in the engine and print it (and write --out)."""
    import sqlalchemy as sa

    from core.data import connect
    from core.explore import engine_summary
    from core.i18n import tr

    start, end = _day(args.start, "--start"), _day(args.end, "--end")
    engine = connect(args.db)
    try:
        summary = engine_summary(
            engine, args.table, start=start, end=end, platforms=tuple(args.platform)
        )
    except sa.exc.DBAPIError as exc:
        raise DataError(
            tr(
                "The database refused the summary queries on table '{table}'; check that it "
                "holds canonical events (a timestamp column, event types as text).",
                table=args.table,
            )
        ) from exc
    finally:
        engine.dispose()
    for line in describe(summary):
        print(line, file=sys.stdout)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(payload(summary), ensure_ascii=False, indent=2), "utf-8")
        print(tr("wrote the summary to {path}", path=str(out)), file=sys.stdout)
