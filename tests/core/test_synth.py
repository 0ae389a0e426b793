"""Tests for core.data.synth: determinism, contracts, planted personas, experiment, CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import (
    CANONICAL_EVENT_TYPES,
    CANONICAL_PLATFORMS,
    EVENT_FIELDS,
    PERSONA_NAMES,
    PERSONAS,
    SAMPLE_FILES,
    generate,
    write_sample,
)
from core.errors import DataError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def data():
    return generate(n_users=1500, days=90, seed=7)


def test_same_seed_gives_identical_frames(data):
    again = generate(n_users=1500, days=90, seed=7)
    for name in ("events", "users", "experiment", "truth", "campaign_costs"):
        first, second = getattr(data, name), getattr(again, name)
        # DataFrame.equals: exact values, NaN == NaN, and ~1000x faster than
        # assert_frame_equal on categorical columns.
        assert first.equals(second), name
        assert list(first.dtypes) == list(second.dtypes), name


def test_other_seed_gives_other_data(data):
    other = generate(n_users=1500, days=90, seed=8)
    assert not other.truth["persona"].equals(data.truth["persona"])


def test_events_columns_are_canonical(data):
    ev = data.events
    assert list(ev.columns) == list(EVENT_FIELDS)
    assert pd.api.types.is_datetime64_any_dtype(ev["timestamp"])
    # Grouped by user, in time order within each user.
    codes = ev["user_id"].cat.codes.to_numpy()
    assert (np.diff(codes) >= 0).all()
    same_user = np.diff(codes) == 0
    assert (np.diff(ev["timestamp"].to_numpy())[same_user] >= np.timedelta64(0, "s")).all()
    assert set(ev["event_type"].unique()) <= set(CANONICAL_EVENT_TYPES)
    assert set(ev["platform"].unique()) <= set(CANONICAL_PLATFORMS)
    assert set(ev["content_format"].dropna().unique()) <= {"text_image", "video", "live", "article"}
    assert ev[["user_id", "timestamp", "event_type", "platform"]].notna().all().all()
    first, last = ev["timestamp"].min(), ev["timestamp"].max()
    assert first >= pd.Timestamp("2025-09-01")
    assert last < pd.Timestamp("2025-09-01") + pd.Timedelta(days=90)


def test_amount_only_on_purchases_text_only_on_comments(data):
    ev = data.events
    purchase = ev["event_type"] == "purchase"
    assert ev.loc[purchase, "amount"].notna().all()
    assert (ev.loc[purchase, "amount"] > 0).all()
    assert ev.loc[~purchase, "amount"].isna().all()
    comment = ev["event_type"] == "comment"
    assert ev.loc[comment, "text"].notna().all()
    assert ev.loc[~comment, "text"].isna().all()
    texts = ev.loc[comment, "text"].astype(str)
    assert texts.str.contains(r"[\u4e00-\u9fff]").any()
    assert texts.str.contains(r"^[A-Za-z]").any()


def test_every_user_has_events_and_a_users_row(data):
    ids = set(data.truth["user_id"])
    assert len(ids) == 1500
    assert set(data.events["user_id"].astype(str).unique()) == ids
    assert list(data.users["user_id"]) == list(data.truth["user_id"])
    assert data.users["user_id"].iloc[0] == "u00001"


def test_users_columns(data):
    users = data.users
    assert list(users.columns) == [
        "user_id",
        "age",
        "gender",
        "region",
        "occupation",
        "income",
        "interests",
        "followers",
        "signup_date",
        "skin_type",
    ]
    assert users["age"].between(16, 80).all()
    assert set(users["income"].unique()) <= {"low", "lower-middle", "middle", "high"}
    assert (users["followers"] >= 0).all()
    assert (users["signup_date"] < pd.Timestamp("2025-09-01")).all()
    assert users["interests"].str.len().gt(0).all()


def test_persona_shares_match_the_plan(data):
    shares = data.truth["persona"].value_counts(normalize=True)
    assert set(shares.index) == set(PERSONA_NAMES)
    for p in PERSONAS:
        assert shares[p.name] == pytest.approx(p.share, abs=0.01)


def test_personas_behave_as_planted(data):
    ev = data.events.assign(user_id=data.events["user_id"].astype(str))
    persona = data.truth.set_index("user_id")["persona"]
    counts = pd.crosstab(ev["user_id"], ev["event_type"].astype(str))
    by = counts.groupby(persona.loc[counts.index]).median()
    last = ev.groupby("user_id")["timestamp"].max()
    recency = (ev["timestamp"].max() - last).dt.days.groupby(persona.loc[last.index]).min()
    # Dormant users are silent for the last 45+ days; everyone else is still around.
    assert recency["dormant"] >= 45
    assert by.loc["kol_sharer", "share"] > 5 * by.drop("kol_sharer")["share"].max()
    assert by.loc["bargain_hunter", "purchase"] == by["purchase"].max()
    assert by.loc["lurker", "like"] <= 2 and by.loc["lurker", "view"] > 30
    spend = ev.groupby("user_id")["amount"].mean().groupby(persona).median()
    assert spend.idxmax() == "big_spender"
    followers = data.users.set_index("user_id")["followers"].groupby(persona).median()
    assert followers.idxmax() == "kol_sharer"
    # Rhythm: fans in the evening, bargain hunters at weekends, big spenders on weekdays.
    who = persona.loc[ev["user_id"]].to_numpy()
    evening = (ev["timestamp"].dt.hour >= 18).groupby(who).mean()
    weekend = (ev["timestamp"].dt.day_of_week >= 5).groupby(who).mean()
    assert evening.idxmax() == "engaged_fan"
    assert weekend.idxmax() == "bargain_hunter" and weekend["bargain_hunter"] > 0.45
    assert weekend.idxmin() == "big_spender"
    # Platform mix: big spenders on WeChat + Xiaohongshu, young KOLs on Douyin/Instagram.
    mix = pd.crosstab(who, ev["platform"].astype(str), normalize="index")
    assert (mix["wechat"] + mix["xiaohongshu"]).idxmax() == "big_spender"
    assert (mix["douyin"] + mix["instagram"]).loc["kol_sharer"] > 0.4


def test_experiment_effect_is_planted(data):
    exp = data.experiment
    assert list(exp.columns) == [
        "user_id",
        "variant",
        "converted",
        "revenue",
        "pre_revenue",
        "segment",
    ]
    assert set(exp["variant"]) == {"A", "B"}
    assert exp["variant"].eq("B").mean() == pytest.approx(0.5, abs=0.05)
    assert set(exp["converted"].unique()) <= {0, 1}
    assert (exp.loc[exp["converted"] == 0, "revenue"] == 0).all()
    assert exp["segment"].equals(data.truth["persona"])
    assert np.corrcoef(exp["pre_revenue"], exp["revenue"])[0, 1] > 0.1


def test_experiment_lift_direction_on_a_large_sample():
    exp = generate(n_users=12_000, days=14, seed=3).experiment
    rate = exp.groupby(["segment", "variant"])["converted"].mean().unstack()
    overall = exp.groupby("variant")["converted"].mean()
    lift = overall["B"] / overall["A"] - 1
    assert 0.15 < lift < 0.45  # planted overall effect about +30 % (core.data.synth PERSONAS)
    seg_lift = rate["B"] / rate["A"] - 1
    assert seg_lift.idxmax() == "bargain_hunter"
    assert abs(seg_lift["lurker"]) < 0.15


def test_campaign_costs_cover_tagged_campaigns(data):
    costs = data.campaign_costs
    assert list(costs.columns) == ["campaign", "platform", "period_start", "period_end", "cost"]
    assert (costs["cost"] > 0).all()
    tagged = set(data.events["campaign"].dropna().astype(str).unique())
    assert tagged == set(costs["campaign"])
    assert {"autumn_sale_A", "autumn_sale_B"} <= tagged


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_users": 0},
        {"n_users": -5},
        {"n_users": 2.5},
        {"days": 3},
        {"seed": -1},
        {"start": "soon"},
    ],
)
def test_bad_arguments_raise_data_error(kwargs):
    with pytest.raises(DataError):
        generate(**kwargs)


def test_write_sample_writes_every_file(tmp_path):
    written = write_sample(tmp_path / "out", n_users=60, days=30, seed=1)
    assert set(written) == set(SAMPLE_FILES)
    events = pd.read_csv(written["events.csv"])
    assert list(events.columns) == list(EVENT_FIELDS)
    assert events["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert events["timestamp"].is_monotonic_increasing  # files come in time order
    users = pd.read_csv(written["users.csv"])
    assert users["signup_date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()


def test_cli_sample_module(tmp_path, capsys):
    from core.cli import sample

    parser = argparse.ArgumentParser()
    sample.add_arguments(parser)
    sample.run(parser.parse_args(["--users", "50", "--days", "20", "--out", str(tmp_path)]))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SAMPLE_FILES)
    assert "events.csv" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # refused by the option type, before any work
        parser.parse_args(["--users", "0", "--out", str(tmp_path)])
    assert "--users: '0' should be a whole number of at least 1" in capsys.readouterr().err


def test_python_m_core_sample(tmp_path, capsys):
    from core.__main__ import main

    out = tmp_path / "cli"
    assert main(["sample", "--users", "40", "--days", "20", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(SAMPLE_FILES)
    capsys.readouterr()
    assert main(["sample", "--users", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--users" in err and "Traceback" not in err
    assert main(["sample", "--users", "10", "--days", "5", "--out", str(out)]) == 2
    assert "days" in capsys.readouterr().err
    (tmp_path / "file.txt").write_text("x")
    assert main(["sample", "--users", "10", "--out", str(tmp_path / "file.txt")]) == 2
    assert "folder" in capsys.readouterr().err


def test_shipped_sample_is_the_default_generation():
    folder = ROOT / "sample_data"
    for name in (*SAMPLE_FILES, "data_dictionary.md"):
        assert (folder / name).exists(), name
    assert (folder / "events.csv").stat().st_size < 12_000_000
    truth = pd.read_csv(folder / "truth.csv")
    pd.testing.assert_frame_equal(truth, generate().truth)
