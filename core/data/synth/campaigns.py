"""The sample's campaigns: their schedule, the campaign A/B test and the campaign spend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.synth.personas import PERSONA_NAMES, PERSONAS, PLATFORMS

CAMPAIGN_COLUMNS: tuple[str, ...] = (
    "campaign",
    "platform",
    "period_start",
    "period_end",
    "cost",
)


@dataclass(frozen=True)
class _Campaign:
    name: str
    first_day: int
    last_day: int
    variant: str | None  # "A"/"B" for the experiment arms, None for everyone


# --- helpers ---------------------------------------------------------------------------


def _season(month: int) -> str:
    """Season name of a month (northern hemisphere), used in campaign names."""
    return {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}.get(
        month, "summer" if month in (6, 7, 8) else "autumn"
    )


def _campaigns(start: pd.Timestamp, days: int) -> list[_Campaign]:
    """The campaigns of the period, placed at fixed fractions of it (always inside it)."""

    def span(a: float, b: float) -> tuple[int, int]:
        lo = min(int(a * days), days - 1)
        return lo, max(lo, min(int(b * days), days - 1))

    new_lo, new_hi = span(0.06, 0.18)
    flash_lo, flash_hi = span(0.40, 0.47)
    ab_lo, ab_hi = span(0.70, 0.85)
    season = _season((start + pd.Timedelta(days=(ab_lo + ab_hi) // 2)).month)
    return [
        _Campaign("new_arrivals", new_lo, new_hi, None),
        _Campaign("flash_sale", flash_lo, flash_hi, None),
        _Campaign(f"{season}_sale_A", ab_lo, ab_hi, "A"),
        _Campaign(f"{season}_sale_B", ab_lo, ab_hi, "B"),
    ]


def _experiment(
    rng: np.random.Generator,
    persona: np.ndarray,
    variant: np.ndarray,
    user_ids: np.ndarray,
    events: pd.DataFrame,
    campaigns: list[_Campaign],
    start: pd.Timestamp,
) -> pd.DataFrame:
    """The campaign A/B test: conversion lift strongest for bargain hunters, ~0 for lurkers.

    ``pre_revenue`` is each user's purchase revenue in the events before the test started,
    so it is a genuine pre-period covariate for CUPED; test revenue draws on the same
    personal spend level, so the two correlate.
    """
    # scipy is heavy: imported when the A/B test is drawn, not with the package.
    from scipy import stats

    n = len(persona)
    par = PERSONAS
    test = next(c for c in campaigns if c.variant is not None)
    cutoff = np.datetime64(start, "s") + np.timedelta64(test.first_day * 86_400, "s")
    codes = events["user_id"].cat.codes.to_numpy()
    before = (events["timestamp"].to_numpy() < cutoff) & events["amount"].notna().to_numpy()
    pre = np.bincount(codes[before], weights=events["amount"].to_numpy()[before], minlength=n)

    # Personal propensity: people who bought before are likelier to buy again.
    bought = pre > 0
    base = np.array([p.conversion for p in par])[persona]
    lift = np.array([p.lift_b for p in par])[persona]
    prob = np.clip(base * np.where(bought, 1.25, 0.8) * (1 + lift * variant), 0, 1)
    # Conversions per cell (persona x variant x bought before) are the expected number,
    # randomly rounded, given to randomly chosen members of the cell. Real tests carry
    # binomial noise on top; at the sample's 2,000 users that noise would drown the
    # planted per-segment story, so the observed lifts follow the planted ones instead.
    converted = np.zeros(n, dtype=np.int64)
    cell = persona.astype(np.int64) * 2 + variant
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(len(par) * 2 + 1))
    for c in range(len(par) * 2):
        members = order[bounds[c] : bounds[c + 1]]
        if len(members) == 0:
            continue
        weights = prob[members]
        n_conv = min(len(members), int(np.floor(weights.sum() + rng.random())))
        if n_conv:
            chosen = rng.choice(members, size=n_conv, replace=False, p=weights / weights.sum())
            converted[chosen] = 1
    med = np.array([p.order_median for p in par])[persona]
    # Revenue of a converter: the persona's basket x a personal level from past spend x
    # a log-normal basket size x 1 + Poisson(0.4) extra orders (heavy right tail). The
    # two random factors are drawn by stratified sampling within each cell (quantiles
    # (i + U) / m in random order), like the conversions above, so a handful of
    # extreme big-spender baskets cannot flip the planted story at 2,000 users.
    per_day_pre = pre / max(1, test.first_day)
    level = np.where(bought, np.sqrt(np.clip(per_day_pre / (med / 30), 0.5, 2.0)), 1.0)
    basket = np.zeros(n)
    for c in range(len(par) * 2):
        members = order[bounds[c] : bounds[c + 1]]
        buyers = members[converted[members] == 1]
        m = len(buyers)
        if m == 0:
            continue
        q_size = (rng.permutation(m) + rng.random(m)) / m
        q_orders = (rng.permutation(m) + rng.random(m)) / m
        basket[buyers] = np.exp(0.45 * stats.norm.ppf(q_size)) * (
            1 + stats.poisson.ppf(q_orders, 0.4)
        )
    revenue = converted * np.round(med * level * basket, 2)
    return pd.DataFrame(
        {
            "user_id": pd.array(user_ids, dtype="str"),
            "variant": pd.array(np.array(["A", "B"], dtype=object)[variant], dtype="str"),
            "converted": converted,
            "revenue": revenue,
            "pre_revenue": np.round(pre, 2),
            "segment": pd.array(np.array(PERSONA_NAMES, dtype=object)[persona], dtype="str"),
        }
    )


#: Planted return on investment per platform: (revenue - cost) / cost before noise.
_TARGET_ROI: dict[str, float] = {
    "wechat": 1.6,
    "weibo": -0.35,
    "douyin": 0.5,
    "xiaohongshu": 2.4,
    "kuaishou": 1.1,
    "instagram": -0.5,
    "bilibili": 0.1,
}


def _campaign_costs(
    rng: np.random.Generator,
    events: pd.DataFrame,
    campaigns: list[_Campaign],
    start: pd.Timestamp,
) -> pd.DataFrame:
    """Spend per campaign and platform, set so that ROI differs clearly by platform.

    Cost = credited revenue / (1 + planted ROI), with +-15 % noise and a floor, so ROI
    computed from events.csv and this file tells a clear story (Xiaohongshu and WeChat
    pay back; Weibo and Instagram do not).
    """
    tagged = events[events["campaign"].notna()]
    grouped = tagged.groupby(["campaign", "platform"], observed=True)["amount"]
    revenue = grouped.sum().fillna(0.0)
    credited = grouped.size()
    rows = []
    for c in campaigns:
        for plat in PLATFORMS:
            rev = float(revenue.get((c.name, plat), 0.0))
            exposures = int(credited.get((c.name, plat), 0))
            if exposures == 0:
                continue
            cost = max(rev / (1 + _TARGET_ROI[plat]), 2.0 * exposures) * rng.uniform(0.85, 1.15)
            rows.append(
                {
                    "campaign": c.name,
                    "platform": plat,
                    "period_start": (start + pd.Timedelta(days=c.first_day)).date().isoformat(),
                    "period_end": (start + pd.Timedelta(days=c.last_day)).date().isoformat(),
                    "cost": round(cost, 2),
                }
            )
    out = pd.DataFrame(rows, columns=list(CAMPAIGN_COLUMNS))
    return out.astype({c: "str" for c in CAMPAIGN_COLUMNS if c != "cost"}).astype({"cost": float})
