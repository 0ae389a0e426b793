"""The derived tables of a dataset: integer user keys and one row per user and active day.

They are computed once when a dataset is written (or upgraded, ``core.data.layout``) so
that Explore reads them instead of re-deriving them from every event.
"""

from __future__ import annotations

import duckdb

from core.data.schema import PROSPECT_EVENT_TYPES

#: The integer user key: users numbered 1, 2, ... in user_id order (the storage order).
_UID_SQL = "CAST(dense_rank() OVER (ORDER BY {user_id}) AS INTEGER)"

#: What counts as engaging (the lifecycle rule): any event but a view or click.
ENGAGED_SQL = "event_type NOT IN ({})".format(", ".join(f"'{t}'" for t in PROSPECT_EVENT_TYPES))


def write_activity_tables(
    con: duckdb.DuckDBPyConnection, schema: str = "main", *, keys: str | None = None
) -> None:
    """Write the derived tables Explore reads instead of re-deriving them from every event.

    - ``events.uid`` (added here when missing): an INTEGER key per user, so per-user
      group-bys, windows and segment semi-joins hash integers instead of strings (about
      twice as fast on 10M events);
    - ``user_keys(user_id, uid)``: the key of each user, to translate segment labels;
    - ``user_days(uid, day, prev_day, next_day, first_day, engaged, purchased)``: one row
      per user and active day with the user's previous, next and first active day (any
      platform), and whether the day had an engaging event or a purchase. DAU/WAU/MAU, new vs returning
      users and the lifecycle mix need exactly these links; taking them from a window over
      every event cost 1.3 s of each Overview render on 10M events.

    ``user_days`` comes from one ordered pass over the events, which ingest stores sorted
    by user key and time (:func:`_user_days_in_one_ordered_pass`); events in any other
    order get the same table from SQL (``_USER_DAYS_SQL``), whose rows are grouped by
    user but not sorted: every reader aggregates or filters it.

    The dataset is never changed after ingest, so these stay true. Datasets written
    before these tables existed get them when first opened (``core.data.layout``).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection where ``<schema>.events`` exists.
    schema : str
        The schema (or attached database) holding ``events``; the tables go there too.
    keys : str, optional
        A table ``(user_id, uid)`` the caller already built along with ``events.uid``
        (ingest does): ``user_keys`` is copied from it instead of from every event.
    """
    s = schema
    has_uid = bool(
        con.execute(
            f"SELECT count(*) FROM (DESCRIBE {s}.events) WHERE column_name = 'uid'"
        ).fetchall()[0][0]
    )
    if not has_uid:
        con.execute(
            f"CREATE TABLE {s}.events__keyed AS SELECT *, {_UID_SQL.format(user_id='user_id')} "
            f"AS uid FROM {s}.events ORDER BY user_id, timestamp"
        )
        con.execute(f"DROP TABLE {s}.events")
        con.execute(f"ALTER TABLE {s}.events__keyed RENAME TO events")
    source = (
        f"SELECT uid, user_id FROM {keys}"
        if keys
        else f"SELECT DISTINCT uid, user_id FROM {s}.events"
    )
    con.execute(f"CREATE OR REPLACE TABLE {s}.user_keys AS {source} ORDER BY uid")
    if not _user_days_in_one_ordered_pass(con, s):
        con.execute(f"CREATE OR REPLACE TABLE {s}.user_days AS {_USER_DAYS_SQL.format(s=s)}")


#: ``user_days`` by SQL: a hash aggregate to one row per user and day, then a window over
#: each user's days. Right for events in any order; used when they are not stored sorted.
_USER_DAYS_SQL = f"""
    SELECT uid, day, lag(day) OVER w AS prev_day, lead(day) OVER w AS next_day,
           first_value(day) OVER w AS first_day, engaged, purchased
    FROM (SELECT uid, CAST(timestamp AS DATE) AS day,
                 bool_or({ENGAGED_SQL}) AS engaged,
                 bool_or(event_type = 'purchase') AS purchased
          FROM {{s}}.events GROUP BY ALL)
    WINDOW w AS (PARTITION BY uid ORDER BY day)"""

_USER_DAYS_COLUMNS = (
    "uid INTEGER, day DATE, prev_day DATE, next_day DATE, first_day DATE, "
    "engaged BOOLEAN, purchased BOOLEAN"
)
#: Events per batch of the ordered pass (about 9 bytes each in numpy).
_BATCH_ROWS = 1 << 20


def _day_schema():
    import pyarrow as pa

    days = [(name, pa.date32()) for name in ("day", "prev_day", "next_day", "first_day")]
    flags = [("engaged", pa.bool_()), ("purchased", pa.bool_())]
    return pa.schema([("uid", pa.int32()), *days, *flags])


def _user_days_in_one_ordered_pass(con: duckdb.DuckDBPyConnection, s: str) -> bool:
    """Write ``user_days`` in one pass over ``events`` in storage order; False if unsorted.

    Ingest stores the events sorted by user key and time, so each user's days, and each
    day's events, are runs of neighbouring rows. DuckDB cannot use an order it did not
    make: its GROUP BY hashes every (user, day) pair (8.2M groups from 10M events) and its
    window then sorts them again. This pass streams three narrow columns out in batches,
    finds the runs with numpy and streams the rows back into one INSERT, so memory stays
    bounded by a batch.

    It checks the order as it goes: on a user key or day that goes backwards, or a
    missing value, it drops what it wrote and returns False, and the caller uses the SQL.
    """
    import pyarrow as pa

    reader, writer = con.cursor(), con.cursor()
    try:
        batches = reader.sql(
            f"""SELECT uid, CAST(CAST(timestamp AS DATE) - DATE '1970-01-01' AS INTEGER),
                       CAST({ENGAGED_SQL} AS UTINYINT)
                       | (CAST(event_type = 'purchase' AS UTINYINT) << 1)
                FROM {s}.events"""
        ).to_arrow_reader(_BATCH_ROWS)
        runs = _DayRuns()
        writer.register(
            "user_days_rows", pa.RecordBatchReader.from_batches(_day_schema(), runs.rows(batches))
        )
        writer.execute(f"CREATE OR REPLACE TABLE {s}.user_days ({_USER_DAYS_COLUMNS})")
        writer.execute(f"INSERT INTO {s}.user_days SELECT * FROM user_days_rows")
        if runs.unsorted:
            writer.execute(f"DROP TABLE {s}.user_days")
        return not runs.unsorted
    finally:
        writer.unregister("user_days_rows")
        reader.close()
        writer.close()


class _DayRuns:
    """Turns batches of (user key, day number, flags) in storage order into ``user_days``
    record batches. The runs may cross batch ends: the last (user, day) group of a batch
    stays open until the next batch shows whether it goes on."""

    def __init__(self) -> None:
        import numpy as np

        self.unsorted = False
        # The open group as one row, the last group emitted (key, day) and its user's
        # first day.
        self._open = [np.empty(0, np.int32), np.empty(0, np.int32), np.empty(0, np.uint8)]
        self._last = (-1, 0, 0)

    def rows(self, batches):
        """Yield the ``user_days`` batches; stop early with ``unsorted`` set when the
        events are not sorted by user key and time or a value is missing."""
        import numpy as np

        for batch in batches:
            if any(column.null_count for column in batch.columns):
                self.unsorted = True
                return
            u, d, f = (
                np.concatenate((kept, batch.column(i).to_numpy(zero_copy_only=False)))
                for i, kept in enumerate(self._open)
            )
            same_user = u[1:] == u[:-1]
            if np.any(u[1:] < u[:-1]) or np.any(same_user & (d[1:] < d[:-1])):
                self.unsorted = True
                return
            starts = np.flatnonzero(np.concatenate(([True], ~same_user | (d[1:] != d[:-1]))))
            groups = [u[starts], d[starts], np.bitwise_or.reduceat(f, starts)]
            self._open = [g[-1:] for g in groups]
            if len(starts) > 1:
                yield self._emit(groups, final=False)
        if len(self._open[0]):
            yield self._emit(self._open, final=True)

    def _emit(self, groups, *, final: bool):
        """The rows of consecutive (user, day) groups: all but the last one unless
        ``final`` (the last one only tells the others their next day)."""
        import numpy as np
        import pyarrow as pa

        gu, gd, gf = groups
        n = len(gu) if final else len(gu) - 1
        last_uid, last_day, last_first = self._last
        prev_u = np.concatenate((np.array([last_uid], np.int32), gu[: n - 1]))[:n]
        prev_d = np.concatenate((np.array([last_day], np.int32), gd[: n - 1]))[:n]
        has_prev = prev_u == gu[:n]
        m = len(gu) - 1  # groups followed by another one here
        has_next = np.zeros(n, bool)
        next_d = np.zeros(n, np.int32)
        has_next[:m] = gu[1 : m + 1] == gu[:m]
        next_d[:m] = gd[1 : m + 1]
        # Each user's first day: the day of the group where the user starts, carried
        # forward; a user who started in an earlier batch keeps the carried one.
        start_at = np.maximum.accumulate(np.where(has_prev, -1, np.arange(n)))
        first = np.where(start_at >= 0, gd[:n][np.maximum(start_at, 0)], last_first)
        self._last = (int(gu[n - 1]), int(gd[n - 1]), int(first[n - 1]))

        def days(values, missing=None):
            return pa.array(values.astype(np.int32), pa.int32(), mask=missing).cast(pa.date32())

        return pa.record_batch(
            [
                pa.array(gu[:n], pa.int32()),
                days(gd[:n]),
                days(prev_d, ~has_prev),
                days(next_d, ~has_next),
                days(first),
                pa.array((gf[:n] & 1) > 0),
                pa.array((gf[:n] & 2) > 0),
            ],
            schema=_day_schema(),
        )
