"""``python -m core clv``: customer lifetime value per customer (BG/NBD + Gamma-Gamma).

Output CSV: one row per customer with at least one purchase: ``user_id``, ``frequency``
(repeat purchase days), ``recency``, ``T``, ``monetary_value`` (in ``--time-unit``),
``p_alive``, ``expected_purchases`` (over ``--horizon-months``), ``expected_order_value``,
``clv`` (discounted at ``--discount-rate`` per month; 0 = simple sum).

Params JSON (``--params-out``)::

    {"bgnbd": {"r": .., "alpha": .., "a": .., "b": ..},
     "gamma_gamma": {"p": .., "q": .., "v": ..} | null,
     "time_unit": "D", "horizon_months": 12, "discount_rate": 0.01,
     "bgnbd_log_likelihood": .., "gamma_gamma_log_likelihood": .., "n_customers": ..}

``gamma_gamma`` is null when fewer than two customers bought more than once. The files
are data (English keys and column names); what the command prints follows ``--lang``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli._common import add_input_arguments, open_events_from_args
from core.cli._options import number, output_file
from core.i18n import N_

HELP = N_(
    "Customer lifetime value: fit BG/NBD (how often and whether customers still buy) and "
    "Gamma-Gamma (how much per order) on purchase events; write one row per customer."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the clv options (shared inputs, --time-unit, --out, --params-out, horizon)."""
    add_input_arguments(parser, users=False)
    parser.add_argument(
        "--time-unit",
        choices=("D", "W", "M"),
        default="D",
        help="unit of recency and T: D days, W weeks, M months (default D)",
    )
    parser.add_argument(
        "--out",
        type=output_file("clv.csv"),
        required=True,
        metavar="CLV.csv",
        help="output CSV file",
    )
    parser.add_argument(
        "--params-out",
        type=output_file("params.json"),
        metavar="PARAMS.json",
        help='write fitted parameters: {"bgnbd": {r, alpha, a, b}, "gamma_gamma": {p, q, v}}',
    )
    parser.add_argument(
        "--horizon-months",
        type=number(low=0, above=True, example="12"),
        default=12,
        help="CLV horizon in months (default 12)",
    )
    parser.add_argument(
        "--discount-rate",
        type=number(low=0, example="0.01"),
        default=0.01,
        help="monthly discount rate for CLV (default 0.01; 0 = undiscounted)",
    )


def run(args: argparse.Namespace) -> None:
    """Ingest events, summarise purchases in SQL, fit both models, write CSV (+ JSON)."""
    from core.data import dataset_engine
    from core.export import safe_csv
    from core.i18n import fmt, ntr
    from core.personas import fit_clv, rfm_summary

    dataset = open_events_from_args(args)
    engine = dataset_engine(dataset.path)
    summary = rfm_summary(engine, as_of=args.as_of, time_unit=args.time_unit)
    result = fit_clv(
        summary,
        time_unit=args.time_unit,
        horizon_months=args.horizon_months,
        discount_rate=args.discount_rate,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(safe_csv(result.table))
    if args.params_out:
        p = Path(args.params_out)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(result.params_dict(), indent=2), encoding="utf-8")
    print(
        ntr(
            "wrote lifetime value for {n} customer to {file}",
            "wrote lifetime value for {n} customers to {file}",
            len(result.table),
            n=fmt.number(len(result.table)),
            file=out,
        )
    )
    if result.message:
        print(result.message)
