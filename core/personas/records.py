"""Persona cards as JSON-ready records: the output of ``python -m core personas``."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from core.personas.cards import Persona


def _clean(value):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, tuples -> lists."""
    if isinstance(value, dict | Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _clean(dataclasses.asdict(value))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def personas_to_records(
    personas: list[Persona], names: Mapping[str, str] | None = None
) -> list[dict]:
    """Personas as JSON-ready dicts (the ``python -m core personas`` output).

    Parameters
    ----------
    personas : list of Persona
    names : mapping, optional
        User-edited names per segment (``Run.names``); override the automatic ones.

    Returns
    -------
    list of dict
        ``segment``, ``name``, ``size``, ``share``, ``traits`` (``feature``, ``value``,
        ``population_value``, ``lift``, plus ``effect_size``, ``p_value``, ``p_adjusted``
        (Benjamini-Hochberg over every test of every card), ``direction``, ``phrase``,
        ``test``: ``welch`` / ``hours`` / ``weekdays``; only supported traits),
        ``kpis``, ``recommendations`` (strings: action — reason),
        and the rest of the card: ``auto_name``, ``category_traits``, ``demographics``,
        ``platform_mix``, ``format_mix``, ``lifecycle_mix``, ``value_mix``, ``heatmap``,
        ``engagement``, ``purchases``, ``comment_words``, ``sentiment``, ``clv``,
        ``recommendation_details``, ``best_platforms``, ``best_times``, ``contact_note``,
        ``hidden``. Mixes are lists of ``{category, share, users}``.
    """
    names = names or {}
    out = []
    for p in personas:
        mix = lambda rows: [{"category": c, "share": s, "users": u} for c, s, u in rows]  # noqa: E731
        rec = {
            "segment": p.segment,
            "name": names.get(p.segment) or p.name,
            "size": p.size,
            "share": p.share,
            "traits": [
                {
                    "feature": t.feature,
                    "value": t.value,
                    "population_value": t.population_value,
                    "lift": t.lift,
                    "effect_size": t.effect_size,
                    "p_value": t.p_value,
                    "p_adjusted": t.p_adjusted,
                    "direction": t.direction,
                    "phrase": t.phrase,
                    "test": t.test,
                }
                for t in p.traits
            ],
            "kpis": dict(p.kpis),
            "recommendations": [f"{r.action} — {r.reason}" for r in p.recommendations],
            "auto_name": p.name,
            "category_traits": [dataclasses.asdict(c) for c in p.category_traits],
            "demographics": {k: mix(v) for k, v in p.demographics.items()},
            "numeric_profile": dict(p.numeric_profile),
            "platform_mix": mix(p.platform_mix),
            "format_mix": mix(p.format_mix),
            "lifecycle_mix": mix(p.lifecycle_mix),
            "value_mix": mix(p.value_mix),
            "heatmap": [{"weekday": w, "hour": h, "events": e} for w, h, e in p.heatmap],
            "engagement": dict(p.engagement),
            "purchases": dict(p.purchases),
            "comment_words": [{"word": w, "count": c} for w, c in p.comment_words],
            "sentiment": None if p.sentiment is None else dict(p.sentiment),
            "clv": None if p.clv is None else dict(p.clv),
            "recommendation_details": [dataclasses.asdict(r) for r in p.recommendations],
            "best_platforms": list(p.best_platforms),
            "best_times": list(p.best_times),
            "contact_note": p.contact_note,
            "hidden": list(p.hidden),
            "min_group_size": p.min_group_size,
        }
        out.append(_clean(rec))
    return out
