"""Segment migration: who moved from which persona to which, between two runs or periods.

:func:`movement_table` compares two labellings of users (two saved runs, or the same
definitions applied at two dates) and :func:`movement_from_counts` builds the same table
from counts a database already aggregated (``core.segments.writeback``). Every row is
one flow ``from -> to`` with its users and its share of the "from" persona; users only
in the second labelling come from :data:`NEW`, users only in the first go to
:data:`GONE`. :func:`migration_chart` draws the flows as a Sankey diagram and
:func:`migration_section` gives the report its heading, sentence, chart and table.

The Sankey is drawn with Altair by hand (rectangles for the personas, one filled band per
flow between them): Vega-Lite has no Sankey mark, and the report renders charts to
SVG/PNG with vl-convert without a browser, which rules out Plotly (needs Kaleido and a
Chromium) and D3-only widgets. Hand-drawing keeps one chart for the page, the HTML and
the PDF.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from core.i18n import N_, fmt, tr
from core.personas.sankey import sankey_chart

__all__ = [
    "GONE",
    "NEW",
    "MOVEMENT_COLUMNS",
    "MigrationSection",
    "migration_chart",
    "migration_section",
    "movement_from_counts",
    "movement_summary",
    "movement_sentence",
    "movement_table",
    "period_movement",
    "report_migration_parts",
    "shown_table",
]

#: The "from" of users who were not there the first time, the "to" of users who left.
NEW = N_("(new users)")
GONE = N_("(no longer present)")
#: Width of a persona's bar in the Sankey, as a share of the chart's width.
_NODE = 0.015
#: Columns of the movement table (a machine-readable contract: CSV headers stay English).
MOVEMENT_COLUMNS: tuple[str, ...] = (
    "from_segment",
    "from_persona",
    "to_segment",
    "to_persona",
    "users",
    "share_of_from",
)


def movement_table(
    before: pd.Series,
    after: pd.Series,
    *,
    before_names: Mapping[str, str] | None = None,
    after_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Flows of users between two labellings.

    Parameters
    ----------
    before, after : pandas.Series
        Segment per user (index ``user_id``), e.g. two saved runs' labels.
    before_names, after_names : mapping, optional
        Persona name per segment of each labelling (the segment label when absent).

    Returns
    -------
    pandas.DataFrame
        :data:`MOVEMENT_COLUMNS`, one row per (from, to) pair with users, largest flow
        first. ``from_segment`` is :data:`NEW` for users only in ``after``,
        ``to_segment`` is :data:`GONE` for users only in ``before``. ``share_of_from``
        is the flow's share of all users of its "from" segment (0..1).
    """
    a = before.astype(str).groupby(level=0).first()
    b = after.astype(str).groupby(level=0).first()
    a.index = a.index.astype(str)
    b.index = b.index.astype(str)
    frame = pd.DataFrame({"from_segment": a, "to_segment": b})
    frame = frame.fillna({"from_segment": NEW, "to_segment": GONE})
    counts = frame.groupby(["from_segment", "to_segment"]).size().rename("users").reset_index()
    return movement_from_counts(counts, before_names=before_names, after_names=after_names)


def movement_from_counts(
    counts: pd.DataFrame,
    *,
    before_names: Mapping[str, str] | None = None,
    after_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The movement table from counts ``from_segment, to_segment, users``.

    Parameters
    ----------
    counts : pandas.DataFrame
        One row per pair; a missing (None/NaN) from is a new user, a missing to a user
        no longer present. Not modified.
    before_names, after_names : mapping, optional
        Persona names per segment.

    Returns
    -------
    pandas.DataFrame
        As :func:`movement_table`.
    """
    frame = counts[["from_segment", "to_segment", "users"]].copy()
    frame["from_segment"] = (
        frame["from_segment"].astype(object).where(frame["from_segment"].notna(), NEW).astype(str)
    )
    frame["to_segment"] = (
        frame["to_segment"].astype(object).where(frame["to_segment"].notna(), GONE).astype(str)
    )
    frame = frame.groupby(["from_segment", "to_segment"], as_index=False)["users"].sum()
    frame["users"] = frame["users"].astype("int64")
    bn, an = dict(before_names or {}), dict(after_names or {})
    frame["from_persona"] = [bn.get(s) or s for s in frame["from_segment"]]
    frame["to_persona"] = [an.get(s) or s for s in frame["to_segment"]]
    total = frame.groupby("from_segment")["users"].transform("sum")
    frame["share_of_from"] = frame["users"] / total
    frame = frame.sort_values(
        ["users", "from_segment", "to_segment"], ascending=[False, True, True], ignore_index=True
    )
    return frame[list(MOVEMENT_COLUMNS)]


def movement_summary(table: pd.DataFrame) -> dict:
    """Totals of a movement table.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`movement_table`.

    Returns
    -------
    dict
        ``kept`` (users in both), ``moved`` (in both, other segment), ``moved_share``
        (moved / kept, NaN when nobody is in both), ``new``, ``gone``.
    """
    both = table[(table["from_segment"] != NEW) & (table["to_segment"] != GONE)]
    moved = int(both.loc[both["from_segment"] != both["to_segment"], "users"].sum())
    kept = int(both["users"].sum())
    return {
        "kept": kept,
        "moved": moved,
        "moved_share": moved / kept if kept else float("nan"),
        "new": int(table.loc[table["from_segment"] == NEW, "users"].sum()),
        "gone": int(table.loc[table["to_segment"] == GONE, "users"].sum()),
    }


def _shown(segment: str, persona: str) -> str:
    """A node's label: the persona name (translated for the new/gone markers)."""
    return tr(segment) if segment in (NEW, GONE) else persona


def migration_chart(
    table: pd.DataFrame,
    *,
    title: str | None = None,
    before: str | None = None,
    after: str | None = None,
    width: int = 640,
):
    """A Sankey diagram of a movement table: :func:`core.personas.sankey.sankey_chart` with
    this module's persona labels, new and gone users drawn last on each side."""
    return sankey_chart(
        table, shown=_shown, last=(NEW, GONE), title=title, before=before, after=after, width=width
    )


@dataclasses.dataclass(frozen=True)
class MigrationSection:
    """The report's migration section: heading, one sentence, the chart and table rows."""

    heading: str
    sentence: str
    chart: object
    headings: tuple[str, ...]
    rows: list[tuple[str, ...]]


def movement_sentence(table: pd.DataFrame, *, before: str, after: str) -> str:
    """One sentence: how many users moved, how many are new or gone.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`movement_table`.
    before, after : str
        What is compared (run ids or dates).

    Returns
    -------
    str
        Translated.
    """
    s = movement_summary(table)
    return tr(
        "From {before} to {after}: {moved} of {kept} users who were in both moved to another "
        "persona ({share}); {new} new users, {gone} no longer present.",
        before=before,
        after=after,
        moved=fmt.number(s["moved"]),
        kept=fmt.number(s["kept"]),
        share=fmt.percent(0.0 if s["kept"] == 0 else s["moved_share"], 1),
        new=fmt.number(s["new"]),
        gone=fmt.number(s["gone"]),
    )


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The movement table with the new/gone markers in the reader's language.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`movement_table` (not modified).

    Returns
    -------
    pandas.DataFrame
        Same columns (English, for CSV); persona columns translated where they are markers.
    """
    out = table.copy()
    out["from_persona"] = [
        _shown(s, p) for s, p in zip(out["from_segment"], out["from_persona"], strict=True)
    ]
    out["to_persona"] = [
        _shown(s, p) for s, p in zip(out["to_segment"], out["to_persona"], strict=True)
    ]
    return out


def period_movement(
    engine,
    params,
    *,
    before,
    after,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The same segments at two dates: who moved between ``before`` and ``after``.

    The segments are fitted once on the features of all the data (so their labels are
    the saved run's), then every user is assigned inside the database at each date
    (``core.segments.assign_sql``): a user moves when their behaviour up to ``after``
    puts them in another segment than their behaviour up to ``before``.

    Parameters
    ----------
    engine : sqlalchemy.Engine
        The dataset (events and users tables).
    params : SegmentParams
        The run's parameters (any method but ``auto``).
    before, after : date or str
        The two dates.
    names : mapping, optional
        Persona name per segment.

    Returns
    -------
    pandas.DataFrame
        As :func:`movement_table`.

    Raises
    ------
    DataError
        For the automatic method and for anything segmenting refuses.
    """
    from core.segments import build_features
    from core.segments.assign_sql import assign_in_engine
    from core.segments.sample_fit import fit_definition

    definition, _ = fit_definition(build_features(engine), params)
    a = assign_in_engine(engine, definition, as_of=before)
    b = assign_in_engine(engine, definition, as_of=after)
    return movement_table(a, b, before_names=names, after_names=names)


def report_migration_parts(
    before: pd.Series,
    after: pd.Series,
    *,
    before_label: str,
    after_label: str,
    before_names: Mapping[str, str] | None = None,
    after_names: Mapping[str, str] | None = None,
) -> tuple[list[str], list]:
    """Notes and the chart a report adds for segment migration.

    Parameters
    ----------
    before, after : pandas.Series
        Segment per user of the earlier and the later labelling.
    before_label, after_label : str
        How the report names them (run ids or dates).
    before_names, after_names : mapping, optional
        Persona names.

    Returns
    -------
    (list of str, list)
        The section's lines (its heading with the summary sentence, then the five
        largest moves with users and share) and ``[sankey chart]``.
    """
    table = movement_table(before, after, before_names=before_names, after_names=after_names)
    section = migration_section(table, before=before_label, after=after_label)
    notes = [tr("{heading}: {sentence}", heading=section.heading, sentence=section.sentence)]
    moves = table[table["from_segment"] != table["to_segment"]].head(5)
    for row in shown_table(moves).itertuples(index=False):
        notes.append(
            tr(
                "{source} → {target}: {users} users ({share} of {source})",
                source=row.from_persona,
                target=row.to_persona,
                users=fmt.number(row.users),
                share=fmt.percent(row.share_of_from, 1),
            )
        )
    return notes, [section.chart]


def migration_section(table: pd.DataFrame, *, before: str, after: str) -> MigrationSection:
    """Heading, summary sentence, Sankey and table rows for a report.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`movement_table`.
    before, after : str
        What is compared (run ids or periods), shown in the sentence.

    Returns
    -------
    MigrationSection
    """
    sentence = movement_sentence(table, before=before, after=after)
    rows = [
        (
            _shown(r.from_segment, r.from_persona),
            _shown(r.to_segment, r.to_persona),
            fmt.number(r.users),
            fmt.percent(r.share_of_from, 1),
        )
        for r in table.itertuples(index=False)
    ]
    return MigrationSection(
        heading=tr("Segment migration"),
        sentence=sentence,
        chart=migration_chart(table, before=before, after=after),
        headings=(tr("From"), tr("To"), tr("Users"), tr("Share of the from persona")),
        rows=rows,
    )
