"""Write every user's segment back into the database, and count who moved since last time.

:func:`write_back` runs ``INSERT INTO <table> (user_id, segment, persona_name, run_id,
assigned_at) SELECT ...`` with the assignment statement of ``core.segments.assign_sql``:
no user passes through Python. In one transaction it inserts the new rows, counts the
movement between the run's previous rows and the new ones (one aggregate query: from
segment, to segment, users), and deletes the previous rows, so running the same run
again (a daily scheduled job) replaces its rows and a failure leaves the table as it was.
Spark tables (Parquet, without Delta or Iceberg) have neither transactions nor DELETE:
there the table is partitioned by ``run_id``, the movement is counted first, and
``INSERT OVERWRITE ... PARTITION (run_id = ...)`` replaces the run's partition in one
step, leaving the other runs' partitions untouched.

:func:`open_engine` turns an unreachable database into :class:`EngineUnavailable`, whose
``exit_code`` is 75 (``EX_TEMPFAIL`` of ``sysexits.h``: try again later), so a scheduler
retries it instead of treating it as bad input (exit code 2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.errors import DataError
from core.i18n import tr
from core.segments.assign_sql import (
    SegmentDefinition,
    assignment_select,
    feature_source,
    without_jit,
)

__all__ = [
    "EX_TEMPFAIL",
    "WRITE_BACK_COLUMNS",
    "EngineUnavailable",
    "WriteBackResult",
    "check_table",
    "open_engine",
    "write_back",
]

#: Exit code of a temporary failure (``sysexits.h``): a scheduler should try again later.
EX_TEMPFAIL = 75
#: The columns of a write-back table, in order.
WRITE_BACK_COLUMNS: tuple[str, ...] = (
    "user_id",
    "segment",
    "persona_name",
    "run_id",
    "assigned_at",
)


class EngineUnavailable(DataError):
    """The database did not answer: a temporary failure (exit code 75), nothing written."""

    exit_code = EX_TEMPFAIL


@dataclasses.dataclass(frozen=True)
class WriteBackResult:
    """What a write-back did.

    Attributes
    ----------
    table, run_id : str
    users : int
        Rows written (one per user).
    assigned_at : datetime.datetime
        The timestamp of the new rows (UTC, naive).
    sizes : pandas.Series
        Users per segment, largest first.
    movement : pandas.DataFrame
        ``from_segment``, ``to_segment``, ``users`` between the run's previous rows and
        the new ones; ``from_segment`` is None for new users and ``to_segment`` None for
        users no longer present. Empty on the run's first write-back.
    """

    table: str
    run_id: str
    users: int
    assigned_at: dt.datetime
    sizes: pd.Series
    movement: pd.DataFrame

    @property
    def first(self) -> bool:
        """True when the run had no rows in the table before."""
        return self.movement.empty or self.movement["from_segment"].isna().all()

    @property
    def moved(self) -> int:
        """Users present both times whose segment changed."""
        m = self.movement.dropna(subset=["from_segment", "to_segment"])
        return int(m.loc[m["from_segment"] != m["to_segment"], "users"].sum())

    @property
    def kept(self) -> int:
        """Users present both times (moved or not)."""
        return int(self.movement.dropna(subset=["from_segment", "to_segment"])["users"].sum())


def open_engine(url: str) -> Engine:
    """Connect to ``url``; an unreachable server raises :class:`EngineUnavailable`.

    Parameters
    ----------
    url : str
        SQLAlchemy URL.

    Returns
    -------
    sqlalchemy.Engine

    Raises
    ------
    EngineUnavailable
        The server did not answer (exit code 75: a scheduler retries later).
    DataError
        A malformed URL or a missing driver (exit code 2).
    """
    from core.data.engine import connect

    try:
        engine = connect(url)
    except DataError as exc:
        if isinstance(exc.__cause__, sa.exc.DBAPIError):
            raise EngineUnavailable(
                tr(
                    "{error} Nothing was written; this is a temporary failure (exit code "
                    "75), so a scheduled job can try again later.",
                    error=exc,
                )
            ) from exc
        raise
    if engine.dialect.name == "duckdb" and engine.url.database not in (None, "", ":memory:"):
        # A DuckDB file opened through its URL keeps an unfinished result on the pooled
        # connection, which then refuses the relation API the feature query uses (the
        # same happens to `features --in-database`); the dataset engine's plain
        # connections do not.
        from core.data.engine import duckdb_engine

        path = engine.url.database
        engine.dispose()
        return duckdb_engine(path, read_only=False)
    return engine


def check_table(engine: Engine, table: str) -> sa.Table | None:
    """The existing write-back table, or None; DataError when it has other columns.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database.
    table : str
        The write-back table's name.

    Returns
    -------
    sqlalchemy.Table or None
        The reflected table, None when it does not exist yet.

    Raises
    ------
    DataError
        When the table exists with columns other than :data:`WRITE_BACK_COLUMNS`.
    """
    from core.data.engine import reflect_table

    existing = reflect_table(engine, table)
    if existing is None:
        return None
    have = [c.name.lower() for c in existing.columns]
    if sorted(have) != sorted(WRITE_BACK_COLUMNS):
        raise DataError(
            tr(
                "The table {table} already exists with the columns {columns}, but segments "
                "are written as {expected}; give --write-back another table name or remove "
                "that table. Nothing was written.",
                table=table,
                columns=", ".join(have),
                expected=", ".join(WRITE_BACK_COLUMNS),
            )
        )
    return existing


def _table_def(table: str) -> sa.Table:
    """The write-back table in portable types."""
    return sa.Table(
        table,
        sa.MetaData(),
        sa.Column("user_id", sa.String, nullable=False),
        sa.Column("segment", sa.String, nullable=False),
        sa.Column("persona_name", sa.String, nullable=True),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
    )


def write_back(
    engine: Engine,
    definition: SegmentDefinition,
    *,
    table: str,
    run_id: str,
    names: Mapping[str, str] | None = None,
    events: Any = "events",
    users: Any = "users",
    as_of: Any = None,
    now: dt.datetime | None = None,
) -> WriteBackResult:
    """Assign every user inside the database and write the rows into ``table``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The database with the events; the table is written there.
    definition : SegmentDefinition
        The fitted segmentation.
    table : str
        The write-back table; created when missing.
    run_id : str
        Identifies the rows; the run's previous rows are replaced.
    names : mapping of str to str, optional
        Persona name per segment (the segment label when not named).
    events, users, as_of
        As for :func:`core.segments.features.build_features`.
    now : datetime, optional
        The ``assigned_at`` stamp (default: now, UTC); always later than the run's
        previous rows.

    Returns
    -------
    WriteBackResult

    Raises
    ------
    DataError
        The table exists with other columns, a column is missing, the events are
        missing; nothing is written.
    EngineUnavailable
        The database stopped answering; the transaction is rolled back.
    """
    if not str(table).strip():
        raise DataError(tr("Name the table to write the segments to, e.g. --write-back segments."))
    check_table(engine, table)
    source = feature_source(engine, events=events, users=users, as_of=as_of)
    assignment = assignment_select(source, definition).subquery("assignment")
    names = {str(k): str(v) for k, v in (names or {}).items() if v}
    labels = list(definition.segments)
    persona = sa.case(
        *((assignment.c.segment == seg, names.get(seg, seg)) for seg in labels),
        else_=assignment.c.segment,
    )
    target = _table_def(table)
    stamp = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    try:
        if engine.dialect.name == "spark":
            movement, sizes_rows, stamp = _write_spark(
                engine, target, assignment, persona, run_id, stamp
            )
        else:
            movement, sizes_rows, stamp = _write_sql(
                engine, target, assignment, persona, run_id, stamp
            )
    except sa.exc.OperationalError as exc:
        raise EngineUnavailable(
            tr(
                "The database stopped answering while the segments were written to {table}; "
                "nothing was changed. Try again later (exit code 75).",
                table=table,
            )
        ) from exc
    sizes = pd.Series({str(s): int(n) for s, n in sizes_rows}, name="users", dtype="int64")
    sizes = sizes.sort_values(ascending=False, kind="stable")
    sizes.index.name = "segment"
    return WriteBackResult(
        table=table,
        run_id=run_id,
        users=int(sizes.sum()),
        assigned_at=stamp,
        sizes=sizes,
        movement=movement,
    )


def _write_sql(engine, target, assignment, persona, run_id, stamp):
    """One transaction: insert the new rows, count the movement, delete the old rows."""
    with engine.begin() as conn:
        without_jit(conn)
        target.create(conn, checkfirst=True)
        last = conn.execute(
            sa.select(sa.func.max(target.c.assigned_at)).where(target.c.run_id == run_id)
        ).all()[0][0]
        if last is not None:
            last = pd.Timestamp(last).to_pydatetime().replace(tzinfo=None)
            if stamp <= last:
                stamp = last + dt.timedelta(milliseconds=1)
        select = sa.select(
            assignment.c.user_id,
            assignment.c.segment,
            persona,
            sa.literal(run_id, sa.String),
            sa.literal(stamp, sa.DateTime),
        )
        conn.execute(target.insert().from_select(list(WRITE_BACK_COLUMNS), select))
        movement = _movement(conn, target, run_id, stamp)
        conn.execute(
            sa.delete(target).where(target.c.run_id == run_id, target.c.assigned_at < stamp)
        )
        return movement, _sizes(conn, target, run_id), stamp


_SAFE_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _write_spark(engine, target, assignment, persona, run_id, stamp):
    """Spark: one partition per run, replaced with INSERT OVERWRITE (no DELETE on Spark
    tables without Delta or Iceberg); the movement is counted before the overwrite."""
    from core.common.sql import quote_identifier

    if not _SAFE_RUN_ID.match(run_id):
        raise DataError(
            tr("The run id {run_id} may only hold letters, digits, - and _.", run_id=run_id)
        )
    name = quote_identifier(target.name, engine.dialect)
    with engine.connect() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {name} (user_id STRING, segment STRING, "
            "persona_name STRING, assigned_at TIMESTAMP, run_id STRING) USING parquet "
            "PARTITIONED BY (run_id)"
        )
        old = (
            sa.select(target.c.user_id, target.c.segment)
            .where(target.c.run_id == run_id)
            .subquery("old")
        )
        movement = _count_movement(conn, old, assignment)
        select = sa.select(
            assignment.c.user_id, assignment.c.segment, persona, sa.literal(stamp, sa.DateTime)
        )
        compiled = select.compile(
            dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        conn.exec_driver_sql(
            f"INSERT OVERWRITE TABLE {name} PARTITION (run_id = '{run_id}') {compiled}",
            compiled.params,
        )
        return movement, _sizes(conn, target, run_id), stamp


def _sizes(conn, target: sa.Table, run_id: str) -> list:
    """(segment, users) of the run's rows."""
    return conn.execute(
        sa.select(target.c.segment, sa.func.count())
        .where(target.c.run_id == run_id)
        .group_by(target.c.segment)
    ).all()


def _movement_frame(rows) -> pd.DataFrame:
    """(from, to, users) rows as a sorted frame."""
    frame = pd.DataFrame(rows, columns=["from_segment", "to_segment", "users"])
    frame["users"] = frame["users"].astype("int64")
    return frame.sort_values(["from_segment", "to_segment"], na_position="first", ignore_index=True)


def _movement(conn, target: sa.Table, run_id: str, stamp: dt.datetime) -> pd.DataFrame:
    """(from, to, users) between the run's previous rows and the rows stamped ``stamp``."""
    old = (
        sa.select(target.c.user_id, target.c.segment)
        .where(target.c.run_id == run_id, target.c.assigned_at < stamp)
        .subquery("old")
    )
    new = (
        sa.select(target.c.user_id, target.c.segment)
        .where(target.c.run_id == run_id, target.c.assigned_at == stamp)
        .subquery("new")
    )
    return _count_movement(conn, old, new)


def _count_movement(conn, old: sa.Subquery, new: sa.Subquery) -> pd.DataFrame:
    """(from, to, users) between two (user_id, segment) selections, counted in the engine."""
    joined = old.outerjoin(new, old.c.user_id == new.c.user_id, full=True)
    rows = conn.execute(
        sa.select(old.c.segment, new.c.segment, sa.func.count())
        .select_from(joined)
        .group_by(old.c.segment, new.c.segment)
    ).all()
    return _movement_frame(rows)
