"""Numba's compiled code kept on disk, so a new process does not compile the map again.

umap-learn and pynndescent are numba code: a fresh process spent about a minute
compiling it before its first map. Numba can keep compiled functions in a folder and
load them in the next process, for functions decorated with ``cache=True``:

- :func:`configure` points numba at ``<data dir>/numba-cache`` (``NUMBA_CACHE_DIR``
  wins when set). Numba reads the folder when it is imported and pynndescent decorates
  its functions when it is imported, so this runs before either: ``core.segments.projection``,
  the only module that uses them, imports this module first, so every map (app, tests,
  benchmarks; the CLI draws none) goes through this one place. The setting goes into the
  environment, so child processes (test servers, benchmarks) use the same folder.
- :func:`cache_umap_kernels` makes umap-learn's own kernels on the map's path cacheable.
  pynndescent marks most of its functions ``cache=True``; umap-learn marks almost none.
  Each kernel in :data:`UMAP_KERNELS` is replaced, in its module, by the same Python
  function compiled with the same options plus ``cache=True`` (numba's public
  ``numba.njit``), before umap compiles anything.

Not cacheable, so still compiled once per process (about 40 s of warm-up): pynndescent's
``nn_descent`` (maps of more than 4,096 users). Recompiled with ``cache=True`` the same
way, numba refuses to save it ("uses dynamic globals": its code holds the address of a
live Python object, most likely the distance function it is handed, which cannot outlive
the process). Numba invalidates a cached function when its source file changes, so
upgrading umap-learn or pynndescent never loads stale code.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from pathlib import Path

from core import config

#: umap-learn's numba kernels that a map compiles and umap does not cache itself, as
#: (module umap looks the name up in, name): the exact neighbour search (below 4,096
#: points), the fuzzy graph and the layout optimisation. umap calls each through that
#: module's namespace at run time, so replacing the name there is enough.
UMAP_KERNELS: tuple[tuple[str, str], ...] = (
    ("umap.umap_", "fast_knn_indices"),
    ("umap.umap_", "smooth_knn_dist"),
    ("umap.umap_", "compute_membership_strengths"),
    ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"),
)

_LOCK = threading.Lock()
_patched = False


def cache_dir() -> Path:
    """Where numba keeps compiled code: ``NUMBA_CACHE_DIR``, else ``<data dir>/numba-cache``.

    Returns
    -------
    pathlib.Path
        An absolute path (numba would otherwise resolve it again after a ``chdir``).
    """
    configured = config.numba_cache_env()
    folder = Path(configured) if configured else config.data_dir() / "numba-cache"
    return folder.expanduser().absolute()


def configure() -> Path:
    """Point numba's on-disk cache at :func:`cache_dir` (this and child processes).

    Call before numba is imported; if it already was, numba's configuration is re-read
    so functions decorated from now on use the folder. A folder that cannot be created
    (a read-only data folder) leaves numba's own defaults: maps still work, only slower
    to start.

    Returns
    -------
    pathlib.Path
        The cache folder.
    """
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return folder
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    if "numba" in sys.modules:
        from numba.core import config as numba_config

        numba_config.reload_config()
    return folder


def cache_umap_kernels() -> None:
    """Recompile umap-learn's kernels in :data:`UMAP_KERNELS` with ``cache=True``.

    Idempotent and thread-safe. A kernel that a later umap-learn no longer has, or that
    is no longer a numba function, is left as it is (the map still works, only slower
    to start).
    """
    global _patched
    with _LOCK:
        if _patched:
            return
        # Imported here, not at the top: numba must read the cache folder first
        # (configure), and only the map needs it.
        import numba
        from numba.core.registry import CPUDispatcher

        for module_name, name in UMAP_KERNELS:
            module = importlib.import_module(module_name)
            kernel = getattr(module, name, None)
            if not isinstance(kernel, CPUDispatcher) or kernel.signatures:
                continue  # not numba, or already compiled in this process: keep it
            options = {k: v for k, v in kernel.targetoptions.items() if k != "nopython"}
            cached = numba.njit(kernel.py_func, cache=True, locals=kernel.locals, **options)
            setattr(module, name, cached)
        _patched = True
