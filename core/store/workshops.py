"""Workshop sessions: a facilitator's join code, participants with their own workspaces.

A facilitator creates a session with a name and the last day it runs. Participants open
the join link (``?join=<code>``), give a display name and get a workspace of their own,
owned by ``workshop:<session id>`` so it never shows up in anybody's workspace list.

Join codes are ``secrets.token_urlsafe(16)`` (128 random bits); the store keeps only their
SHA-256 and confirms a match with :func:`hmac.compare_digest`, like share links. After
the last day (or when the facilitator ends the session) join codes and participant links
stop working, and :meth:`WorkshopStore.sweep_workshops` deletes the participants'
workspaces with everything saved in them (datasets, runs, persona names, experiments,
share links) and the dataset files nobody else uses. The session row and one row per
participant stay, without names, so an old link can say "this workshop has ended".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import re
import secrets
import unicodedata
from collections.abc import Collection
from pathlib import Path

import sqlalchemy as sa

from core import config
from core.errors import DataError
from core.i18n import N_, fmt, tr
from core.store.base import StoreBase
from core.store.models import (
    DatasetRow,
    ExperimentRow,
    ParticipantRow,
    PersonaRow,
    RunRow,
    ShareTokenRow,
    WorkshopRow,
    Workspace,
)
from core.store.records import (
    ParticipantRecord,
    WorkshopRecord,
    participant_record,
    workshop_record,
)
from core.store.values import MAX_NAME_LENGTH, clean_text, hash_token, new_id, now

__all__ = [
    "ENDED",
    "WorkshopStore",
    "SweepResult",
    "MAX_DISPLAY_NAME",
    "MAX_WORKSHOP_DAYS",
    "check_display_name",
    "workshop_owner",
]

MAX_DISPLAY_NAME = 40  # fits a card on the facilitator's board
MAX_WORKSHOP_DAYS = 90  # a session runs at most this many days after it is made
# Characters that would turn a name into markup in Markdown or HTML, or into a link.
_MARKUP = re.compile(r"[<>\[\]{}*_`#|\\~^$]|://")


def workshop_owner(workshop_id: str) -> str:
    """The owner recorded on the workspaces of one workshop's participants."""
    return f"workshop:{workshop_id}"


def _name_key(name: str) -> str:
    """The form two display names are compared in (case and spacing ignored)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def check_display_name(name: object) -> str:
    """A participant's display name, tidied, or a DataError saying what to change.

    Parameters
    ----------
    name : object
        What the participant typed.

    Returns
    -------
    str
        The name with its spacing collapsed (one to :data:`MAX_DISPLAY_NAME` characters,
        letters, digits, spaces and plain punctuation).

    Raises
    ------
    DataError
        When the name is empty, too long, or holds control characters or markup.
    """
    text = " ".join(unicodedata.normalize("NFKC", str(name or "")).split())
    if not text:
        raise DataError(
            tr("Type the name the facilitator should see on the board, e.g. 'Anna K.'.")
        )
    if len(text) > MAX_DISPLAY_NAME:
        raise DataError(
            tr(
                "A display name can be at most {limit} characters; yours has {length}. "
                "Shorten it, e.g. to a first name and an initial.",
                limit=fmt.number(MAX_DISPLAY_NAME),
                length=fmt.number(len(text)),
            )
        )
    bad = _MARKUP.search(text)
    if bad or any(unicodedata.category(c).startswith("C") for c in text):
        shown = f"'{bad.group(0)}'" if bad else tr("the invisible character")
        raise DataError(
            tr(
                "A display name holds letters, digits, spaces and plain punctuation "
                "(. , ' - ( ) & !); remove {what} and try again.",
                what=shown,
            )
        )
    return text


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """What one sweep deleted."""

    workshops: int
    workspaces: int
    files: tuple[str, ...]


class WorkshopStore(StoreBase):
    """Create, join, list, end and sweep workshops (part of :class:`core.store.Store`)."""

    def create_workshop(
        self,
        name: str,
        expires_on: dt.date,
        *,
        owner: str,
        dataset_path: str | None = None,
        dataset_name: str | None = None,
        today: dt.date | None = None,
    ) -> tuple[str, WorkshopRecord]:
        """Create a workshop session; its join code is returned only here.

        Parameters
        ----------
        name : str
            What participants and the board call the session.
        expires_on : datetime.date
            The session's last day: from today to :data:`MAX_WORKSHOP_DAYS` days ahead.
        owner : str
            The facilitator (the owner recorded on workspaces, e.g. ``local``).
        dataset_path, dataset_name : str, optional
            A saved dataset every participant starts with (default: the bundled sample).
        today : datetime.date, optional
            The current day (default: the server's date).

        Returns
        -------
        (code, WorkshopRecord)
            ``code`` is ``secrets.token_urlsafe(16)`` (128 random bits); the store keeps
            only its SHA-256.

        Raises
        ------
        DataError
            When the name is empty or the last day is in the past or too far ahead.
        """
        today = today or dt.date.today()
        title = clean_text(name, MAX_NAME_LENGTH)
        if not title:
            raise DataError(tr("Give the workshop a name participants will recognise."))
        if not isinstance(expires_on, dt.date):
            raise DataError(tr("Pick the workshop's last day in the date field."))
        if isinstance(expires_on, dt.datetime):
            expires_on = expires_on.date()
        if expires_on < today:
            raise DataError(
                tr(
                    "The last day {day} is in the past; pick today or a later day.",
                    day=fmt.date(expires_on),
                )
            )
        if expires_on > today + dt.timedelta(days=MAX_WORKSHOP_DAYS):
            raise DataError(
                tr(
                    "A workshop can run at most {days} days; pick a last day before {day}.",
                    days=fmt.number(MAX_WORKSHOP_DAYS),
                    day=fmt.date(today + dt.timedelta(days=MAX_WORKSHOP_DAYS + 1)),
                )
            )
        code = secrets.token_urlsafe(16)
        row = WorkshopRow(
            id=new_id(9),
            name=title,
            owner=clean_text(owner, 320) or "local",
            code_hash=hash_token(code),
            expires_on=expires_on,
            dataset_path=clean_text(dataset_path, 2000),
            dataset_name=clean_text(dataset_name, 500),
            created_at=now(),
            revoked_at=None,
        )
        with self._tx() as s:
            s.add(row)
        return code, workshop_record(row)

    def resolve_join_code(self, code: str, today: dt.date | None = None) -> WorkshopRecord | None:
        """The open workshop of a join code, or None (unknown, ended, expired, malformed).

        The lookup is by the code's SHA-256 and the match is confirmed with
        :func:`hmac.compare_digest`, as for share links.
        """
        if not isinstance(code, str) or not (16 <= len(code) <= 128):
            return None
        digest = hash_token(code)
        with self._tx() as s:
            row = s.scalars(sa.select(WorkshopRow).where(WorkshopRow.code_hash == digest)).first()
            if row is None or not hmac.compare_digest(row.code_hash, digest):
                return None
            record = workshop_record(row)
        return record if record.open_on(today or dt.date.today()) else None

    def get_workshop(self, workshop_id: str) -> WorkshopRecord | None:
        """The workshop with this id (open or not), or None."""
        if not isinstance(workshop_id, str) or len(workshop_id) > 32:
            return None
        with self._tx() as s:
            row = s.get(WorkshopRow, workshop_id)
            return workshop_record(row) if row else None

    def list_workshops(self, owner: str) -> list[WorkshopRecord]:
        """The facilitator's workshops, newest first (ended ones included)."""
        with self._tx() as s:
            rows = s.scalars(
                sa.select(WorkshopRow)
                .where(WorkshopRow.owner == owner)
                .order_by(WorkshopRow.created_at.desc(), WorkshopRow.id)
            ).all()
            return [workshop_record(r) for r in rows]

    def join_workshop(
        self, workshop_id: str, display_name: str, today: dt.date | None = None
    ) -> ParticipantRecord:
        """Add a participant: a new workspace of their own in an open workshop.

        Raises
        ------
        DataError
            When the name is not usable (:func:`check_display_name`), someone in the
            session already has it, or the workshop is not open any more.
        """
        name = check_display_name(display_name)
        key = _name_key(name)
        stamp = now()
        taken = DataError(
            tr(
                "Someone in this workshop is already called '{name}'; add an initial or a "
                "nickname (e.g. 'Anna K.'). If that was you, open the link where your work "
                "lives to get back to it.",
                name=name,
            )
        )
        with self._tx() as s:
            row = s.get(WorkshopRow, workshop_id) if isinstance(workshop_id, str) else None
            if row is None or not workshop_record(row).open_on(today or dt.date.today()):
                raise DataError(tr(ENDED))
            clash = s.scalars(
                sa.select(ParticipantRow.workspace_id).where(
                    ParticipantRow.workshop_id == workshop_id, ParticipantRow.name_key == key
                )
            ).first()
            if clash is not None:
                raise taken
            ws = Workspace(
                id=new_id(),
                name=f"{name} · {row.name}"[:MAX_NAME_LENGTH],
                owner=workshop_owner(workshop_id),
                created_at=stamp,
                updated_at=stamp,
            )
            s.add(ws)
            s.flush()
            participant = ParticipantRow(
                workspace_id=ws.id,
                workshop_id=workshop_id,
                display_name=name,
                name_key=key,
                joined_at=stamp,
            )
            s.add(participant)
            try:
                s.flush()
            except sa.exc.IntegrityError as exc:  # the same name joined a moment earlier
                raise taken from exc
        return participant_record(participant)

    def list_participants(self, workshop_id: str) -> list[ParticipantRecord]:
        """The participants of a workshop in the order they joined (none once it ended)."""
        with self._tx() as s:
            rows = s.scalars(
                sa.select(ParticipantRow)
                .where(ParticipantRow.workshop_id == workshop_id, ParticipantRow.display_name != "")
                .order_by(ParticipantRow.joined_at, ParticipantRow.workspace_id)
            ).all()
            return [participant_record(r) for r in rows]

    def participant(self, workspace_id: str) -> ParticipantRecord | None:
        """The participant whose workspace this is (also after the workshop ended), or None."""
        if not isinstance(workspace_id, str) or len(workspace_id) > 64:
            return None
        with self._tx() as s:
            row = s.get(ParticipantRow, workspace_id)
            return participant_record(row) if row else None

    def new_join_code(self, workshop_id: str, today: dt.date | None = None) -> str:
        """Replace an open workshop's join code; the old one stops working at once.

        The code is shown only when it is made, so a facilitator who reloads the board
        makes a new one to show again. Participants who joined keep their own links.

        Raises
        ------
        DataError
            When the workshop has ended (it cannot be joined any more).
        """
        code = secrets.token_urlsafe(16)
        with self._tx() as s:
            row = s.get(WorkshopRow, workshop_id) if isinstance(workshop_id, str) else None
            if row is None or not workshop_record(row).open_on(today or dt.date.today()):
                raise DataError(tr("This workshop has ended; start a new one to invite people."))
            row.code_hash = hash_token(code)
        return code

    def end_workshop(self, workshop_id: str) -> None:
        """End a workshop now: its join code and participant links stop working at once.

        The participants' work is deleted by the next :meth:`sweep_workshops`.
        """
        with self._tx() as s:
            s.execute(
                sa.update(WorkshopRow)
                .where(WorkshopRow.id == workshop_id, WorkshopRow.revoked_at.is_(None))
                .values(revoked_at=now())
            )

    def has_work_to_sweep(self, today: dt.date | None = None) -> bool:
        """True when an ended workshop still has participants' work to delete."""
        today = today or dt.date.today()
        with self._tx() as s:
            found = s.execute(
                sa.select(ParticipantRow.workspace_id)
                .join(WorkshopRow, WorkshopRow.id == ParticipantRow.workshop_id)
                .where(
                    sa.or_(WorkshopRow.expires_on < today, WorkshopRow.revoked_at.is_not(None)),
                    ParticipantRow.display_name != "",
                )
                .limit(1)
            ).first()
        return found is not None

    def sweep_workshops(
        self, today: dt.date | None = None, *, keep_files: Collection[str | Path] = ()
    ) -> SweepResult:
        """Delete the work of every workshop past its last day or ended by its facilitator.

        Parameters
        ----------
        today : datetime.date, optional
            The current day (default: the server's date); a workshop whose last day is
            before it is swept.
        keep_files : collection of str or Path
            Dataset files never to delete (the bundled sample, which every session shares).

        Returns
        -------
        SweepResult
            How many workshops were swept, how many participant workspaces deleted, and
            the dataset files removed from disk: files in the data folder's ``datasets``
            folder that no remaining workspace records.
        """
        today = today or dt.date.today()
        with self._tx() as s:
            ended = s.scalars(
                sa.select(WorkshopRow.id).where(
                    sa.or_(WorkshopRow.expires_on < today, WorkshopRow.revoked_at.is_not(None))
                )
            ).all()
            if not ended:
                return SweepResult(0, 0, ())
            rows = s.scalars(
                sa.select(ParticipantRow).where(
                    ParticipantRow.workshop_id.in_(ended), ParticipantRow.display_name != ""
                )
            ).all()
            spaces = [r.workspace_id for r in rows]
            paths = set(
                s.scalars(
                    sa.select(DatasetRow.path).where(DatasetRow.workspace_id.in_(spaces))
                ).all()
            )
            for model in (ShareTokenRow, PersonaRow, ExperimentRow, RunRow, DatasetRow):
                s.execute(sa.delete(model).where(model.workspace_id.in_(spaces)))
            s.execute(sa.delete(Workspace).where(Workspace.id.in_(spaces)))
            for r in rows:  # keep a nameless row: an old link can say the workshop ended
                r.display_name = ""
                r.name_key = r.workspace_id
            still_used = set(
                s.scalars(sa.select(DatasetRow.path).where(DatasetRow.path.in_(paths))).all()
            )
        swept = len({r.workshop_id for r in rows})
        removed = _remove_files(paths - still_used, keep_files)
        return SweepResult(swept, len(spaces), removed)


#: Shown with ``tr(ENDED)``.
ENDED = N_("This workshop has ended and its work has been deleted; thank you for taking part.")


def _remove_files(paths: Collection[str], keep: Collection[str | Path]) -> tuple[str, ...]:
    """Delete dataset files inside the data folder's datasets folder; the ones removed."""
    root = (config.data_dir() / "datasets").resolve()
    kept = {Path(k).resolve() for k in keep}
    removed = []
    for raw in sorted(paths):
        path = Path(raw).resolve()
        if path in kept or root not in path.parents:
            continue
        for candidate in (path, path.with_name(path.name + ".wal")):
            try:
                candidate.unlink()
            except FileNotFoundError:
                continue
            if candidate == path:
                removed.append(str(path))
    return tuple(removed)
