"""``python -m core personas``: persona cards for a saved segmentation, as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from core.cli._common import add_input_arguments, open_events_from_args
from core.schema import DataError

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
    parser.add_argument("--out", required=True, metavar="PERSONAS.json", help="output JSON file")
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=10,
        metavar="N",
        help="hide any breakdown with fewer than N users (default 10)",
    )
    parser.add_argument(
        "--with-clv",
        action="store_true",
        help="also fit lifetime value (BG/NBD + Gamma-Gamma) and add per-segment totals",
    )


def read_segments(path: str) -> pd.Series:
    """Read a segments CSV (``user_id,segment``) into a Series of str indexed by user_id."""
    p = Path(path)
    if not p.is_file():
        raise DataError(
            f"{path}: file not found. Pass the CSV written by `python -m core segment`."
        )
    try:
        frame = pd.read_csv(p, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            f"{path}: not a readable CSV; save it as UTF-8 CSV with columns user_id,segment."
        ) from exc
    missing = {"user_id", "segment"} - set(frame.columns)
    if missing:
        raise DataError(
            f"{path}: needs the columns user_id and segment; {', '.join(sorted(missing))} "
            "is missing."
        )
    frame = frame[frame["user_id"].str.strip() != ""]
    if frame.empty:
        raise DataError(f"{path}: has no rows; run `python -m core segment` first.")
    return pd.Series(
        frame["segment"].to_numpy(),
        index=pd.Index(frame["user_id"], name="user_id"),
        name="segment",
    )


def run(args: argparse.Namespace) -> None:
    """Ingest events, build features, build personas, write the JSON list."""
    from core.engine import dataset_engine
    from core.features import build_features
    from core.personas import build_personas, personas_to_records

    labels = read_segments(args.segments)
    dataset = open_events_from_args(args)
    engine = dataset_engine(dataset.path)
    features = build_features(engine, as_of=args.as_of)
    clv_table = None
    if args.with_clv:
        from core.clv import fit_clv, rfm_summary

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
