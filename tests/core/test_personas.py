"""Persona cards: traits on a hand-made frame, names, privacy, records, compare, acceptance."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats

from core import personas as P
from core.schema import DataError


def _frame() -> tuple[pd.DataFrame, pd.Series]:
    """A: 12 sharers (5,6,7 shares), B: 12 users (0,1,2 shares); same spend; gender skew."""
    a_share = [5, 6, 7] * 4
    b_share = [0, 1, 2] * 4
    features = pd.DataFrame(
        {
            "user_id": [f"a{i}" for i in range(12)] + [f"b{i}" for i in range(12)],
            "n_share": a_share + b_share,
            "monetary": [10.0] * 24,
            "gender": ["female"] * 9 + ["male"] * 3 + ["female"] * 3 + ["male"] * 9,
        }
    )
    labels = pd.Series(["A"] * 12 + ["B"] * 12, index=features["user_id"], name="segment")
    return features, labels


def test_trait_table_exact_values():
    features, labels = _frame()
    before = features.copy()
    table = P.trait_table(features, labels)
    pd.testing.assert_frame_equal(features, before)  # input not mutated
    row = table[(table["segment"] == "A") & (table["feature"] == "n_share")].iloc[0]
    a = np.array([5, 6, 7] * 4, dtype=float)
    b = np.array([0, 1, 2] * 4, dtype=float)
    assert row["value"] == 6.0
    assert row["population_value"] == 3.5
    assert row["rest_value"] == 1.0
    assert row["lift"] == pytest.approx(6.0 / 3.5)
    pooled = np.sqrt(((11 * a.var(ddof=1)) + (11 * b.var(ddof=1))) / 22)
    assert row["effect_size"] == pytest.approx(5.0 / pooled)
    assert row["p_value"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    spend = table[(table["segment"] == "A") & (table["feature"] == "monetary")].iloc[0]
    assert (spend["lift"], spend["effect_size"], spend["p_value"]) == (1.0, 0.0, 1.0)
    # BH over the 4 tests (2 segments x 2 features): p-values 1, 1, p, p -> adjusted p*4/2
    assert row["p_adjusted"] == pytest.approx(min(1.0, row["p_value"] * 4 / 2))


def test_build_personas_traits_names_and_privacy():
    features, labels = _frame()
    out = P.build_personas(features, labels, min_group_size=3)
    assert [p.segment for p in out] == ["A", "B"]
    a = out[0]
    assert (a.size, a.share) == (12, 0.5)
    assert [t.feature for t in a.traits] == ["n_share"]
    assert a.traits[0].direction == "higher"
    assert a.traits[0].phrase == "shares 71% more than average"
    assert a.category_traits[0].attribute == "gender"
    assert a.category_traits[0].category == "female"
    assert a.category_traits[0].lift == pytest.approx(1.5)
    assert a.demographics["gender"] == (("female", 0.75, 9), ("male", 0.25, 3))
    assert a.name == "Sharers"
    assert out[1].traits[0].phrase == "shares 3.5x less than average"
    assert len({p.name for p in out}) == 2


def test_small_breakdowns_are_hidden():
    features, labels = _frame()
    out = P.build_personas(features, labels, min_group_size=10)
    a = out[0]
    assert a.demographics == {}  # female 9 and male 3 are both under 10 users
    assert "Gender: 2 categories hidden: fewer than 10 users" in a.hidden
    tiny = P.build_personas(features, labels.replace({"B": "A"}).where(labels.index != "b0", "C"))
    small = [p for p in tiny if p.segment == "C"][0]
    assert small.is_hidden and small.traits == () and small.size == 1
    assert small.hidden == ("Everything except the size: hidden: fewer than 10 users",)


def test_trait_phrases():
    assert P.trait_phrase("n_share", 6.0, 12.0, 2.0) == "shares 6x more than average"
    assert P.trait_phrase("monetary", 0.25, 5.0, 20.0) == "spends 4x less than average"
    assert P.trait_phrase("n_comment", 0.01, 0.01, 1.0) == "almost never comments"
    assert P.trait_phrase("recency_days", 6.0, 60.0, 10.0) == (
        "was last seen 60 days ago on average (6x the average 10)"
    )
    assert P.trait_phrase("platform_share_douyin", 2.0, 0.6, 0.3) == (
        "is active on Douyin 2x more than average"
    )


def _trait(feature, direction, lift):
    return P.Trait(feature, feature, 1.0, 1.0, lift, 1.0, 0.0, 0.0, direction, "")


def test_auto_name_from_top_traits():
    traits = [
        _trait("monetary", "higher", 5.0),
        _trait("weekend_share", "higher", 1.6),
        _trait("format_share_video", "higher", 2.0),
        _trait("frequency", "higher", 3.0),
    ]
    assert P.auto_name(traits) == "High-value weekend video repeat buyers"
    assert P.auto_name([_trait("n_share", "higher", 1.1)]) == "Users"  # too weak to name
    assert P.auto_name([_trait("recency_days", "higher", 6.0)]) == "Lapsed users"
    assert P._unique_names({"S1": "Fans", "S2": "Fans", "S3": "Buyers"}) == {
        "S1": "Fans (S1)",
        "S2": "Fans (S2)",
        "S3": "Buyers",
    }


def test_records_match_the_json_contract():
    features, labels = _frame()
    recs = P.personas_to_records(
        P.build_personas(features, labels, min_group_size=3), {"A": "Our sharers"}
    )
    json.dumps(recs)  # JSON-safe (no NaN, numpy or tuples)
    assert recs[0]["name"] == "Our sharers" and recs[0]["auto_name"] == "Sharers"
    for key in ("segment", "name", "size", "share", "traits", "kpis", "recommendations"):
        assert key in recs[0]
    assert set(recs[0]["traits"][0]) >= {"feature", "value", "population_value", "lift"}
    assert all(isinstance(r, str) for r in recs[0]["recommendations"])


def test_compare_segments_is_tested_and_corrected():
    features, labels = _frame()
    out = P.compare_segments(features, labels, "A", "B", min_group_size=3).set_index("feature")
    assert out.loc["n_share", "significant"]
    assert out.loc["n_share", "ratio"] == 6.0
    assert not out.loc["monetary", "significant"]
    assert "gender=female" in out.index or "gender=male" in out.index
    assert (out["p_adjusted"] >= out["p_value"]).all()
    with pytest.raises(DataError, match="at least 20 users"):
        P.compare_segments(features, labels, "A", "B", min_group_size=20)
    with pytest.raises(DataError, match="no segment"):
        P.compare_segments(features, labels, "A", "Z", min_group_size=3)


def test_validation_messages():
    features, labels = _frame()
    with pytest.raises(DataError, match="no segment labels"):
        P.build_personas(features, labels.iloc[0:0])
    with pytest.raises(DataError, match="another dataset"):
        P.build_personas(features, pd.Series(["A"], index=["zz"]))


# --------------------------------------------------------------------------- sample data


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The bundled sample's generator (2,000 users, seed 7) on a DuckDB file + features."""
    from core.features import build_features
    from core.synth import generate

    data = generate(n_users=2000, days=90, seed=7)
    path = tmp_path_factory.mktemp("personas") / "sample.duckdb"
    engine = sa.create_engine(f"duckdb:///{path}")
    events = data.events.astype({c: "str" for c in ("user_id", "event_type")})
    for col in ("platform", "content_id", "content_format", "campaign", "text"):
        events[col] = events[col].astype(object).where(events[col].notna(), None)
    with engine.begin() as conn:
        conn.connection.dbapi_connection.register("ev_frame", events)
        conn.exec_driver_sql("CREATE TABLE events AS SELECT * FROM ev_frame")
        conn.connection.dbapi_connection.register("us_frame", data.users.astype({"user_id": "str"}))
        conn.exec_driver_sql("CREATE TABLE users AS SELECT * FROM us_frame")
    features = build_features(engine)
    truth = data.truth.set_index("user_id")["persona"]
    try:
        from core.segmentation import SegmentParams, segment

        labels = segment(features, SegmentParams(k=6, seed=0)).labels
    except ImportError:  # segmentation not available: the planted personas as segments
        labels = truth.rename("segment")
    return engine, features, labels, truth


SIGNATURES = {
    "kol_sharer": [("n_share", "higher"), ("followers", "higher")],
    "big_spender": [("monetary", "higher"), ("avg_order_value", "higher")],
    "dormant": [("recency_days", "higher")],
    "lurker": [("engagement_rate", "lower")],
    "bargain_hunter": [("frequency", "higher")],
    "engaged_fan": [("engagement_rate", "higher"), ("n_like", "higher"), ("n_comment", "higher")],
}


def test_each_planted_persona_is_recognisable_from_its_card(sample):
    engine, features, labels, truth = sample
    cards = {p.segment: p for p in P.build_personas(features, labels, engine=engine)}
    overlap = pd.crosstab(labels, truth.reindex(labels.index))
    for persona, signature in SIGNATURES.items():
        best = overlap[persona].idxmax()  # the segment holding most of this persona
        top = [(t.feature, t.direction) for t in cards[best].traits[:5]]
        assert any(s in top for s in signature), (persona, best, top)
    lurkers = cards[overlap["lurker"].idxmax()]
    n_view = P.trait_table(features, labels)
    row = n_view[(n_view["segment"] == lurkers.segment) & (n_view["feature"] == "n_view")].iloc[0]
    assert row["value"] > row["population_value"]  # lurkers view more than average


def test_sample_cards_have_event_breakdowns_and_actions(sample):
    engine, features, labels, truth = sample
    cards = P.build_personas(features, labels, engine=engine)
    assert len({c.name for c in cards}) == len(cards)
    for card in cards:
        assert card.heatmap and card.platform_mix and card.recommendations and card.kpis
        assert all(e is None or e > 0 for _, _, e in card.heatmap)
        assert card.best_times
    sharers = [c for c in cards if c.traits and c.traits[0].feature == "n_share"][0]
    assert any(r.rule.startswith("influential") for r in sharers.recommendations)
    json.dumps(P.personas_to_records(cards), ensure_ascii=False)
    # the cheap names for the map legend are the cards' names, in the cards' order
    assert P.persona_names(features, labels) == {c.segment: c.name for c in cards}


def test_persona_names_match_cards_including_small_groups():
    features, labels = _frame()
    labels = labels.where(labels.index != "b0", "C")
    cards = P.build_personas(features, labels, min_group_size=3)
    names = P.persona_names(features, labels, min_group_size=3)
    assert list(names) == ["A", "B", "C"]
    assert names == {c.segment: c.name for c in cards}
    assert names["C"] == "Small group C" and names["A"] == "Sharers"


# --------------------------------------------------------------------------- CLI


def test_cli_personas_writes_the_json_contract(tmp_path):
    from core.__main__ import main
    from tests.conftest import ROOT

    # A 400-user slice of the bundled sample keeps the test fast.
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str).head(400)
    events = pd.read_csv(ROOT / "sample_data" / "events.csv", dtype=str)
    events = events[events["user_id"].isin(truth["user_id"])]
    events_path = tmp_path / "events.csv"
    events.to_csv(events_path, index=False)
    segments = tmp_path / "segments.csv"
    truth.rename(columns={"persona": "segment"})[["user_id", "segment"]].to_csv(
        segments, index=False
    )
    out = tmp_path / "personas.json"
    code = main(
        [
            "personas",
            str(events_path),
            "--segments",
            str(segments),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert {r["segment"] for r in records} == set(truth["persona"])
    for r in records:
        assert {"segment", "name", "size", "share", "traits", "kpis", "recommendations"} <= set(r)


def test_cli_personas_bad_segments_file_exits_2(tmp_path, capsys):
    from core.__main__ import main
    from tests.conftest import ROOT

    bad = tmp_path / "segments.csv"
    bad.write_text("id,group\n1,A\n", encoding="utf-8")
    code = main(
        [
            "personas",
            str(ROOT / "sample_data" / "events.csv"),
            "--segments",
            str(bad),
            "--out",
            str(tmp_path / "p.json"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "user_id and segment" in err and "Traceback" not in err


# --------------------------------------------------------------------------- issue 14.12


def _engine_with_events(tmp_path, events: pd.DataFrame):
    """A DuckDB file with only an events table (no users file), every canonical column."""
    events = events.copy()
    for col in ("platform", "content_id", "content_format", "campaign", "text"):
        if col not in events:
            events[col] = pd.Series([None] * len(events), dtype=object)
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'events.duckdb'}")
    with engine.begin() as conn:
        conn.connection.dbapi_connection.register("ev_frame", events)
        conn.exec_driver_sql("CREATE TABLE events AS SELECT * FROM ev_frame")
    return engine


def test_labelled_users_without_events_count_in_size_reach_and_arpu(tmp_path):
    from core.features import build_features

    # u1-u4 view, u5 only buys, u6 is labelled but never acted; revenue 210 in all.
    ts = pd.Timestamp("2025-03-01 10:00")
    rows = [(f"u{i}", ts, "view", None) for i in range(1, 5)]
    rows += [("u1", ts, "purchase", 100.0), ("u5", ts, "purchase", 110.0)]
    events = pd.DataFrame(rows, columns=["user_id", "timestamp", "event_type", "amount"])
    engine = _engine_with_events(tmp_path, events)
    features = build_features(engine)  # no users table: u6 has no row
    assert "u6" not in set(features["user_id"])
    labels = pd.Series("A", index=[f"u{i}" for i in range(1, 7)], name="segment")
    (card,) = P.build_personas(features, labels, engine=engine, min_group_size=1)
    assert card.size == 6
    assert card.kpis["reach_rate"] == pytest.approx(4 / 6)
    assert card.kpis["arpu"] == pytest.approx(35.0)
    assert card.purchases["spend_per_user"] == pytest.approx(35.0)
    assert P.persona_names(features, labels, min_group_size=1)  # the cheap path agrees


def test_no_card_kpi_reads_above_100_percent(sample):
    from core.kpis import format_kpi_value

    engine, features, labels, truth = sample
    cards = P.build_personas(features, truth.reindex(labels.index).rename("segment"), engine=engine)
    shown = {c.segment: {k: format_kpi_value(k, v) for k, v in c.kpis.items()} for c in cards}
    for texts in shown.values():
        for text in texts.values():
            if text.endswith("%"):
                assert float(text.rstrip("%")) <= 100, texts
    # kol sharers interact more than once per view: a count per view, not a share
    assert shown["kol_sharer"]["interaction_rate"].endswith("per 100 views")
