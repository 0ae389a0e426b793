"""The store's plumbing: one engine, transactions, schema migrations at opening.

:class:`StoreBase` is what every part of :class:`core.store.store.Store` builds on; the
parts (workspaces, datasets, runs, experiments, share links) each add their methods.

Every write runs in one transaction (:meth:`StoreBase._tx`): a failure (bad input, a
crash, a full disk) leaves what was saved before untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.engine import make_url

from core.errors import DataError
from core.i18n import tr
from core.store import migrations
from core.store.connection import create_store_engine, database_url
from core.store.errors import StoreError
from core.store.models import Workspace
from core.store.values import now

__all__ = ["StoreBase"]


class StoreBase:
    """An open store database: engine, sessions, migrations and shared row helpers.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default from :func:`core.store.connection.database_url`.
    migrate : bool, default True
        Bring the schema up to :data:`core.store.migrations.SCHEMA_VERSION` on opening.
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        """Connect, and migrate unless told not to."""
        self.url = database_url(url)
        self.engine = create_store_engine(self.url)
        self._sessions = orm.sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """The store location without any password (for messages and logs)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def _tx(self) -> Iterator[orm.Session]:
        """One transaction: commit on success, roll back everything on any error."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (DataError, StoreError):
            raise
        except sa.exc.OperationalError as exc:
            raise StoreError(
                tr(
                    "The saved-work database ({database}) did not answer; nothing was "
                    "changed. Try again in a moment, or ask the person who runs PersonaLab "
                    "to check the database.",
                    database=self.describe(),
                )
            ) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def schema_version(self) -> int:
        """The highest applied migration (0 for an empty database)."""
        return migrations.schema_version(self.engine)

    def migrate(self) -> int:
        """Apply missing migrations, each in one transaction; return the schema version."""
        return migrations.migrate(self.engine)

    @staticmethod
    def _workspace_row(s: orm.Session, workspace_id: str) -> Workspace:
        """The workspace row, or a StoreError saying it is gone."""
        row = s.get(Workspace, workspace_id) if isinstance(workspace_id, str) else None
        if row is None:
            raise StoreError(tr("This workspace does not exist any more; pick another one."))
        return row

    @staticmethod
    def _touch(s: orm.Session, workspace_id: str) -> None:
        """Mark the workspace as just used (it sorts first in the owner's list)."""
        s.execute(sa.update(Workspace).where(Workspace.id == workspace_id).values(updated_at=now()))
