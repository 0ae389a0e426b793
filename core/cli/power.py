"""``python -m core power``: users per arm for a two-proportion test, as JSON."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from core.cli._options import number, output_file
from core.experiments import POWER_METHODS  # plain data: does not load the statistics
from core.i18n import N_, tr

HELP = N_(
    "Sample size per arm to detect a change in a conversion rate (and the days still "
    "needed at current traffic), the experiment plan and each engine's power at it; "
    'prints JSON {"n_per_arm": ...}.'
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the power command: rates, effect, alpha, power, traffic and ``--out``."""
    parser.add_argument(
        "--baseline", type=number(example="0.2"), required=True, help="control rate, e.g. 0.2"
    )
    parser.add_argument(
        "--mde", type=number(example="0.1"), required=True,
        help="minimum detectable effect: relative (0.1 = +10 %%) unless --absolute",
    )  # fmt: skip
    parser.add_argument("--absolute", action="store_true", help="--mde is in rate points")
    share = dict(low=0, high=1, above=True, below=True)
    parser.add_argument(
        "--alpha", type=number(**share, example="0.05"), default=0.05,
        help="significance (default 0.05)",
    )  # fmt: skip
    parser.add_argument(
        "--power", type=number(**share, example="0.8"), default=0.8, help="power (default 0.8)"
    )
    parser.add_argument(
        "--method", choices=POWER_METHODS, default="baseline_variance",
        help="formula for n_per_arm (all are reported); default matches online calculators",
    )  # fmt: skip
    parser.add_argument(
        "--std", type=number(low=0, above=True, example="20"), default=None,
        help="for an average metric (e.g. revenue per user): its standard deviation; "
        "--baseline is then the current average",
    )  # fmt: skip
    parser.add_argument(
        "--arms", type=number(low=2, whole=True, example="2"), default=2,
        help="variants incl. control (default 2)",
    )  # fmt: skip
    parser.add_argument(
        "--daily-users", type=number(low=0, above=True, example="1000"), default=None,
        help="users per day, all arms",
    )  # fmt: skip
    parser.add_argument(
        "--users-so-far", type=number(low=0, whole=True, example="0"), default=0,
        help="users already in the test",
    )  # fmt: skip
    parser.add_argument(
        "--metric", default=None, metavar="NAME",
        help="name of the metric, recorded in the plan (default: conversion, or average)",
    )  # fmt: skip
    parser.add_argument(
        "--tuning-n", type=number(low=0, above=True, example="20000"), default=None,
        metavar="N",
        help="sequential engine's tuning for its power at the plan (default: the planned "
        "users of one comparison, 2 x n_per_arm)",
    )  # fmt: skip
    parser.add_argument(
        "--out",
        type=output_file("power.json"),
        default=None,
        help="also write the JSON to this file",
    )


def run(args: argparse.Namespace) -> None:
    """Compute and print the sample size JSON."""
    # Imported when the command runs, so that ``--help`` does not load SciPy.
    from core.experiments import days_needed, minimum_detectable_effect, sample_size

    if args.std is not None:
        _run_mean(args)
        return
    res = sample_size(
        args.baseline, args.mde, absolute=args.absolute, alpha=args.alpha, power=args.power,
        method=args.method,
    )  # fmt: skip
    payload = res.to_dict()
    _add_plan(payload, args, kind="rate", n_per_arm=res.n_per_arm)
    if args.daily_users is not None:
        payload["days_needed"] = days_needed(
            res.n_per_arm, daily_users=args.daily_users, users_so_far=args.users_so_far,
            arms=args.arms,
        )  # fmt: skip
        if args.users_so_far:
            mde = minimum_detectable_effect(
                args.baseline, args.users_so_far / args.arms, alpha=args.alpha, power=args.power,
                method=args.method,
            )  # fmt: skip
            payload["mde_now_absolute"] = None if math.isnan(mde) else mde
    _emit(payload, args.out)


def _run_mean(args: argparse.Namespace) -> None:
    """The power command for a mean metric (``--std``)."""
    from core.experiments import days_needed, sample_size_means  # at run time, as in run()

    change = args.mde if args.absolute else args.baseline * args.mde
    n = sample_size_means(args.std, change, alpha=args.alpha, power=args.power)
    payload = {
        "n_per_arm": n, "metric_type": "mean", "baseline": args.baseline,
        "target": args.baseline + change, "absolute_mde": change, "std": args.std,
        "alpha": args.alpha, "power": args.power, "method": "normal (statsmodels NormalIndPower)",
    }  # fmt: skip
    _add_plan(payload, args, kind="mean", n_per_arm=n)
    if args.daily_users is not None:
        payload["days_needed"] = days_needed(
            n, daily_users=args.daily_users, users_so_far=args.users_so_far, arms=args.arms
        )
    _emit(payload, args.out)


def _add_plan(payload: dict, args: argparse.Namespace, *, kind: str, n_per_arm: int) -> None:
    """Add the experiment plan and each engine's chance to detect its effect."""
    from core.experiments import make_plan, power_at_plan  # at run time, as in run()

    plan = make_plan(
        args.metric or ("conversion" if kind == "rate" else "average"), kind=kind,
        baseline=args.baseline, mde=args.mde, absolute=args.absolute, alpha=args.alpha,
        power=args.power, std=args.std, arms=args.arms, daily_users=args.daily_users,
        n_per_arm=n_per_arm,
    )  # fmt: skip
    tuning = args.tuning_n if args.tuning_n is not None else plan.comparison_users
    payload["plan"] = plan.to_dict()
    payload["sequential_tuning_n"] = tuning
    payload["power_at_plan"] = {
        engine: power_at_plan(plan, engine, tuning_n=tuning if engine == "sequential" else None)
        for engine in ("frequentist", "bayesian", "sequential")
    }


def summary(payload: dict) -> str:
    """The power JSON in one sentence for a person, in the current language.

    Parameters
    ----------
    payload : dict
        What the command prints: ``n_per_arm``, ``baseline``, ``target``, ``alpha``,
        ``power``, ``metric_type`` ("mean" for an average), the ``plan`` (its ``arms``),
        and ``days_needed`` when the daily users were given.

    Returns
    -------
    str
        E.g. "1,030 users per group (2,060 in total) detect a move from 20.00% to 25.00%
        (two-sided, alpha 0.05, power 80%); about 5 more days at the current traffic."
    """
    from core.i18n import fmt  # at run time only, as the statistics are

    arms = int((payload.get("plan") or {}).get("arms") or 2)
    mean = payload.get("metric_type") == "mean"
    values = dict(
        users=fmt.number(payload["n_per_arm"]),
        total=fmt.number(payload["n_per_arm"] * arms),
        start=fmt.decimal(payload["baseline"], 4) if mean else fmt.percent(payload["baseline"], 2),
        target=fmt.decimal(payload["target"], 4) if mean else fmt.percent(payload["target"], 2),
        alpha=f"{payload['alpha']:g}",
        power=fmt.percent(payload["power"]),
    )
    text = tr(
        "{users} users per group ({total} in total) detect a move from {start} to {target} "
        "(two-sided, alpha {alpha}, power {power})",
        **values,
    )
    if payload.get("days_needed") is not None:
        text = tr(
            "{summary}; about {days} more days at the current traffic",
            summary=text,
            days=fmt.number(payload["days_needed"]),
        )
    return tr("{summary}.", summary=text)


def _emit(payload: dict, out: str | None) -> None:
    """Print the JSON (its keys are a contract, in English), or write it to ``--out``;
    a one-sentence summary in the chosen language goes to stderr."""
    text = json.dumps(payload, indent=2)
    if out:  # written first: a failed write prints no result
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n", encoding="utf-8")
    print(text)
    print(tr("note: {message}", message=summary(payload)), file=sys.stderr)
