"""CLV: the published CDNOW fits, the RFM summary in SQL, and the per-segment totals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.errors import DataError
from core.personas import clv, clv_models

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "cdnow_summary.csv"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """CDNOW sample, 2,357 customers, weeks (see tests/fixtures/CDNOW_ATTRIBUTION.md)."""
    return pd.read_csv(FIXTURE)


def test_bgnbd_matches_fader_hardie_lee_2005(cdnow):
    fit = clv_models.fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    # Published: r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4 (FHL 2005, p. 279).
    assert round(fit.r, 3) == 0.243
    assert round(fit.alpha, 3) == 4.414
    assert round(fit.a, 3) == 0.793
    assert round(fit.b, 3) == 2.426
    assert round(fit.log_likelihood, 1) == -9582.4
    assert fit.n_customers == 2357


def test_bgnbd_log_likelihood_at_published_parameters(cdnow):
    ll = clv_models.bgnbd_log_likelihood(
        (0.243, 4.414, 0.793, 2.426), cdnow["x"], cdnow["t_x"], cdnow["T"]
    )
    assert round(float(ll.sum()), 1) == -9582.4


def test_conditional_expectation_of_the_papers_example_customer():
    # FHL 2005 section 4: x=2, t_x=30.43, T=38.86 -> 1.226 purchases in the next 39 weeks.
    params = clv_models.BetaGeoParams(0.243, 4.414, 0.793, 2.426)
    assert round(float(clv_models.expected_purchases(params, 39, 2, 30.43, 38.86)), 3) == 1.226
    # No repeat purchase: P(alive) is 1 by definition of the model.
    assert clv_models.p_alive(params, [0], [0.0], [38.86])[0] == 1.0


def test_mbgnbd_matches_btydplus_on_cdnow(cdnow):
    # Published MBG/NBD fit of the CDNOW sample (BTYDplus, as in lifetimes' tests):
    # r=0.525, alpha=6.183, a=0.891, b=1.614.
    fit = clv_models.fit_mbgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])
    published = (0.525, 6.183, 0.891, 1.614)
    assert np.allclose((fit.r, fit.alpha, fit.a, fit.b), published, atol=1.5e-3)
    assert fit.n_customers == 2357


def test_mbgnbd_p_alive_of_one_time_buyers_is_below_one_and_falls_with_time():
    params = clv_models.BetaGeoParams(0.525, 6.183, 0.891, 1.614)
    alive = clv_models.p_alive_mbgnbd(params, [0, 0, 0], [0.0, 0.0, 0.0], [1.0, 10.0, 38.86])
    assert (alive < 1).all() and alive[0] > alive[1] > alive[2]
    # closed form at x=0, t_x=0: 1 / (1 + a/b ((alpha+T)/alpha)^r)
    expected = 1 / (1 + 0.891 / 1.614 * ((6.183 + 38.86) / 6.183) ** 0.525)
    assert alive[2] == pytest.approx(expected, rel=1e-12)


def test_lapsed_buyers_are_not_likely_still_active():
    # 200 weekly buyers still buying; 60 who bought once 12 weeks ago and 60 who bought
    # on 3 days in the first 10 days, then nothing for 74 days.
    x = np.r_[np.full(200, 12), np.full(60, 0), np.full(60, 2)]
    tx = np.r_[np.full(200, 84.0), np.zeros(60), np.full(60, 10.0)]
    summary = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(320)],
            "frequency": x,
            "recency": tx,
            "T": np.full(320, 84.0),
            "monetary_value": np.where(x > 0, 20.0, 0.0),
        }
    )
    table = clv.fit_clv(summary).table
    labels = pd.Series(["active"] * 200 + ["lapsed"] * 120, index=summary["user_id"])
    seg = clv.segment_clv(table, labels)
    assert seg.loc["active", "p_alive_mean"] > 0.9
    assert seg.loc["lapsed", "p_alive_mean"] < 0.2  # plain BG/NBD says 0.57 (1 for x=0)


def test_gamma_gamma_matches_fader_hardie_2013(cdnow):
    fit = clv_models.fit_gamma_gamma(cdnow["x"], cdnow["zbar"])
    # Published: p=6.25, q=3.74, v=15.44 (Fader & Hardie 2013, "The Gamma-Gamma Model").
    # The likelihood is flat along p*v/(q-1), so allow one unit in the last published digit.
    assert fit.p == pytest.approx(6.25, abs=0.01)
    assert fit.q == pytest.approx(3.74, abs=0.01)
    assert fit.v == pytest.approx(15.44, abs=0.01)
    published = clv_models.gamma_gamma_log_likelihood(
        (6.25, 3.74, 15.44), cdnow["x"], cdnow["zbar"]
    )
    ours = clv_models.gamma_gamma_log_likelihood((fit.p, fit.q, fit.v), cdnow["x"], cdnow["zbar"])
    mask = cdnow["x"] > 0
    assert float(ours[mask].sum()) == pytest.approx(float(published[mask].sum()), abs=0.05)
    assert fit.n_customers == 946
    # Mean spend of the population p v / (q - 1) is about $35.
    assert round(fit.p * fit.v / (fit.q - 1), 0) == 35


def test_expected_order_value_formula():
    params = clv_models.GammaGammaParams(6.25, 3.74, 15.44)
    # p (v + x m) / (p x + q - 1) for x=2, m=22.35
    expected = 6.25 * (15.44 + 2 * 22.35) / (6.25 * 2 + 3.74 - 1)
    assert clv_models.expected_order_value(params, [2], [22.35])[0] == pytest.approx(expected)


def test_simulation_recovers_known_bgnbd_parameters():
    rng = np.random.default_rng(3)
    r, alpha, a, b = 0.5, 8.0, 0.8, 2.5
    n, horizon = 4000, 52.0
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    tx = np.zeros(n)
    # Simulate each customer's repeat purchases until drop-out or the horizon (BG/NBD story).
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > horizon:
                break
            x[i] += 1
            tx[i] = t
            if rng.random() < p[i]:
                break
    fit = clv_models.fit_bgnbd(x, tx, np.full(n, horizon))
    assert fit.r == pytest.approx(r, rel=0.2)
    assert fit.alpha == pytest.approx(alpha, rel=0.3)
    assert fit.a == pytest.approx(a, rel=0.4)
    assert fit.b == pytest.approx(b, rel=0.5)


EVENTS = pd.DataFrame(
    {
        "user_id": ["a", "a", "a", "a", "b", "c"],
        "timestamp": [
            "2025-01-01 10:00",
            "2025-01-01 12:00",
            "2025-01-05 09:00",
            "2025-01-11 09:00",
            "2025-01-03 09:00",
            "2025-01-04 09:00",
        ],
        "event_type": ["purchase", "purchase", "purchase", "purchase", "purchase", "view"],
        "amount": [10.0, 5.0, 20.0, 30.0, 7.0, None],
    }
)


def test_rfm_summary_counts_repeat_purchase_days():
    out = clv.rfm_summary(EVENTS)
    assert out["user_id"].tolist() == ["a", "b"]  # c never bought
    a = out.iloc[0]
    # Purchase days 01-01 (15), 01-05 (20), 01-11 (30): frequency 2, recency 10, T 10 days
    assert (a["frequency"], a["recency"], a["T"], a["monetary_value"]) == (2, 10.0, 10.0, 25.0)
    b = out.iloc[1]
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 8.0, 0.0)


def test_rfm_summary_as_of_and_weeks():
    out = clv.rfm_summary(EVENTS, as_of="2025-01-08", time_unit="W")
    a = out.iloc[0]
    assert a["frequency"] == 1
    assert a["recency"] == pytest.approx(4 / 7)
    assert a["T"] == pytest.approx(7 / 7)
    assert a["monetary_value"] == 20.0


def test_rfm_summary_on_an_engine_matches_the_frame(tmp_path):
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'ev.duckdb'}")
    frame = EVENTS.assign(timestamp=pd.to_datetime(EVENTS["timestamp"]))
    with engine.begin() as conn:
        frame.to_sql("events", conn, index=False)
    pd.testing.assert_frame_equal(clv.rfm_summary(engine), clv.rfm_summary(EVENTS))


def test_bad_inputs_raise_plain_errors():
    with pytest.raises(DataError, match="Time unit"):
        clv.rfm_summary(EVENTS, time_unit="Y")
    with pytest.raises(DataError, match="at least 2 customers"):
        clv_models.fit_bgnbd([1], [1.0], [2.0])
    with pytest.raises(DataError, match="impossible"):
        clv_models.fit_bgnbd([1, 1], [5.0, 1.0], [2.0, 2.0])


def test_fit_clv_scores_every_customer_and_segment_totals(cdnow):
    summary = cdnow.rename(
        columns={"ID": "user_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    ).assign(user_id=lambda d: d["user_id"].astype(str))
    before = summary.copy()
    res = clv.fit_clv(summary, time_unit="W", horizon_months=12, discount_rate=0.0)
    pd.testing.assert_frame_equal(summary, before)  # input not mutated
    t = res.table
    assert len(t) == 2357
    assert t["p_alive"].between(0, 1).all()
    assert (t["clv"] >= 0).all()
    # Undiscounted CLV = expected purchases over the horizon x expected order value.
    assert np.allclose(t["clv"], t["expected_purchases"] * t["expected_order_value"], rtol=1e-9)
    params = res.params_dict()
    assert set(params["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(params["gamma_gamma"]) == {"p", "q", "v"}
    labels = pd.Series(np.where(t.index % 2 == 0, "S1", "S2"), index=t["user_id"])
    seg = clv.segment_clv(t, labels)
    assert seg["customers"].sum() == 2357
    assert seg["clv_total"].sum() == pytest.approx(t["clv"].sum())


def test_discounting_lowers_value(cdnow):
    summary = cdnow.rename(
        columns={"ID": "user_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    )
    simple = clv.fit_clv(summary, time_unit="W", discount_rate=0.0).table["clv"].sum()
    discounted = clv.fit_clv(summary, time_unit="W", discount_rate=0.01).table["clv"].sum()
    assert discounted < simple


def test_cli_clv_writes_values_and_params(tmp_path):
    import json

    from core.__main__ import main
    from tests.conftest import ROOT

    out, params = tmp_path / "clv.csv", tmp_path / "params.json"
    code = main(
        [
            "clv",
            str(ROOT / "sample_data" / "events.csv"),
            "--time-unit",
            "W",
            "--out",
            str(out),
            "--params-out",
            str(params),
        ]
    )
    assert code == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns) == [
        "user_id", "frequency", "recency", "T", "monetary_value",
        "p_alive", "expected_purchases", "expected_order_value", "clv",
    ]  # fmt: skip
    p = json.loads(params.read_text(encoding="utf-8"))
    assert set(p["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert p["gamma_gamma"] is None or set(p["gamma_gamma"]) == {"p", "q", "v"}
    assert p["time_unit"] == "W"


LOG = Path(__file__).resolve().parents[1] / "fixtures" / "cdnow_sample_log.txt"


@pytest.fixture(scope="module")
def cdnow_events(tmp_path_factory) -> Path:
    """The CDNOW transaction log as an events CSV (one purchase per line of the log)."""
    log = pd.read_csv(
        LOG, sep=r"\s+", header=None, names=["master_id", "id", "date", "cds", "dollars"]
    )
    path = tmp_path_factory.mktemp("cdnow") / "cdnow_events.csv"
    pd.DataFrame({"user_id": log["id"], "timestamp": log["date"], "event_type": "purchase"}).assign(
        amount=log["dollars"]
    ).to_csv(path, index=False)
    return path


def _cli_clv(events: Path, tmp_path: Path, *extra: str) -> dict:
    from core.__main__ import main

    params = tmp_path / "params.json"
    argv = ["clv", str(events), "--as-of", "1997-09-30", "--time-unit", "W"]
    argv += ["--out", str(tmp_path / "clv.csv"), "--params-out", str(params), *extra]
    assert main(argv) == 0
    return json.loads(params.read_text())


def test_cli_on_the_cdnow_log_keeps_repeated_orders_and_reproduces_the_published_fit(
    cdnow_events, tmp_path
):
    # The log repeats 21 lines exactly (same customer, day, CDs and dollars): real orders.
    params = _cli_clv(cdnow_events, tmp_path)
    bgnbd, gg = params["bgnbd"], params["gamma_gamma"]
    assert [round(bgnbd[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert gg["p"] == pytest.approx(6.25, abs=0.01)
    assert gg["q"] == pytest.approx(3.74, abs=0.01)
    assert gg["v"] == pytest.approx(15.44, abs=0.01)


def test_cli_drops_the_repeated_orders_only_when_asked(cdnow_events, tmp_path):
    gg = _cli_clv(cdnow_events, tmp_path, "--drop-duplicates")["gamma_gamma"]
    # Without the 21 repeated orders the spend per customer is lower: the fit moves away.
    assert gg["v"] == pytest.approx(15.35, abs=0.01)
    assert gg["p"] == pytest.approx(6.276, abs=0.001)
