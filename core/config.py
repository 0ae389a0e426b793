"""Every setting PersonaLab reads from its environment, in one place.

The data directory and each ``PERSONALAB_*`` variable are read here and nowhere else, so a
deployment has one list to look at. Values are read on each call (tests and the app's
workshop mode change them at run time), never cached at import.

=========================== ==========================================================
Variable                    Meaning (default)
=========================== ==========================================================
PERSONALAB_DATA_DIR         datasets, saved store, secrets, caches (``.personalab``)
PERSONALAB_DATABASE_URL     the app store's SQLAlchemy URL (SQLite in the data dir)
PERSONALAB_SALT             salt for pseudonymised ids (a secret file in the data dir)
PERSONALAB_PASSWORD         password of a shared, hosted app (none: open)
PERSONALAB_MAX_UPLOAD_MB    largest input file, in MB (500)
PERSONALAB_MAX_JOBS         heavy jobs running at once on the server (CPU cores)
PERSONALAB_INGEST_MEMORY_MB memory all file loads of one process may use, in MB
                            (half the machine's memory); loads beyond it wait in line
PERSONALAB_INGEST_THREADS   threads one file load may use (CPU cores)
PERSONALAB_SAMPLE_DIR       the bundled sample data (``sample_data/``)
PERSONALAB_WARM_UP          ``0`` skips compiling the map code at app start (``1``)
PERSONALAB_LANG             ``en`` or ``zh``: the language before a page or command
                            chooses one (``en``; the app follows the browser first)
PERSONALAB_DEBUG            ``1`` shows unexpected errors with their traceback on the CLI
NUMBA_CACHE_DIR             numba's compiled-code cache (``<data dir>/numba-cache``)
=========================== ==========================================================
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MAX_UPLOAD_MB = 500
DATABASE_URL_ENV = "PERSONALAB_DATABASE_URL"
PASSWORD_ENV = "PERSONALAB_PASSWORD"


def _env(name: str) -> str | None:
    """The variable's value, or None when unset or empty."""
    value = os.environ.get(name)
    return value if value else None


def data_dir() -> Path:
    """The data directory: ``PERSONALAB_DATA_DIR`` or ``.personalab`` in the working directory."""
    return Path(_env("PERSONALAB_DATA_DIR") or ".personalab").expanduser()


def sample_dir() -> Path:
    """The bundled sample data: ``PERSONALAB_SAMPLE_DIR`` or ``sample_data/`` in the repository."""
    return Path(_env("PERSONALAB_SAMPLE_DIR") or ROOT / "sample_data")


def database_url_env() -> str | None:
    """``PERSONALAB_DATABASE_URL``, when set."""
    return _env(DATABASE_URL_ENV)


def salt_env() -> str | None:
    """``PERSONALAB_SALT``, when set."""
    return _env("PERSONALAB_SALT")


def password_env() -> str | None:
    """``PERSONALAB_PASSWORD``, when set."""
    return _env(PASSWORD_ENV)


def max_upload_bytes() -> int:
    """The size limit of one input file in bytes (``PERSONALAB_MAX_UPLOAD_MB``, default 500)."""
    raw = _env("PERSONALAB_MAX_UPLOAD_MB")
    try:
        return int(float(raw) * 1024 * 1024) if raw else DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    except ValueError:
        return DEFAULT_MAX_UPLOAD_MB * 1024 * 1024


def max_jobs() -> int:
    """Heavy jobs allowed at once on the server (``PERSONALAB_MAX_JOBS``, default CPU cores)."""
    raw = _env("PERSONALAB_MAX_JOBS")
    try:
        return max(1, int(raw)) if raw else (os.cpu_count() or 2)
    except ValueError:
        return os.cpu_count() or 2


def machine_memory_mb() -> int:
    """Physical memory of this machine in MB (4096 when the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**2)
    except (ValueError, OSError, AttributeError):
        return 4096


def ingest_memory_mb() -> int:
    """Memory all file loads of one process may use together, in MB.

    ``PERSONALAB_INGEST_MEMORY_MB``; default half of the machine's memory. A load that
    would go beyond it waits in line (the Data page shows its place), and a file that
    cannot load even alone within it is refused with a sentence saying so.
    """
    default = max(512, machine_memory_mb() // 2)
    raw = _env("PERSONALAB_INGEST_MEMORY_MB")
    try:
        return max(512, int(float(raw))) if raw else default
    except ValueError:
        return default


def ingest_threads() -> int:
    """Threads one file load may use (``PERSONALAB_INGEST_THREADS``, default CPU cores)."""
    raw = _env("PERSONALAB_INGEST_THREADS")
    try:
        return max(1, int(raw)) if raw else (os.cpu_count() or 2)
    except ValueError:
        return os.cpu_count() or 2


def warm_up() -> bool:
    """False when ``PERSONALAB_WARM_UP=0`` (tests): the app then skips compiling at start."""
    return os.environ.get("PERSONALAB_WARM_UP", "1") != "0"


def default_language() -> str | None:
    """``PERSONALAB_LANG`` (``en`` or ``zh``): the language when a page or command chose none."""
    return _env("PERSONALAB_LANG")


def debug() -> bool:
    """True when ``PERSONALAB_DEBUG`` is set: the CLI then shows unexpected tracebacks."""
    return bool(_env("PERSONALAB_DEBUG"))


def numba_cache_env() -> str | None:
    """``NUMBA_CACHE_DIR``, when set."""
    return _env("NUMBA_CACHE_DIR")
