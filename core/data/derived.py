"""The derived tables of a dataset: integer user keys and one row per user and active day.

They are computed once when a dataset is written (or upgraded, ``core.data.layout``) so
that Explore reads them instead of re-deriving them from every event.
"""

from __future__ import annotations

import queue
import threading

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

    ``user_days`` of a large dataset comes from one ordered pass over the events, which
    ingest stores sorted by user key and time (:func:`_user_days_in_one_ordered_pass`);
    fewer events, or events in any other order, get the same table from SQL
    (``_USER_DAYS_SQL``), whose rows are grouped by user but not sorted: every reader
    aggregates or filters it.

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
    n_events, top_uid = con.execute(f"SELECT count(*), max(uid) FROM {s}.events").fetchall()[0]
    if n_events < ORDERED_PASS_MIN_EVENTS or not _user_days_in_one_ordered_pass(
        con, s, n_events, top_uid
    ):
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
#: Events per batch of the ordered pass, about (a batch holds whole users).
_BATCH_ROWS = 1 << 20
#: Below this many events the SQL is as fast as the ordered pass plus importing pyarrow
#: in a fresh process (1M events: 0.2 s against 0.1-0.17 s and 0.1-0.2 s).
ORDERED_PASS_MIN_EVENTS = 2_000_000


def _user_days_in_one_ordered_pass(
    con: duckdb.DuckDBPyConnection, s: str, n_events: int, top_uid: int | None
) -> bool:
    """Write ``user_days`` in one pass over ``events`` in storage order; False if unsorted.

    Ingest stores the events sorted by user key and time, so each user's days, and each
    day's events, are runs of neighbouring rows. DuckDB cannot use an order it did not
    make: its GROUP BY hashes every (user, day) pair (8.2M groups from 10M events) and its
    window then sorts them again. This pass reads three narrow columns for a range of
    user keys at a time (whole users, about ``_BATCH_ROWS`` events; the sorted table's
    zone maps skip the other row groups), finds the runs with numpy and streams the rows
    back into one INSERT, so memory stays bounded by a batch.

    It checks the order as it goes: on a user key or day that goes backwards, a missing
    value or a key outside 0..max, it drops what it wrote and returns False, and the
    caller uses the SQL.
    """
    import pyarrow as pa

    if n_events and top_uid is None:  # keys missing: not a table ingest wrote
        return False
    con.execute(f"CREATE OR REPLACE TABLE {s}.user_days ({_USER_DAYS_COLUMNS})")
    if not n_events:
        return True
    step = max(1, int(top_uid * _BATCH_ROWS // n_events))
    read = f"""SELECT uid, CAST(CAST(timestamp AS DATE) - DATE '1970-01-01' AS INTEGER) AS day,
                      CAST({ENGAGED_SQL} AS UTINYINT)
                      | (CAST(event_type = 'purchase' AS UTINYINT) << 1) AS flags
               FROM {s}.events WHERE uid >= $low AND uid < $high"""
    schema = _day_schema()
    # A thread reads and groups the next batches while DuckDB inserts the last ones
    # (0.55-0.62 s against 0.75-1.02 s on 10M events, the same table): the reads and
    # numpy release the GIL, and one batch at a time left a core idle. At most two
    # batches wait, so memory stays bounded.
    ready: queue.Queue = queue.Queue(maxsize=2)
    done, stop = object(), threading.Event()
    state: dict = {"rows": 0, "in_order": True, "error": None}

    def put(item) -> None:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for low in range(0, top_uid + 1, step):
                if stop.is_set():
                    return
                cols = reader.execute(read, {"low": low, "high": low + step}).fetchnumpy()
                state["rows"] += len(cols["uid"])
                batch = _day_runs(cols["uid"], cols["day"], cols["flags"], schema)
                if batch is None:
                    state["in_order"] = False
                    return
                put(batch)
        except BaseException as exc:  # handed to the inserting thread, raised there
            state["error"] = exc
        finally:
            put(done)

    def batches():
        while (item := ready.get()) is not done:
            yield item

    reader, writer = con.cursor(), con.cursor()
    thread = threading.Thread(target=produce, name="personalab-user-days", daemon=True)
    thread.start()
    try:
        writer.register("user_days_rows", pa.RecordBatchReader.from_batches(schema, batches()))
        writer.execute(f"INSERT INTO {s}.user_days SELECT * FROM user_days_rows")
    finally:
        stop.set()
        thread.join()
        writer.unregister("user_days_rows")
        reader.close()
        writer.close()
    if state["error"] is not None:
        raise state["error"]
    rows_read, in_order = state["rows"], state["in_order"]
    if not in_order or rows_read != n_events:  # keys outside 0..max(uid) were not read
        con.execute(f"DROP TABLE {s}.user_days")
        return False
    return True


def _day_schema():
    import pyarrow as pa

    days = [(name, pa.date32()) for name in ("day", "prev_day", "next_day", "first_day")]
    flags = [("engaged", pa.bool_()), ("purchased", pa.bool_())]
    return pa.schema([("uid", pa.int32()), *days, *flags])


def _day_runs(u, d, f, schema):
    """One batch of whole users' events in storage order -> their ``user_days`` rows as an
    Arrow record batch, or None if they are not sorted by user key and day or a value is
    missing (``u``, ``d``, ``f``: user keys, days since 1970-01-01, flag bits; ``schema``:
    the batches' Arrow schema, :func:`_day_schema`)."""
    import numpy as np
    import pyarrow as pa

    if any(np.ma.isMaskedArray(a) for a in (u, d, f)):  # NULLs come back masked
        return None
    same_user = u[1:] == u[:-1]
    if np.any(u[1:] < u[:-1]) or np.any(same_user & (d[1:] < d[:-1])):
        return None
    starts = np.flatnonzero(np.concatenate(([True], ~same_user | (d[1:] != d[:-1]))))[: len(u)]
    gu, gd = u[starts], d[starts]
    # reduceat's loop for int32 is faster than for uint8 (7.4 ms against 10.4 ms a batch).
    flags = np.bitwise_or.reduceat(f.astype(np.int32), starts) if len(starts) else f
    has_prev = np.concatenate(([False], gu[1:] == gu[:-1]))[: len(gu)]
    has_next = np.concatenate((has_prev[1:], [False]))[: len(gu)]
    # Each user's first day: the day of the group where the user starts, repeated over
    # the user's groups (1.4 ms a batch of 1M events, against 9.8 ms for a running max
    # of positions).
    user_starts = np.flatnonzero(~has_prev)
    first = np.repeat(gd[user_starts], np.diff(np.append(user_starts, len(gu))))
    prev_day = np.concatenate((gd[:1], gd[:-1]))
    next_day = np.concatenate((gd[1:], gd[-1:]))

    # Arrow arrays straight from the numpy buffers: pa.array() would import pandas
    # (0.5 s) to ask whether its input is a Series.
    def bits(mask):
        return pa.py_buffer(np.packbits(mask, bitorder="little"))

    def column(kind, values, valid=None):
        validity = None if valid is None else bits(valid)
        return pa.Array.from_buffers(kind, len(gu), [validity, pa.py_buffer(values)])

    def flag(mask):
        return pa.Array.from_buffers(pa.bool_(), len(gu), [None, bits(mask)])

    return pa.RecordBatch.from_arrays(
        [
            column(pa.int32(), np.ascontiguousarray(gu, np.int32)),
            column(pa.date32(), np.ascontiguousarray(gd, np.int32)),
            column(pa.date32(), np.ascontiguousarray(prev_day, np.int32), has_prev),
            column(pa.date32(), np.ascontiguousarray(next_day, np.int32), has_next),
            column(pa.date32(), np.ascontiguousarray(first, np.int32)),
            flag((flags & 1) > 0),
            flag((flags & 2) > 0),
        ],
        schema=schema,
    )
