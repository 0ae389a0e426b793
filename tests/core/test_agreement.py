"""The agreement matrix between segmentations (adjusted Rand index over shared users)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from core.segments import agreement_matrix


def _labels(users, groups) -> pd.Series:
    return pd.Series(groups, index=pd.Index(users, name="user_id"), dtype=str)


def test_values_match_the_worked_example_in_scikit_learns_documentation():
    # adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) is 0.57 in scikit-learn's user guide
    a = _labels(["u1", "u2", "u3", "u4"], ["S1", "S1", "S2", "S2"])
    b = _labels(["u1", "u2", "u3", "u4"], ["x", "x", "y", "z"])
    ari, shared = agreement_matrix({"Anna": a, "Bo": b})
    assert ari.loc["Anna", "Bo"] == ari.loc["Bo", "Anna"] == pytest.approx(4 / 7, abs=1e-12)
    assert ari.loc["Anna", "Anna"] == 1.0 and shared.loc["Anna", "Bo"] == 4


def test_renamed_groups_agree_fully_and_only_shared_users_count():
    a = _labels(["u1", "u2", "u3", "u4", "u5"], ["S1", "S1", "S2", "S2", "S3"])
    b = _labels(["u2", "u1", "u4", "u3", "u9"], ["Fans", "Fans", "Lurkers", "Lurkers", "X"])
    ari, shared = agreement_matrix({"a": a, "b": b})
    assert ari.loc["a", "b"] == pytest.approx(1.0) and shared.loc["a", "b"] == 4


def test_random_runs_match_scikit_learn_on_the_common_users():
    rng = np.random.default_rng(3)
    users = [f"u{i}" for i in range(400)]
    runs = {
        name: _labels(rng.permutation(users)[:300], rng.integers(0, k, 300).astype(str))
        for name, k in (("p", 3), ("q", 5), ("r", 4))
    }
    ari, shared = agreement_matrix(runs)
    for x in runs:
        for y in runs:
            common = runs[x].index.intersection(runs[y].index)
            expected = adjusted_rand_score(runs[x][common], runs[y][common])
            assert ari.loc[x, y] == pytest.approx(expected, abs=1e-12)
            assert shared.loc[x, y] == len(common)
    assert list(ari.index) == list(ari.columns) == ["p", "q", "r"]


def test_runs_without_common_users_get_no_value():
    ari, shared = agreement_matrix(
        {"a": _labels(["u1", "u2"], ["S1", "S2"]), "b": _labels(["v1", "v2"], ["S1", "S1"])}
    )
    assert np.isnan(ari.loc["a", "b"]) and shared.loc["a", "b"] == 0
