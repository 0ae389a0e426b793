"""Categorical attributes of users: which columns are categories, and users per category.

Text columns with a manageable number of values are categories; ``age`` becomes age
bands (:data:`AGE_BANDS`), spend becomes a value tier (tertiles of buyers' spend, or
"no purchase"), and a ``;``-separated ``interests`` column counts each interest once per
user. The counts per (segment, attribute, category) feed the category tests and the
mixes a card shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.personas.traits import NOT_TRAITS

AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 18, "under 18"),
    (18, 25, "18-24"),
    (25, 35, "25-34"),
    (35, 45, "35-44"),
    (45, 55, "45-54"),
    (55, 200, "55+"),
)
DEMOGRAPHIC_ORDER = ("age_band", "gender", "region", "occupation", "income", "interests")
MIX_ATTRIBUTES = ("top_platform", "lifecycle_stage", "value_tier")


def _category_columns(feats: pd.DataFrame) -> list[str]:
    """Text columns read as categories: not a metric, not ``interests`` (multi-valued),
    and not free text or an identifier (over 50 values and over 20 % of the users)."""
    n = len(feats)
    columns = []
    for c in feats.columns:
        if c in NOT_TRAITS or c == "interests":
            continue
        s = feats[c]
        if (
            pd.api.types.is_numeric_dtype(s)
            or pd.api.types.is_bool_dtype(s)
            or pd.api.types.is_datetime64_any_dtype(s)
        ):
            continue
        nunique = s.nunique(dropna=True)
        if nunique == 0 or (nunique > 50 and nunique > 0.2 * n):
            continue
        columns.append(c)
    return columns


def _categorical_frame(feats: pd.DataFrame) -> pd.DataFrame:
    """One categorical column per attribute (age bands from age; value tiers from spend)."""
    out = {c: feats[c].astype("string") for c in _category_columns(feats)}
    if "age" in feats.columns and pd.api.types.is_numeric_dtype(feats["age"]):
        bins = [b[0] for b in AGE_BANDS] + [AGE_BANDS[-1][1]]
        out["age_band"] = pd.cut(
            feats["age"], bins=bins, labels=[b[2] for b in AGE_BANDS], right=False
        ).astype("string")
    if "monetary" in feats.columns:
        out["value_tier"] = _value_tiers(feats["monetary"])
    return pd.DataFrame(out, index=feats.index)


def _value_tiers(monetary: pd.Series) -> pd.Series:
    """high / medium / low spend (tertiles of buyers' spend) and 'no purchase'."""
    m = monetary.astype("float64")
    buyers = m[m > 0]
    tiers = pd.Series("no purchase", index=m.index, dtype="string")
    if len(buyers) >= 3:
        lo, hi = buyers.quantile([1 / 3, 2 / 3])
        tiers[(m > 0) & (m <= lo)] = "low spend"
        tiers[(m > lo) & (m <= hi)] = "medium spend"
        tiers[m > hi] = "high spend"
    elif len(buyers):
        tiers[m > 0] = "medium spend"
    return tiers


def _category_codes(feats: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Integer codes (-1 = missing) and category names per categorical attribute."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in _category_columns(feats):
        codes, uniques = pd.factorize(feats[c], use_na_sentinel=True)
        out[c] = (codes, np.asarray(uniques, dtype=object).astype(str))
    if "age" in feats.columns and pd.api.types.is_numeric_dtype(feats["age"]):
        age = feats["age"].to_numpy(dtype="float64", na_value=np.nan)
        edges = np.array([b[1] for b in AGE_BANDS[:-1]])
        codes = np.where(np.isnan(age), -1, np.searchsorted(edges, age, side="right"))
        out["age_band"] = (codes, np.array([b[2] for b in AGE_BANDS], dtype=object))
    if "monetary" in feats.columns:
        m = feats["monetary"].to_numpy(dtype="float64", na_value=0.0)
        buyers = m[m > 0]
        names = np.array(["no purchase", "low spend", "medium spend", "high spend"], dtype=object)
        codes = np.zeros(len(m), dtype=np.int64)
        if len(buyers) >= 3:
            lo, hi = np.quantile(buyers, [1 / 3, 2 / 3])
            codes[m > 0] = np.where(buyers <= lo, 1, np.where(buyers <= hi, 2, 3))
        else:
            codes[m > 0] = 2
        out["value_tier"] = (codes, names)
    return out


def _category_counts_fast(feats: pd.DataFrame, lab: pd.Series) -> pd.DataFrame:
    """Users per (attribute, category, segment), by integer codes and ``np.bincount``."""
    seg_codes, seg_names = pd.factorize(lab)
    n_seg = len(seg_names)
    parts = []
    for attr, (codes, names) in _category_codes(feats).items():
        ok = codes >= 0
        flat = np.bincount(seg_codes[ok] * len(names) + codes[ok], minlength=n_seg * len(names))
        table = flat.reshape(n_seg, len(names))
        seg_idx, cat_idx = np.nonzero(table)
        parts.append(
            pd.DataFrame(
                {
                    "segment": np.asarray(seg_names, dtype=object)[seg_idx],
                    "category": names[cat_idx],
                    "users": table[seg_idx, cat_idx],
                    "attribute": attr,
                }
            )
        )
    if "interests" in feats.columns and not pd.api.types.is_numeric_dtype(feats["interests"]):
        parts.append(_interest_counts(feats["interests"], lab))
    if not parts:
        return pd.DataFrame(columns=["segment", "category", "users", "attribute"])
    out = pd.concat(parts, ignore_index=True)
    out["category"] = out["category"].astype(str)
    return out[out["users"] > 0].reset_index(drop=True)


def _interest_counts(interests: pd.Series, lab: pd.Series) -> pd.DataFrame:
    """Users per (segment, interest) for a ';'-separated multi-valued column."""
    exploded = interests.astype("string").str.split(r"[;,，；|]").explode().str.strip()
    exploded = exploded[exploded.notna() & (exploded != "")]
    if exploded.empty:
        return pd.DataFrame(columns=["segment", "category", "users", "attribute"])
    pairs = pd.DataFrame(
        {
            "segment": lab.reindex(exploded.index).to_numpy(),
            "category": exploded.to_numpy(),
            "user_id": exploded.index,
        }
    ).drop_duplicates()
    long = pairs.groupby(["segment", "category"]).size().rename("users").reset_index()
    long["attribute"] = "interests"
    return long
