"""Money on a card: purchases and spend per user, and lifetime value per segment.

The lifetime value itself is modelled in :mod:`core.personas.clv`; this module sums its
per-customer table per segment and puts everyone's chance to be still active beside
the segment's, so a card's figure can be read against it.
"""

from __future__ import annotations

import pandas as pd

from core.personas.clv import segment_clv


def _segment_values(clv: pd.DataFrame, lab: pd.Series) -> pd.DataFrame:
    """Per-segment CLV totals, plus ``p_alive_everyone``: mean P(alive) of all labelled buyers."""
    by_segment = segment_clv(clv, lab)
    alive = clv.set_index(clv["user_id"].astype(str))["p_alive"]
    by_segment["p_alive_everyone"] = float(alive.reindex(lab.index).mean())
    return by_segment


def _purchases(rows: pd.DataFrame) -> dict:
    """Buyer share, purchases and spend per user and order value of one segment's rows."""
    out = {}
    if "frequency" in rows.columns:
        f = rows["frequency"].astype("float64")
        out["buyer_share"] = float((f > 0).mean())
        out["purchases_per_user"] = float(f.mean())
    if "monetary" in rows.columns:
        m = rows["monetary"].astype("float64")
        out["spend_per_user"] = float(m.mean())
        if "frequency" in rows.columns and rows["frequency"].sum() > 0:
            out["average_order_value"] = float(m.sum() / rows["frequency"].astype("float64").sum())
    return out


def _clv_dict(table: pd.DataFrame | None, seg: str) -> dict | None:
    """One segment's row of :func:`_segment_values` as plain floats (None when absent)."""
    if table is None or seg not in table.index:
        return None
    row = table.loc[seg]
    return {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}
