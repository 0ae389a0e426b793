"""User map: PCA shapes, stratified sampling, UMAP relayout reuses the neighbour graph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.segments import (
    MapParams,
    clear_graph_cache,
    map_frame,
    project,
    project_pca,
    segment_centroids,
    stratified_sample,
)


def _features(n=120, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.arange(n) % 3
    return pd.DataFrame(
        {
            "user_id": [f"u{i:03d}" for i in range(n)],
            "n_view": rng.poisson(np.array([5, 50, 500])[group]),
            "n_like": rng.poisson(np.array([1, 20, 2])[group]),
            "monetary": rng.gamma(2.0, np.array([1, 10, 100])[group]),
        }
    )


def _labels(frame: pd.DataFrame) -> pd.Series:
    seg = np.where(np.arange(len(frame)) % 3 == 0, "S1", "S2")
    seg[:4] = "S3"  # a tiny segment
    return pd.Series(seg, index=pd.Index(frame["user_id"], name="user_id"), name="segment")


def test_pca_shapes_note_and_determinism():
    frame = _features()
    res = project_pca(frame)
    assert list(res.points.columns) == ["user_id", "x", "y"]
    assert res.n_shown == res.n_total == 120
    assert res.note == "Quick PCA map of all 120 users."
    assert res.method == "pca"
    assert 0.5 < res.trustworthiness <= 1.0
    again = project_pca(frame)
    pd.testing.assert_frame_equal(res.points, again.points)


def test_stratified_sample_keeps_small_segments_and_is_seeded():
    index = pd.Index([f"u{i}" for i in range(1000)])
    labels = pd.Series(["big"] * 990 + ["tiny"] * 10, index=index)
    pos = stratified_sample(index, labels, 100, seed=1)
    assert len(pos) == 100
    picked = labels.iloc[pos]
    assert (picked == "tiny").sum() == 10  # whole tiny segment kept
    np.testing.assert_array_equal(pos, stratified_sample(index, labels, 100, seed=1))
    assert np.all(np.diff(pos) > 0)


def test_pca_sampling_says_showing_n_of_m():
    frame = _features(300)
    res = project_pca(frame, MapParams(max_points=60), labels=_labels(frame))
    assert res.n_shown == 60 and res.n_total == 300
    assert res.note.startswith("Showing 60 of 300 users")
    assert set(res.points["user_id"]) >= {"u000", "u001", "u002", "u003"}  # tiny segment


def test_umap_relayout_reuses_graph_and_transform_places_rest():
    frame = _features(150)
    clear_graph_cache()
    first = project(frame, MapParams(n_neighbors=8, seed=2))
    assert first.method == "umap" and not first.relayout
    assert first.points.shape == (150, 3)
    assert first.trustworthiness > 0.8
    moved = project(frame, MapParams(n_neighbors=8, seed=2, min_dist=0.8))
    assert moved.relayout
    assert not np.allclose(moved.points["x"], first.points["x"])
    # Deterministic whether or not the graph was cached.
    clear_graph_cache()
    cold = project(frame, MapParams(n_neighbors=8, seed=2, min_dist=0.8))
    np.testing.assert_allclose(cold.points[["x", "y"]], moved.points[["x", "y"]])
    placed = project(frame, MapParams(n_neighbors=8, seed=2, max_points=100, place_rest=True))
    assert placed.n_shown == 150 and placed.points["user_id"].tolist() == frame["user_id"].tolist()
    assert np.isfinite(placed.points[["x", "y"]].to_numpy()).all()


def test_tiny_data_falls_back_to_pca_and_bad_params_raise():
    frame = _features(6)
    res = project(frame)
    assert res.method == "pca" and "Only 6 users" in res.note
    with pytest.raises(DataError, match="Unknown distance"):
        project(frame, MapParams(metric="nope"))
    with pytest.raises(DataError, match="no users"):
        project_pca(frame.iloc[:0])


def test_centroids_and_map_frame():
    frame = _features()
    labels = _labels(frame)
    res = project_pca(frame)
    cent = segment_centroids(res, labels)
    assert list(cent["segment"]) == ["S2", "S1", "S3"]
    assert cent["users"].sum() == 120
    drawn = map_frame(res, frame, labels, ("n_view", "missing"))
    assert list(drawn.columns) == ["user_id", "x", "y", "segment", "n_view"]
    assert drawn.loc[drawn["user_id"] == "u000", "segment"].item() == "S3"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (MapParams(n_neighbors=1), "n_neighbors must be a whole number of at least 2; it was 1."),
        (MapParams(min_dist=-0.5), "min_dist must be a number of at least 0; it was -0.5."),
        (MapParams(spread=0.0), "spread must be a number above 0; it was 0.0."),
        (MapParams(min_dist=2.0), "min_dist must be at most the spread (1); it was 2.0."),
        (MapParams(max_points=5), "max_points must be a whole number of at least 10; it was 5."),
        (
            MapParams(seed=-2),
            "seed must be a whole number of at least 0 and of at most 4,294,967,295; it was -2.",
        ),
    ],
)
def test_bad_map_parameters_name_the_parameter_and_value(params, message):
    frame = _features(30)
    for call in (lambda: project(frame, params), lambda: project_pca(frame, params)):
        with pytest.raises(DataError) as caught:
            call()
        assert str(caught.value) == message
