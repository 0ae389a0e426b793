"""The assignment and the sample's condition compile for the big warehouses (no servers).

Each statement is compiled by the warehouse's own SQLAlchemy dialect with its values
inlined and parsed back by sqlglot in that warehouse's dialect (as the feature query is in
``test_warehouse_dialects``).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.segments import SegmentParams
from core.segments.assign_sql import assignment_select
from core.segments.sample_fit import fit_definition, sample_condition
from tests.core.test_warehouse_dialects import DIALECTS, compile_sql, dialect_for, parses

COLUMNS = ("frequency", "monetary", "recency_days", "engagement_rate")


@functools.cache
def _definition(method: str):
    return fit_definition(_sample(), PARAMS[method])[0]


def _sample() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    return pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n)],
            "frequency": rng.poisson(2, n).astype(float),
            "monetary": rng.gamma(2, 50, n) * (rng.random(n) < 0.6),
            "recency_days": rng.integers(0, 90, n).astype(float),
            "engagement_rate": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
            "region": rng.choice(["华东", "华南", "north"], n),
        }
    )


def _features_table() -> sa.TableClause:
    return sa.table(
        "features",
        sa.column("user_id", sa.String),
        *(sa.column(c, sa.Double) for c in COLUMNS),
        sa.column("region", sa.String),
    )


PARAMS = {
    "kmeans": SegmentParams(method="kmeans", k=3, features=COLUMNS, categorical=("region",)),
    "gmm": SegmentParams(method="gmm", k=2, features=COLUMNS),
    "pca": SegmentParams(method="kmeans", k=3, features=COLUMNS, pca_components=2),
    "rfm": SegmentParams(method="rfm"),
}


@pytest.mark.parametrize("engine", sorted(DIALECTS))
@pytest.mark.parametrize("method", sorted(PARAMS))
def test_assignment_compiles_and_parses(engine, method):
    definition = _definition(method)
    stmt = assignment_select(_features_table(), definition)
    sql = compile_sql(stmt, dialect_for(engine))
    tree = parses(sql, DIALECTS[engine][1])
    assert [e.alias_or_name for e in tree.expressions] == ["user_id", "segment"]
    if method != "rfm":
        assert "ln(" in sql.lower()


@pytest.mark.parametrize(
    ("engine", "md5"),
    [
        ("bigquery", "TO_HEX(MD5("),
        ("trino", "lower(to_hex(md5(to_utf8("),
        ("clickhouse", "lower(hex(MD5("),
        ("snowflake", "md5("),
        ("spark", "md5("),
        ("duckdb", "md5("),
        ("postgres", "md5("),
    ],
)
def test_the_sample_condition_is_hex_md5_everywhere(engine, md5):
    events = sa.table("events", sa.column("user_id", sa.String))
    stmt = sa.select(events.c.user_id).where(sample_condition(events.c.user_id, 0.25, 7))
    sql = compile_sql(stmt, dialect_for(engine))
    assert md5 in sql and "'40000000'" in sql and "'7:'" in sql
    parses(sql, DIALECTS[engine][1])
