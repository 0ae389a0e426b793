"""The automatic path, step 4's account: stability, weights, what was left out and why.

Turns what ``core.segments.autoseg.auto_segment`` found into the numbers and plain
sentences the Segment page and ``python -m core segment --report`` show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from core.i18n import N_, fmt, ntr, tr
from core.segments.autoseg_groups import _latent_class
from core.segments.autoseg_screen import FIT_ROWS, STABILITY_RUNS, _eta2, candidate_label

# Nothing public: these helpers serve only the automatic path (core.segments.autoseg).
__all__: list[str] = []

#: Why a candidate was left out (translated when the reasons are written).
_WHY_VOLUME_INSIDE = N_("varies continuously inside every group (one peak)")
_WHY_VOLUME_SMOOTH = N_("varies smoothly from light to heavy users (one peak)")
_WHY_MISALIGNED = N_("shows peaks that do not line up with the groups the other columns form")
_WHY_NO_DIFFERENCE = N_("one peak and little difference between the groups")
_WHY_NOISE = N_("one peak: no sign of separate groups")
_WHY_UNRELATED = N_("unrelated to any other attribute or behaviour")
_WHY_NOT_WITH_GROUPS = N_("goes with other attributes but not with the groups")


def _stability_of_groups(Xw, labels, k, method, cand, assoc, seed, rng) -> dict:
    n = len(labels)
    m = min(int(0.8 * n), FIT_ROWS)
    aris = []
    for run in range(STABILITY_RUNS):
        idx = np.sort(rng.choice(n, m, replace=False))
        if method == "latent-class":
            sub, _, _ = _latent_class(cand.categorical, sorted(assoc), idx, seed + run + 1)
            new = sub[idx]
        else:
            new = KMeans(k, n_init=2, random_state=seed + run + 1).fit_predict(Xw[idx])
        aris.append(float(adjusted_rand_score(labels[idx], new)))
    return {"mean_ari": float(np.mean(aris)), "min_ari": float(np.min(aris)), "n_runs": len(aris)}


def _group_dummies(kept: list[str]) -> list[str]:
    """Candidate columns with an attribute's dummies folded into the attribute's name."""
    out: list[str] = []
    for c in kept:
        name = c.split("=", 1)[0] if "=" in c else c
        if name not in out:
            out.append(name)
    return out


def _weights_report(kept: list[str], weights: pd.Series) -> dict:
    out: dict[str, float] = {}
    for c in kept:
        name = c.split("=", 1)[0] if "=" in c else c
        out[name] = max(out.get(name, 0.0), float(weights[c]))
    return out


def _dropped_reasons(A, Z, kept, dip, numeric_seeds, assoc, cand, attr_cols, labels, k) -> dict:
    """Candidate -> why it was left out, in words."""
    out: dict[str, str] = {}
    eta = _eta2(A, labels) if k > 1 else pd.Series(0.0, index=A.columns)
    kept_names = set(_group_dummies(kept))
    for c in Z.columns:
        if c in kept_names:
            continue
        if c == "n_events" and c not in numeric_seeds:
            out[c] = tr(_WHY_VOLUME_INSIDE if k > 1 else _WHY_VOLUME_SMOOTH)
        elif c in numeric_seeds:
            out[c] = tr(_WHY_MISALIGNED)
        elif k > 1 and eta[c] > 0.02:
            out[c] = tr(_WHY_NO_DIFFERENCE)
        else:
            out[c] = tr(_WHY_NOISE)
    for attr in cand.categorical:
        if attr in kept_names:
            continue
        out[attr] = tr(_WHY_UNRELATED if attr not in assoc else _WHY_NOT_WITH_GROUPS)
    return out


def _listing(words: list[str], limit: int) -> str:
    """The first ``limit`` words joined, and how many more there are."""
    joined = tr(", ").join(words[:limit])
    if len(words) <= limit:
        return joined
    more = len(words) - limit
    return ntr(
        "{words} and {n} more", "{words} and {n} more", more, words=joined, n=fmt.number(more)
    )


def _reasons_for(method, k, kept, dropped, structure, stab, quality) -> list[str]:
    listed = _listing([candidate_label(c) for c in kept], 6)
    noise_words = (tr(_WHY_NOISE), tr(_WHY_UNRELATED))
    noise = [candidate_label(c) for c, why in dropped.items() if why in noise_words]
    out: list[str] = []
    if structure == "none":
        out.append(
            tr(
                "The data shows no distinct groups: no column has more than one peak and no "
                "attributes go together, so any split would cut one continuous crowd in "
                "pieces (for example by volume, which varies smoothly from light to heavy "
                "users)."
            )
        )
        out.append(
            tr(
                "No persona cards are made from this; pick a method and k yourself if you "
                "need tiers anyway, and read them as tiers, not as kinds of users."
            )
        )
        return out
    if method == "latent-class":
        out.append(
            tr(
                "Only user attributes carry group structure ({listed}): they go together more "
                "than chance allows, and a latent class model finds the combinations.",
                listed=listed,
            )
        )
        out.append(
            tr(
                "k = {k}: the number of classes with the best BIC (a model-fit score that "
                "penalises extra classes).",
                k=fmt.number(k),
            )
        )
    else:
        out.append(tr("Groups show in: {listed}.", listed=listed))
        out.append(
            ntr(
                "k = {k}: the {n} split divided a group whose values had two or more peaks "
                "(dip test, p < 0.001); no remaining group has more than one peak.",
                "k = {k}: each of the {n} splits divided a group whose values had two or "
                "more peaks (dip test, p < 0.001); no remaining group has more than one peak.",
                k - 1,
                k=fmt.number(k),
                n=fmt.number(k - 1),
            )
        )
    if "n_events" in dropped:
        out.append(
            tr(
                "Left out: volume (events per user) varies continuously inside every group, "
                "so it does not define groups here."
            )
        )
    if noise:
        out.append(
            tr(
                "Left out as noise (one peak, unrelated to the groups): {listed}.",
                listed=_listing(noise, 8),
            )
        )
    if structure == "weak":
        out.append(
            tr(
                "The groups are weak: re-fitting on samples reproduces {share} of them; treat "
                "the cards as a first sketch.",
                share=fmt.percent(stab["mean_ari"]),
            )
        )
    else:
        out.append(
            tr(
                "Re-fitting on 80 % samples reproduces {share} of the grouping.",
                share=fmt.percent(stab["mean_ari"]),
            )
        )
    return out
