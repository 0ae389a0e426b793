"""What an ingest read, kept and rejected: :class:`IngestReport`, stored with each dataset.

The report is written into the dataset's ``meta`` table as JSON and read back when the
dataset is opened; the command line and the Data page show its :meth:`IngestReport.summary`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

#: Rejected rows kept in a dataset's ``rejected`` table (with their reason) for review.
REJECTED_SAMPLE_ROWS = 1000


def _count(n: int, word: str) -> str:
    """'1 row', '2,345 rows'."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


@dataclasses.dataclass(frozen=True)
class IngestReport:
    """What ingest read, kept, rejected and did to personal data.

    ``date_min``/``date_max`` are ``datetime`` objects; every count is an int; dict
    fields map a name to a count (or a source column to its canonical field).
    ``duplicate_rows`` counts exact duplicate events found (beyond the first of each);
    ``duplicates_removed`` how many of them were dropped (0 unless ``drop_duplicates``).
    """

    source_name: str
    rows_read: int
    rows_loaded: int
    users: int
    date_min: dt.datetime
    date_max: dt.datetime
    event_type_counts: dict
    platform_counts: dict
    duplicates_removed: int
    rejected_by_reason: dict
    mapping: dict
    unmapped_columns: tuple = ()
    users_mapping: dict = dataclasses.field(default_factory=dict)
    user_rows: int = 0
    custom_user_columns: tuple = ()
    privacy_actions: tuple = ()
    warnings: tuple = ()
    timestamp_formats: tuple = ()
    encoding: str | None = None
    as_of: str | None = None
    min_group_size: int = 10
    duplicate_rows: int = 0
    users_without_events: int = 0

    def summary(self) -> str:
        """One sentence with the counts: rows read, loaded, rejected by reason, duplicates.

        The command line prints it (with the warnings) to stderr after every load and the
        Data page shows the same sentence, so both report the same numbers.
        """
        text = (
            f"{self.source_name}: {_count(self.rows_read, 'row')} read, "
            f"{_count(self.rows_loaded, 'event')} loaded for {_count(self.users, 'user')}, "
            f"{self.rows_rejected:,} rejected"
        )
        if self.rejected_by_reason:
            text += " (" + "; ".join(f"{k}: {v:,}" for k, v in self.rejected_by_reason.items())
            text += ")"
        if self.duplicate_rows:
            kept = self.duplicate_rows - self.duplicates_removed
            text += f", {_count(self.duplicate_rows, 'exact duplicate row')} " + (
                "removed" if not kept else "kept as real events"
            )
        if self.user_rows:
            text += f"; {_count(self.user_rows, 'row')} of user attributes"
        return text + "."

    @property
    def rows_rejected(self) -> int:
        """Total rows rejected for any reason."""
        return int(sum(self.rejected_by_reason.values()))

    def to_dict(self) -> dict:
        """JSON-ready dict (dates as ISO strings, tuples as lists)."""
        out = dataclasses.asdict(self)
        out["date_min"] = self.date_min.isoformat()
        out["date_max"] = self.date_max.isoformat()
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IngestReport:
        """Rebuild a report from :meth:`to_dict` output."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        for key in ("date_min", "date_max"):
            kwargs[key] = dt.datetime.fromisoformat(kwargs[key])
        # Reports written before duplicates were counted separately: all were removed.
        kwargs.setdefault("duplicate_rows", kwargs.get("duplicates_removed", 0))
        for key, f in names.items():
            if key in kwargs and isinstance(kwargs[key], list) and "tuple" in str(f.type):
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)
