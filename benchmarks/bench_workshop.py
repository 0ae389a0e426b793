"""Benchmark: a workshop room's board and sweep, beside the same steps for one participant.

Run: ``python benchmarks/bench_workshop.py [--quick]`` (default: 20 participants on a
2,000-user dataset, the bundled sample's size; ``--quick``: 5 participants, 500 users).
Every participant saves a different segmentation (the planted personas with a growing
share of users moved to another group, seeded), as a room would. Prints, measured in the
same process, the ONE-participant baseline beside the room:

- joining and saving: ``Store.join_workshop`` + dataset + ``Store.save_run`` per person;
- the board's data: each participant's latest run from the store with its automatic
  persona names (``core.personas.persona_names``, the board's cost per set);
- the agreement matrix (``core.segments.agreement_matrix``, one ARI per pair);
- the sweep after the last day (``Store.sweep_workshops``: rows and files);
- peak resident memory.

Target: the board of a 20-person room answers in under 5 s on 2 cores (a facilitator
presses "Refresh" in front of the room).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PERSONALAB_DATA_DIR", tempfile.mkdtemp(prefix="bench-workshop-"))

from benchmarks._common import peak_mb  # noqa: E402

TODAY = dt.date(2026, 3, 10)


def _dataset(n_users: int):
    """A seeded synthetic dataset written through the real ingest, and its planted groups."""
    from core.data import generate, ingest

    data = generate(n_users=n_users, days=60, seed=11)
    folder = Path(tempfile.mkdtemp(prefix="bench-workshop-data-"))
    data.events.to_csv(folder / "events.csv", index=False)
    dataset = ingest(folder / "events.csv")
    truth = pd.Series(
        data.truth["persona"].to_numpy(), index=pd.Index(data.truth["user_id"], name="user_id")
    )
    return dataset, truth


def _room_labels(truth: pd.Series, n: int) -> list[pd.Series]:
    """``n`` different segmentations: the planted groups with 5 %, 10 %, ... of users moved."""
    rng = np.random.default_rng(5)
    groups = truth.unique()
    out = []
    for i in range(n):
        labels = truth.copy()
        moved = rng.random(len(labels)) < 0.05 * (i + 1) / max(1, n / 10)
        labels[moved] = rng.choice(groups, moved.sum())
        out.append(labels.rename("segment").astype(str))
    return out


def _run_room(store, dataset, labelings: list[pd.Series], features) -> dict[str, float]:
    """Time every step for one room; return seconds per step."""
    from core.personas import persona_names
    from core.segments import agreement_matrix

    times = {}
    t = time.perf_counter()
    _, workshop = store.create_workshop("Bench", TODAY, owner="local", today=TODAY)
    for i, labels in enumerate(labelings):
        p = store.join_workshop(workshop.id, f"Participant {i + 1}", today=TODAY)
        store.save_dataset(p.workspace_id, dataset.dataset_id, str(dataset.path))
        store.save_run(p.workspace_id, dataset.dataset_id, labels, run_id=f"run-{i}")
    times["join + save"] = time.perf_counter() - t

    t = time.perf_counter()
    sets = {}
    for p in store.list_participants(workshop.id):
        runs = store.list_runs(p.workspace_id)
        record = store.get_run(p.workspace_id, runs[0].run_id)
        persona_names(features, record.labels)
        sets[p.display_name] = record.labels
    times["board data"] = time.perf_counter() - t

    t = time.perf_counter()
    agreement_matrix(sets if len(sets) > 1 else {**sets, "again": next(iter(sets.values()))})
    times["ARI matrix"] = time.perf_counter() - t

    t = time.perf_counter()
    result = store.sweep_workshops(TODAY + dt.timedelta(days=1))
    times["sweep"] = time.perf_counter() - t
    assert result.workspaces == len(labelings)
    return times


def main() -> None:
    """Print the room's figures beside the one-participant baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 participants, 500 users")
    args = parser.parse_args()
    n_users, room = (500, 5) if args.quick else (2000, 20)

    from core.segments import build_features
    from core.store import Store

    dataset, truth = _dataset(n_users)
    features = build_features(_engine(dataset))
    store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'store.sqlite'}")
    labelings = _room_labels(truth, room)
    _run_room(store, dataset, labelings[:1], features)  # warm-up: imports, first queries
    baseline = _run_room(store, dataset, labelings[:1], features)
    measured = _run_room(store, dataset, labelings, features)
    print(f"workshop board: {n_users:,} users, {room} participants vs 1 (baseline)")
    print(f"{'step':<14}{'1 participant':>16}{f'{room} participants':>20}{'per person':>14}")
    for step in measured:
        per = measured[step] / room
        print(f"{step:<14}{baseline[step]:>15.3f}s{measured[step]:>19.3f}s{per:>13.3f}s")
    board = measured["board data"] + measured["ARI matrix"]
    print(f"board (data + ARI) for the room: {board:.2f} s (target < 5 s); peak {peak_mb():.0f} MB")


def _engine(dataset):
    """The dataset's SQLAlchemy engine."""
    from core.data import dataset_engine

    return dataset_engine(dataset.path)


if __name__ == "__main__":
    main()
