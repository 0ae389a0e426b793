"""Fit a segmentation on a seeded sample of users drawn inside the database.

:func:`sample_features` keeps the users whose ``md5(seed:user_id)`` starts below a
threshold: the same users on every engine and on every run with the same seed (no
``TABLESAMPLE``, whose rows differ per engine and per run), and a new user joins the
sample or not by their id alone. Only the sample's feature rows come back to Python.
:func:`fit_definition` segments the sample exactly as :func:`core.segments.segment`
does and keeps what was fitted as a :class:`~core.segments.assign_sql.SegmentDefinition`
that ``core.segments.assign_sql`` turns into SQL.

:data:`DEFAULT_SAMPLE_USERS` is measured, not guessed: ``benchmarks/bench_assign.py
--stability`` fits k-means on hash samples of growing size (seeds 1, 2, 3) drawn from
30,000 users of three generators of different structure, labels all 30,000 users with
each fit and reports the worst adjusted Rand index between the three labellings
(2026-12, 2 cores):

=================  =====  =====  =====  ======  ======
generator          1,000  2,000  5,000  10,000  20,000
=================  =====  =====  =====  ======  ======
synthetic personas 0.851  0.990  0.850  0.996   0.996
volume_value       0.833  0.874  0.922  0.944   0.971
mix                0.831  0.888  0.937  0.939   0.960
=================  =====  =====  =====  ======  ======

20,000 is the smallest size at which every generator reaches 0.95 (10,000 falls short
on two of them; below that, fits on different samples can find different local optima).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from core.errors import DataError
from core.i18n import tr
from core.segments.assign_sql import SegmentDefinition
from core.segments.params import validate_segment_params

__all__ = [
    "DEFAULT_SAMPLE_USERS",
    "STABILITY_TARGET",
    "fit_definition",
    "in_sample",
    "sample_features",
]

#: Users in the fitting sample: the smallest size whose fits agree with each other at
#: STABILITY_TARGET (adjusted Rand index) on every generator measured.
DEFAULT_SAMPLE_USERS = 20_000
STABILITY_TARGET = 0.95
#: Hex digits of the md5 compared with the threshold (16**8 buckets: 1 in 4 billion).
_DIGITS = 8


class hex_md5(GenericFunction):
    """``md5(text)`` as lower-case hex on every dialect (BigQuery, Trino: bytes -> hex)."""

    type = sa.String()
    inherit_cache = True
    name = "md5"


@compiles(hex_md5, "bigquery")
def _md5_bigquery(element, compiler, **kw):
    return f"TO_HEX(MD5({compiler.process(element.clauses, **kw)}))"


@compiles(hex_md5, "trino")
def _md5_trino(element, compiler, **kw):
    return f"lower(to_hex(md5(to_utf8({compiler.process(element.clauses, **kw)}))))"


@compiles(hex_md5, "clickhouse")
@compiles(hex_md5, "clickhousedb")
def _md5_clickhouse(element, compiler, **kw):
    return f"lower(hex(MD5({compiler.process(element.clauses, **kw)})))"


def _threshold(fraction: float) -> str:
    """The hex prefix below which a user is in the sample."""
    buckets = 16**_DIGITS
    return format(min(buckets - 1, int(round(fraction * buckets))), f"0{_DIGITS}x")


def sample_condition(user_id: sa.ColumnElement, fraction: float, seed: int) -> sa.ColumnElement:
    """SQL condition: the user is in the seeded sample of ``fraction`` of all users.

    Parameters
    ----------
    user_id : SQL column
        The user id column (compared as text).
    fraction : float
        Share of users to keep, in (0, 1].
    seed : int
        Which sample; the same seed keeps the same users.

    Returns
    -------
    SQL expression
        ``substr(md5('<seed>:' || user_id), 1, 8) < '<threshold>'``.
    """
    if fraction >= 1:
        return sa.true()
    key = sa.literal(f"{int(seed)}:") + sa.cast(user_id, sa.String)
    return sa.func.substr(hex_md5(key), 1, _DIGITS) < _threshold(fraction)


def in_sample(user_ids, fraction: float, seed: int) -> np.ndarray:
    """The same test as :func:`sample_condition`, in Python (for checks and tests).

    Parameters
    ----------
    user_ids : iterable
        User ids (compared as text).
    fraction : float
        Share of users to keep.
    seed : int
        Which sample.

    Returns
    -------
    numpy.ndarray of bool
    """
    if fraction >= 1:
        return np.ones(len(list(user_ids)), dtype=bool)
    limit = _threshold(fraction)
    return np.array(
        [hashlib.md5(f"{int(seed)}:{u}".encode()).hexdigest()[:_DIGITS] < limit for u in user_ids],
        dtype=bool,
    )


def sample_features(
    engine: Engine,
    *,
    events: str = "events",
    users: str | None = "users",
    size: int = DEFAULT_SAMPLE_USERS,
    seed: int = 0,
    as_of: Any = None,
) -> tuple[pd.DataFrame, dict]:
    """The feature table of a seeded sample of about ``size`` users, built in the database.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        Where the events are.
    events : str
        Events table name.
    users : str or None
        Users table name (a missing table means none).
    size : int
        Users wanted in the sample; all users when there are fewer.
    seed : int
        Which sample (the same seed keeps the same users).
    as_of : date or str, optional
        As for ``build_features``; default the last event of the whole table (not of
        the sample), so sample and full assignment share the same reference date.

    Returns
    -------
    (pandas.DataFrame, dict)
        The sample's feature table, and ``{"users", "population", "fraction", "seed",
        "as_of"}``.
    """
    from core.data.engine import events_table, users_table
    from core.segments.features import build_features

    if int(size) < 2:
        raise DataError(tr("The sample size must be at least 2 users; it was {size}.", size=size))
    ev = events_table(engine, events)
    us = users_table(engine, users) if users else None
    with engine.connect() as conn:
        population = conn.execute(sa.select(sa.func.count(sa.distinct(ev.c.user_id)))).all()[0][0]
        if us is not None:
            population = max(
                int(population or 0),
                int(conn.execute(sa.select(sa.func.count()).select_from(us)).all()[0][0] or 0),
            )
        if as_of is None:
            last = conn.execute(sa.select(sa.func.max(ev.c.timestamp))).all()[0][0]
            as_of = None if last is None else pd.Timestamp(last).date().isoformat()
    population = int(population or 0)
    fraction = 1.0 if population <= size else size / population
    ev_sample = sa.select(ev).where(sample_condition(ev.c.user_id, fraction, seed))
    us_sample = None
    if us is not None:
        us_sample = sa.select(us).where(sample_condition(us.c.user_id, fraction, seed))
    features = build_features(engine, events=ev_sample, users=us_sample, as_of=as_of)
    info = {
        "users": int(len(features)),
        "population": population,
        "fraction": fraction,
        "seed": int(seed),
        "as_of": as_of,
    }
    return features, info


# --- fitting -----------------------------------------------------------------------------


def fit_definition(features: pd.DataFrame, params, *, sample: dict | None = None):
    """Segment ``features`` as :func:`core.segments.segment` does and keep the fitted numbers.

    Parameters
    ----------
    features : pandas.DataFrame
        The (sample's) feature table; not modified.
    params : SegmentParams
        Any method but ``auto`` (whose chosen matrix has no SQL form yet).
    sample : dict, optional
        How the sample was drawn; kept in the definition.

    Returns
    -------
    (SegmentDefinition, SegmentResult)
        The definition, and the in-memory result on ``features`` (labels ``S1``...).

    Raises
    ------
    DataError
        For ``auto``, and anything :func:`core.segments.segment` refuses.
    """
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    from core.segments.methods import _fit_labels
    from core.segments.preparation import _prepare
    from core.segments.quality import _ordered_names
    from core.segments.segmentation import _finish, segment

    validate_segment_params(params)
    if params.method == "auto":
        raise DataError(
            tr(
                "The automatic method cannot be assigned inside the database yet; choose "
                "--method kmeans, gmm, agglomerative, hdbscan or rfm."
            )
        )
    info = dict(sample or {})
    if params.method == "rfm":
        result = segment(features, params)
        return _rfm_definition(features, info), result
    X, index, names, notes = _prepare(features, params)
    prep = _preparation_state(features, params, X.shape[1])
    k = len(index)
    if params.method == "kmeans" and k <= 50_000:
        model = KMeans(n_clusters=params.k, random_state=params.seed, n_init=4).fit(X)
        raw, centres = model.labels_, model.cluster_centers_
    elif params.method == "gmm":
        if params.k > k:
            raise DataError(
                tr(
                    "Asked for {k} segments but the sample has only {n} users; lower k.",
                    k=params.k,
                    n=k,
                )
            )
        gm = GaussianMixture(
            n_components=params.k, covariance_type="full", random_state=params.seed, reg_covar=1e-4
        ).fit(X)
        raw = gm.predict(X)
        centres = gm.means_
    else:
        raw, fit_notes = _fit_labels(
            X, params.method, params.k, params.seed, params.min_cluster_size
        )
        notes = notes + fit_notes
        ids = np.unique(raw[raw >= 0])
        if not len(ids):
            raise DataError(tr("No segments were found in the sample; try another method."))
        centres = np.vstack([X[raw == j].mean(0) for j in ids])
        remap = {int(j): i for i, j in enumerate(ids)}
        raw = np.array([remap.get(int(r), -1) for r in raw])
    result = _finish(X, raw, index, params, names, notes, 10)
    mapping = _ordered_names(X, raw)
    labels = [mapping.get(j, f"S{len(mapping) + j}") for j in range(len(centres))]
    extra: dict[str, Any] = {}
    if params.method == "gmm":
        chol = gm.precisions_cholesky_
        d = X.shape[1]
        log_det = np.array([np.log(np.diag(c)).sum() for c in chol])
        extra = {
            "gmm_offsets": tuple(tuple(gm.means_[j] @ chol[j]) for j in range(params.k)),
            "gmm_precision_chol": tuple(tuple(map(tuple, chol[j])) for j in range(params.k)),
            "gmm_constants": tuple(np.log(gm.weights_) + log_det - 0.5 * d * np.log(2 * np.pi)),
        }
    else:
        extra = {"centres": tuple(tuple(c) for c in centres)}
    definition = SegmentDefinition(
        method=params.method, segments=tuple(labels), **prep, **extra, sample=info
    )
    return definition, result


def _preparation_state(features: pd.DataFrame, params, width: int) -> dict:
    """The fitted numbers of ``_prepare``: fills, log flags, scaler, weights, dummies, PCA."""
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import RobustScaler, StandardScaler

    from core.segments.preparation import _ZERO_WHEN_MISSING, _resolve_features, log_transformed

    cols, _ = _resolve_features(features, params)
    state: dict[str, Any] = {"columns": tuple(cols)}
    blocks = []
    if cols:
        frame = features[cols].astype("float64")
        fills = []
        for c in cols:
            s = frame[c]
            fill = 0.0 if c in _ZERO_WHEN_MISSING else s.median()
            fill = 0.0 if pd.isna(fill) else float(fill)
            fills.append(fill)
            frame[c] = s.fillna(fill)
        values = frame.to_numpy(copy=True)
        logs = []
        for j, c in enumerate(cols):
            use = params.transform.startswith("log1p") and log_transformed(c)
            logs.append(bool(use))
            if use:
                values[:, j] = np.log1p(np.clip(values[:, j], 0.0, None))
        scaler = RobustScaler() if params.transform.endswith("robust") else StandardScaler()
        scaled = scaler.fit_transform(values)
        centre = scaler.center_ if hasattr(scaler, "center_") else scaler.mean_
        weights = np.array([params.weight_of(c) for c in cols])
        blocks.append(scaled * weights)
        state.update(
            log1p=tuple(logs),
            fill=tuple(fills),
            center=tuple(float(v) for v in centre),
            scale=tuple(float(v) for v in scaler.scale_),
            weights=tuple(float(w) for w in weights),
        )
    dummies = []
    for c in params.categorical:
        w = params.weight_of(c)
        if w == 0:
            continue
        if not (
            pd.api.types.is_string_dtype(features[c]) or pd.api.types.is_object_dtype(features[c])
        ):
            raise DataError(
                tr(
                    "The attribute {column} is not text, so it cannot be one-hot encoded "
                    "inside the database; leave it out or use it as a numeric feature.",
                    column=c,
                )
            )
        cat = features[c].astype("string").fillna("(missing)")
        values = sorted(cat.unique())
        dummies += [(c, str(v), float(w)) for v in values]
        blocks.append(np.column_stack([(cat == v).to_numpy(float) * w for v in values]))
    state["dummies"] = tuple(dummies)
    if params.pca_components:
        X = np.hstack(blocks) if len(blocks) > 1 else blocks[0]
        n_comp = min(int(params.pca_components), X.shape[1], X.shape[0])
        pca = PCA(n_components=n_comp, random_state=params.seed).fit(X)
        state["pca_mean"] = tuple(float(v) for v in pca.mean_)
        state["pca_components"] = tuple(tuple(float(v) for v in row) for row in pca.components_)
    return state


def _rfm_definition(features: pd.DataFrame, info: dict) -> SegmentDefinition:
    """RFM cut points: score = 1 + #{q: value > q-th quintile boundary of the sample}."""
    from core.segments.rfm import RFM_SEGMENTS, rfm_scores, rfm_segment_names

    rfm_scores(features)  # the same checks (columns, empty table) and messages
    vals = features[["recency_days", "frequency", "monetary"]].astype("float64")
    fill_recency = float(vals["recency_days"].max())
    if np.isnan(fill_recency):
        fill_recency = 0.0
    series = (
        -vals["recency_days"].fillna(fill_recency),
        vals["frequency"].fillna(0.0),
        vals["monetary"].fillna(0.0),
    )
    n = len(vals)
    cuts = []
    for s in series:
        ordered = np.sort(s.to_numpy())
        # score >= q+1  <=>  at least ceil(q n / 5) sample values lie strictly below.
        cuts.append(tuple(float(ordered[int(np.ceil(q * n / 5)) - 1]) for q in range(1, 5)))
    codes = [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    names = rfm_segment_names(pd.Series(codes))
    by_name: dict[str, list[int]] = {}
    for code, name in zip(codes, names, strict=True):
        by_name.setdefault(name, []).append(int(code))
    order = [n for n in RFM_SEGMENTS if n in by_name] + [
        n for n in by_name if n not in RFM_SEGMENTS
    ]
    return SegmentDefinition(
        method="rfm",
        segments=tuple(order),
        rfm_cuts=tuple(cuts),
        rfm_fill_recency=fill_recency,
        rfm_names=tuple((n, tuple(by_name[n])) for n in order),
        sample=info,
    )
