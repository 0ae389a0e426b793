"""The app store: workspaces, datasets, runs, personas, experiments, share links, workshops.

SQLAlchemy 2 over SQLite (``store.sqlite`` in the data folder) or PostgreSQL
(``PERSONALAB_DATABASE_URL``). Import from here: ``from core.store import open_store``.

Modules
-------
- ``store``: the :class:`Store` facade and :func:`open_store` (one store per process).
- ``base``: engine, transactions and migrating at opening, shared by the parts below.
- ``workspaces``, ``datasets``, ``runs`` (with persona names and notes), ``experiments``,
  ``share``, ``workshops``: the store's methods, one part per kind of saved work.
- ``models``: the tables as ORM models; ``migrations``: versioned schema changes.
- ``records``: the frozen records the store returns.
- ``serialise``: parameters, labels and reports to stored values and back.
- ``pii``: personal data kept out of the store.
- ``connection``: the store's URL and engine settings.
- ``values``: limits, ids, timestamps and text cleaning; ``errors``: the exceptions.
"""

from core.store.connection import DATABASE_URL_ENV, database_url
from core.store.errors import ConflictError, StoreError
from core.store.migrations import MIGRATIONS, SCHEMA_VERSION
from core.store.models import Base, RunRow
from core.store.records import (
    DatasetRecord,
    ExperimentRecord,
    ParticipantRecord,
    RunRecord,
    RunSummary,
    ShareLink,
    WorkshopRecord,
    WorkspaceRecord,
)
from core.store.serialise import (
    labels_from_parquet,
    labels_to_parquet,
    params_digest,
    params_from_dict,
    params_to_dict,
)
from core.store.store import Store, open_store
from core.store.values import MAX_ID_LENGTH, hash_token, run_id_for
from core.store.workshops import (
    ENDED,
    MAX_DISPLAY_NAME,
    MAX_WORKSHOP_DAYS,
    SweepResult,
    check_display_name,
    workshop_owner,
)

__all__ = [
    "Store",
    "open_store",
    "StoreError",
    "ConflictError",
    "WorkspaceRecord",
    "DatasetRecord",
    "RunRecord",
    "RunSummary",
    "ExperimentRecord",
    "ShareLink",
    "WorkshopRecord",
    "ParticipantRecord",
    "SweepResult",
    "ENDED",
    "MAX_DISPLAY_NAME",
    "MAX_WORKSHOP_DAYS",
    "check_display_name",
    "workshop_owner",
    "RunRow",
    "Base",
    "database_url",
    "DATABASE_URL_ENV",
    "params_to_dict",
    "params_from_dict",
    "params_digest",
    "run_id_for",
    "labels_to_parquet",
    "labels_from_parquet",
    "hash_token",
    "MAX_ID_LENGTH",
    "MIGRATIONS",
    "SCHEMA_VERSION",
]
