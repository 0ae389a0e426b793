"""What every reader returns: :class:`LoadedSource`, a source landed in a DuckDB table."""

from __future__ import annotations

import dataclasses

import duckdb


@dataclasses.dataclass(frozen=True)
class LoadedSource:
    """A source landed in DuckDB: table ``table`` in ``con``, every column VARCHAR.

    ``skipped`` counts the lines the reader could not turn into a row, by reason.
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

    @property
    def relation(self) -> duckdb.DuckDBPyRelation:
        """The landed table as a DuckDB relation."""
        return self.con.table(self.table)
