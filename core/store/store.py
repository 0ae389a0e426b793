"""The :class:`Store` facade over the store's parts, and :func:`open_store` (one per process).

Guarantees
----------
- Every write runs in one transaction: a failure (bad input, a crash, a full disk)
  leaves what was saved before untouched (:mod:`core.store.base`).
- Optimistic locking on runs: two sessions never silently overwrite each other's persona
  names (:mod:`core.store.runs`).
- Share tokens and workshop join codes are stored only as their SHA-256
  (:mod:`core.store.share`, :mod:`core.store.workshops`).
- Values that look like personal data never reach the store in clear
  (:mod:`core.store.pii`).
- The schema migrates itself at opening; stores saved before open unchanged
  (:mod:`core.store.migrations`).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core.i18n import tr
from core.store.connection import database_url
from core.store.datasets import DatasetStore
from core.store.errors import StoreError
from core.store.experiments import ExperimentStore
from core.store.runs import RunStore
from core.store.share import ShareLinkStore
from core.store.workshops import WorkshopStore
from core.store.workspaces import WorkspaceStore

__all__ = ["Store", "open_store"]


class Store(WorkspaceStore, DatasetStore, RunStore, ExperimentStore, ShareLinkStore, WorkshopStore):
    """Persistence for PersonaLab's saved work.

    One object with the methods of every part: workspaces, datasets, runs with their
    persona names, experiments, share links and workshop sessions.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default from :func:`core.store.database_url`.
    migrate : bool, default True
        Bring the schema up to :data:`core.store.SCHEMA_VERSION` on opening.

    Examples
    --------
    >>> store = Store("sqlite:///:memory:")              # doctest: +SKIP
    >>> ws = store.create_workspace("Spring campaign", owner="local")  # doctest: +SKIP
    """


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> Store:
    """A migrated :class:`Store` for ``url`` (see :func:`database_url`), one per process.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default from :func:`database_url`.

    Returns
    -------
    Store
        The same object for the same resolved URL, for the life of the process.

    Raises
    ------
    StoreError
        When the database cannot be reached or migrated; the message hides passwords.
    """
    resolved = database_url(url)
    with _STORES_LOCK:
        store = _STORES.get(resolved)
        if store is None:
            try:
                store = Store(resolved)
            except sa.exc.SQLAlchemyError as exc:
                shown = make_url(resolved).render_as_string(hide_password=True)
                raise StoreError(
                    tr(
                        "PersonaLab could not open its saved-work database ({database}); "
                        "check that it is running and that the address is right.",
                        database=shown,
                    )
                ) from exc
            _STORES[resolved] = store
        return store
