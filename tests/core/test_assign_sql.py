"""In-database assignment: fit on a seeded sample, assign everyone with one SQL statement.

Runs on DuckDB and on PostgreSQL (``PERSONALAB_TEST_PG_URL``; fails in CI without it).
The in-engine labels must equal the in-memory labels (``core.segments.segment`` on the
sample's feature table) exactly for k-means, the Gaussian mixture and RFM, on two
generators of different structure.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from core.data.casegen import mix
from core.data.synth.generator import generate
from core.errors import DataError
from core.segments import SegmentParams, segment
from core.segments.assign_sql import (
    SegmentDefinition,
    assign_in_engine,
    assignment_select,
    feature_source,
)
from core.segments.sample_fit import fit_definition, in_sample, sample_features
from core.segments.writeback import WRITE_BACK_COLUMNS, write_back


@functools.cache
def _dataset(name: str) -> tuple[list[dict], list[dict]]:
    """Events and users rows of a generator, small enough to insert on PostgreSQL."""
    if name == "synth":
        data = generate(n_users=300, days=24, seed=11)
        events, users = data.events, data.users[["user_id", "age", "followers", "region"]]
    else:
        case = mix(seed=5, n_users=300, days=24)
        events, users = case.events, case.users[["user_id"]]
    cols = ["user_id", "timestamp", "event_type", "platform", "amount", "content_format"]
    ev = events[cols].astype(object)
    ev["timestamp"] = pd.to_datetime(events["timestamp"]).dt.to_pydatetime()
    ev = ev.where(ev.notna(), None)
    us = users.astype(object).where(users.notna(), None)
    return ev.to_dict("records"), us.to_dict("records")


def _engine(canonical, name: str):
    events, users = _dataset(name)
    columns = []
    if name == "synth":
        columns = [
            sa.Column("age", sa.Integer),
            sa.Column("followers", sa.Integer),
            sa.Column("region", sa.String),
        ]
    return canonical.make(events, users, users_columns=tuple(columns))


GENERATORS = ("synth", "mix")


@pytest.mark.parametrize("generator", GENERATORS)
def test_in_engine_labels_equal_in_memory_labels_on_the_sample(canonical, generator):
    engine = _engine(canonical, generator)
    sample, info = sample_features(engine, size=150, seed=4)
    assert 0 < info["users"] < info["population"]
    for params in (
        SegmentParams(method="kmeans", k=4, seed=2),
        SegmentParams(method="gmm", k=3, seed=1),
        SegmentParams(method="rfm"),
        SegmentParams(method="kmeans", k=3, seed=0, transform="log1p+robust", pca_components=3),
    ):
        definition, result = fit_definition(sample, params, sample=info)
        expected = segment(sample, params).labels
        pd.testing.assert_series_equal(result.labels, expected)
        got = assign_in_engine(engine, definition)
        assert len(got) == info["population"]
        on_sample = got.reindex(expected.index)
        mismatched = (on_sample != expected).sum()
        assert mismatched == 0, (params.method, mismatched)


def test_categorical_attributes_are_one_hot_in_sql(canonical):
    engine = _engine(canonical, "synth")
    sample, info = sample_features(engine, size=150, seed=1)
    params = SegmentParams(method="kmeans", k=3, seed=0, categorical=("region",))
    definition, _ = fit_definition(sample, params, sample=info)
    assert any(c == "region" for c, _v, _w in definition.dummies)
    got = assign_in_engine(engine, definition).reindex(sample["user_id"].astype(str))
    expected = segment(sample, params).labels
    assert (got.to_numpy() == expected.to_numpy()).all()


def test_approximated_methods_join_the_nearest_centre(canonical):
    engine = _engine(canonical, "mix")
    sample, info = sample_features(engine, size=150, seed=2)
    definition, result = fit_definition(sample, SegmentParams(method="agglomerative", k=3))
    assert not definition.exact
    got = assign_in_engine(engine, definition).reindex(result.labels.index)
    assert set(got) <= set(definition.segments)
    assert (got == result.labels).mean() > 0.8  # Ward cells are close to nearest-centre cells


def test_the_sample_is_the_same_users_in_sql_and_python(canonical):
    engine = _engine(canonical, "mix")
    sample, info = sample_features(engine, size=100, seed=9)
    events, _ = _dataset("mix")
    ids = sorted({e["user_id"] for e in events})
    expected = [u for u, keep in zip(ids, in_sample(ids, info["fraction"], 9), strict=True) if keep]
    assert sorted(sample["user_id"]) == expected
    other, _ = sample_features(engine, size=100, seed=10)
    assert sorted(other["user_id"]) != expected


def test_definition_round_trips_through_json(canonical):
    import json

    engine = _engine(canonical, "synth")
    sample, info = sample_features(engine, size=150, seed=4)
    definition, _ = fit_definition(sample, SegmentParams(method="gmm", k=3, seed=1), sample=info)
    again = SegmentDefinition.from_dict(json.loads(json.dumps(definition.to_dict())))
    assert again == definition
    assert again.sample["users"] == info["users"]


def _rows(engine, table):
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(sa.text(f"SELECT * FROM {table}")).mappings().all())


def _writable(canonical, name):
    engine = _engine(canonical, name)
    if canonical.backend == "duckdb":  # the dataset engine is read-only: open the file to write
        from core.data.engine import duckdb_engine

        path = engine.url.database
        engine.dispose()
        return duckdb_engine(path, read_only=False)
    return engine


def test_write_back_is_idempotent_and_leaves_other_runs_alone(canonical):
    engine = _writable(canonical, "synth")
    sample, info = sample_features(engine, size=150, seed=4)
    definition, _ = fit_definition(sample, SegmentParams(method="kmeans", k=4, seed=2))
    names = {"S1": "Bargain hunters"}
    first = write_back(engine, definition, table="segments_out", run_id="runA", names=names)
    other = write_back(engine, definition, table="segments_out", run_id="runB")
    again = write_back(engine, definition, table="segments_out", run_id="runA", names=names)
    rows = _rows(engine, "segments_out")
    assert list(rows.columns) == list(WRITE_BACK_COLUMNS)
    a = rows[rows["run_id"] == "runA"]
    assert len(a) == first.users == again.users == info["population"]
    assert a["user_id"].is_unique and a["assigned_at"].nunique() == 1
    assert len(rows[rows["run_id"] == "runB"]) == other.users
    assert first.first and not again.first
    assert again.moved == 0 and again.kept == info["population"]
    named = a[a["segment"] == "S1"]
    assert (named["persona_name"] == "Bargain hunters").all()
    assert (
        a.loc[a["segment"] != "S1", "persona_name"] == a.loc[a["segment"] != "S1", "segment"]
    ).all()
    expected = assign_in_engine(engine, definition)
    got = a.set_index("user_id")["segment"].sort_index()
    assert (got.to_numpy() == expected.to_numpy()).all()


def test_moved_users_match_a_hand_count(canonical):
    engine = _writable(canonical, "synth")
    sample, _ = sample_features(engine, size=150, seed=4)
    definition, _ = fit_definition(sample, SegmentParams(method="kmeans", k=4, seed=2))
    write_back(engine, definition, table="seg", run_id="r1", as_of="2025-09-14")
    before = assign_in_engine(engine, definition, as_of="2025-09-14")
    after = assign_in_engine(engine, definition)
    out = write_back(engine, definition, table="seg", run_id="r1")
    both = before.index.intersection(after.index)
    moved = int((before[both] != after[both]).sum())
    assert out.moved == moved > 0
    assert out.kept == len(both)
    new_users = len(after.index.difference(before.index))
    assert int(out.movement.loc[out.movement["from_segment"].isna(), "users"].sum()) == new_users


def test_a_table_with_another_shape_is_refused_and_nothing_written(canonical):
    engine = _writable(canonical, "synth")
    sample, _ = sample_features(engine, size=150, seed=4)
    definition, _ = fit_definition(sample, SegmentParams(method="kmeans", k=3))
    with pytest.raises(DataError, match=r"The table users already exists with the columns"):
        write_back(engine, definition, table="users", run_id="r1")
    assert "segment" not in _rows(engine, "users").columns


def test_a_missing_column_is_named(canonical):
    engine = _writable(canonical, "synth")
    sample, _ = sample_features(engine, size=150, seed=4)
    params = SegmentParams(method="kmeans", k=3, features=("frequency", "followers"))
    definition, _ = fit_definition(sample, params)
    with pytest.raises(DataError, match="use the column followers"):
        write_back(engine, definition, table="seg", run_id="r1", users=None)
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("seg")


def test_messages_in_chinese(canonical):
    from core.i18n import language

    engine = _writable(canonical, "synth")
    sample, _ = sample_features(engine, size=150, seed=4)
    definition, _ = fit_definition(sample, SegmentParams(method="kmeans", k=3))
    with language("zh"), pytest.raises(DataError) as exc:
        write_back(engine, definition, table="users", run_id="r1")
    assert "已存在" in str(exc.value) and "users" in str(exc.value)
    with pytest.raises(DataError) as exc:
        write_back(engine, definition, table="users", run_id="r1")
    assert "already exists" in str(exc.value)


# --- SQL that other engines compile ------------------------------------------------------


def _statement():
    sample = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(40)],
            "frequency": np.arange(40) % 7,
            "monetary": (np.arange(40) * 13.5) % 300,
            "recency_days": (np.arange(40) * 3.0) % 60,
        }
    )
    features = sa.table(
        "features",
        *(sa.column(c, sa.Double if c != "user_id" else sa.String) for c in sample.columns),
    )
    stmts = []
    for params in (
        SegmentParams(method="kmeans", k=3, features=("frequency", "monetary")),
        SegmentParams(method="gmm", k=2, features=("frequency", "monetary")),
        SegmentParams(method="rfm"),
    ):
        definition, _ = fit_definition(sample, params)
        stmts.append(assignment_select(features, definition))
    return stmts


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mysql", "mssql", "oracle"])
def test_assignment_compiles_on_builtin_dialects(dialect):
    import importlib

    module = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
    for stmt in _statement():
        sql = str(stmt.compile(dialect=module.dialect(), compile_kwargs={"literal_binds": True}))
        assert "CASE" in sql.upper() and "features" in sql


def test_feature_source_keeps_users_in_the_database(canonical):
    engine = _engine(canonical, "mix")
    source = feature_source(engine)
    assert isinstance(source, sa.Subquery)
    assert {"user_id", "frequency", "monetary"} <= set(source.c.keys())
