"""``python -m core personas``: persona cards for a saved segmentation, as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli._common import add_input_arguments, open_events_from_args, read_segments
from core.cli._options import number, output_file

HELP = (
    "Build persona cards (traits, KPIs, recommended actions) for each segment of "
    "SEGMENTS.csv (columns user_id,segment) and write them as a JSON list."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the personas options (shared inputs, --segments, --out, --min-group-size)."""
    add_input_arguments(parser)
    parser.add_argument(
        "--segments", required=True, metavar="SEGMENTS.csv", help="CSV with user_id,segment"
    )
    parser.add_argument(
        "--out", type=output_file("personas.json"), required=True, metavar="PERSONAS.json",
        help="output JSON file",
    )  # fmt: skip
    parser.add_argument(
        "--min-group-size",
        type=number(low=1, whole=True, example="10"),
        default=10,
        metavar="N",
        help="hide any breakdown with fewer than N users (default 10)",
    )
    parser.add_argument(
        "--with-clv",
        action="store_true",
        help="also fit lifetime value (BG/NBD + Gamma-Gamma) and add per-segment totals",
    )


def run(args: argparse.Namespace) -> None:
    """Ingest events, build features, build personas, write the JSON list."""
    from core.data.engine import dataset_engine
    from core.personas.profiles import build_personas, personas_to_records
    from core.segments import build_features

    labels = read_segments(args.segments)
    dataset = open_events_from_args(args)
    engine = dataset_engine(dataset.path)
    features = build_features(engine, as_of=args.as_of)
    clv_table = None
    if args.with_clv:
        from core.personas.clv import fit_clv, rfm_summary

        clv_table = fit_clv(rfm_summary(engine, as_of=args.as_of)).table
    personas = build_personas(
        features, labels, engine=engine, min_group_size=args.min_group_size, clv=clv_table
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(personas_to_records(personas), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print(f"wrote {len(personas)} personas to {out}")
