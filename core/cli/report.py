"""``python -m core report``: the weekly or monthly Explore report as HTML or PDF."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from core.cli._common import add_input_arguments, open_events_from_args, read_segments
from core.cli._options import output_file
from core.errors import DataError
from core.i18n import N_, tr

HELP = N_(
    "Write the weekly or monthly report (KPIs against the previous period, activity, "
    "active hours, platforms, early warnings and, with --target, campaign targeting) as an "
    "HTML page or a PDF."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the report options (inputs, --period, --platform, --segments, --target, --costs, --out)."""
    add_input_arguments(parser)
    parser.add_argument("--period", choices=("week", "month"), default="week",
                        help=tr("report on the last complete week or month (default week)"))  # fmt: skip
    parser.add_argument("--platform", action="append", default=[], metavar="NAME",
                        help=tr("keep only this platform (repeatable)"))  # fmt: skip
    parser.add_argument("--segments", metavar="SEGMENTS.csv",
                        help=tr("CSV with user_id,segment, to filter by --segment"))  # fmt: skip
    parser.add_argument("--previous-segments", metavar="EARLIER.csv",
                        help=tr("an earlier user_id,segment CSV of the same users: adds who moved "
                                  "from which segment to which (needs --segments)"))  # fmt: skip
    parser.add_argument("--segment", action="append", default=[], metavar="NAME",
                        help=tr("keep only users of this segment (repeatable; needs --segments)"))  # fmt: skip
    parser.add_argument("--target", action="append", default=[], metavar="CAMPAIGN=SEGMENT",
                        help=tr("the segment a campaign targets, for targeting accuracy and "
                                  "persona match rate (repeatable; needs --segments)"))  # fmt: skip
    parser.add_argument("--costs", metavar="COSTS.csv",
                        help=tr("campaign costs (campaign, platform, period_start, period_end, cost) for ROI"))  # fmt: skip
    parser.add_argument("--title", default=None,
                        help=tr("title at the top (default: PersonaLab report, in --lang)"))  # fmt: skip
    parser.add_argument("--out", type=output_file("report.html"), required=True,
                        metavar="REPORT.html|REPORT.pdf",
                        help=tr("output file; the extension picks the format"))  # fmt: skip


def parse_targets(values: list[str]) -> dict[str, str]:
    """``--target CAMPAIGN=SEGMENT`` values as a dict (split at the last ``=``)."""
    targets: dict[str, str] = {}
    for value in values:
        campaign, sep, segment = value.rpartition("=")
        campaign, segment = campaign.strip(), segment.strip()
        if not sep or not campaign or not segment:
            raise DataError(
                tr(
                    "--target {value}: write it as CAMPAIGN=SEGMENT, e.g. --target "
                    "spring_sale=Fans.",
                    value=repr(value),
                )
            )
        if targets.get(campaign, segment) != segment:
            raise DataError(
                tr(
                    "--target gives campaign '{campaign}' two segments ('{first}' and "
                    "'{second}'); keep one.",
                    campaign=campaign,
                    first=targets[campaign],
                    second=segment,
                )
            )
        targets[campaign] = segment
    return targets


def run(args: argparse.Namespace) -> None:
    """Ingest events, compute the report and write it as HTML or PDF."""
    out = Path(args.out)
    if out.suffix.lower() not in (".html", ".pdf"):
        raise DataError(
            tr(
                "{file}: the report is written as .html or .pdf; change the extension.",
                file=args.out,
            )
        )
    if args.segment and not args.segments:
        raise DataError(
            tr("--segment needs --segments SEGMENTS.csv (from `python -m core segment`).")
        )
    if args.previous_segments and not args.segments:
        raise DataError(
            tr("--previous-segments needs --segments SEGMENTS.csv (the later segmentation).")
        )
    if args.target and not args.segments:
        raise DataError(
            tr("--target needs --segments SEGMENTS.csv (from `python -m core segment`).")
        )
    targets = parse_targets(args.target)
    # Imported after the checks above, so a wrong option is refused without loading
    # pandas and Altair (about 2 s).
    from core.data import dataset_engine
    from core.explore import ExploreFilters, build_report, read_campaign_costs

    labels = read_segments(args.segments) if args.segments else None
    earlier = read_segments(args.previous_segments) if args.previous_segments else None
    previous = (earlier, None, Path(args.previous_segments).name) if earlier is not None else None
    costs = read_campaign_costs(args.costs) if args.costs else None
    dataset = open_events_from_args(args)
    filters = ExploreFilters(platforms=tuple(args.platform), segments=tuple(args.segment))
    as_of = dataset.report.as_of  # --as-of, checked by ingest
    report = build_report(
        dataset_engine(dataset.path),
        grain=args.period,
        as_of=dt.date.fromisoformat(as_of[:10]) if as_of else None,
        filters=filters,
        labels=labels,
        costs=costs,
        title=args.title,
        targets=targets or None,
        previous=previous,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(report.pdf)
    else:
        out.write_text(report.html, encoding="utf-8")
    if args.period == "week":
        print(tr("wrote the weekly report to {file}", file=out))
    else:
        print(tr("wrote the monthly report to {file}", file=out))
