"""The app store: workspaces, datasets, saved runs, personas, experiments, share links.

SQLAlchemy 2 ORM over SQLite (a file ``store.sqlite`` in the data folder, WAL mode) by
default, or any SQLAlchemy URL -- PostgreSQL is the tested server -- when
``PERSONALAB_DATABASE_URL`` is set (the app also reads the ``[database] url`` secret and
passes it in: this module never imports streamlit).

Guarantees
----------
- Every write runs in one transaction: a failure (bad input, a crash, a full disk)
  leaves what was saved before untouched.
- Optimistic locking: a run carries a ``version``; :meth:`Store.save_personas` updates
  only when the caller's version is still current, else raises :class:`ConflictError`
  ("someone else changed this run -- reload"), so two sessions never silently overwrite
  each other.
- Share tokens are ``secrets.token_urlsafe(32)`` (256 bits); only their SHA-256 is
  stored, so a leaked database does not leak working links, and lookups compare hashes
  with :func:`hmac.compare_digest`.
- Values that look like personal data (emails, phone numbers, ID numbers) never reach
  the store in clear: user ids that look like PII are refused (pseudonymise them on the
  Data page), PII-looking strings inside reports are replaced by a salted hash.

Schema migrations
-----------------
A small versioned scheme instead of a full Alembic script directory: ``MIGRATIONS`` is an
ordered list of ``(version, description, function)``; each function receives an
:class:`alembic.operations.Operations` bound to the connection, so DDL is written once
with Alembic's portable operations (batch mode covers SQLite's limited ALTER TABLE).
:meth:`Store.migrate` applies the missing versions at start-up, each in its own
transaction together with its row in ``schema_version``; on PostgreSQL an advisory
lock (and on SQLite ``BEGIN IMMEDIATE``) serialises two servers starting at once.
Why not a full Alembic environment: the app migrates itself at start-up from code, with
no ``alembic.ini``, ``env.py`` or script folder to ship and keep in sync, and a test
compares the migrated database to the ORM models with Alembic's autogenerate
comparison, which is the part of Alembic that catches drift.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import io
import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.engine import Engine, make_url

from core import config
from core.errors import DataError

__all__ = [
    "Store",
    "StoreError",
    "ConflictError",
    "WorkspaceRecord",
    "DatasetRecord",
    "RunRecord",
    "RunSummary",
    "ExperimentRecord",
    "ShareLink",
    "open_store",
    "database_url",
    "default_data_dir",
    "params_to_dict",
    "params_from_dict",
    "params_digest",
    "run_id_for",
    "labels_to_parquet",
    "labels_from_parquet",
    "hash_token",
    "MIGRATIONS",
    "SCHEMA_VERSION",
]

DATABASE_URL_ENV = config.DATABASE_URL_ENV
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 5000


class StoreError(RuntimeError):
    """The store could not do what was asked; the message says what to do."""


class ConflictError(StoreError):
    """Someone else saved a newer version of the same run since it was loaded."""


# --- ORM models --------------------------------------------------------------------------


class Base(orm.DeclarativeBase):
    """Declarative base of the store tables."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Workspace(Base):
    __tablename__ = "workspaces"
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    owner: orm.Mapped[str] = orm.mapped_column(sa.String(320), index=True)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    updated_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))


class DatasetRow(Base):
    __tablename__ = "datasets"
    workspace_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    source_name: orm.Mapped[str] = orm.mapped_column(sa.String(500))
    path: orm.Mapped[str] = orm.mapped_column(sa.String(2000))
    mapping: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    report: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "dataset_id"],
            ["datasets.workspace_id", "datasets.id"],
            ondelete="CASCADE",
        ),
    )
    workspace_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    dataset_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    params: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    params_type: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    params_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    labels: orm.Mapped[bytes] = orm.mapped_column(sa.LargeBinary)
    n_users: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    n_segments: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    quality: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    updated_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    version: orm.Mapped[int] = orm.mapped_column(sa.Integer)


class PersonaRow(Base):
    __tablename__ = "personas"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    workspace_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    run_id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    segment: orm.Mapped[str] = orm.mapped_column(sa.String(200), primary_key=True)
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(200), nullable=True)
    notes: orm.Mapped[str | None] = orm.mapped_column(sa.Text, nullable=True)


class ExperimentRow(Base):
    __tablename__ = "experiments"
    id: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    workspace_id: orm.Mapped[str] = orm.mapped_column(
        sa.String(64), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    run_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64), nullable=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    inputs: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    settings: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    results: orm.Mapped[dict] = orm.mapped_column(sa.JSON)
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))


class ShareTokenRow(Base):
    __tablename__ = "share_tokens"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    id: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    workspace_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    run_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    created_at: orm.Mapped[dt.datetime] = orm.mapped_column(sa.DateTime(timezone=True))
    revoked_at: orm.Mapped[dt.datetime | None] = orm.mapped_column(
        sa.DateTime(timezone=True), nullable=True
    )


# --- migrations --------------------------------------------------------------------------


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _migration_1(op) -> None:
    """Create the first schema: workspaces, datasets, runs, personas, experiments, tokens."""
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_workspaces_owner", "workspaces", ["owner"])
    op.create_table(
        "datasets",
        sa.Column(
            "workspace_id",
            sa.String(64),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("mapping", sa.JSON, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column(
            "workspace_id",
            sa.String(64),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("params_type", sa.String(200), nullable=False),
        sa.Column("params_hash", sa.String(64), nullable=False),
        sa.Column("labels", sa.LargeBinary, nullable=False),
        sa.Column("n_users", sa.Integer, nullable=False),
        sa.Column("n_segments", sa.Integer, nullable=False),
        sa.Column("quality", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id", "dataset_id"],
            ["datasets.workspace_id", "datasets.id"],
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "personas",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("segment", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )
    op.create_table(
        "experiments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.String(64),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_index("ix_experiments_workspace_id", "experiments", ["workspace_id"])
    op.create_table(
        "share_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("revoked_at", _tz(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "run_id"], ["runs.workspace_id", "runs.id"], ondelete="CASCADE"
        ),
    )


#: Ordered schema migrations: (version, description, function(op)). Append, never edit.
MIGRATIONS: list[tuple[int, str, Callable[[Any], None]]] = [
    (1, "workspaces, datasets, runs, personas, experiments, share tokens", _migration_1),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]

_schema_version = sa.Table(
    "schema_version",
    sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)
_PG_MIGRATION_LOCK = 7_707_707  # arbitrary key for pg_advisory_xact_lock


# --- records returned to callers ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WorkspaceRecord:
    """A workspace: an owner's folder of datasets, runs and experiments."""

    id: str
    name: str
    owner: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class DatasetRecord:
    """A dataset known to a workspace: where its DuckDB file is and how it was loaded."""

    workspace_id: str
    dataset_id: str
    source_name: str
    path: str
    mapping: dict
    report: dict
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """One line of the saved-runs list."""

    run_id: str
    dataset_id: str
    params_hash: str
    n_users: int
    n_segments: int
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """A saved segmentation run with its labels and what the users named the segments."""

    workspace_id: str
    run_id: str
    dataset_id: str
    params: Any
    params_hash: str
    labels: pd.Series
    quality: dict
    names: dict
    notes: dict
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


@dataclasses.dataclass(frozen=True)
class ExperimentRecord:
    """A saved A/B analysis: inputs, settings and results (all JSON-friendly)."""

    id: str
    workspace_id: str
    run_id: str | None
    name: str
    inputs: dict
    settings: dict
    results: dict
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ShareLink:
    """A share link's public facts; the token itself is shown once, when it is made."""

    id: str
    workspace_id: str
    run_id: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """True until the link is revoked."""
        return self.revoked_at is None


# --- serialisation helpers ------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Turn tuples, numpy scalars, dates and nested dataclasses into plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_jsonable(v) for v in items]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy / pandas scalar
        try:
            return _jsonable(value.item())
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and value != value:  # NaN is not valid JSON
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def params_to_dict(params: Any) -> tuple[dict, str]:
    """Serialise segmentation parameters: ``(JSON-friendly dict, type name)``.

    A dataclass (``core.segments.segmentation.SegmentParams``) goes through ``asdict``-like
    conversion (tuples become lists); a mapping is copied; ``None`` gives ``{}``.
    """
    if params is None:
        return {}, "none"
    if dataclasses.is_dataclass(params) and not isinstance(params, type):
        kind = f"{type(params).__module__}.{type(params).__qualname__}"
        return _jsonable(params), kind
    if isinstance(params, Mapping):
        return _jsonable(dict(params)), "dict"
    raise DataError(
        f"Segmentation settings of kind {type(params).__name__} cannot be saved; "
        "save the run again from the Segment page."
    )


def _tuplify(value: Any) -> Any:
    """Lists back to tuples (frozen dataclasses hold tuples), recursively."""
    if isinstance(value, list):
        return tuple(_tuplify(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuplify(v) for k, v in value.items()}
    return value


_PARAMS_MODULES = ("core.segmentation", "core.segments.segmentation")


def params_from_dict(data: dict, params_type: str) -> Any:
    """Rebuild parameters saved by :func:`params_to_dict`.

    ``core.segments.segmentation.SegmentParams`` is rebuilt when importable (via its
    ``from_dict`` if it has one, else its constructor with lists turned into tuples);
    otherwise, or when the fields no longer match, the plain dict comes back.
    """
    if params_type in ("dict", "none"):
        return dict(data)
    module, _, name = params_type.rpartition(".")
    # Only rehydrate our own, never arbitrary imports. Runs saved before the move into
    # packages name the module "core.segmentation"; both spellings mean the same class.
    if module not in _PARAMS_MODULES:
        return dict(data)
    try:
        import core.segments.segmentation as segmentation

        cls = getattr(segmentation, name)
    except (ImportError, AttributeError):
        return dict(data)
    try:
        if hasattr(cls, "from_dict"):
            return cls.from_dict(dict(data))
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: _tuplify(v) for k, v in data.items() if k in names})
    except Exception:  # a field renamed since the run was saved: keep the saved values
        return dict(data)


def params_digest(params_json: dict) -> str:
    """SHA-256 (hex, first 16 chars) of the canonical JSON of the parameters."""
    blob = json.dumps(params_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def run_id_for(dataset_id: str, params_hash: str) -> str:
    """The id under which a segmentation of one dataset with one set of settings is saved.

    Parameters
    ----------
    dataset_id : str
        The dataset the segmentation was made on (``core.data.ingest.Dataset.dataset_id``).
    params_hash : str
        The id of its settings (``core.segments.segmentation.SegmentParams.params_hash``).

    Returns
    -------
    str
        12 hex characters of the SHA-256 of both: the same data and settings give the
        same id (saving again updates that run), and the same settings on another
        dataset give another id, so saving there never replaces the first run.
    """
    blob = f"{dataset_id}\0{params_hash}".encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def labels_to_parquet(labels: pd.Series) -> bytes:
    """Parquet bytes of a labels Series (index ``user_id``, values the segment, as text)."""
    if not isinstance(labels, pd.Series):
        raise DataError("The segment labels to save should be one column of segment names.")
    frame = pd.DataFrame(
        {
            "user_id": labels.index.astype(str),
            "segment": labels.astype(object)
            .where(labels.notna(), None)
            .map(lambda v: None if v is None else str(v)),
        }
    )
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def labels_from_parquet(blob: bytes) -> pd.Series:
    """Labels Series (str values named ``segment``, index ``user_id``) from Parquet bytes."""
    frame = pd.read_parquet(io.BytesIO(blob))
    series = pd.Series(
        frame["segment"].astype(str).to_numpy(),
        index=pd.Index(frame["user_id"].astype(str), name="user_id"),
        name="segment",
        dtype=str,
    )
    return series


def hash_token(token: str) -> str:
    """SHA-256 hex of a share token (only the hash is stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- personal data guard --------------------------------------------------------------------


def _pii_kind(value: str) -> str | None:
    try:
        from core.data import value_kind
    except ImportError:  # pragma: no cover - privacy module is part of the package
        return None
    return value_kind(value)


def _salted(value: str) -> str:
    try:
        from core.data import resolve_salt

        salt = resolve_salt()
    except Exception:
        salt = config.salt_env() or ""
    return "pii:" + hashlib.sha256((salt + value.strip()).encode()).hexdigest()[:16]


def _scrub(value: Any) -> Any:
    """Replace strings that look like an email, phone or ID number by a salted hash."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str) and len(value) < 64 and _pii_kind(value):
        return _salted(value)
    return value


def _check_user_ids(labels: pd.Series) -> None:
    """Refuse labels whose user ids look like personal data (they would be stored)."""
    sample = [str(v) for v in labels.index[:500]]
    if not sample:
        return
    try:
        from core.data import kind_by_content
    except ImportError:  # pragma: no cover
        return
    kind = kind_by_content(sample)
    if kind:
        label = {"email": "email addresses", "phone": "phone numbers", "id_card": "ID numbers"}
        raise DataError(
            f"The user ids look like {label.get(kind, 'personal data')}, which PersonaLab "
            "never saves in clear; load the data again with 'hash personal data' turned "
            "on (Data page), then save the run."
        )


# --- configuration --------------------------------------------------------------------------


def default_data_dir() -> Path:
    """The data folder: ``PERSONALAB_DATA_DIR``, default ``.personalab`` (as core.data.ingest)."""
    return config.data_dir()


def database_url(url: str | None = None, data_dir: str | Path | None = None) -> str:
    """The store URL: ``url``, else ``PERSONALAB_DATABASE_URL``, else SQLite in the data dir.

    Parameters
    ----------
    url : str, optional
        An explicit SQLAlchemy URL (the app passes the ``[database] url`` secret here).
    data_dir : path, optional
        Folder of the default SQLite file ``store.sqlite``.
    """
    chosen = url or config.database_url_env()
    if chosen:
        return chosen
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'store.sqlite').resolve()}"


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(
            "The store address (PERSONALAB_DATABASE_URL or the [database] url secret) is "
            "not a valid database URL; it should look like "
            "postgresql+psycopg2://user:password@host:5432/database."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite recipe), WAL so
            # readers never block the writer, foreign keys on, wait for a busy writer.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            # IMMEDIATE takes the write lock up front, so two writers queue instead of
            # failing with "database is locked" when a read transaction upgrades.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=10)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"The store database driver '{parsed.drivername}' is not installed; use a "
            "postgresql+psycopg2:// URL."
        ) from exc


# --- the store ------------------------------------------------------------------------------


def _new_id(nbytes: int = 16) -> str:
    return secrets.token_urlsafe(nbytes)


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise DataError(f"The {what} '{str(value)[:80]}' is not valid; reload the page.")
    return value


def _clean_text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text[:limit] if text else None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes: mark them UTC, as they were written."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Store:
    """Persistence for PersonaLab's saved work.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; default from :func:`database_url`.
    migrate : bool, default True
        Bring the schema up to :data:`SCHEMA_VERSION` on opening.

    Examples
    --------
    >>> store = Store("sqlite:///:memory:")              # doctest: +SKIP
    >>> ws = store.create_workspace("Spring campaign", owner="local")  # doctest: +SKIP
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = database_url(url)
        self.engine = _create_engine(self.url)
        self._sessions = orm.sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    # -- plumbing --

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
                f"The saved-work database ({self.describe()}) did not answer; nothing was "
                "changed. Try again in a moment, or ask the person who runs PersonaLab to "
                "check the database."
            ) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def schema_version(self) -> int:
        """The highest applied migration (0 for an empty database)."""
        with self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("schema_version"):
                return 0
            value = conn.execute(sa.select(sa.func.max(_schema_version.c.version))).scalar()
            return int(value or 0)

    def migrate(self) -> int:
        """Apply missing migrations, each in one transaction; return the schema version."""
        from alembic.migration import MigrationContext
        from alembic.operations import Operations

        with self.engine.begin() as conn:
            _schema_version.create(conn, checkfirst=True)
        for version, description, apply in MIGRATIONS:
            with self.engine.begin() as conn:
                if self.backend == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                    )
                done = conn.execute(
                    sa.select(_schema_version.c.version).where(_schema_version.c.version == version)
                ).first()
                if done:
                    continue
                apply(Operations(MigrationContext.configure(conn)))
                conn.execute(
                    _schema_version.insert().values(
                        version=version, description=description, applied_at=_now()
                    )
                )
        return self.schema_version()

    # -- workspaces --

    def create_workspace(self, name: str, owner: str = "local") -> WorkspaceRecord:
        """Create a workspace with an unguessable id (128 random bits)."""
        name = _clean_text(name, MAX_NAME_LENGTH) or "My workspace"
        owner = _clean_text(owner, 320) or "local"
        now = _now()
        row = Workspace(id=_new_id(), name=name, owner=owner, created_at=now, updated_at=now)
        with self._tx() as s:
            s.add(row)
        return self._ws_record(row)

    def get_workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        """The workspace with this id, or None."""
        if not isinstance(workspace_id, str) or len(workspace_id) > MAX_ID_LENGTH:
            return None
        with self._tx() as s:
            row = s.get(Workspace, workspace_id)
            return self._ws_record(row) if row else None

    def list_workspaces(self, owner: str) -> list[WorkspaceRecord]:
        """The owner's workspaces, most recently used first."""
        with self._tx() as s:
            rows = s.scalars(
                sa.select(Workspace)
                .where(Workspace.owner == owner)
                .order_by(Workspace.updated_at.desc(), Workspace.id)
            ).all()
            return [self._ws_record(r) for r in rows]

    def rename_workspace(self, workspace_id: str, name: str) -> WorkspaceRecord:
        """Give a workspace a new name."""
        with self._tx() as s:
            row = self._workspace_row(s, workspace_id)
            row.name = _clean_text(name, MAX_NAME_LENGTH) or row.name
            row.updated_at = _now()
        return self._ws_record(row)

    def delete_workspace(self, workspace_id: str) -> None:
        """Delete a workspace and everything saved in it (datasets files are kept)."""
        with self._tx() as s:
            row = self._workspace_row(s, workspace_id)
            for model in (ShareTokenRow, PersonaRow, ExperimentRow, RunRow, DatasetRow):
                s.execute(sa.delete(model).where(model.workspace_id == workspace_id))
            s.delete(row)

    @staticmethod
    def _workspace_row(s: orm.Session, workspace_id: str) -> Workspace:
        row = s.get(Workspace, workspace_id) if isinstance(workspace_id, str) else None
        if row is None:
            raise StoreError("This workspace does not exist any more; pick another one.")
        return row

    @staticmethod
    def _ws_record(row: Workspace) -> WorkspaceRecord:
        return WorkspaceRecord(row.id, row.name, row.owner, _utc(row.created_at))

    @staticmethod
    def _touch(s: orm.Session, workspace_id: str) -> None:
        s.execute(
            sa.update(Workspace).where(Workspace.id == workspace_id).values(updated_at=_now())
        )

    # -- datasets --

    def save_dataset(
        self,
        workspace_id: str,
        dataset_id: str,
        path: str | Path,
        *,
        source_name: str = "",
        mapping: Mapping | None = None,
        report: Any = None,
    ) -> DatasetRecord:
        """Record (or refresh) a dataset in a workspace.

        ``report`` may be a dict or an object with ``to_dict()`` (``IngestReport``);
        strings in it that look like personal data are replaced by a salted hash.
        """
        _check_id(dataset_id, "dataset id")
        if report is not None and not isinstance(report, Mapping) and hasattr(report, "to_dict"):
            report = report.to_dict()
        report_json = _scrub(_jsonable(dict(report or {})))
        mapping_json = _scrub(_jsonable(dict(mapping or {})))
        with self._tx() as s:
            self._workspace_row(s, workspace_id)
            row = s.get(DatasetRow, (workspace_id, dataset_id))
            if row is None:
                row = DatasetRow(workspace_id=workspace_id, id=dataset_id, created_at=_now())
                s.add(row)
            row.source_name = _clean_text(source_name, 500) or "Your data"
            row.path = str(path)
            row.mapping = mapping_json
            row.report = report_json
            self._touch(s, workspace_id)
        return self._ds_record(row)

    def get_dataset(self, workspace_id: str, dataset_id: str) -> DatasetRecord | None:
        """The dataset record, or None."""
        with self._tx() as s:
            row = s.get(DatasetRow, (workspace_id, dataset_id))
            return self._ds_record(row) if row else None

    def list_datasets(self, workspace_id: str) -> list[DatasetRecord]:
        """The workspace's datasets, newest first."""
        with self._tx() as s:
            rows = s.scalars(
                sa.select(DatasetRow)
                .where(DatasetRow.workspace_id == workspace_id)
                .order_by(DatasetRow.created_at.desc())
            ).all()
            return [self._ds_record(r) for r in rows]

    @staticmethod
    def _ds_record(row: DatasetRow) -> DatasetRecord:
        return DatasetRecord(
            row.workspace_id,
            row.id,
            row.source_name,
            row.path,
            dict(row.mapping or {}),
            dict(row.report or {}),
            _utc(row.created_at),
        )

    # -- runs --

    def save_run(
        self,
        workspace_id: str,
        dataset_id: str,
        labels: pd.Series,
        *,
        params: Any = None,
        quality: Mapping | None = None,
        run_id: str | None = None,
        params_hash: str | None = None,
        names: Mapping | None = None,
        notes: Mapping | None = None,
    ) -> RunRecord:
        """Save a segmentation run (labels, parameters, quality, optional names).

        Saving the same ``run_id`` again replaces labels, parameters and quality, keeps
        persona names the caller does not pass, and bumps the version. The dataset must
        have been recorded with :meth:`save_dataset` first. A run id belongs to one
        dataset: :func:`run_id_for` makes ids that differ between datasets.

        Raises
        ------
        DataError
            When the labels are empty or their user ids look like personal data.
        StoreError
            When the dataset is not recorded, or ``run_id`` is already a run of another
            dataset (that run, its names and share links stay as they were).
        """
        if not isinstance(labels, pd.Series) or labels.empty:
            raise DataError("There are no segments to save; run a segmentation first.")
        _check_user_ids(labels)
        run_id = _check_id(run_id or _new_id(9), "run id")
        params_json, params_type = params_to_dict(params)
        blob = labels_to_parquet(labels)
        digest = str(params_hash or getattr(params, "params_hash", "") or "")
        digest = digest if digest and len(digest) <= 64 else params_digest(params_json)
        quality_json = _jsonable(dict(quality or {}))
        now = _now()
        with self._tx() as s:
            if s.get(DatasetRow, (workspace_id, dataset_id)) is None:
                raise StoreError(
                    "The dataset of this run is not saved in this workspace; open it on the "
                    "Data page, then save the run again."
                )
            row = s.get(RunRow, (workspace_id, run_id))
            if row is None:
                row = RunRow(workspace_id=workspace_id, id=run_id, created_at=now, version=0)
                s.add(row)
            elif row.dataset_id != dataset_id:
                raise StoreError(
                    f"A saved segmentation of another dataset already has the id {run_id}; "
                    "nothing was changed. Save this one under another id."
                )
            row.dataset_id = dataset_id
            row.params = params_json
            row.params_type = params_type
            row.params_hash = digest
            row.labels = blob
            row.n_users = int(labels.size)
            row.n_segments = int(labels.nunique())
            row.quality = quality_json
            row.updated_at = now
            row.version = (row.version or 0) + 1
            s.flush()
            self._write_personas(s, workspace_id, run_id, names, notes)
            self._touch(s, workspace_id)
        return self.get_run(workspace_id, run_id)

    def get_run(self, workspace_id: str, run_id: str) -> RunRecord | None:
        """The saved run with labels, names and notes, or None."""
        if not isinstance(run_id, str) or len(run_id) > MAX_ID_LENGTH:
            return None
        with self._tx() as s:
            row = s.get(RunRow, (workspace_id, run_id))
            if row is None:
                return None
            personas = s.scalars(
                sa.select(PersonaRow).where(
                    PersonaRow.workspace_id == workspace_id, PersonaRow.run_id == run_id
                )
            ).all()
            return self._run_record(row, personas)

    def list_runs(self, workspace_id: str, dataset_id: str | None = None) -> list[RunSummary]:
        """Saved runs of a workspace (optionally of one dataset), newest first."""
        cols = (
            RunRow.id,
            RunRow.dataset_id,
            RunRow.params_hash,
            RunRow.n_users,
            RunRow.n_segments,
            RunRow.created_at,
            RunRow.updated_at,
            RunRow.version,
        )
        q = sa.select(*cols).where(RunRow.workspace_id == workspace_id)
        if dataset_id is not None:
            q = q.where(RunRow.dataset_id == dataset_id)
        with self._tx() as s:
            rows = s.execute(q.order_by(RunRow.updated_at.desc(), RunRow.id)).all()
        return [
            RunSummary(r[0], r[1], r[2], r[3], r[4], _utc(r[5]), _utc(r[6]), r[7]) for r in rows
        ]

    def delete_run(self, workspace_id: str, run_id: str) -> None:
        """Delete a run, its persona names, its share links and its experiments' link."""
        with self._tx() as s:
            for model in (ShareTokenRow, PersonaRow):
                s.execute(
                    sa.delete(model).where(
                        model.workspace_id == workspace_id, model.run_id == run_id
                    )
                )
            s.execute(
                sa.update(ExperimentRow)
                .where(ExperimentRow.workspace_id == workspace_id, ExperimentRow.run_id == run_id)
                .values(run_id=None)
            )
            s.execute(
                sa.delete(RunRow).where(RunRow.workspace_id == workspace_id, RunRow.id == run_id)
            )

    def save_personas(
        self,
        workspace_id: str,
        run_id: str,
        names: Mapping | None,
        notes: Mapping | None = None,
        *,
        expected_version: int | None,
    ) -> RunRecord:
        """Save persona names and notes of a run, if nobody else changed it meanwhile.

        Parameters
        ----------
        expected_version : int or None
            The run's ``version`` when the caller loaded it. ``None`` means "last write
            wins" (no check).

        Raises
        ------
        ConflictError
            When the run's version is no longer ``expected_version``.
        """
        with self._tx() as s:
            q = sa.update(RunRow).where(RunRow.workspace_id == workspace_id, RunRow.id == run_id)
            if expected_version is not None:
                q = q.where(RunRow.version == int(expected_version))
            result = s.execute(
                q.values(version=RunRow.version + 1, updated_at=_now()).execution_options(
                    synchronize_session=False
                )
            )
            if result.rowcount != 1:
                if s.get(RunRow, (workspace_id, run_id)) is None:
                    raise StoreError("This run is no longer saved; save it again from Segment.")
                raise ConflictError(
                    "Someone else changed this run since you opened it. Reload the page to "
                    "see their changes, then make yours again."
                )
            self._write_personas(s, workspace_id, run_id, names, notes)
            self._touch(s, workspace_id)
        return self.get_run(workspace_id, run_id)

    @staticmethod
    def _write_personas(
        s: orm.Session,
        workspace_id: str,
        run_id: str,
        names: Mapping | None,
        notes: Mapping | None,
    ) -> None:
        if names is None and notes is None:
            return
        existing = {
            p.segment: p
            for p in s.scalars(
                sa.select(PersonaRow).where(
                    PersonaRow.workspace_id == workspace_id, PersonaRow.run_id == run_id
                )
            )
        }
        segments = set(names or {}) | set(notes or {})
        for segment in segments:
            seg = _clean_text(segment, MAX_NAME_LENGTH)
            if seg is None:
                continue
            row = existing.get(seg)
            if row is None:
                row = PersonaRow(workspace_id=workspace_id, run_id=run_id, segment=seg)
                s.add(row)
                existing[seg] = row
            if names is not None and segment in names:
                row.name = _clean_text(names[segment], MAX_NAME_LENGTH)
            if notes is not None and segment in notes:
                row.notes = _clean_text(notes[segment], MAX_NOTE_LENGTH)

    @staticmethod
    def _run_record(row: RunRow, personas) -> RunRecord:
        return RunRecord(
            workspace_id=row.workspace_id,
            run_id=row.id,
            dataset_id=row.dataset_id,
            params=params_from_dict(dict(row.params or {}), row.params_type),
            params_hash=row.params_hash,
            labels=labels_from_parquet(row.labels),
            quality=dict(row.quality or {}),
            names={p.segment: p.name for p in personas if p.name},
            notes={p.segment: p.notes for p in personas if p.notes},
            created_at=_utc(row.created_at),
            updated_at=_utc(row.updated_at),
            version=row.version,
        )

    # -- experiments --

    def save_experiment(
        self,
        workspace_id: str,
        *,
        name: str,
        inputs: Mapping,
        settings: Mapping,
        results: Mapping,
        run_id: str | None = None,
        experiment_id: str | None = None,
    ) -> ExperimentRecord:
        """Save an A/B analysis (inputs summary, settings, results) in a workspace."""
        exp_id = _check_id(experiment_id or _new_id(9), "experiment id")
        with self._tx() as s:
            self._workspace_row(s, workspace_id)
            row = s.get(ExperimentRow, exp_id)
            if row is not None and row.workspace_id != workspace_id:
                raise StoreError("This experiment belongs to another workspace.")
            if row is None:
                row = ExperimentRow(id=exp_id, workspace_id=workspace_id, created_at=_now())
                s.add(row)
            row.run_id = run_id
            row.name = _clean_text(name, MAX_NAME_LENGTH) or "Experiment"
            row.inputs = _scrub(_jsonable(dict(inputs)))
            row.settings = _jsonable(dict(settings))
            row.results = _jsonable(dict(results))
            self._touch(s, workspace_id)
        return self._exp_record(row)

    def list_experiments(
        self, workspace_id: str, run_id: str | None = None
    ) -> list[ExperimentRecord]:
        """Saved experiments of a workspace (optionally of one run), newest first."""
        q = sa.select(ExperimentRow).where(ExperimentRow.workspace_id == workspace_id)
        if run_id is not None:
            q = q.where(ExperimentRow.run_id == run_id)
        with self._tx() as s:
            rows = s.scalars(q.order_by(ExperimentRow.created_at.desc())).all()
            return [self._exp_record(r) for r in rows]

    @staticmethod
    def _exp_record(row: ExperimentRow) -> ExperimentRecord:
        return ExperimentRecord(
            row.id,
            row.workspace_id,
            row.run_id,
            row.name,
            dict(row.inputs),
            dict(row.settings),
            dict(row.results),
            _utc(row.created_at),
        )

    # -- share links --

    def create_share_link(self, workspace_id: str, run_id: str) -> tuple[str, ShareLink]:
        """Make a read-only link token for one run; the token is returned only here.

        Returns
        -------
        (token, ShareLink)
            ``token`` is ``secrets.token_urlsafe(32)`` (256 random bits); the store keeps
            only its SHA-256.
        """
        token = secrets.token_urlsafe(32)
        with self._tx() as s:
            if s.get(RunRow, (workspace_id, run_id)) is None:
                raise StoreError("Save the run before sharing it.")
            row = ShareTokenRow(
                id=_new_id(9),
                token_hash=hash_token(token),
                workspace_id=workspace_id,
                run_id=run_id,
                created_at=_now(),
                revoked_at=None,
            )
            s.add(row)
        return token, self._link(row)

    def resolve_share_token(self, token: str) -> ShareLink | None:
        """The active link for ``token``, or None (unknown, revoked or malformed).

        The lookup is by the token's SHA-256 (an attacker cannot steer the hash, so the
        index lookup leaks nothing about other tokens) and the match is confirmed with
        :func:`hmac.compare_digest`.
        """
        if not isinstance(token, str) or not (20 <= len(token) <= 128):
            return None
        digest = hash_token(token)
        with self._tx() as s:
            row = s.scalars(
                sa.select(ShareTokenRow).where(ShareTokenRow.token_hash == digest)
            ).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest):
                return None
            if row.revoked_at is not None:
                return None
            return self._link(row)

    def list_share_links(self, workspace_id: str, run_id: str | None = None) -> list[ShareLink]:
        """Share links of a workspace (optionally one run), newest first, revoked included."""
        q = sa.select(ShareTokenRow).where(ShareTokenRow.workspace_id == workspace_id)
        if run_id is not None:
            q = q.where(ShareTokenRow.run_id == run_id)
        with self._tx() as s:
            rows = s.scalars(q.order_by(ShareTokenRow.created_at.desc())).all()
            return [self._link(r) for r in rows]

    def revoke_share_link(self, workspace_id: str, link_id: str) -> None:
        """Revoke a link (the token stops working at once); idempotent."""
        with self._tx() as s:
            s.execute(
                sa.update(ShareTokenRow)
                .where(
                    ShareTokenRow.workspace_id == workspace_id,
                    ShareTokenRow.id == link_id,
                    ShareTokenRow.revoked_at.is_(None),
                )
                .values(revoked_at=_now())
            )

    @staticmethod
    def _link(row: ShareTokenRow) -> ShareLink:
        return ShareLink(
            row.id, row.workspace_id, row.run_id, _utc(row.created_at), _utc(row.revoked_at)
        )


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> Store:
    """A migrated :class:`Store` for ``url`` (see :func:`database_url`), one per process.

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
                    f"PersonaLab could not open its saved-work database ({shown}); check "
                    "that it is running and that the address is right."
                ) from exc
            _STORES[resolved] = store
        return store
