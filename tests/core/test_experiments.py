"""Experiments engine against published worked examples and statsmodels / scipy."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as sm_test_proportions_2indep,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from core.errors import DataError
from core.experiments import (
    RESULT_COLUMNS,
    Proportion,
    SampleMean,
    adjust_p_values,
    analyze_aggregates,
    analyze_experiment,
    bayesian_test,
    days_needed,
    frequentist_test,
    heterogeneity_test,
    join_segments,
    minimum_detectable_effect,
    prob_beta_greater,
    relative_lift,
    results_to_csv,
    sample_size,
    sample_size_means,
    sequential_test,
    srm_test,
    verdict,
)


def sig4(x: float) -> float:
    """Round to 4 significant figures."""
    return float(f"{x:.4g}")


# --- SRM --------------------------------------------------------------------------------


def test_srm_600_vs_400_on_50_50_matches_worked_example():
    res = srm_test({"A": 600, "B": 400})
    assert res.chi2 == pytest.approx(40.0)
    assert sig4(res.p_value) == sig4(stats.chi2.sf(40.0, 1)) == 2.540e-10
    assert res.flagged and res.message


def test_srm_respects_planned_split():
    res = srm_test({"A": 600, "B": 400}, planned={"A": 0.6, "B": 0.4})
    assert res.p_value == pytest.approx(1.0)
    assert not res.flagged


# --- Bayesian ---------------------------------------------------------------------------


def evan_miller_closed_form(a_a, b_a, a_b, b_b) -> float:
    """P(p_B > p_A), Evan Miller (2015) "Formulas for Bayesian A/B testing", integer alpha_B."""
    i = np.arange(int(a_b))
    log_terms = (
        special.betaln(a_a + i, b_a + b_b)
        - np.log(b_b + i)
        - special.betaln(1 + i, b_b)
        - special.betaln(a_a, b_a)
    )
    return float(np.exp(log_terms).sum())


def test_beta_binomial_chance_to_win_matches_worked_example():
    # 100/1000 (A) vs 100/900 (B), Beta(1, 1) priors -> P(B > A) about 0.785
    res = bayesian_test(Proportion(1000, 100), Proportion(900, 100))
    assert sig4(res.chance_to_win) == 0.7851
    assert res.chance_to_win == pytest.approx(evan_miller_closed_form(101, 901, 101, 801), abs=1e-9)
    rng = np.random.default_rng(0)
    a, b = rng.beta(101, 901, 400_000), rng.beta(101, 801, 400_000)
    assert res.chance_to_win == pytest.approx((b > a).mean(), abs=0.003)
    # expected loss of shipping B, E[max(A - B, 0)], against Monte Carlo
    assert res.expected_loss == pytest.approx(np.maximum(a - b, 0).mean(), rel=0.02)


@pytest.mark.parametrize(
    "shape", [(1, 1, 1, 1), (2, 30, 5, 40), (5001, 45001, 5101, 44901), (1, 1001, 1, 2001)]
)
def test_prob_beta_greater_agrees_with_closed_form(shape):
    a1, b1, a2, b2 = shape
    # P(X1 > X2) with X1 = "B" in Evan Miller's notation
    assert prob_beta_greater(a1, b1, a2, b2) == pytest.approx(
        evan_miller_closed_form(a2, b2, a1, b1), abs=1e-9
    )


def test_bayesian_means_use_normal_posterior():
    c = SampleMean(400, 4000.0, 4000 * 10 + 399 * 25)
    t = SampleMean(400, 4200.0, 4200**2 / 400 + 399 * 36)
    res = bayesian_test(c, t)
    s = math.sqrt(25 / 400 + 36 / 400)
    assert res.chance_to_win == pytest.approx(stats.norm.cdf(0.5 / s), rel=1e-9)
    # expected loss = E[max(-D, 0)], D ~ N(0.5, s^2), by numerical integration
    d = stats.norm(0.5, s)
    x = np.linspace(-10 * s, 0, 200_001)
    assert res.expected_loss == pytest.approx(np.trapezoid(-x * d.pdf(x), x), rel=1e-5)


# --- frequentist ------------------------------------------------------------------------


def test_two_proportion_test_agrees_with_statsmodels():
    c, t = Proportion(1000, 100), Proportion(900, 100)
    res = frequentist_test(c, t)
    ref = sm_test_proportions_2indep(100, 900, 100, 1000, method="wald", compare="diff")
    lo, hi = confint_proportions_2indep(100, 900, 100, 1000, method="wald", compare="diff")
    assert sig4(res.p_value) == sig4(ref.pvalue) == 0.4318
    assert sig4(res.abs_ci_low) == sig4(lo) and sig4(res.abs_ci_high) == sig4(hi)
    # the pooled z-test (proportions_ztest) gives nearly the same p-value
    pooled = proportions_ztest([100, 100], [900, 1000])[1]
    assert res.p_value == pytest.approx(pooled, abs=0.01)


def test_relative_lift_delta_method_matches_domain_formula():
    # The delta-method standard error stays public (the benchmark compares its coverage
    # with the log-ratio interval's); the engines no longer use it for their interval.
    mt, mc = 1 / 9, 0.1
    var = (mt * (1 - mt)) / (mc**2 * 900) + (mc * (1 - mc)) * mt**2 / (mc**4 * 1000)
    lift, se = relative_lift(mt, mt * (1 - mt) / 900, mc, mc * (1 - mc) / 1000)
    assert lift == pytest.approx(1 / 9 / 0.1 - 1) and se == pytest.approx(math.sqrt(var))
    lift, se = relative_lift(2.0, 0.01, 1.0, 0.04)
    assert lift == 1.0 and se == pytest.approx(math.sqrt(0.01 + 4 * 0.04))


WELCH_A1 = [
    27.5,
    21.0,
    19.0,
    23.6,
    17.0,
    17.9,
    16.9,
    20.1,
    21.9,
    22.6,
    23.1,
    19.6,
    19.0,
    21.7,
    21.4,
]
WELCH_A2 = [
    27.1,
    22.0,
    20.8,
    23.4,
    23.4,
    23.5,
    25.8,
    22.0,
    24.8,
    20.2,
    21.9,
    22.1,
    22.9,
    20.5,
    24.4,
]


def _stat(values) -> SampleMean:
    v = np.asarray(values, dtype=float)
    return SampleMean(len(v), float(v.sum()), float((v * v).sum()))


def test_welch_textbook_example():
    # Wikipedia "Welch's t-test", example 1: t = -2.46, df = 25.0, p = 0.021
    res = frequentist_test(_stat(WELCH_A2), _stat(WELCH_A1))
    ref = stats.ttest_ind(WELCH_A1, WELCH_A2, equal_var=False)
    assert round(res.p_value, 3) == 0.021
    assert sig4(res.p_value) == sig4(ref.pvalue)
    cm = CompareMeans(DescrStatsW(np.array(WELCH_A1)), DescrStatsW(np.array(WELCH_A2)))
    lo, hi = cm.tconfint_diff(usevar="unequal")
    assert sig4(res.abs_ci_low) == sig4(lo) and sig4(res.abs_ci_high) == sig4(hi)


# --- sequential -------------------------------------------------------------------------


def test_sequential_interval_is_the_asymptotic_confidence_sequence():
    c, t = Proportion(5000, 500), Proportion(5000, 580)
    res = sequential_test(c, t, ci=0.95, tuning_n=5000)
    fixed = frequentist_test(c, t)
    alpha, n = 0.05, 10_000
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / 5000
    var = 0.1 * 0.9 / 5000 + 0.116 * 0.884 / 5000
    half = math.sqrt(n * var) * math.sqrt(
        2 * (n * rho2 + 1) / (n**2 * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha)
    )
    assert res.abs_ci_high - res.abs_diff == pytest.approx(half, rel=1e-12)
    assert res.abs_ci_high - res.abs_ci_low > fixed.abs_ci_high - fixed.abs_ci_low
    assert res.p_value >= fixed.p_value
    # the always-valid p-value is the alpha (rho held at its nominal value) where the
    # sequence's lower end touches zero
    p = res.p_value
    half_at_p = math.sqrt(n * var) * math.sqrt(
        2 * (n * rho2 + 1) / (n**2 * rho2) * math.log(math.sqrt(n * rho2 + 1) / p)
    )
    assert half_at_p == pytest.approx(res.abs_diff, rel=1e-9)


def test_sequential_controls_false_positives_when_peeking():
    rng = np.random.default_rng(3)
    sims, looks, per_look = 200, 20, 100
    hits = 0
    for _ in range(sims):
        a = rng.random((looks, per_look)) < 0.1
        b = rng.random((looks, per_look)) < 0.1
        ca, cb = a.sum(1).cumsum(), b.sum(1).cumsum()
        for k in range(looks):
            n = per_look * (k + 1)
            r = sequential_test(Proportion(n, ca[k]), Proportion(n, cb[k]), tuning_n=2000)
            if r.p_value < 0.05:
                hits += 1
                break
    assert hits / sims < 0.05


# --- corrections, heterogeneity -----------------------------------------------------------


def test_holm_and_bh_match_multipletests():
    p = [0.01, 0.04, 0.03, 0.2, float("nan"), 0.001]
    ok = np.array([0.01, 0.04, 0.03, 0.2, 0.001])
    holm, bh = adjust_p_values(p, "holm"), adjust_p_values(p, "bh")
    np.testing.assert_allclose(np.delete(holm, 4), multipletests(ok, method="holm")[1])
    np.testing.assert_allclose(np.delete(bh, 4), multipletests(ok, method="fdr_bh")[1])
    assert math.isnan(holm[4])
    np.testing.assert_allclose(adjust_p_values(ok, "none"), ok)


def test_cochran_q_by_hand():
    d, v = np.array([0.1, 0.2, 0.5]), np.array([0.01, 0.02, 0.01])
    w = 1 / v
    q = float((w * (d - (w * d).sum() / w.sum()) ** 2).sum())
    res = heterogeneity_test(d, v)
    assert res.q == pytest.approx(q) and res.df == 2
    assert res.p_value == pytest.approx(stats.chi2.sf(q, 2))
    assert res.i2 == pytest.approx((q - 2) / q)
    assert heterogeneity_test([0.1], [0.01]).message


# --- power --------------------------------------------------------------------------------


def test_power_20_to_25_percent_each_formula():
    res = sample_size(0.2, 0.05, absolute=True, alpha=0.05, power=0.8)
    # Evan Miller's calculator (null variance at the baseline): 1030.2 -> "about 1,030"
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    raw = (za * math.sqrt(2 * 0.2 * 0.8) + zb * math.sqrt(0.16 + 0.1875)) ** 2 / 0.05**2
    assert round(raw) == 1030 and res.n_per_arm == math.ceil(raw) == 1031
    by = res.by_method
    assert by["pooled"] == 1094  # Fleiss, Levin & Paik (2003) eq. 4.14, no continuity corr.
    assert by["unpooled"] == 1091  # Chow, Shao & Wang (2008) section 4.2
    h = proportion_effectsize(0.25, 0.2)
    assert sig4(h) == 0.1199
    ref = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1)
    assert by["cohens_h"] == math.ceil(ref) == 1092
    # relative MDE: +25 % of 20 % is the same target
    assert sample_size(0.2, 0.25).n_per_arm == 1031


def test_power_inverse_and_days():
    mde = minimum_detectable_effect(0.2, 1030.2, alpha=0.05, power=0.8)
    assert mde == pytest.approx(0.05, abs=1e-4)
    assert days_needed(1031, daily_users=400, users_so_far=600) == 4
    assert days_needed(1031, daily_users=400, users_so_far=5000) == 0
    # means: Cohen's d = 0.5 needs 63 per arm (Cohen 1988, Table 2.4.1: 64 with t)
    assert sample_size_means(2.0, 1.0) == 63
    with pytest.raises(DataError):
        sample_size(1.5, 0.1)
    with pytest.raises(DataError):
        days_needed(100, daily_users=0)


# --- guards -------------------------------------------------------------------------------


def test_degenerate_arms_return_messages():
    empty = frequentist_test(Proportion(0, 0), Proportion(100, 10))
    assert empty.message and math.isnan(empty.p_value)
    flat = bayesian_test(SampleMean(50, 100.0, 200.0), SampleMean(50, 100.0, 200.0))
    assert "same value" in flat.message
    zero = frequentist_test(SampleMean(100, 0.0, 0.0), SampleMean(100, 10.0, 30.0))
    # no relative lift against a control average of 0, but the difference is still tested
    assert math.isnan(zero.lift) and math.isnan(zero.ci_low) and not zero.message
    assert math.isfinite(zero.p_value) and math.isfinite(zero.abs_ci_low)
    seq = sequential_test(Proportion(1, 0), Proportion(1, 1))
    assert seq.message


# --- analysis of per-user rows ------------------------------------------------------------


def tiny_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(12)],
            "variant": ["A", "B"] * 6,
            "segment": ["x"] * 6 + ["y"] * 6,
            "converted": [0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1],
            "revenue": [0.0, 5, 3, 4, 0, 0, 0, 9, 2, 8, 0, 100],
            "pre": [1.0, 2, 3, 4, 0, 1, 2, 6, 2, 5, 0, 30],
        }
    )


def test_analysis_matches_groupby_statistics():
    df = tiny_frame()
    before = df.copy()
    res = analyze_experiment(
        df, variant_col="variant", metrics=["converted", "revenue"], segment_col="segment",
        min_n_per_arm=1, correction="none",
    )  # fmt: skip
    pd.testing.assert_frame_equal(df, before)
    assert list(res.results.columns) == RESULT_COLUMNS
    assert len(res.results) == 2 * 3
    g = df[df.segment == "y"].groupby("variant")["revenue"]
    r = res.results[(res.results.metric == "revenue") & (res.results.segment == "y")].iloc[0]
    ref = stats.ttest_ind(
        df.query("segment == 'y' and variant == 'B'").revenue,
        df.query("segment == 'y' and variant == 'A'").revenue,
        equal_var=False,
    )
    assert r["mean"] == pytest.approx(g.mean()["B"]) and r["n"] == 3
    assert r["p_value"] == pytest.approx(ref.pvalue)
    conv = res.results[(res.results.metric == "converted") & res.results.segment.isna()].iloc[0]
    assert conv["metric_type"] == "rate" and conv["mean"] == pytest.approx(5 / 6)
    assert conv["control_mean"] == pytest.approx(2 / 6)
    assert res.srm.observed == {"A": 6, "B": 6}
    assert len(res.heterogeneity) == 2


def test_cuped_matches_manual_adjustment_and_reports_variance_reduction():
    rng = np.random.default_rng(11)
    n, rho = 20_000, 0.7
    x = rng.normal(10, 2, n)
    y = 5 + rho * (x - 10) / 2 + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)
    variant = np.where(rng.random(n) < 0.5, "A", "B")
    y = y + 0.05 * (variant == "B")
    df = pd.DataFrame({"variant": variant, "y": y, "x": x})
    res = analyze_experiment(df, variant_col="variant", metrics=["y"], covariate="x")
    row = res.results.iloc[0]
    assert row["variance_reduction"] == pytest.approx(rho**2, abs=0.02)
    theta = np.cov(y, x)[0, 1] / np.var(x, ddof=1)
    adj = y - theta * (x - x.mean())
    ref = stats.ttest_ind(adj[variant == "B"], adj[variant == "A"], equal_var=False)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
    assert row["mean"] == pytest.approx(adj[variant == "B"].mean(), rel=1e-9)
    plain = analyze_experiment(df, variant_col="variant", metrics=["y"]).results.iloc[0]
    width = row["abs_ci_high"] - row["abs_ci_low"]
    assert width < 0.8 * (plain["abs_ci_high"] - plain["abs_ci_low"])


def test_capping_winsorises_at_the_chosen_quantile():
    df = tiny_frame()
    capped = analyze_experiment(
        df, variant_col="variant", metrics=["revenue"], cap_quantile=0.9, min_n_per_arm=1
    )
    cap = float(np.quantile(df.revenue, 0.9))
    b = np.minimum(df.revenue[df.variant == "B"], cap)
    assert capped.results.iloc[0]["mean"] == pytest.approx(b.mean())
    assert any("capped" in m for m in capped.messages)


def test_min_sample_guard_and_bad_input():
    res = analyze_experiment(tiny_frame(), variant_col="variant", metrics=["converted"])
    row = res.results.iloc[0]
    assert not row["significant"] and "at least 100" in row["message"]
    with pytest.raises(DataError, match="nope"):
        analyze_experiment(tiny_frame(), variant_col="variant", metrics=["nope"])
    with pytest.raises(DataError, match="numbers"):
        analyze_experiment(tiny_frame(), variant_col="variant", metrics=["segment"])
    with pytest.raises(DataError, match="Control"):
        analyze_experiment(tiny_frame(), variant_col="variant", metrics=["converted"], control="Z")
    one = tiny_frame().assign(variant="A")
    with pytest.raises(DataError, match="two variants"):
        analyze_experiment(one, variant_col="variant", metrics=["converted"])


def test_corrections_run_in_two_families():
    df = tiny_frame()
    res = analyze_experiment(
        df, variant_col="variant", metrics=["converted", "revenue"], segment_col="segment",
        correction="holm", min_n_per_arm=1,
    )  # fmt: skip
    r = res.results
    seg = r[r.segment.notna()]
    np.testing.assert_allclose(
        seg.p_adjusted, multipletests(seg.p_value, method="holm")[1], rtol=1e-12
    )
    top = r[r.segment.isna()]
    np.testing.assert_allclose(top.p_adjusted, multipletests(top.p_value, method="holm")[1])


def test_aggregates_and_json_contract():
    table = pd.DataFrame({"variant": ["A", "B"], "n": [1000, 900], "conversions": [100, 100]})
    res = analyze_aggregates(table, engine="bayesian")
    out = res.to_dict()
    json.dumps(out, allow_nan=False)
    assert set(out) >= {"srm_p_value", "results"}
    row = out["results"][0]
    contract = [
        "metric",
        "segment",
        "variant",
        "control",
        "n",
        "mean",
        "control_n",
        "control_mean",
        "lift",
        "ci_low",
        "ci_high",
        "abs_diff",
        "abs_ci_low",
        "abs_ci_high",
        "p_value",
        "p_adjusted",
        "chance_to_win",
    ]
    assert all(k in row for k in contract)
    assert row["segment"] is None and row["p_value"] is None
    assert sig4(row["chance_to_win"]) == 0.7851
    assert out["srm_p_value"] == pytest.approx(stats.chisquare([1000, 900]).pvalue)
    with pytest.raises(DataError, match="conversions"):
        analyze_aggregates(
            pd.DataFrame({"variant": ["A", "B"], "n": [10, 10], "conversions": [1, 20]})
        )
    means = pd.DataFrame(
        {"variant": ["A", "B"], "n": [15, 15], "sum": [sum(WELCH_A2), sum(WELCH_A1)],
         "sum_squares": [sum(v * v for v in WELCH_A2), sum(v * v for v in WELCH_A1)]}
    )  # fmt: skip
    r2 = analyze_aggregates(means, min_n_per_arm=2).results.iloc[0]
    assert round(r2["p_value"], 3) == 0.021


def test_verdict_sentence_and_csv_are_safe():
    df = tiny_frame()
    df["segment"] = df["segment"].map({"x": "=HYPERLINK(1)", "y": "bargain_hunter"})
    big = pd.concat([df] * 40, ignore_index=True)
    big["user_id"] = [f"u{i}" for i in range(len(big))]  # one row per user
    res = analyze_experiment(
        big, variant_col="variant", metrics=["converted"], segment_col="segment"
    )
    text = verdict(res)
    assert text.startswith("B raises converted by 150 % (95 % CI")
    assert "significant" in text
    csv = results_to_csv(res).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv and "\n=HYPERLINK" not in csv


def test_results_csv_download_is_written_by_safe_csv():
    """The Experiments CSV download goes through the one CSV writer (issue #14, item 19):
    a byte-order mark so Excel shows Chinese segment names, CRLF row ends, and a segment
    name holding a line break stays inside its cell."""
    import csv
    import io

    df = tiny_frame()
    df["segment"] = df["segment"].map({"x": "超级粉丝", "y": "Fans\rVIP"})
    res = analyze_experiment(
        df, variant_col="variant", metrics=["converted"], segment_col="segment"
    )
    data = results_to_csv(res)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["segment"] for r in rows} == {"", "超级粉丝", "Fans\rVIP"}


def test_join_segments_from_saved_run():
    labels = pd.Series({"u0": "S1", "u1": "S2"}, name="segment")
    out = join_segments(tiny_frame(), labels, names={"S1": "Bargain hunters"})
    assert out.loc[0, "segment"] == "Bargain hunters" and out.loc[1, "segment"] == "S2"
    assert out.loc[5, "segment"] == "(not in run)"


def test_planned_split_text_feeds_the_srm_check():
    table = pd.DataFrame({"variant": ["A", "B"], "n": [600, 400], "conversions": [60, 40]})
    assert analyze_aggregates(table).srm.flagged
    res = analyze_aggregates(table, planned_split="60/40")
    assert res.srm.p_value == pytest.approx(1.0) and not res.srm.flagged
    assert analyze_aggregates(table, planned_split="B=40, A=60").srm.p_value == pytest.approx(1.0)
    with pytest.raises(DataError, match="one share per variant"):
        analyze_aggregates(table, planned_split="50/25/25")


def test_three_variants_each_compared_with_the_chosen_control():
    rng = np.random.default_rng(5)
    n = 3000
    variant = rng.choice(["control", "v1", "v2"], n)
    rate = np.select([variant == "v1", variant == "v2"], [0.15, 0.10], 0.10)
    df = pd.DataFrame({"variant": variant, "converted": (rng.random(n) < rate).astype(int)})
    res = analyze_experiment(df, variant_col="variant", metrics=["converted"], control="control")
    assert res.variants == ("control", "v1", "v2")
    r = res.results.set_index("variant")
    for v in ("v1", "v2"):
        a, b = df[df.variant == "control"].converted, df[df.variant == v].converted
        ref = sm_test_proportions_2indep(b.sum(), len(b), a.sum(), len(a), method="wald")
        assert r.loc[v, "p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    np.testing.assert_allclose(
        r["p_adjusted"], multipletests(r["p_value"], method="holm")[1], rtol=1e-12
    )
    assert verdict(res).startswith("v1 raises converted")
    assert res.srm.expected == {"control": 1000.0, "v1": 1000.0, "v2": 1000.0}


def test_typed_totals_with_blank_cells_get_a_plain_message():
    blank = pd.DataFrame({"variant": ["A", "B"], "n": [1000, None], "conversions": [100, 90]})
    with pytest.raises(DataError, match="Row 2 \\(B\\): the number of users"):
        analyze_aggregates(blank)
    with pytest.raises(DataError, match="empty"):
        analyze_aggregates(pd.DataFrame({"variant": [], "n": [], "conversions": []}))


def test_sequential_p_value_is_the_inverse_e_value():
    # Waudby-Smith et al. (2023) eq. (155): e = exp(rho^2 S / (2 (N rho^2 + 1))) / sqrt(N rho^2 + 1)
    # with S = N d^2 / se^2; the always-valid p-value is min(1, 1 / e).
    c = SampleMean(3000, 30_000.0, 3000 * 100 + 2999 * 16)
    t = SampleMean(3200, 32_640.0, 32_640.0**2 / 3200 + 3199 * 17)
    res = sequential_test(c, t, tuning_n=5000)
    n, d = 6200, 32_640 / 3200 - 10
    se2 = 17 / 3200 + 16 / 3000
    rho2 = (-2 * math.log(0.05) + math.log(-2 * math.log(0.05) + 1)) / 5000
    e = math.exp(rho2 * n * d**2 / se2 / (2 * (n * rho2 + 1))) / math.sqrt(n * rho2 + 1)
    assert sig4(res.p_value) == sig4(min(1.0, 1 / e))


def _cells_table(name: str = "cell") -> pd.DataFrame:
    """20 cells x 2 variants of 2,000 users each; B converts (cell number) users more."""
    rows = [
        {name: f"c{i:02d}", "variant": v, "n": 2000, "conversions": 200 + (i if v == "B" else 0)}
        for i in range(20)
        for v in "AB"
    ]
    return pd.DataFrame(rows)


def test_aggregates_by_a_segment_column_not_named_segment():
    """Issue #14, item 11: the segment column of totals may have any name; the all-users
    comparison is the sum of the 20 cells (40,000 users per arm), not one of them."""
    res = analyze_aggregates(_cells_table(), segment_col="cell", min_n_per_arm=2)
    overall = res.results[res.results["segment"].isna()].iloc[0]
    assert (overall["n"], overall["control_n"]) == (40_000, 40_000)
    assert overall["mean"] == pytest.approx((20 * 200 + sum(range(20))) / 40_000)
    assert len(res.segments) == 20 and len(res.results) == 21
    assert res.srm.observed == {"A": 40_000, "B": 40_000}
    same = analyze_aggregates(_cells_table("segment"), min_n_per_arm=2)
    assert same.results["n"].tolist() == res.results["n"].tolist()


def test_aggregates_refuse_two_rows_for_one_variant():
    """Without a segment column, 20 rows per variant were read as one pair (the last row
    of each variant won): now refused with the rows named."""
    with pytest.raises(DataError, match=r"Rows 1 and 3 both give totals for variant A"):
        analyze_aggregates(_cells_table())
    with pytest.raises(DataError, match="'nope' is not in the data"):
        analyze_aggregates(_cells_table(), segment_col="nope")


def test_a_user_in_both_arms_is_left_out_and_reported():
    """Issue #14, item 10: rows are not users; a user seen in both arms is excluded."""
    df = tiny_frame()
    both = pd.DataFrame({"user_id": ["u0"], "variant": ["B"], "segment": ["x"], "converted": [1],
                         "revenue": [1.0], "pre": [1.0]})  # fmt: skip
    res = analyze_experiment(pd.concat([df, both]), variant_col="variant", metrics=["converted"])
    row = res.results.iloc[0]
    assert (row["n"], row["control_n"]) == (6, 5)  # u0 (A, then B) counted in neither
    assert res.mixed_users == ("u0",) and res.srm.observed == {"A": 5, "B": 6}
    assert any(
        "1 user was found in more than one variant (e.g. 'u0') and left out" in m
        for m in res.messages
    )
    assert res.to_dict()["users_in_several_variants"] == 1


def test_one_id_repeated_over_both_arms_is_not_250_vs_250_users():
    """The issue's case: one id on 500 rows across A and B is one user, in both arms."""
    df = pd.DataFrame({"user_id": ["u1"] * 500, "variant": ["A", "B"] * 250,
                       "converted": [0, 1] * 250})  # fmt: skip
    with pytest.raises(DataError, match="Every user in 'user_id' appears in more than one"):
        analyze_experiment(df, variant_col="variant", metrics=["converted"])


def test_a_user_on_several_rows_of_one_arm_is_refused():
    df = pd.concat([tiny_frame(), tiny_frame().iloc[[2]]], ignore_index=True)
    with pytest.raises(DataError, match="User 'u2' is on 2 rows but experiment data needs one"):
        analyze_experiment(df, variant_col="variant", metrics=["converted"])
    # a named id column that is not called user_id, and opting out of the check
    renamed = df.rename(columns={"user_id": "member"})
    with pytest.raises(DataError, match="User 'u2'"):
        analyze_experiment(renamed, variant_col="variant", metrics=["converted"], user_col="member")
    res = analyze_experiment(renamed, variant_col="variant", metrics=["converted"])
    assert res.results.iloc[0]["control_n"] == 7  # no id column found: each row is a user


def test_power_edges_give_a_number_or_a_sentence():
    """A change of 5 standard deviations needs the smallest group (the solver returned NaN
    and the CLI crashed); NaN traffic or a single arm is refused (issue #14, item 14)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no solver or NumPy warning on the way
        assert sample_size_means(20, 100) == 2
        assert sample_size_means(20, 5) == 252
    with pytest.raises(DataError, match="Daily users"):
        days_needed(100, daily_users=float("nan"))
    with pytest.raises(DataError, match="arms=1"):
        days_needed(100, daily_users=10, arms=1)
