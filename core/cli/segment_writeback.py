"""``python -m core segment --write-back TABLE``: segments computed where the data lives.

Called by ``core.cli.segment`` when ``--write-back`` (or ``--from-run``) is given. Fits on
a seeded sample, assigns every user inside ``--db``, writes the rows into TABLE, saves the
run and its fitted definition in the app store, and prints what it did on stderr. A
scheduler reads the exit code: 0 done, 2 bad input (nothing written), 75 the database did
not answer (``EX_TEMPFAIL``: try again later).
"""

from __future__ import annotations

import argparse
import hashlib
import sys

from core.errors import DataError
from core.i18n import fmt, ntr, tr

__all__ = ["run_write_back"]

#: The workspace that holds runs made on the command line.
CLI_WORKSPACE_NAME = "Command line"


def _check_args(args: argparse.Namespace) -> None:
    """Raise DataError for option combinations that cannot work."""
    if not getattr(args, "write_back", None):
        raise DataError(tr("--from-run needs --write-back TABLE: the table to refresh."))
    if not args.db or not args.table:
        raise DataError(
            tr("--write-back needs --db URL and --table NAME: the database that holds the events.")
        )
    if args.events or getattr(args, "users", None):
        raise DataError(tr("--write-back reads tables from --db only; leave out the file names."))
    if args.map or getattr(args, "users_map", None):
        raise DataError(
            tr(
                "--write-back reads the events table as it is; give it the columns user_id, "
                "timestamp and event_type instead of --map."
            )
        )


def _workspace(store, run_id: str | None, wanted: str | None) -> str:
    """The workspace of ``run_id`` (or the command line's own workspace for a new run)."""
    if run_id:
        found = store.find_run_workspaces(run_id)
        if wanted:
            found = [w for w in found if w == wanted]
        if not found:
            raise DataError(
                tr(
                    "There is no saved run {run_id}; check the id (it is printed when a run "
                    "is written back) or run once without --from-run.",
                    run_id=run_id,
                )
            )
        if len(found) > 1:
            raise DataError(
                tr(
                    "The run id {run_id} is in several workspaces ({workspaces}); name one "
                    "with --workspace.",
                    run_id=run_id,
                    workspaces=", ".join(found),
                )
            )
        return found[0]
    if wanted:
        if store.get_workspace(wanted) is None:
            raise DataError(tr("There is no workspace {workspace}.", workspace=wanted))
        return wanted
    for ws in store.list_workspaces("local"):
        if ws.name == CLI_WORKSPACE_NAME:
            return ws.id
    return store.create_workspace(CLI_WORKSPACE_NAME, owner="local").id


def run_write_back(args: argparse.Namespace) -> None:
    """Fit (or load) the definition, write every user's segment into the table, report."""
    from core.segments.writeback import open_engine

    _check_args(args)
    engine = open_engine(args.db)
    try:
        _write_back(args, engine)
    finally:
        engine.dispose()  # a DuckDB file is free for other processes afterwards


def _write_back(args: argparse.Namespace, engine) -> None:
    """The command's work on an open engine."""
    from sqlalchemy.engine import make_url

    from core.segments.assign_sql import SegmentDefinition
    from core.segments.sample_fit import DEFAULT_SAMPLE_USERS, fit_definition, sample_features
    from core.segments.writeback import check_table, write_back
    from core.store import open_store
    from core.store.values import new_id

    check_table(engine, args.write_back)  # before anything is fitted or saved
    store = open_store()
    users = getattr(args, "users_table", None)
    if args.from_run:
        ws = _workspace(store, args.from_run, getattr(args, "workspace", None))
        saved = store.get_definition(ws, args.from_run)
        if saved is None:
            raise DataError(
                tr(
                    "The run {run_id} was made on the Segment page and has no definition to "
                    "apply inside a database; write it back once without --from-run.",
                    run_id=args.from_run,
                )
            )
        definition = SegmentDefinition.from_dict(saved)
        record = store.get_run(ws, args.from_run)
        names = dict(record.names) if record is not None else {}
        run_id = args.from_run
    else:
        from core.cli.segment import params_from_args

        if args.method is None:  # the automatic method has no SQL form: k-means
            args.method = "kmeans"
        params = params_from_args(args)
        size = int(args.sample_size or DEFAULT_SAMPLE_USERS)
        sample, info = sample_features(
            engine, events=args.table, users=users, size=size, seed=args.seed, as_of=args.as_of
        )
        definition, result = fit_definition(sample, params, sample=info)
        run_id = new_id(9)
        names = {}
        ws = _workspace(store, None, getattr(args, "workspace", None))
        shown = make_url(args.db).render_as_string(hide_password=True)
        dataset_id = "db-" + hashlib.sha256(f"{shown}|{args.table}".encode()).hexdigest()[:12]
        store.save_dataset(ws, dataset_id, shown, source_name=args.table)
        store.save_run(
            ws,
            dataset_id,
            result.labels,
            params=params,
            quality=result.quality,
            run_id=run_id,
        )
        store.save_definition(ws, run_id, definition.to_dict())
        _print_fit(definition, info)
    outcome = write_back(
        engine,
        definition,
        table=args.write_back,
        run_id=run_id,
        names=names,
        events=args.table,
        users=users,
        as_of=args.as_of,
    )
    _print_outcome(outcome)


def _print_fit(definition, info: dict) -> None:
    """The sample and how exact the in-database labels are, on stderr."""
    print(
        tr(
            "Fitted on a seeded sample of {users} of {population} users (seed {seed}; "
            "sample size chosen so that fits agree at an adjusted Rand index of at least "
            "0.95).",
            users=fmt.number(info["users"]),
            population=fmt.number(info["population"]),
            seed=info["seed"],
        ),
        file=sys.stderr,
    )
    if not definition.exact:
        print(
            tr(
                "note: {method} is approximated inside the database: every user joins the "
                "nearest segment centre of the sample.",
                method=definition.method,
            ),
            file=sys.stderr,
        )


def _print_outcome(outcome) -> None:
    """Rows written, sizes and movement since the last write-back, on stderr."""
    print(
        ntr(
            "wrote {n} user to {table} (run {run_id})",
            "wrote {n} users to {table} (run {run_id})",
            outcome.users,
            n=fmt.number(outcome.users),
            table=outcome.table,
            run_id=outcome.run_id,
        ),
        file=sys.stderr,
    )
    sizes = ", ".join(f"{seg} {fmt.number(n)}" for seg, n in outcome.sizes.items())
    print(tr("sizes: {sizes}", sizes=sizes), file=sys.stderr)
    if outcome.first:
        print(tr("first write-back of this run: no earlier rows to compare."), file=sys.stderr)
        return
    share = outcome.moved / outcome.kept if outcome.kept else 0.0
    print(
        tr(
            "moved since the last write-back: {moved} of {kept} users ({share}); {new} new, "
            "{gone} no longer present.",
            moved=fmt.number(outcome.moved),
            kept=fmt.number(outcome.kept),
            share=fmt.percent(share, 1),
            new=fmt.number(_count(outcome.movement, "from_segment")),
            gone=fmt.number(_count(outcome.movement, "to_segment")),
        ),
        file=sys.stderr,
    )
    moves = outcome.movement.dropna(subset=["from_segment", "to_segment"])
    moves = moves[moves["from_segment"] != moves["to_segment"]]
    for row in moves.sort_values("users", ascending=False).head(10).itertuples(index=False):
        print(
            tr(
                "  {source} -> {target}: {users}",
                source=row.from_segment,
                target=row.to_segment,
                users=fmt.number(row.users),
            ),
            file=sys.stderr,
        )


def _count(movement, column: str) -> int:
    """Users whose ``column`` is missing (new users for from, gone users for to)."""
    return int(movement.loc[movement[column].isna(), "users"].sum())
