"""Feature table -> the numeric matrix the clustering sees.

:func:`_prepare` picks the features, imputes missing values, applies ``log1p`` to counts
and money, scales (standard or robust), multiplies in the per-feature weights, one-hot
encodes categorical attributes (weighted) and optionally reduces with PCA. The column
helpers (:func:`numeric_feature_columns`, :func:`categorical_feature_columns`,
:func:`log_transformed`) say which columns of a feature table can be used and how.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import RobustScaler, StandardScaler

from core.errors import DataError
from core.i18n import tr
from core.segments.params import DEFAULT_FEATURES

if TYPE_CHECKING:  # for annotations only: segmentation imports this module
    from core.segments.segmentation import SegmentParams

__all__ = ["log_transformed", "numeric_feature_columns", "categorical_feature_columns"]

#: Columns that are counts or money: heavy right tails, so ``log1p`` before scaling.
_LOG_NAMES = frozenset(
    {
        "frequency",
        "monetary",
        "avg_order_value",
        "recency_days",
        "active_days",
        "tenure_days",
        "followers",
        "shares_received",
        "income",
    }
)
#: Rates with views as denominator: NaN means "no views", imputed as 0 (nothing observed).
_ZERO_WHEN_MISSING = frozenset(
    {"engagement_rate", "click_rate", "purchase_rate", "avg_order_value", "monetary"}
)


# --- feature preparation ---------------------------------------------------------------


def log_transformed(column: str) -> bool:
    """True when ``column`` is a count or money column that gets ``log1p``.

    Parameters
    ----------
    column : str
        A feature column name.

    Returns
    -------
    bool
        True for ``n_*`` counts and the money and day columns with heavy right tails.
    """
    return column.startswith("n_") or column in _LOG_NAMES


def numeric_feature_columns(features: pd.DataFrame) -> list[str]:
    """Numeric columns of a feature table that can be clustered on (not ``user_id``).

    Parameters
    ----------
    features : pd.DataFrame
        A feature table; not modified.

    Returns
    -------
    list of str
        In table order; booleans are not numbers here.
    """
    return [
        c
        for c in features.columns
        if c != "user_id"
        and pd.api.types.is_numeric_dtype(features[c])
        and not pd.api.types.is_bool_dtype(features[c])
    ]


def categorical_feature_columns(features: pd.DataFrame, max_levels: int = 30) -> list[str]:
    """Text columns with few distinct values, usable as categorical attributes.

    Parameters
    ----------
    features : pd.DataFrame
        A feature table; not modified.
    max_levels : int
        Most distinct values a column may have to count as categorical.

    Returns
    -------
    list of str
        In table order.
    """
    out = []
    for c in features.columns:
        if c == "user_id" or c in numeric_feature_columns(features[[c]]):
            continue
        if features[c].nunique(dropna=True) <= max_levels:
            out.append(c)
    return out


def _user_index(features: pd.DataFrame) -> pd.Index:
    if "user_id" in features.columns:
        ids = features["user_id"].astype(str)
    else:
        ids = features.index.astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise DataError(
            tr(
                "The feature table has user_id {user} more than once; keep one row per user "
                "and try again.",
                user=repr(dup),
            )
        )
    return pd.Index(ids, name="user_id")


def _resolve_features(features: pd.DataFrame, params: SegmentParams) -> tuple[list[str], list[str]]:
    numeric = set(numeric_feature_columns(features))
    notes: list[str] = []
    if params.features == DEFAULT_FEATURES:
        cols = [c for c in DEFAULT_FEATURES if c in numeric]
    else:
        missing = [c for c in params.features if c not in features.columns]
        if missing:
            raise DataError(
                tr(
                    "The feature(s) {missing} are not in this dataset; pick from {available}.",
                    missing=", ".join(missing),
                    available=", ".join(sorted(numeric)),
                )
            )
        not_numeric = [c for c in params.features if c not in numeric]
        if not_numeric:
            raise DataError(
                tr(
                    "The feature(s) {features} are not numbers; add them as categorical "
                    "attributes instead.",
                    features=", ".join(not_numeric),
                )
            )
        cols = list(dict.fromkeys(params.features))
    zero = [c for c in cols if params.weight_of(c) == 0]
    cols = [c for c in cols if params.weight_of(c) != 0]
    if zero:
        notes.append(
            tr("Features with weight 0 were left out: {features}.", features=", ".join(zero))
        )
    missing_cat = [c for c in params.categorical if c not in features.columns]
    if missing_cat:
        raise DataError(
            tr(
                "The attribute(s) {attributes} are not in this dataset; pick categorical "
                "attributes from the list.",
                attributes=", ".join(missing_cat),
            )
        )
    if not cols and not params.categorical:
        raise DataError(tr("Pick at least one feature to segment on."))
    return cols, notes


def _prepare(
    features: pd.DataFrame, params: SegmentParams
) -> tuple[np.ndarray, pd.Index, tuple[str, ...], list[str]]:
    """Feature table -> (matrix, user index, column names, notes); params already validated."""
    if len(features) == 0:
        raise DataError(tr("The feature table has no users; load a dataset with events first."))
    index = _user_index(features)
    cols, notes = _resolve_features(features, params)
    blocks: list[np.ndarray] = []
    names: list[str] = []
    if cols:
        frame = features[cols].astype("float64")
        for c in cols:
            s = frame[c]
            if s.isna().any():
                # Rates have views as denominator: no views -> nothing observed -> 0.
                # Other columns (attributes like age): the median, a neutral value.
                fill = 0.0 if c in _ZERO_WHEN_MISSING else s.median()
                frame[c] = s.fillna(0.0 if pd.isna(fill) else fill)
        values = frame.to_numpy(copy=True)
        for j, c in enumerate(cols):
            if params.transform.startswith("log1p") and log_transformed(c):
                # Negative money (refunds) is clipped at 0 so log1p stays defined.
                values[:, j] = np.log1p(np.clip(values[:, j], 0.0, None))
        scaler = RobustScaler() if params.transform.endswith("robust") else StandardScaler()
        values = scaler.fit_transform(values)
        values *= np.array([params.weight_of(c) for c in cols])
        blocks.append(values)
        names += cols
    # Categorical attributes: one-hot with weights rather than k-prototypes. A dummy
    # scaled by w makes a mismatch cost 2*w^2 in squared distance, the same as the
    # expected squared difference of a standardised numeric feature between two random
    # users (2), so w=1 weighs an attribute like one numeric feature. This keeps every
    # method (GMM, HDBSCAN, Ward, silhouette) in one Euclidean space, while k-prototypes
    # (the `kmodes` package) only offers k-means-style fitting, pure-Python loops that
    # do not scale to 1M users, and a second distance no quality metric understands.
    for c in params.categorical:
        w = params.weight_of(c)
        if w == 0:
            continue
        cat = features[c].astype("string").fillna("(missing)")
        dummies = pd.get_dummies(cat, prefix=c, prefix_sep="=", dtype="float64")
        blocks.append(dummies.to_numpy() * w)
        names += list(dummies.columns)
    X = np.hstack(blocks) if len(blocks) > 1 else blocks[0]
    if params.pca_components:
        n_comp = min(int(params.pca_components), X.shape[1], X.shape[0])
        X = PCA(n_components=n_comp, random_state=params.seed).fit_transform(X)
    return np.ascontiguousarray(X, dtype=np.float64), index, tuple(names), notes
