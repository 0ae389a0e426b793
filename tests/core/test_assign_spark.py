"""Assignment and write-back inside Apache Spark (local mode).

Needs pyspark and Java (``spark_engine`` fixture: fails in CI without them). The labels
Spark computes equal the in-memory labels on the sample, and a second write-back of the
same run replaces its partition.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from core.data.spark import load_frame
from core.data.synth import generate
from core.segments import SegmentParams, segment
from core.segments.assign_sql import assign_in_engine
from core.segments.sample_fit import fit_definition, sample_features
from core.segments.writeback import write_back

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def lake(spark_engine):
    """Events and users of 500 synthetic users as Spark tables."""
    data = generate(n_users=500, days=30, seed=8)
    events = data.events.copy()
    for col in events.columns:
        if isinstance(events[col].dtype, pd.CategoricalDtype):
            events[col] = events[col].astype(str).where(events[col].notna(), None)
    events["timestamp"] = pd.to_datetime(events["timestamp"]).astype("datetime64[us]")
    users = data.users[["user_id", "age", "followers"]]
    load_frame(spark_engine, "assign_events", events)
    load_frame(spark_engine, "assign_users", users)
    return spark_engine


def test_spark_assigns_exactly_and_writes_back_idempotently(lake):
    sample, info = sample_features(
        lake, events="assign_events", users="assign_users", size=150, seed=3
    )
    assert 0 < info["users"] < info["population"] == 500
    tables = {"events": "assign_events", "users": "assign_users"}
    for params in (SegmentParams(method="kmeans", k=3, seed=1), SegmentParams(method="gmm", k=3)):
        definition, _ = fit_definition(sample, params, sample=info)
        expected = segment(sample, params).labels
        got = assign_in_engine(lake, definition, **tables).reindex(expected.index)
        assert (got == expected).all(), params.method

    first = write_back(lake, definition, table="assign_out", run_id="spark-run", **tables)
    other = write_back(lake, definition, table="assign_out", run_id="other-run", **tables)
    again = write_back(lake, definition, table="assign_out", run_id="spark-run", **tables)
    assert first.first and first.users == again.users == other.users == 500
    assert again.moved == 0 and again.kept == 500
    with lake.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT run_id, COUNT(*), COUNT(DISTINCT user_id) FROM assign_out GROUP BY run_id"
            )
        ).all()
    assert sorted(tuple(r) for r in rows) == [("other-run", 500, 500), ("spark-run", 500, 500)]
