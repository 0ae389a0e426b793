"""Compiled map code is kept on disk: a second process loads it instead of compiling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.segments import numba_cache as _numba_cache

ROOT = Path(__file__).resolve().parents[2]

# A map with a relayout on a small numeric table, then numba's cache statistics of every
# umap kernel we make cacheable. Assertions are on the statistics and the files, never on
# timings, so the test cannot flake on a busy machine.
CHILD = """
import json
import numpy as np
import pandas as pd
from core.segments import numba_cache as _numba_cache

from core.segments import projection
rng = np.random.default_rng(0)
table = pd.DataFrame(rng.normal(size=(200, 5)), index=[f"u{i}" for i in range(200)])
projection.project(table, projection.MapParams(min_dist=0.5))
import importlib
stats = {}
for module, name in _numba_cache.UMAP_KERNELS:
    kernel = getattr(importlib.import_module(module), name)
    stats[kernel.py_func.__name__] = [
        sum(kernel.stats.cache_hits.values()), sum(kernel.stats.cache_misses.values())
    ]
print(json.dumps({"cache_dir": str(_numba_cache.cache_dir()), "stats": stats}))
"""


def _run_child(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PERSONALAB_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_cache_folder_is_in_the_data_folder_unless_numba_cache_dir_is_set(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("PERSONALAB_DATA_DIR", str(tmp_path / "data"))
    assert _numba_cache.cache_dir() == tmp_path / "data" / "numba-cache"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert _numba_cache.cache_dir() == tmp_path / "elsewhere"


@pytest.mark.slow
def test_a_second_process_loads_the_compiled_map_code_from_the_data_folder(tmp_path):
    first = _run_child(tmp_path)
    cache = tmp_path / "numba-cache"
    assert first["cache_dir"] == str(cache)
    index_files = [p.name for p in cache.rglob("*.nbi")]
    for name, (hits, misses) in first["stats"].items():
        assert misses > 0 and hits == 0, (name, hits, misses)  # compiled here ...
        assert any(f".{name}-" in f for f in index_files), (name, index_files)  # ... and kept

    second = _run_child(tmp_path)
    for name, (hits, misses) in second["stats"].items():
        assert hits > 0 and misses == 0, (name, hits, misses)  # loaded, not compiled


def test_the_test_run_keeps_compiled_code_outside_its_throwaway_data_folder():
    # tests/conftest.py gives every run a new data folder; numba's cache must outlive it.
    cache = Path(os.environ["NUMBA_CACHE_DIR"]).absolute()
    data = Path(os.environ["PERSONALAB_DATA_DIR"]).absolute()
    assert data not in cache.parents and cache != data
