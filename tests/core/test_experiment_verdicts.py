"""Verdict sentences: not final before the plan, no peeking advice, small segments unnamed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.experiments import analyze_aggregates, analyze_experiment, make_plan, verdict

TOTALS = pd.DataFrame({"variant": ["A", "B"], "n": [2000, 2000], "conversions": [100, 140]})


def _plan(n_per_arm: int):
    return make_plan("conversion", kind="rate", baseline=0.05, mde=0.1, n_per_arm=n_per_arm)


@pytest.mark.parametrize("engine", ["frequentist", "bayesian"])
def test_before_the_plan_the_verdict_says_not_final_and_how_far(engine):
    res = analyze_aggregates(TOTALS, engine=engine, plan=_plan(5263))
    sentence = verdict(res)
    assert "not final: 38 % of the planned 10,526 users" in sentence
    assert "use the sequential engine for early looks" in sentence
    assert "keep the test running" not in sentence


def test_after_the_plan_and_without_one():
    done = verdict(analyze_aggregates(TOTALS, plan=_plan(2000)))
    assert "not final" not in done and "the planned 4,000 users are in" in done
    plain = verdict(analyze_aggregates(TOTALS))
    assert plain.endswith("assuming the test has reached its planned size")
    flat = pd.DataFrame({"variant": ["A", "B"], "n": [2000, 2000], "conversions": [100, 101]})
    sentence = verdict(analyze_aggregates(flat))
    assert "not significant" in sentence and "keep the test running" not in sentence


def test_sequential_verdict_is_final_at_any_look():
    res = analyze_aggregates(TOTALS, engine="sequential", plan=_plan(20_000))
    assert res.is_final and "not final" not in verdict(res)
    assert "holds at every look" in verdict(res) or "stays valid" in verdict(res)


def _with_tiny_segment(engine_seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(engine_seed)
    rows = []
    for seg, n in (("big_one", 3000), ("big_two", 3000), ("tiny", 20)):
        for variant in ("A", "B"):
            rate = 0.05
            if seg == "tiny" and variant == "B":
                rate = 0.9  # a huge observed lift on 20 users
            converted = (rng.random(n) < rate).astype(int)
            rows.append(pd.DataFrame({"variant": variant, "segment": seg, "converted": converted}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("engine", ["frequentist", "bayesian", "sequential"])
def test_a_40_user_segment_is_never_named(engine):
    data = _with_tiny_segment()
    res = analyze_experiment(
        data, variant_col="variant", metrics=["converted"], user_col=None,
        segment_col="segment", engine=engine,
    )  # fmt: skip
    tiny = res.results[res.results["segment"] == "tiny"].iloc[0]
    assert tiny["lift"] > 5 and not tiny["significant"]
    assert tiny["message"].startswith("Too few users to say")
    assert np.isnan(tiny["p_adjusted"])  # left out of the correction family
    assert "tiny" not in verdict(res)
    assert "differs between segments" not in verdict(res)  # nor does it drive Cochran's Q
    assert int(res.heterogeneity["df"].iloc[0]) == 1  # the two big segments only


def test_min_segment_users_is_settable_and_the_family_is_corrected():
    data = _with_tiny_segment()
    res = analyze_experiment(
        data, variant_col="variant", metrics=["converted"], user_col=None,
        segment_col="segment", min_segment_users=10, correction="holm",
    )  # fmt: skip
    seg = res.results[res.results["segment"].notna()]
    assert seg["message"].eq("").all() and seg["p_adjusted"].notna().all()
    assert (seg["p_adjusted"] >= seg["p_value"]).all()
    assert res.to_dict()["min_segment_users"] == 10
