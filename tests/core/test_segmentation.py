"""Segmentation: planted clusters, RFM by hand, determinism, weights, noise, choice of k."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.errors import DataError
from core.segments import (
    RFM_SEGMENTS,
    SegmentParams,
    prepare_matrix,
    recommend_k,
    relabel,
    rfm_scores,
    segment,
    stability,
    sweep_k,
)

log = logging.getLogger(__name__)


def _blobs(sizes=(40, 30, 20), seed=0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three well separated groups on two count features (truth returned)."""
    rng = np.random.default_rng(seed)
    centres = [(1, 100), (60, 5), (500, 400)]
    rows, truth = [], []
    for g, (n, (a, b)) in enumerate(zip(sizes, centres, strict=True)):
        rows.append(np.column_stack([rng.poisson(a, n), rng.poisson(b, n)]))
        truth += [g] * n
    X = np.vstack(rows)
    frame = pd.DataFrame(
        {
            "user_id": [f"u{i:03d}" for i in range(len(X))],
            "n_like": X[:, 0],
            "n_view": X[:, 1],
            "engagement_rate": np.where(X[:, 1] > 0, X[:, 0] / np.maximum(X[:, 1], 1), np.nan),
            "region": ["north", "south"] * (len(X) // 2) + ["north"] * (len(X) % 2),
        }
    )
    return frame, np.array(truth)


PARAMS = SegmentParams(features=("n_like", "n_view"), k=3, seed=1)


def test_planted_clusters_recovered_and_ordered_by_size():
    frame, truth = _blobs()
    res = segment(frame, PARAMS)
    assert adjusted_rand_score(truth, res.labels) == 1.0
    assert res.labels.name == "segment"
    assert res.labels.index.name == "user_id"
    assert list(res.sizes.index) == ["S1", "S2", "S3"]
    assert list(res.sizes) == [40, 30, 20]
    assert res.labels["u000"] == "S1" and res.labels["u089"] == "S3"
    assert res.quality["silhouette"] > 0.8
    assert res.quality["n_segments"] == 3
    for key in ("calinski_harabasz", "davies_bouldin", "inertia"):
        assert np.isfinite(res.quality[key])


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative"])
def test_every_k_method_recovers_planted_clusters(method):
    frame, truth = _blobs()
    res = segment(frame, SegmentParams(method=method, features=("n_like", "n_view"), k=3))
    assert adjusted_rand_score(truth, res.labels) == 1.0


def test_same_seed_identical_labels_and_input_not_mutated():
    frame, _ = _blobs()
    before = frame.copy()
    a = segment(frame, PARAMS)
    b = segment(frame, PARAMS)
    pd.testing.assert_series_equal(a.labels, b.labels)
    pd.testing.assert_frame_equal(frame, before)
    # Row order does not change who is in which segment or the segment names.
    shuffled = frame.sample(frac=1.0, random_state=3)
    c = segment(shuffled, PARAMS)
    pd.testing.assert_series_equal(a.labels, c.labels.reindex(a.labels.index))


def test_params_hash_is_short_stable_and_sensitive():
    p = SegmentParams(weights={"n_like": 2})
    assert p.params_hash == SegmentParams(weights=(("n_like", 2.0),)).params_hash
    assert len(p.params_hash) == 8
    assert p.params_hash != SegmentParams(weights={"n_like": 3}).params_hash
    hash(p)  # usable as a cache key


def test_weights_change_the_result():
    rng = np.random.default_rng(0)
    # Two independent splits: feature a splits users 0-49 vs 50-99, feature b odd vs even.
    n = 100
    a = np.where(np.arange(n) < 50, 0.0, 10.0) + rng.normal(0, 0.5, n)
    b = np.where(np.arange(n) % 2 == 0, 0.0, 10.0) + rng.normal(0, 0.5, n)
    frame = pd.DataFrame({"user_id": [f"u{i}" for i in range(n)], "age": a, "score": b})
    base = dict(features=("age", "score"), k=2, transform="standard")
    by_a = segment(frame, SegmentParams(**base, weights={"age": 3}))
    by_b = segment(frame, SegmentParams(**base, weights={"score": 3}))
    truth_a = (np.arange(n) < 50).astype(int)
    truth_b = (np.arange(n) % 2).astype(int)
    assert adjusted_rand_score(truth_a, by_a.labels) == 1.0
    assert adjusted_rand_score(truth_b, by_b.labels) == 1.0


def test_categorical_attribute_one_hot_with_weight():
    frame, _ = _blobs()
    m = prepare_matrix(frame, SegmentParams(features=("n_like",), categorical=("region",)))
    assert list(m.columns) == ["n_like", "region=north", "region=south"]
    m2 = prepare_matrix(
        frame, SegmentParams(features=("n_like",), categorical=("region",), weights={"region": 2})
    )
    assert m2["region=north"].max() == 2.0


def test_missing_rates_imputed_as_zero():
    frame = pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "engagement_rate": [np.nan, 0.5, 1.0],
            "n_view": [0, 2, 4],
        }
    )
    m = prepare_matrix(frame, SegmentParams(features=("engagement_rate",), transform="standard"))
    assert m.loc["a", "engagement_rate"] == pytest.approx(-1.22474, abs=1e-5)


def test_hdbscan_noise_labelled():
    frame, _ = _blobs(sizes=(60, 60, 60))
    outlier = pd.DataFrame(
        {"user_id": ["zzz"], "n_like": [100000], "n_view": [0], "engagement_rate": [np.nan]}
    )
    data = pd.concat([frame.drop(columns="region"), outlier], ignore_index=True)
    res = segment(
        data, SegmentParams(method="hdbscan", features=("n_like", "n_view"), min_cluster_size=30)
    )
    assert res.labels["zzz"] == "Noise"
    assert res.sizes.index[-1] == "Noise"
    assert res.quality["n_segments"] == 3
    assert 0 < res.quality["noise_share"] < 0.1


def test_rfm_hand_computed_example():
    # Ten users; scores are 1 + floor(5 * share of users strictly below), R reversed.
    frame = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(10)],
            "recency_days": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "frequency": [9, 8, 0, 0, 0, 0, 0, 0, 1, 2],
            "monetary": [900, 800, 0, 0, 0, 0, 0, 0, 50, 60],
        }
    )
    s = rfm_scores(frame)
    assert list(s["r_score"]) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # frequency ranks (min): zeros 1, 1 -> 7, 2 -> 8, 8 -> 9, 9 -> 10
    assert list(s["f_score"]) == [5, 5, 1, 1, 1, 1, 1, 1, 4, 4]
    assert list(s["m_score"]) == [5, 5, 1, 1, 1, 1, 1, 1, 4, 4]
    assert list(s["segment"]) == [
        "Champions",
        "Champions",
        "Promising",
        "Promising",
        "About to sleep",
        "About to sleep",
        "Hibernating",
        "Hibernating",
        "At risk",
        "At risk",
    ]
    res = segment(frame, SegmentParams(method="rfm"))
    assert res.labels["u0"] == "Champions"
    assert res.sizes.sum() == 10


def test_rfm_taxonomy_covers_every_code():
    import re

    codes = [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    for code in codes:
        assert any(re.fullmatch(p, code) for p in RFM_SEGMENTS.values()), code


def test_sweep_recommends_planted_k_and_stability_high():
    frame, _ = _blobs()
    sweep = sweep_k(frame, PARAMS, ks=range(2, 7))
    assert list(sweep["k"]) == [2, 3, 4, 5, 6]
    assert recommend_k(sweep) == 3
    st = stability(frame, PARAMS, n_runs=5)
    assert st.mean_ari == 1.0 and st.min_ari == 1.0
    assert (st.jaccard == 1.0).all()


def test_tiny_segment_warning_and_errors():
    frame, _ = _blobs(sizes=(100, 100, 3))
    res = segment(frame, PARAMS)
    assert any("S3 has only 3 users" in w for w in res.warnings)
    with pytest.raises(DataError, match="not in this dataset"):
        segment(frame, SegmentParams(features=("nope",)))
    with pytest.raises(DataError, match="only 203 users"):
        segment(frame, SegmentParams(features=("n_like",), k=500))
    with pytest.raises(DataError, match="no users"):
        segment(frame.iloc[:0], PARAMS)


def test_relabel_moves_users_into_new_segment():
    labels = pd.Series(["S1", "S2", "S1"], index=pd.Index(["a", "b", "c"], name="user_id"))
    out = relabel(labels, ["a", "x"], "VIP")
    assert list(out) == ["VIP", "S2", "S1"]
    assert list(labels) == ["S1", "S2", "S1"]
    with pytest.raises(DataError):
        relabel(labels, ["x"], "VIP")


def test_bundled_sample_recovers_planted_personas():
    """Default settings on the bundled sample: recommended k is 6 and ARI >= 0.8."""
    from core.config import ROOT
    from core.data import sample_dataset
    from core.data.engine import dataset_engine
    from core.segments import build_features

    features = build_features(dataset_engine(sample_dataset().path))
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str).set_index("user_id")
    params = SegmentParams()
    k = recommend_k(sweep_k(features, params))
    res = segment(features, params)
    ari = adjusted_rand_score(truth.loc[res.labels.index, "persona"], res.labels)
    message = f"bundled sample: recommended k={k}, ARI vs planted personas={ari:.3f}"
    print(message)
    log.warning(message)
    assert k == 6
    assert ari >= 0.8


def test_cli_segment_writes_user_id_segment(tmp_path, capsys):
    from core.__main__ import main
    from core.config import ROOT

    out = tmp_path / "segments.csv"
    events = str(ROOT / "sample_data" / "events.csv")
    code = main(["segment", events, "--method", "rfm", "--out", str(out)])
    assert code == 0
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(frame.columns) == ["user_id", "segment"]
    assert len(frame) == 2000
    assert set(frame["segment"]) <= set(RFM_SEGMENTS)
    bad = main(
        ["segment", events, "--method", "kmeans", "--weights", "n_view=x", "--out", str(out)]
    )
    assert bad == 2
    assert "--weights" in capsys.readouterr().err


# --- parameter checks: one sentence naming the parameter and the value ------------------

BAD_PARAMS = [
    (
        SegmentParams(features=("n_like", "n_view"), weights={"n_like": -1}),
        "The weight of n_like must be a number of at least 0 (1 is normal, 0 leaves the "
        "feature out); it was -1.0.",
    ),
    (
        SegmentParams(features=("n_like", "n_view"), method="hdbscan", min_cluster_size=0),
        "min_cluster_size must be a whole number of at least 2; it was 0.",
    ),
    (
        SegmentParams(features=("n_like", "n_view"), pca_components=-3),
        "pca_components must be a whole number of at least 0 (0 or empty: no compression); "
        "it was -3.",
    ),
    (
        SegmentParams(features=("n_like", "n_view"), k=1),
        "k must be a whole number of at least 2; it was 1.",
    ),
    (
        SegmentParams(features=("n_like", "n_view"), method="nope"),
        "method must be one of auto, kmeans, gmm, hdbscan, agglomerative, rfm; it was 'nope'.",
    ),
    (
        SegmentParams(features=("n_like", "n_view"), seed=-1),
        "seed must be a whole number of at least 0 and of at most 4,294,967,295; it was -1.",
    ),
]


@pytest.mark.parametrize(("params", "message"), BAD_PARAMS)
def test_bad_parameters_are_one_sentence_naming_parameter_and_value(params, message):
    frame, _ = _blobs()
    for call in (
        lambda: segment(frame, params),
        lambda: prepare_matrix(frame, params),
        lambda: stability(frame, params, n_runs=1),
    ):
        with pytest.raises(DataError) as caught:
            call()
        assert str(caught.value) == message


def test_bad_parameters_in_a_sweep_name_the_parameter():
    frame, _ = _blobs()
    with pytest.raises(DataError, match=r"weight of n_like .* it was -1\.0\."):
        sweep_k(frame, SegmentParams(features=("n_like", "n_view"), weights={"n_like": -1}))


def test_k_is_not_checked_for_methods_that_find_their_own_number():
    frame, _ = _blobs()
    res = segment(frame, SegmentParams(features=("n_like", "n_view"), method="hdbscan", k=0))
    assert res.quality["n_segments"] >= 1


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--weights", "n_view=-1", "The weight of n_view must be a number of at least 0"),
        ("--min-cluster-size", "0", "min_cluster_size must be a whole number of at least 2"),
        ("--pca-components", "-3", "pca_components must be a whole number of at least 0"),
    ],
)
def test_cli_bad_parameters_exit_2_with_one_sentence(option, value, expected, tmp_path, capsys):
    from core.__main__ import main
    from core.config import ROOT

    events = str(ROOT / "sample_data" / "events.csv")
    method = "hdbscan" if option == "--min-cluster-size" else "kmeans"
    argv = ["segment", events, "--method", method, option, value, "--out", str(tmp_path / "s.csv")]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "s.csv").exists()


def test_package_root_offers_every_public_name():
    import types

    import core.segments

    assert sorted(core.segments.__all__) == sorted(core.segments._EXPORTS)
    for name in core.segments.__all__:
        value = getattr(core.segments, name)
        assert not isinstance(value, types.ModuleType), name  # a module shadowing a name
