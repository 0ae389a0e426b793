"""A load's decisions guessed from a file's first rows, checked after its one parsing pass.

A CSV or Parquet file is read once (docs/architecture.md, "How ingest streams"): the
personal-data plan and the time formats are decided from its first rows
(``core.data.first_read.prefix_read``), the parsing pass (``core.data.canonical.
stage_events``) carries what the exact first read needs, and :func:`stage_checked`
decides again from it, parsing the file a second time only when a decision differs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from core.data.canonical import Staging, stage_events
from core.data.first_read import (
    CANDIDATE_COLUMN,
    OFFSET_COLUMN,
    FirstRead,
    first_read,
    read_candidates,
)
from core.data.landed import LoadedSource
from core.data.privacy import PrivacyOptions, _privacy_plan
from core.data.report import Note
from core.data.timestamps import _choose_timestamp_sql
from core.errors import DataError
from core.i18n import N_


def stage_checked(
    con,
    ev: LoadedSource,
    ev_map: dict,
    values: dict,
    guess: FirstRead | None,
    first: FirstRead | None,
    decide: Callable[[FirstRead], tuple],
    with_salt: Callable,
) -> tuple[LoadedSource, Staging, tuple]:
    """Stage the events; return the source (its skipped lines counted), the staging and
    the privacy decision ``(plan, notes, user ids hashed?)``.

    ``guess`` is what the first rows suggest (None: ``first`` is the exact first read
    already made); ``decide`` turns a read into the privacy decision; ``with_salt`` runs
    a function with the salt bound (the treated view hashes with it).
    """
    staging = None
    if guess is not None:
        plan, notes, uid_hashed = decide(guess)
        staging = with_salt(lambda: stage_events(con, ev, ev_map, plan, guess, speculative=True))
        if staging is None:  # the first rows cannot choose the time formats
            ev, first = first_read(con, ev, ev_map, values)
        else:
            ev, first = read_candidates(con, ev, ev_map, "staged", guess)
            exact_plan, exact_notes, exact_uid_hashed = decide(first)
            exact_ts = _timestamp_choice(con, ev, ev_map, first)
            # The staged rows depend on the plan and the time formats; the notes and
            # warnings (which count rows) are taken from the exact read either way.
            if (
                exact_ts is not None
                and (exact_plan, exact_uid_hashed) == (plan, uid_hashed)
                and exact_ts[:2] == (staging.ts_sql, staging.ts_names)
            ):
                staging = dataclasses.replace(staging, ts_warnings=exact_ts[2])
                con.execute(
                    f"ALTER TABLE staged DROP COLUMN {CANDIDATE_COLUMN}; "
                    f"ALTER TABLE staged DROP COLUMN {OFFSET_COLUMN}"
                )
                return ev, staging, (plan, exact_notes, uid_hashed)
            con.execute("DROP TABLE staged")  # a decision differs: parse the file again
    decision = decide(first)
    staging = with_salt(lambda: stage_events(con, ev, ev_map, decision[0], first))
    return ev, staging, decision


def events_privacy(
    con,
    ev: LoadedSource,
    ev_map: dict,
    privacy: PrivacyOptions,
    read: FirstRead,
    us: LoadedSource | None,
    us_privacy: tuple[list, bool],
) -> tuple[dict, list, bool]:
    """(plan, notes, user ids hashed?) for the events from the first read's sample ``read``,
    with the users file's side: its notes, and the events' ids hashed too when the users
    file's are, so that the two stay joinable."""
    plan, notes, uid_hashed = _privacy_plan(con, ev, ev_map, privacy, sample=read.pii_sample)
    us_notes, us_uid_hashed = us_privacy
    notes = [*notes, *us_notes]
    if us_uid_hashed and not uid_hashed:
        uid_col = next(c for c, f in ev_map.items() if f == "user_id")
        plan[uid_col] = "hash"
        uid_hashed = True
        notes.append(
            Note(
                N_("{events_file}: user ids hashed too, to match {users_file}."),
                events_file=ev.name,
                users_file=us.name,
            )
        )
    return plan, notes, uid_hashed


def _timestamp_choice(con, ev: LoadedSource, ev_map: dict, read: FirstRead) -> tuple | None:
    """The time formats ``stage_events`` would choose from ``read`` (None: none)."""
    ts_col = next(c for c, f in ev_map.items() if f == "timestamp")
    try:
        return _choose_timestamp_sql(
            con,
            "treated",
            ts_col,
            ev.name,
            sample=read.timestamp_sample,
            offsets=read.offsets,
        )
    except DataError:
        return None
