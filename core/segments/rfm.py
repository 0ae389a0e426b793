"""RFM segments: quintile scores for recency, frequency and money, named by rules.

The taxonomy :data:`RFM_SEGMENTS` is data (name -> pattern on the three-digit code), not
if/else code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.errors import DataError
from core.i18n import N_, tr
from core.segments.preparation import _user_index

__all__ = ["RFM_SEGMENTS", "rfm_scores", "rfm_segment_names"]

#: RFM taxonomy as data: segment name -> pattern on the three-digit code
#: "<R><F><M>" (each 1-5, 5 best; R is reversed so 5 = most recent). The first matching
#: pattern wins, and the patterns cover all 125 codes. This is the widely used R x F
#: grid (as in pymc-marketing's ``rfm_segments`` idea of a name -> score-pattern dict),
#: with "Lost" split off the bottom corner.
#: The names are the saved labels (English in the data, whatever the language); they are
#: marked for the catalogue and translated where shown (``core.segments.segment_label``).
RFM_SEGMENTS: dict[str, str] = {
    N_("Champions"): r"5[45].",
    N_("Loyal"): r"[34][45].",
    N_("Potential loyalists"): r"[45][23].",
    N_("New"): r"51.",
    N_("Promising"): r"41.",
    N_("Need attention"): r"33.",
    N_("About to sleep"): r"3[12].",
    N_("Can't lose them"): r"[12]5.",
    N_("At risk"): r"[12][34].",
    N_("Lost"): r"11.",
    N_("Hibernating"): r"[12][12].",
}


# --- RFM -------------------------------------------------------------------------------


def _quintile(values: pd.Series) -> pd.Series:
    """Score 1-5: 1 + floor(5 * share of users strictly below this value).

    Ties share the score of their lowest position (rank ``min``), so all users with no
    purchase get F = 1 however many they are; with distinct values this is the exact
    quintile. Hand-written because ``pd.qcut`` fails on the repeated zeros that
    frequency and money always have.
    """
    n = len(values)
    below = values.rank(method="min").to_numpy() - 1
    return pd.Series(1 + np.floor(5 * below / n).astype(int), index=values.index)


def rfm_scores(
    features: pd.DataFrame,
    *,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> pd.DataFrame:
    """Quintile R, F, M scores (1-5, 5 best) and the RFM segment name per user.

    Parameters
    ----------
    features : pd.DataFrame
        Feature table with ``user_id`` and the three columns named below.
    recency, frequency, monetary : str
        Column names. Recency is reversed: the most recent users score 5.

    Returns
    -------
    pd.DataFrame
        Index ``user_id``; columns ``r_score``, ``f_score``, ``m_score``, ``rfm_code``
        (e.g. ``"545"``) and ``segment`` (a name from :data:`RFM_SEGMENTS`).
    """
    missing = [c for c in (recency, frequency, monetary) if c not in features.columns]
    if missing:
        raise DataError(
            tr(
                "RFM needs the column(s) {columns}; build the feature table from events with "
                "purchases (event type 'purchase' with an amount).",
                columns=", ".join(missing),
            )
        )
    if len(features) == 0:
        raise DataError(tr("The feature table has no users; load a dataset with events first."))
    index = _user_index(features)
    vals = features[[recency, frequency, monetary]].astype("float64").set_axis(index)
    vals = vals.fillna({recency: vals[recency].max(), frequency: 0.0, monetary: 0.0})
    out = pd.DataFrame(
        {
            "r_score": _quintile(-vals[recency]),
            "f_score": _quintile(vals[frequency]),
            "m_score": _quintile(vals[monetary]),
        },
        index=index,
    )
    out["rfm_code"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    out["segment"] = rfm_segment_names(out["rfm_code"])
    return out


def rfm_segment_names(codes: pd.Series, taxonomy: Mapping[str, str] = RFM_SEGMENTS) -> pd.Series:
    """Map three-digit RFM codes to names: the first matching pattern of ``taxonomy``.

    Parameters
    ----------
    codes : pd.Series
        Codes such as ``"545"`` (recency, frequency, money; 5 best).
    taxonomy : mapping of str to str
        Segment name -> regular expression on the code, tried in order.

    Returns
    -------
    pd.Series
        The segment name per code (``"Other"`` when no pattern matches), same index.
    """
    lookup = {}
    for code in codes.unique():
        name = next((n for n, pat in taxonomy.items() if re.fullmatch(pat, code)), "Other")
        lookup[code] = name
    return codes.map(lookup).astype("str")
