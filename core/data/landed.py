"""What every reader returns: :class:`LoadedSource`, a source in DuckDB (a table, or a view over its file)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import duckdb


@dataclasses.dataclass(frozen=True)
class LoadedSource:
    """A source landed in DuckDB: table ``table`` in ``con``, every column VARCHAR.

    ``skipped`` counts the lines the reader could not turn into a row, by reason.

    A ``streamed`` source (CSV and Parquet files given to ingest) is a view over DuckDB's
    reader instead of a table: nothing has been read yet. ``core.data.first_read`` reads it
    from ``first_read_from`` (which also stores unreadable lines in table ``rejects``) and
    fills in ``skipped`` and the warnings; ``read_error`` turns the reader's error into the
    sentence for the file; ``rows_hint`` is its row count (Parquet) or an estimate from
    the file's size and its first lines (CSV).
    """

    con: duckdb.DuckDBPyConnection
    table: str
    name: str
    fmt: str
    columns: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    warnings: tuple[str, ...] = ()
    formula_cells: dict = dataclasses.field(default_factory=dict)
    skipped: dict = dataclasses.field(default_factory=dict)
    streamed: bool = False
    first_read_from: str | None = None
    rejects: str | None = None
    read_error: Callable[[duckdb.Error], Exception] | None = None
    rows_hint: int | None = None

    @property
    def relation(self) -> duckdb.DuckDBPyRelation:
        """The landed table as a DuckDB relation."""
        return self.con.table(self.table)
