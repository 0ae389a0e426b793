"""A simulated experiment, used by the page until the sample data ships its own."""

from __future__ import annotations

import numpy as np
import pandas as pd

PERSONAS = ("lurker", "engaged_fan", "kol_sharer", "big_spender", "bargain_hunter", "dormant")
_BASE_RATE = dict(zip(PERSONAS, (0.04, 0.12, 0.10, 0.20, 0.15, 0.02), strict=True))
_UPLIFT = dict(zip(PERSONAS, (0.00, 0.08, 0.05, 0.02, 0.45, 0.00), strict=True))


def demo_experiment(n_users: int = 12_000, *, seed: int = 7) -> pd.DataFrame:
    """One row per user: ``user_id``, ``variant`` (A/B), ``persona``, ``pre_revenue``,
    ``clicked``, ``converted``, ``revenue``. Variant B lifts conversion most for
    bargain hunters; revenue is heavy-tailed and correlated with the pre-period.

    Parameters
    ----------
    n_users : int
        Users in the experiment (split 50/50).
    seed : int
        Random seed; the same seed gives the same data.
    """
    rng = np.random.default_rng(seed)
    persona = rng.choice(PERSONAS, size=n_users, p=[0.25, 0.2, 0.1, 0.1, 0.2, 0.15])
    variant = np.where(rng.random(n_users) < 0.5, "A", "B")
    base = pd.Series(persona).map(_BASE_RATE).to_numpy()
    uplift = pd.Series(persona).map(_UPLIFT).to_numpy()
    rate = np.clip(base * np.where(variant == "B", 1 + uplift, 1.0), 0, 1)
    converted = (rng.random(n_users) < rate).astype(int)
    clicked = np.maximum(converted, (rng.random(n_users) < rate * 3).astype(int))
    value = rng.lognormal(mean=3.5, sigma=0.9, size=n_users)
    pre_revenue = np.round(value * rng.gamma(2.0, 0.5, n_users), 2)
    revenue = np.round(converted * (0.6 * value + 0.4 * pre_revenue), 2)
    return pd.DataFrame(
        {
            "user_id": [f"u{i:06d}" for i in range(n_users)],
            "variant": variant,
            "persona": persona,
            "pre_revenue": pre_revenue,
            "clicked": clicked,
            "converted": converted,
            "revenue": revenue,
        }
    )
