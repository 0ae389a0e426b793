"""What an ingest read, kept and rejected: :class:`IngestReport`, stored with each dataset.

The report is written into the dataset's ``meta`` table as JSON and read back when the
dataset is opened; the command line and the Data page show its :meth:`IngestReport.summary`.

The report's sentences (warnings, privacy notes) are :class:`Note` objects: each is its
English text, which is what the report stores and what other code reads (the privacy
notes name the protected columns), and it keeps its message and values so that
:func:`note_text` shows it in the reader's language, whichever language it was loaded in.
Reasons and timestamp formats are stored as their English names and translated where
they are shown (:func:`reason_text`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.i18n import fmt, language, ntr, tr

#: Rejected rows kept in a dataset's ``rejected`` table (with their reason) for review.
REJECTED_SAMPLE_ROWS = 1000


class Note(str):
    """A report sentence: its English text, plus its message and values for other languages.

    ``Note(N_("{name}: {n} line(s) skipped"), name="a.csv", n=3)`` is the string
    ``"a.csv: 3 line(s) skipped"`` (stored in the report as is); :meth:`shown` is the
    sentence in the current language. Whole-number values are written with
    :func:`core.i18n.fmt.number`; a value that is itself a :class:`Note` is translated too.

    Parameters
    ----------
    msgid : str
        The English message, marked with ``N_`` where it is written.
    **values
        The placeholders' values: text (file and column names), whole numbers or notes.
    """

    msgid: str
    values: dict

    def __new__(cls, msgid: str, /, **values: object) -> Note:
        with language("en"):
            text = _render(msgid, values)
        self = super().__new__(cls, text)
        self.msgid = msgid
        self.values = values
        return self

    def __reduce__(self):
        return (_rebuild, (self.msgid, self.values))

    def shown(self) -> str:
        """The sentence in the current language."""
        return _render(self.msgid, self.values)

    def to_json(self) -> dict:
        """The message and values as JSON-ready data (see :func:`note_from_json`)."""
        return {
            "msgid": self.msgid,
            "values": {k: _json_value(v) for k, v in self.values.items()},
        }


def _rebuild(msgid: str, values: dict) -> Note:
    """A Note from its message and values (pickling, copying)."""
    return Note(msgid, **values)


def _render(msgid: str, values: Mapping[str, object]) -> str:
    """The message in the current language with its values filled in."""
    return tr(msgid, **{k: _value(v) for k, v in values.items()}) if values else tr(msgid)


def _value(value: object) -> object:
    """One value as shown: notes translated, whole numbers formatted, lists joined."""
    if isinstance(value, Note):
        return value.shown()
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.number(value)
    if isinstance(value, (list, tuple)):
        return tr(", ").join(str(_value(v)) for v in value)
    return value


def _json_value(value: object) -> object:
    """One value as JSON-ready data."""
    if isinstance(value, Note):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


def _from_json_value(value: object) -> object:
    """One value read back from :func:`_json_value`."""
    if isinstance(value, dict):
        return note_from_json(value)
    if isinstance(value, list):
        return [_from_json_value(v) for v in value]
    return value


def note_from_json(data: object) -> Note | None:
    """The Note written by :meth:`Note.to_json`, or None for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get("msgid"), str):
        return None
    values = {k: _from_json_value(v) for k, v in (data.get("values") or {}).items()}
    try:
        return Note(data["msgid"], **values)
    except (KeyError, IndexError, ValueError):  # a message changed since the load
        return None


def note_text(sentence: object) -> str:
    """A report sentence in the current language (a plain stored string as it is)."""
    return sentence.shown() if isinstance(sentence, Note) else str(sentence)


def reason_text(reason: object) -> str:
    """A rejection reason or timestamp format name (stored in English) in the current language."""
    text = str(reason) if reason else ""
    return tr(text) if text else ""


#: The report's fields that hold sentences (kept as :class:`Note` objects).
_NOTE_FIELDS = ("warnings", "privacy_actions")


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
        rejected = ""
        if self.rejected_by_reason:
            rejected = tr(
                " ({reasons})",
                reasons=tr("; ").join(
                    tr("{reason}: {n}", reason=reason_text(k), n=fmt.number(v))
                    for k, v in self.rejected_by_reason.items()
                ),
            )
        text = tr(
            "{name}: {read} read, {loaded} loaded for {users}, {rejected} rejected{reasons}",
            name=self.source_name,
            read=ntr("{n} row", "{n} rows", self.rows_read, n=fmt.number(self.rows_read)),
            loaded=ntr("{n} event", "{n} events", self.rows_loaded, n=fmt.number(self.rows_loaded)),
            users=ntr("{n} user", "{n} users", self.users, n=fmt.number(self.users)),
            rejected=fmt.number(self.rows_rejected),
            reasons=rejected,
        )
        if self.duplicate_rows:
            n = fmt.number(self.duplicate_rows)
            if self.duplicate_rows - self.duplicates_removed:
                text += ntr(
                    ", {n} exact duplicate row kept as real events",
                    ", {n} exact duplicate rows kept as real events",
                    self.duplicate_rows,
                    n=n,
                )
            else:
                text += ntr(
                    ", {n} exact duplicate row removed",
                    ", {n} exact duplicate rows removed",
                    self.duplicate_rows,
                    n=n,
                )
        if self.user_rows:
            text += ntr(
                "; {n} row of user attributes",
                "; {n} rows of user attributes",
                self.user_rows,
                n=fmt.number(self.user_rows),
            )
        return text + tr(".")

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

    def notes_to_json(self) -> dict:
        """The messages of the warnings and privacy notes (None for a plain sentence).

        Stored next to the report, so a dataset opened later shows them in the reader's
        language (see :meth:`with_notes`); the report itself keeps the English text.
        """
        return {
            key: [s.to_json() if isinstance(s, Note) else None for s in getattr(self, key)]
            for key in _NOTE_FIELDS
        }

    def with_notes(self, data: Mapping[str, Any] | None) -> IngestReport:
        """This report with its sentences turned back into notes from :meth:`notes_to_json`.

        A sentence whose stored message no longer gives the same English text stays the
        plain (English) sentence.
        """
        changes = {}
        for key in _NOTE_FIELDS:
            stored = (data or {}).get(key)
            sentences = getattr(self, key)
            if not isinstance(stored, list) or len(stored) != len(sentences):
                continue
            rebuilt = []
            for sentence, item in zip(sentences, stored, strict=True):
                note = note_from_json(item)
                rebuilt.append(note if note is not None and note == sentence else sentence)
            changes[key] = tuple(rebuilt)
        return dataclasses.replace(self, **changes) if changes else self

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
