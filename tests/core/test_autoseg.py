"""The automatic segmentation finds the planted groups, and says when there are none.

Cases come from ``core.data.casegen`` (each seed draws new group parameters, sizes and noise
columns); the yardstick is the plain analyst's k-means told the true k
(``core.data.casegen.analyst_baseline``). The full comparison over many seeds is
``benchmarks/bench_truth.py``; these tests pin the behaviour on a few.
"""

from __future__ import annotations

import functools
import json
import tempfile
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.__main__ import main
from core.data import casegen, dataset_engine
from core.errors import DataError
from core.segments import SegmentParams, auto_segment, build_features, segment, stability

NOISE = {"score_a", "score_b", "spend_index", "channel_code"}


@functools.cache
def _case(name: str, seed: int, n_users: int | None = None):
    kwargs = {"n_users": n_users} if n_users else {}
    case = casegen.make_case(name, seed, **kwargs)
    path = Path(tempfile.mkdtemp(prefix="autoseg-")) / "d.duckdb"
    con = duckdb.connect(str(path))
    con.register("ev", case.events.assign(timestamp=pd.to_datetime(case.events["timestamp"])))
    con.register("us", case.users)
    con.execute("create table events as select * from ev")
    con.execute("create table users as select * from us")
    con.close()
    feats = build_features(dataset_engine(path))
    truth = case.truth.reindex(feats["user_id"].astype(str)).to_numpy()
    return case, feats, truth


def _ari(truth, labels) -> float:
    return float(adjusted_rand_score(truth, np.asarray(labels)))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_structure_is_called_none(seed):
    _, feats, _ = _case("none", seed)
    choice = auto_segment(feats)
    assert choice.structure == "none"
    assert choice.k == 1
    assert "no distinct groups" in choice.reasons[0]


@pytest.mark.parametrize(
    ("name", "seed", "min_ari", "beats_analyst"),
    [
        ("lifecycle", 1, 0.9, True),
        ("mix", 1, 0.9, True),
        ("time_of_day", 2, 0.9, True),
        # The sample's personas differ in everything at once, so the analyst's k-means
        # on every column, told the true k, is near perfect; auto must come close.
        ("sample", 1, 0.85, False),
    ],
)
def test_planted_groups_are_found_and_beat_the_plain_analyst(name, seed, min_ari, beats_analyst):
    case, feats, truth = _case(name, seed)
    choice = auto_segment(feats)
    got = _ari(truth, choice.labels)
    analyst = _ari(truth, casegen.analyst_baseline(feats, case.k))
    assert got >= min_ari, (got, choice.reasons)
    assert got >= (analyst if beats_analyst else analyst - 0.1), (got, analyst)
    assert abs(choice.k - case.k) <= 1
    assert choice.structure == "clear"


def test_attribute_groups_are_found_by_latent_classes():
    case, feats, truth = _case("attributes", 2)
    choice = auto_segment(feats)
    assert choice.method == "latent-class"
    assert _ari(truth, choice.labels) >= 0.7
    assert choice.k == case.k


@pytest.mark.parametrize("name", ["mix", "lifecycle", "time_of_day", "attributes"])
def test_noise_columns_and_within_group_volume_are_left_out(name):
    _, feats, _ = _case(name, 1)
    choice = auto_segment(feats)
    assert not NOISE & set(choice.features)
    assert set(choice.dropped) >= NOISE - {"channel_code"}
    if name in ("mix", "time_of_day", "attributes"):  # volume varies inside every group
        assert "n_events" not in choice.features


def test_same_seed_same_groups_and_report_is_json():
    _, feats, _ = _case("lifecycle", 1)
    a, b = auto_segment(feats, seed=3), auto_segment(feats, seed=3)
    assert (a.labels == b.labels).all()
    report = json.loads(json.dumps(a.to_report(), allow_nan=False))
    assert set(report) >= {
        "method",
        "k",
        "features",
        "weights",
        "quality",
        "stability",
        "structure",
        "reasons",
    }
    assert report["quality"]["silhouette"] > 0
    assert 0 <= report["stability"]["mean_ari"] <= 1


def test_too_few_users_and_constant_columns_are_one_sentence():
    _, feats, _ = _case("mix", 1)
    with pytest.raises(DataError, match="at least 50 users"):
        auto_segment(feats.head(49))
    flat = pd.DataFrame({"user_id": [f"u{i}" for i in range(80)], "n_events": 3, "age": 30.0})
    with pytest.raises(DataError, match="same value for every user"):
        auto_segment(flat)


def test_segment_auto_labels_and_stability_follow_the_choice():
    case, feats, truth = _case("lifecycle", 1)
    result = segment(feats, SegmentParams(method="auto"))
    assert result.auto is not None and result.quality["structure"] == "clear"
    assert list(result.sizes.index) == [f"S{i + 1}" for i in range(result.auto.k)]
    assert _ari(truth, result.labels) >= 0.9
    stab = stability(feats, SegmentParams(method="auto"), n_runs=3, reference=result)
    assert stab.mean_ari > 0.8


def test_segment_auto_on_no_structure_makes_one_segment_and_says_why():
    _, feats, _ = _case("none", 1)
    result = segment(feats, SegmentParams(method="auto"))
    assert list(result.sizes.index) == ["S1"]
    assert result.quality["structure"] == "none"
    assert any("no distinct groups" in w for w in result.warnings)


def test_cli_segment_defaults_to_auto_and_writes_the_report(tmp_path, capsys):
    case = casegen.make_case("lifecycle", 1, n_users=800)
    paths = casegen.write_case(case, tmp_path / "in")
    out, rep = tmp_path / "seg.csv", tmp_path / "rep.json"
    code = main(
        [
            "segment",
            str(paths["events"]),
            "--users",
            str(paths["users"]),
            "--out",
            str(out),
            "--report",
            str(rep),
        ]
    )
    assert code == 0
    report = json.loads(rep.read_text("utf-8"))
    assert report["method"] == "dip-means" and report["structure"] in ("clear", "weak")
    assert report["reasons"] and abs(report["k"] - case.k) <= 1
    seg = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    truth = case.truth.reindex(seg["user_id"]).to_numpy()
    assert _ari(truth, seg["segment"]) >= 0.85
    assert "note:" in capsys.readouterr().err


def test_cli_explicit_k_still_means_kmeans(tmp_path):
    case = casegen.make_case("lifecycle", 1, n_users=600)
    paths = casegen.write_case(case, tmp_path / "in")
    rep = tmp_path / "rep.json"
    code = main(
        [
            "segment",
            str(paths["events"]),
            "--k",
            "3",
            "--out",
            str(tmp_path / "s.csv"),
            "--report",
            str(rep),
        ]
    )
    assert code == 0
    report = json.loads(rep.read_text("utf-8"))
    assert report["method"] == "kmeans" and report["k"] == 3
    assert report["structure"] in ("clear", "weak")
