"""The experiment plan: sample size, dates, round trip, impossible plans, power at the plan."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from statsmodels.stats.power import NormalIndPower

from core.errors import DataError
from core.experiments import (
    ExperimentPlan,
    analyze_aggregates,
    make_plan,
    power_at_plan,
    sample_size,
)


def test_rate_plan_takes_n_from_the_power_calculator():
    plan = make_plan("converted", kind="rate", baseline=0.10, mde=0.20)
    assert plan.n_per_arm == 3623  # Evan Miller's calculator, 10 % -> 12 %
    assert plan.n_per_arm == sample_size(0.10, 0.20).n_per_arm
    assert plan.planned_users == 2 * 3623 and plan.target == pytest.approx(0.12)


def test_mean_plan_and_end_date():
    plan = make_plan(
        "revenue", kind="mean", baseline=20.0, mde=1.0, absolute=True, std=10.0, arms=3,
        daily_users=300, start_date=dt.date(2026, 3, 1),
    )  # fmt: skip
    solved = NormalIndPower().solve_power(effect_size=0.1, alpha=0.05, power=0.8)
    assert plan.n_per_arm == int(-(-solved // 1))
    days = -(-plan.n_per_arm * 3 // 300)
    assert plan.end_date == dt.date(2026, 3, 1) + dt.timedelta(days=days)


def test_given_n_is_kept_and_round_trips_through_json():
    plan = make_plan(
        "converted", kind="rate", baseline=0.05, mde=0.1, n_per_arm=1234,
        daily_users=500, start_date=dt.date(2026, 1, 5),
    )  # fmt: skip
    again = ExperimentPlan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert again == plan and again.n_per_arm == 1234


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        (dict(kind="rate", baseline=1.2, mde=0.1), "baseline"),
        (dict(kind="rate", baseline=0.0, mde=0.1), "baseline"),
        (dict(kind="rate", baseline=0.6, mde=1.0), "target rate"),
        (dict(kind="rate", baseline=0.1, mde=0.0), "effect is 0"),
        (dict(kind="rate", baseline=0.1, mde=0.1, power=0.04), "power"),
        (dict(kind="rate", baseline=0.1, mde=0.1, alpha=0.7), "alpha"),
        (dict(kind="mean", baseline=10.0, mde=0.1), "standard deviation"),
        (dict(kind="median", baseline=10.0, mde=0.1), "kind"),
        (dict(kind="rate", baseline=0.1, mde=0.1, arms=1), "arms"),
        (dict(kind="rate", baseline=0.1, mde=0.1, daily_users=0), "daily users"),
    ],
)
def test_impossible_plans_get_one_sentence(kwargs, word):
    with pytest.raises(DataError, match=word) as err:
        make_plan("converted", **kwargs)
    assert not re.search(r"[.!?] [A-Z]", str(err.value))  # one sentence


def test_from_dict_refuses_unknown_and_bad_fields():
    good = make_plan("converted", kind="rate", baseline=0.1, mde=0.1).to_dict()
    with pytest.raises(DataError, match="unknown fields"):
        ExperimentPlan.from_dict({**good, "colour": "red"})
    with pytest.raises(DataError, match="lacks n_per_arm"):
        ExperimentPlan.from_dict({k: v for k, v in good.items() if k != "n_per_arm"})
    with pytest.raises(DataError, match="not a date"):
        ExperimentPlan.from_dict({**good, "start_date": "next week"})
    with pytest.raises(DataError, match="baseline"):
        ExperimentPlan.from_dict({**good, "baseline": 3})
    with pytest.raises(DataError):
        ExperimentPlan.from_dict(["not", "a", "dict"])


def test_power_at_plan_fixed_horizon_matches_statsmodels():
    plan = make_plan("revenue", kind="mean", baseline=0.0, mde=2.0, absolute=True, std=10.0)
    expected = NormalIndPower().power(effect_size=0.2, nobs1=plan.n_per_arm, alpha=0.05)
    assert power_at_plan(plan, "frequentist") == pytest.approx(expected, rel=1e-9)
    assert power_at_plan(plan, "bayesian") == pytest.approx(expected, rel=1e-9)
    assert 0.8 <= expected < 0.81  # n was solved for 80 %


def test_sequential_power_at_the_plan_beats_the_fixed_5000_tuning():
    # the simulation: 5 % -> 5.5 %, 28,000 users per arm (2,000 a day, 14 days)
    plan = make_plan("converted", kind="rate", baseline=0.05, mde=0.1, n_per_arm=28_000)
    fixed = power_at_plan(plan, "frequentist")
    old = power_at_plan(plan, "sequential", tuning_n=5000)
    tuned = power_at_plan(plan, "sequential")
    assert fixed == pytest.approx(0.76, abs=0.01)  # the 76 %
    assert old == pytest.approx(0.27, abs=0.01)  # and its 27 %
    assert old < tuned < fixed


def test_power_at_plan_refuses_bad_tuning():
    plan = make_plan("converted", kind="rate", baseline=0.05, mde=0.1)
    with pytest.raises(DataError, match="tuning"):
        power_at_plan(plan, "sequential", tuning_n=0)


def test_analysis_reports_progress_and_tuning_from_the_plan():
    plan = make_plan("conversions", kind="rate", baseline=0.05, mde=0.1, n_per_arm=10_000)
    table = __import__("pandas").DataFrame(
        {"variant": ["A", "B"], "n": [3800, 3800], "conversions": [190, 200]}
    )
    res = analyze_aggregates(table, plan=plan)
    assert res.progress == pytest.approx(0.38) and not res.is_final
    assert res.tuning_n == 20_000
    seq = analyze_aggregates(table, plan=plan, engine="sequential", tuning_n=7000)
    assert seq.is_final and seq.tuning_n == 7000
    out = res.to_dict()
    assert out["plan"]["n_per_arm"] == 10_000 and out["final"] is False
    assert out["progress"] == pytest.approx(0.38) and out["tuning_n"] == 20_000
    plain = analyze_aggregates(table)
    assert plain.is_final and plain.progress is None and plain.tuning_n == 5000
    with pytest.raises(DataError, match="tuning"):
        analyze_aggregates(table, tuning_n=-1)
