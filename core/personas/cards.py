"""Persona cards: who each segment is, what makes it different, and what to do about it.

:func:`build_personas` turns a feature table and segment labels into one frozen
:class:`Persona` per segment with everything a card shows: size and share,
demographics, platform / format / lifecycle / value mix, a weekday x hour activity
heatmap, engagement per event type, purchases, comment words and sentiment,
**distinguishing traits** (:mod:`core.personas.traits`), KPIs, CLV and ranked
recommended actions (:mod:`core.personas.playbook`).

Names (:mod:`core.personas.naming`), best platforms, posting windows and the playbook's
actions are built from the supported traits only; a group without any is "Typical
users".

Language: a card's text (name, trait sentences, actions, notes) is written in the
language current when :func:`build_personas` runs (:func:`core.i18n.current`); numbers
stay numbers. Callers that cache cards keep one copy per language.

Privacy: any breakdown (a category, a heatmap cell, a comment word) with fewer than
``min_group_size`` users is hidden and the card says ``hidden: fewer than 10 users``; a
segment smaller than that shows its size only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.i18n import N_, fmt, ntr, tr
from core.personas import playbook
from core.personas.breakdowns import (
    MAX_COMMENTS,
    _comments,
    _event_breakdowns,
    _event_mix,
    _mix,
    _mix_from_features,
)
from core.personas.categories import DEMOGRAPHIC_ORDER, MIX_ATTRIBUTES, _category_counts_fast
from core.personas.kpis import KPI_BY_KEY, compute_kpis
from core.personas.naming import _segment_sizes, _spend_lifts, _unique_names
from core.personas.traits import (
    CategoryTrait,
    Trait,
    _effect,
    _support,
    _trait_table,
    _validate,
)
from core.personas.value import _clv_dict, _purchases, _segment_values
from core.personas.wording import MAX_WINDOWS, hidden_note, posting_windows


@dataclasses.dataclass(frozen=True)
class Persona:
    """Everything one persona card shows. Breakdowns are tuples of plain values.

    Mixes are ``(category, share, users)`` tuples (share of the segment's users, or of its
    events for platform and format); ``heatmap`` holds ``(weekday, hour, events)`` with
    weekday 0 = Monday and ``events`` None for a hidden cell; ``hidden`` lists what was
    hidden for privacy.
    """

    segment: str
    name: str
    size: int
    share: float
    traits: tuple[Trait, ...]
    category_traits: tuple[CategoryTrait, ...]
    demographics: Mapping[str, tuple[tuple[str, float, int], ...]]
    numeric_profile: Mapping[str, float]
    platform_mix: tuple[tuple[str, float, int], ...]
    format_mix: tuple[tuple[str, float, int], ...]
    lifecycle_mix: tuple[tuple[str, float, int], ...]
    value_mix: tuple[tuple[str, float, int], ...]
    heatmap: tuple[tuple[int, int, int | None], ...]
    engagement: Mapping[str, float]
    purchases: Mapping[str, float]
    comment_words: tuple[tuple[str, int], ...]
    sentiment: Mapping[str, float | None] | None
    kpis: Mapping[str, float | None]
    clv: Mapping[str, float] | None
    recommendations: tuple[playbook.Recommendation, ...]
    best_platforms: tuple[str, ...]
    best_times: tuple[str, ...]
    contact_note: str
    hidden: tuple[str, ...]
    min_group_size: int
    is_hidden: bool = False

    def top_trait_features(self, n: int = 5) -> list[str]:
        """Feature names of the ``n`` strongest numeric traits."""
        return [t.feature for t in self.traits[:n]]

    def trait_sentences(self, n: int = 5) -> list[str]:
        """The ``n`` strongest supported traits as sentences, numbers and categories merged
        by effect size."""
        merged = sorted(
            [*self.traits, *self.category_traits], key=lambda t: -abs(_effect(t.effect_size))
        )
        return [t.phrase for t in merged[:n]]


def build_personas(
    features: pd.DataFrame,
    labels: pd.Series,
    *,
    engine=None,
    min_group_size: int = 10,
    clv: pd.DataFrame | None = None,
    events: str = "events",
    kpis: pd.DataFrame | None = None,
    max_comments: int = MAX_COMMENTS,
) -> list[Persona]:
    """One persona per segment, largest segment first.

    Parameters
    ----------
    features : DataFrame
        Feature table (``core.segments.features.build_features``); not modified.
    labels : Series
        Segment per user (index ``user_id``), e.g. ``SegmentResult.labels``.
    engine : sqlalchemy.Engine, optional
        The dataset engine. When given, the activity heatmap, platform and content-format
        mix, comment words and sentiment and the KPIs are computed from the events in
        SQL; without it, platform and format mix come from the feature table's share
        columns and the rest is left empty.
    min_group_size : int
        Breakdowns with fewer users are hidden (default 10).
    clv : DataFrame, optional
        Per-user CLV (``core.personas.clv.CLVResult.table``: ``user_id``, ``clv``, ``p_alive``,
        ``expected_purchases``); adds per-segment totals to the cards, and
        ``p_alive_everyone`` (mean P(alive) of all labelled buyers) beside the segment's.
    events : str
        Events table name on the engine.
    kpis : DataFrame, optional
        Precomputed :func:`core.personas.kpis.compute_kpis` output (else computed when ``engine``).
    max_comments : int
        Most recent comments per segment read for words and sentiment.

    Returns
    -------
    list of Persona
    """
    feats, lab = _validate(features, labels, min_group_size)
    min_group = int(min_group_size)
    sizes = _segment_sizes(lab)
    n_all = int(sizes.sum())
    table = _trait_table(feats, lab)
    by_segment = {seg: rows for seg, rows in table.groupby("segment", sort=False)}
    pop_means = table.drop_duplicates("feature").set_index("feature")["population_value"]
    counts = _category_counts_fast(feats, lab)
    supported, cat_traits = _support(table, feats, lab, counts, sizes, min_group)

    ev = None
    if engine is not None:
        ev = _event_breakdowns(engine, lab, events, max_comments, feats)
        if kpis is None:
            kpis = compute_kpis(engine, lab, events=events)
    pop_platform = {}
    if ev is not None and not ev["platform"].empty:
        tot = ev["platform"].groupby("category")["events"].sum()
        pop_platform = (tot / tot.sum()).to_dict()
    clv_by_segment = None if clv is None else _segment_values(clv, lab)

    personas = []
    for seg, size in sizes.items():
        seg = str(seg)
        size = int(size)
        share = size / n_all
        hidden: list[str] = []
        if size < min_group:
            personas.append(_hidden_persona(seg, size, share, min_group))
            continue
        mask = lab == seg
        rows = by_segment.get(seg, table.iloc[0:0])
        traits = supported.get(seg, [])
        ctraits = cat_traits.get(seg, [])
        demographics = {}
        for attr in [a for a in DEMOGRAPHIC_ORDER if a in set(counts["attribute"])] + sorted(
            set(counts["attribute"]) - set(DEMOGRAPHIC_ORDER) - set(MIX_ATTRIBUTES)
        ):
            mix = _mix(counts, seg, attr, size, min_group, hidden)
            if mix:
                demographics[attr] = mix
        lifecycle = _mix(counts, seg, "lifecycle_stage", size, min_group, hidden)
        value_mix = _mix(counts, seg, "value_tier", size, min_group, hidden)
        seg_means = rows.set_index("feature")["value"] if len(rows) else pd.Series(dtype=float)
        numeric_profile = {
            f: float(seg_means[f])
            for f in ("age", "followers", "n_events", "active_days", "recency_days", "tenure_days")
            if f in seg_means.index and pd.notna(seg_means[f])
        }
        engagement = {
            c.removeprefix("n_"): float(seg_means[c])
            for c in seg_means.index
            if c.startswith("n_")
            and c not in ("n_events", "n_platforms")
            and pd.notna(seg_means[c])
        }
        if "frequency" in seg_means.index:
            engagement.setdefault("purchase", float(seg_means["frequency"]))
        purchases = _purchases(feats.loc[mask])
        if ev is not None:
            platform_mix = _event_mix(ev["platform"], seg, min_group, hidden, N_("Platforms"))
            format_mix = _event_mix(ev["format"], seg, min_group, hidden, N_("Content formats"))
            heat_rows = ev["heatmap"][ev["heatmap"]["segment"] == seg]
            heatmap = tuple(
                (int(r.weekday), int(r.hour), int(r.events) if r.users >= min_group else None)
                for r in heat_rows.sort_values(["weekday", "hour"]).itertuples(index=False)
            )
            if any(c[2] is None for c in heatmap):
                n_cells = sum(c[2] is None for c in heatmap)
                hidden.append(
                    ntr(
                        "Active hours: {n} weekday-hour cell {note}",
                        "Active hours: {n} weekday-hour cells {note}",
                        n_cells,
                        n=fmt.number(n_cells),
                        note=hidden_note(min_group),
                    )
                )
            seg_comments = ev["comments"][ev["comments"]["segment"] == seg]
            words, sentiment = _comments(seg_comments, min_group, hidden)
        else:
            platform_mix = _mix_from_features(feats, mask, "platform_share_")
            format_mix = _mix_from_features(feats, mask, "format_share_")
            heatmap, words, sentiment = (), (), None
        seg_kpis = _kpi_dict(kpis, seg)
        seg_clv = _clv_dict(clv_by_segment, seg)
        facts = _facts(traits, ctraits)
        times = posting_windows(traits)
        recs = playbook.recommend(facts)
        if times:  # only when the group's hours or days differ from everyone else's
            timing = [t for t in traits if t.test in ("hours", "weekdays")][:MAX_WINDOWS]
            reason = tr("; ").join(t.phrase for t in timing)
            recs.append(playbook.posting_advice(times, reason))
        shown_platforms = {
            t.feature.removeprefix("platform_share_")
            for t in traits
            if t.feature.startswith("platform_share_") and t.direction == "higher"
        } | {str(c.category).lower() for c in ctraits if c.attribute == "top_platform"}
        platforms_pop = pop_platform or {
            p: float(pop_means.get(f"platform_share_{p}", np.nan)) for p, _, _ in platform_mix
        }
        personas.append(
            Persona(
                segment=seg,
                name="",
                size=size,
                share=share,
                traits=tuple(traits),
                category_traits=tuple(ctraits),
                demographics=demographics,
                numeric_profile=numeric_profile,
                platform_mix=platform_mix,
                format_mix=format_mix,
                lifecycle_mix=lifecycle,
                value_mix=value_mix,
                heatmap=heatmap,
                engagement=engagement,
                purchases=purchases,
                comment_words=words,
                sentiment=sentiment,
                kpis=seg_kpis,
                clv=seg_clv,
                recommendations=tuple(recs),
                best_platforms=tuple(
                    playbook.best_platforms(
                        {p: s for p, s, _ in platform_mix if str(p).lower() in shown_platforms},
                        platforms_pop,
                    )
                ),
                best_times=tuple(times),
                contact_note=playbook.contact_note(facts),
                hidden=tuple(hidden),
                min_group_size=min_group,
            )
        )
    spend = _spend_lifts(table)
    names = _unique_names(  # in the current language, like every sentence on the card
        [
            {
                "segment": p.segment,
                "hidden": p.is_hidden,
                "traits": list(p.traits),
                "category_traits": list(p.category_traits),
                "spend_lift": spend.get(p.segment, float("nan")),
            }
            for p in personas
        ]
    )
    return [dataclasses.replace(p, name=names[p.segment]) for p in personas]


def _facts(traits: list[Trait], ctraits: list[CategoryTrait]) -> dict:
    """What the playbook may act on: the card's supported traits only."""
    numeric = [t for t in traits if t.test == "welch"]
    shares: dict[str, dict[str, float]] = {}
    population: dict[str, dict[str, float]] = {}
    for c in ctraits:
        shares.setdefault(c.attribute, {})[c.category] = c.share
        population.setdefault(c.attribute, {})[c.category] = c.population_share
    return {
        "lift": {t.feature: t.lift for t in numeric if math.isfinite(t.lift)},
        "mean": {t.feature: t.value for t in numeric},
        "shares": shares,
        "population_shares": population,
    }


def _hidden_persona(seg: str, size: int, share: float, min_group: int) -> Persona:
    """The card of a segment smaller than ``min_group``: its size only."""
    note = hidden_note(min_group)
    return Persona(
        segment=seg,
        name="",
        size=size,
        share=share,
        traits=(),
        category_traits=(),
        demographics={},
        numeric_profile={},
        platform_mix=(),
        format_mix=(),
        lifecycle_mix=(),
        value_mix=(),
        heatmap=(),
        engagement={},
        purchases={},
        comment_words=(),
        sentiment=None,
        kpis={},
        clv=None,
        recommendations=(),
        best_platforms=(),
        best_times=(),
        contact_note=tr(playbook.CONTACT_CAP_NOTE),
        hidden=(tr("Everything except the size: {note}", note=note),),
        min_group_size=min_group,
        is_hidden=True,
    )


def _kpi_dict(kpis: pd.DataFrame | None, seg: str) -> dict:
    """One segment's KPIs as plain floats (None when not computable)."""
    if kpis is None or seg not in kpis.index:
        return {}
    row = kpis.loc[seg]
    return {k: (None if pd.isna(row[k]) else float(row[k])) for k in KPI_BY_KEY if k in row.index}
