"""Two segments side by side: every feature and attribute tested, Benjamini-Hochberg corrected.

A difference is *clear* when it survives the correction and is as large as a card
needs (the minimums of :mod:`core.personas.traits`; for attributes Cramér's V of at
least :data:`COMPARE_MIN_CRAMERS_V`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from core.errors import DataError
from core.i18n import fmt, tr
from core.personas import playbook
from core.personas.categories import _categorical_frame
from core.personas.traits import MIN_EFFECT, MIN_LIFT, SIGNIFICANCE, _numeric_columns, _validate
from core.personas.wording import _attribute_label, _label, category_word, hidden_note

#: comparing two segments' attributes: Cramér's V of at least 0.1 (Cohen's "small").
COMPARE_MIN_CRAMERS_V = 0.1


def compare_segments(
    features: pd.DataFrame, labels: pd.Series, a: str, b: str, *, min_group_size: int = 10
) -> pd.DataFrame:
    """Test every feature and attribute between two segments, BH-corrected.

    Parameters
    ----------
    features : DataFrame
        Feature table; not modified.
    labels : Series
        Segment per user.
    a, b : str
        The two segments to compare.
    min_group_size : int
        Both segments need at least this many users (privacy), else ``DataError``.

    Returns
    -------
    DataFrame
        One row per numeric feature (Welch t-test, Cohen's d) and per categorical attribute
        (chi-square test of the category counts): ``kind``, ``feature``, ``label``,
        ``value_a``, ``value_b`` (means, or the most over-represented category's shares),
        ``ratio`` (a / b), ``effect_size``, ``p_value``, ``p_adjusted`` (Benjamini-Hochberg
        over all rows), ``significant`` (adjusted p < :data:`SIGNIFICANCE`), ``clear``
        (significant and as large as a card needs: :data:`MIN_EFFECT` and
        :data:`MIN_LIFT` for numbers, Cramér's V >= :data:`COMPARE_MIN_CRAMERS_V` for
        attributes), ``summary``; most significant first.
    """
    feats, lab = _validate(features, labels, min_group_size)
    for seg in (a, b):
        if seg not in set(lab):
            raise DataError(
                tr("There is no segment called '{segment}' in this segmentation.", segment=seg)
            )
    if a == b:
        raise DataError(tr("Pick two different segments to compare."))
    na, nb = int((lab == a).sum()), int((lab == b).sum())
    if min(na, nb) < min_group_size:
        raise DataError(
            tr(
                "Both segments need at least {n} users to be compared ({note}).",
                n=fmt.number(min_group_size),
                note=hidden_note(min_group_size),
            )
        )
    cols = _numeric_columns(feats)
    xa = feats.loc[lab == a, cols].astype("float64")
    xb = feats.loc[lab == b, cols].astype("float64")
    ma, mb = xa.mean(), xb.mean()
    sa, sb = xa.std(ddof=1), xb.std(ddof=1)
    ca, cb = xa.count(), xb.count()
    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.ttest_ind_from_stats(
            ma.to_numpy(),
            sa.to_numpy(),
            ca.to_numpy(),
            mb.to_numpy(),
            sb.to_numpy(),
            cb.to_numpy(),
            equal_var=False,
        )
        pooled = np.sqrt(((ca - 1) * sa**2 + (cb - 1) * sb**2) / (ca + cb - 2))
        d = (ma - mb) / pooled
    pvals = pd.Series(res.pvalue, index=cols)
    const = (sa == 0) & (sb == 0)
    pvals = pvals.mask(const & (ma == mb), 1.0).mask(const & (ma != mb), 0.0)
    rows = []
    for f in cols:
        rows.append(
            {
                "kind": "feature",
                "feature": f,
                "label": _label(f),
                "value_a": float(ma[f]),
                "value_b": float(mb[f]),
                "ratio": float(ma[f] / mb[f]) if mb[f] else float("nan"),
                "effect_size": float(d[f]) if np.isfinite(d[f]) else float("nan"),
                "p_value": float(pvals[f]),
            }
        )
    cats = _categorical_frame(feats)
    for col in cats.columns:
        sub = cats.loc[(lab == a) | (lab == b), col]
        ok = sub.notna()
        table = pd.crosstab(lab[sub.index][ok], sub[ok])
        if table.shape[0] < 2 or table.shape[1] < 2:
            continue
        chi = stats.chi2_contingency(table.to_numpy())
        shares = table.div(table.sum(axis=1), axis=0)
        diff = (shares.loc[a] - shares.loc[b]).abs().sort_values(ascending=False)
        top = diff.index[0]
        n = table.to_numpy().sum()
        cramers_v = math.sqrt(chi.statistic / (n * (min(table.shape) - 1))) if n else float("nan")
        rows.append(
            {
                "kind": "attribute",
                "feature": f"{col}={top}",
                "label": tr(
                    "{attribute}: {category}",
                    attribute=_attribute_label(col),
                    category=category_word(col, top),
                ),
                "value_a": float(shares.loc[a, top]),
                "value_b": float(shares.loc[b, top]),
                "ratio": float(shares.loc[a, top] / shares.loc[b, top])
                if shares.loc[b, top]
                else float("nan"),
                "effect_size": cramers_v,
                "p_value": float(chi.pvalue),
            }
        )
    out = pd.DataFrame(rows)
    ok = out["p_value"].notna()
    out["p_adjusted"] = np.nan
    if ok.any():
        out.loc[ok, "p_adjusted"] = multipletests(out.loc[ok, "p_value"], method="fdr_bh")[1]
    out["significant"] = out["p_adjusted"] < SIGNIFICANCE
    # clear = significant and large enough to matter, by the cards' own minimums
    ratio = out["ratio"]
    big_enough = np.where(
        out["kind"] == "feature",
        (out["effect_size"].abs() >= MIN_EFFECT)
        & ((ratio >= MIN_LIFT) | (ratio <= 1 / MIN_LIFT) | ratio.isna()),
        out["effect_size"] >= COMPARE_MIN_CRAMERS_V,
    )
    out["clear"] = out["significant"] & big_enough
    out["summary"] = [_compare_sentence(r, a, b) for r in out.itertuples(index=False)]
    return out.sort_values(
        ["p_adjusted", "feature"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def _compare_sentence(r, a: str, b: str) -> str:
    """One row of the comparison as a sentence ("no clear difference" unless clear)."""
    if not r.clear:
        return tr("no clear difference")
    if r.kind == "attribute":
        return tr(
            "{share_a} in {a} vs {share_b} in {b}",
            share_a=fmt.percent(r.value_a),
            a=a,
            share_b=fmt.percent(r.value_b),
            b=b,
        )
    if math.isfinite(r.ratio) and r.ratio > 0:
        if r.ratio >= 1:
            return tr("{a} is {lift} {b}", a=a, lift=playbook.format_lift(r.ratio), b=b)
        return tr(
            "{a} is {lift} {b} ({inverse} less)",
            a=a,
            lift=playbook.format_lift(r.ratio),
            b=b,
            inverse=playbook.format_lift(1 / r.ratio),
        )
    return tr(
        "{a} {value_a} vs {b} {value_b}",
        a=a,
        value_a=fmt.decimal(r.value_a, 3),
        b=b,
        value_b=fmt.decimal(r.value_b, 3),
    )
