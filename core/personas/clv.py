"""Customer lifetime value per customer and per segment, from the purchase events.

:func:`rfm_summary` condenses the purchase events into one row per customer
(frequency, recency, T, mean repeat spend); :func:`fit_clv` fits the models of
:mod:`core.personas.clv_models` on it (BG/NBD for how often, MBG/NBD for whether the
customer is still active, Gamma-Gamma for how much) and scores every customer;
:func:`segment_clv` sums the scores per segment.

Time units: ``D`` days, ``W`` weeks (7 days), ``M`` months (365.25/12 days). CLV is
**discounted**: over ``horizon_months`` months, month i contributes
(E[purchases by month i] - E[purchases by month i-1]) x E[spend] / (1 + d)^i with a
monthly discount rate d (default 0.01, as in the lifetimes package; d=0 gives the
simple, undiscounted value). Customers without any purchase are not in the model.
"""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pandas as pd
import sqlalchemy

from core.common.sql import quote_identifier
from core.errors import DataError
from core.i18n import tr
from core.personas.clv_models import (
    DAYS_PER_UNIT,
    BetaGeoParams,
    GammaGammaParams,
    TimeUnit,
    expected_order_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    p_alive_mbgnbd,
)


@dataclasses.dataclass(frozen=True)
class CLVResult:
    """Per-customer values and the fitted models.

    ``table`` has one row per customer with at least one purchase: ``user_id``,
    ``frequency``, ``recency``, ``T``, ``monetary_value``, ``p_alive``,
    ``expected_purchases`` (over the horizon), ``expected_order_value`` and ``clv``.
    ``gamma_gamma`` is None when fewer than 2 customers bought more than once (then
    ``expected_order_value`` is each customer's own average order).
    """

    table: pd.DataFrame
    bgnbd: BetaGeoParams
    gamma_gamma: GammaGammaParams | None
    time_unit: str
    horizon_months: float
    discount_rate: float
    message: str = ""
    mbgnbd: BetaGeoParams | None = None  # the model behind ``p_alive``

    def params_dict(self) -> dict:
        """The params JSON: ``{"bgnbd": {r, alpha, a, b}, "gamma_gamma": {p, q, v} | null, ...}``."""
        return {
            "bgnbd": self.bgnbd.to_dict(),
            "gamma_gamma": None if self.gamma_gamma is None else self.gamma_gamma.to_dict(),
            "time_unit": self.time_unit,
            "horizon_months": self.horizon_months,
            "discount_rate": self.discount_rate,
            "bgnbd_log_likelihood": self.bgnbd.log_likelihood,
            "gamma_gamma_log_likelihood": (
                None if self.gamma_gamma is None else self.gamma_gamma.log_likelihood
            ),
            "n_customers": int(len(self.table)),
            "mbgnbd": None if self.mbgnbd is None else self.mbgnbd.to_dict(),
        }


# --------------------------------------------------------------------------- RFM summary


def _rfm_sql(events: str, as_of: str | None, unit_days: float) -> str:
    """The SQL of the per-customer purchase summary (see :func:`rfm_summary`)."""
    as_of_expr = (
        f"CAST('{as_of}' AS DATE)"
        if as_of is not None
        else f"(SELECT max(timestamp) FROM {events})"
    )
    # One row per user per purchase day (frequency counts repeat purchase *days*).
    return f"""
    WITH as_of_cte AS (SELECT {as_of_expr} AS t),
    days AS (
        SELECT user_id, CAST(timestamp AS DATE) AS day, sum(coalesce(amount, 0)) AS spend
        FROM {events}
        WHERE event_type = 'purchase'
          AND CAST(timestamp AS DATE) <= CAST((SELECT t FROM as_of_cte) AS DATE)
        GROUP BY user_id, CAST(timestamp AS DATE)
    ),
    ranked AS (
        SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY day) AS k FROM days
    )
    SELECT
        user_id,
        count(*) - 1 AS frequency,
        (max(day) - min(day)) / {unit_days} AS recency,
        (CAST((SELECT t FROM as_of_cte) AS DATE) - min(day)) / {unit_days} AS "T",
        coalesce(avg(spend) FILTER (WHERE k > 1), 0) AS monetary_value
    FROM ranked
    GROUP BY user_id
    ORDER BY user_id
    """


def rfm_summary(
    events,
    *,
    as_of: str | None = None,
    time_unit: TimeUnit = "D",
    table: str = "events",
) -> pd.DataFrame:
    """Per-customer (frequency, recency, T, monetary_value) from purchase events, in SQL.

    Parameters
    ----------
    events : sqlalchemy.Engine or DataFrame
        A dataset engine with an ``events`` table, or a DataFrame of canonical events
        (``user_id``, ``timestamp``, ``event_type``, ``amount``).
    as_of : str, optional
        Last day of the observation period (``YYYY-MM-DD``, inclusive); default the day
        of the last timestamp. Purchases after that day are ignored.
    time_unit : {"D", "W", "M"}
        Unit of recency and T: days, weeks (7 days) or months (365.25/12 days).
    table : str
        Events table name on the engine.

    Returns
    -------
    DataFrame
        One row per user with at least one purchase, sorted by ``user_id``:
        ``frequency`` = purchase days - 1 (repeat purchase days), ``recency`` = first to
        last purchase day, ``T`` = first purchase day to ``as_of``, ``monetary_value`` =
        mean spend per repeat purchase day (first purchase excluded; 0 when none).
    """
    if time_unit not in DAYS_PER_UNIT:
        raise DataError(
            tr(
                "Time unit must be D (days), W (weeks) or M (months), got '{value}'.",
                value=time_unit,
            )
        )
    if as_of is not None:
        try:
            as_of = pd.Timestamp(as_of).strftime("%Y-%m-%d")
        except (ValueError, TypeError) as exc:
            raise DataError(
                tr("The as-of date '{value}' is not a date; use the form 2025-03-31.", value=as_of)
            ) from exc
    sql = _rfm_sql(
        quote_identifier(table) if not isinstance(events, pd.DataFrame) else "ev",
        as_of,
        DAYS_PER_UNIT[time_unit],
    )
    if isinstance(events, pd.DataFrame):
        missing = {"user_id", "timestamp", "event_type"} - set(events.columns)
        if missing:
            raise DataError(
                tr(
                    "The events table has no {columns} column; map it first.",
                    columns=", ".join(sorted(missing)),
                )
            )
        ev = events.copy()
        if "amount" not in ev.columns:
            ev["amount"] = np.nan
        try:
            ev["timestamp"] = pd.to_datetime(ev["timestamp"], format="mixed")
        except (ValueError, TypeError) as exc:
            raise DataError(
                tr("Some timestamps in the events are not dates; fix or map the timestamp column.")
            ) from exc
        ev["user_id"] = ev["user_id"].astype(str)
        con = duckdb.connect()
        try:
            con.register("ev", ev[["user_id", "timestamp", "event_type", "amount"]])
            out = con.execute(sql).df()
        finally:
            con.close()
    else:
        with events.connect() as conn:
            out = pd.read_sql_query(sqlalchemy.text(sql), conn)
    out["user_id"] = out["user_id"].astype(str)
    for col in ("frequency",):
        out[col] = out[col].astype("int64")
    for col in ("recency", "T", "monetary_value"):
        out[col] = out[col].astype("float64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- CLV


def customer_lifetime_value(
    bgnbd: BetaGeoParams,
    order_value,
    frequency,
    recency,
    T,
    *,
    time_unit: TimeUnit = "D",
    horizon_months: float = 12,
    discount_rate: float = 0.01,
) -> np.ndarray:
    """Discounted CLV over a horizon (see module docstring for the formula).

    Parameters
    ----------
    order_value : array-like
        Expected spend per order per customer (e.g. :func:`expected_order_value`).
    time_unit : {"D", "W", "M"}
        Unit of recency and T.
    horizon_months : float
        Horizon in months.
    discount_rate : float
        Monthly discount rate; 0 for the simple (undiscounted) value.
    """
    if horizon_months <= 0:
        raise DataError(
            tr("The CLV horizon must be positive, got {value} months.", value=horizon_months)
        )
    months_per_unit = DAYS_PER_UNIT[time_unit] / DAYS_PER_UNIT["M"]
    ov = np.asarray(order_value, dtype=float)
    total = np.zeros(len(ov))
    previous = np.zeros(len(ov))
    n_steps = int(np.ceil(horizon_months))
    for i in range(1, n_steps + 1):
        months = min(float(i), float(horizon_months))
        cumulative = expected_purchases(bgnbd, months / months_per_unit, frequency, recency, T)
        total += (cumulative - previous) * ov / (1 + discount_rate) ** i
        previous = cumulative
    return total


def fit_clv(
    summary: pd.DataFrame,
    *,
    time_unit: TimeUnit = "D",
    horizon_months: float = 12,
    discount_rate: float = 0.01,
    penalizer: float = 0.0,
) -> CLVResult:
    """Fit BG/NBD + Gamma-Gamma on an RFM summary and score every customer.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`rfm_summary` (``user_id``, ``frequency``, ``recency``, ``T``,
        ``monetary_value``); not modified.
    time_unit : {"D", "W", "M"}
        The unit ``summary`` was computed in.
    horizon_months, discount_rate : float
        CLV horizon in months and monthly discount rate (0 = simple sum).
    penalizer : float
        L2 penalty for both fits (0 = plain maximum likelihood).

    Returns
    -------
    CLVResult
        ``table`` adds ``p_alive`` (MBG/NBD), ``expected_purchases`` (over the horizon),
        ``expected_order_value`` and ``clv`` to ``summary``.
    """
    needed = {"user_id", "frequency", "recency", "T", "monetary_value"}
    missing = needed - set(summary.columns)
    if missing:
        raise DataError(
            tr("The purchase summary lacks {columns}.", columns=", ".join(sorted(missing)))
        )
    x = summary["frequency"].to_numpy(float)
    tx = summary["recency"].to_numpy(float)
    T = summary["T"].to_numpy(float)
    m = summary["monetary_value"].to_numpy(float)
    bg = fit_bgnbd(x, tx, T, penalizer=penalizer)
    message = ""
    gg: GammaGammaParams | None = None
    try:
        gg = fit_gamma_gamma(x, m, penalizer=penalizer)
    except DataError:
        message = tr(
            "Too few repeat buyers to fit spend per order; each customer's own average "
            "order value is used instead."
        )
    if gg is not None and gg.q <= 1:
        gg = None  # the model's mean spend p v / (q - 1) does not exist
        message = tr(
            "Spend per order varies too much between customers to predict it, so each "
            "customer's own average order value is used instead."
        )
    if gg is not None:
        eov = expected_order_value(gg, x, m)
    else:
        eov = np.where(x > 0, m, np.nan)
        fallback = np.nanmean(np.where(m > 0, m, np.nan)) if (m > 0).any() else 0.0
        eov = np.where(np.isfinite(eov) & (eov > 0), eov, fallback)
    months_per_unit = DAYS_PER_UNIT[time_unit] / DAYS_PER_UNIT["M"]
    table = summary.copy()
    # P(alive) from the modified BG/NBD: plain BG/NBD gives 1 to every one-time buyer
    # (see the MBG/NBD section above).
    mbg = fit_mbgnbd(x, tx, T, penalizer=penalizer)
    table["p_alive"] = p_alive_mbgnbd(mbg, x, tx, T)
    table["expected_purchases"] = expected_purchases(bg, horizon_months / months_per_unit, x, tx, T)
    table["expected_order_value"] = eov
    table["clv"] = customer_lifetime_value(
        bg,
        eov,
        x,
        tx,
        T,
        time_unit=time_unit,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
    )
    return CLVResult(
        table, bg, gg, time_unit, float(horizon_months), float(discount_rate), message, mbg
    )


def segment_clv(clv_table: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Per-segment CLV totals for persona cards.

    Parameters
    ----------
    clv_table : DataFrame
        ``CLVResult.table`` (``user_id``, ``p_alive``, ``expected_purchases``, ``clv``).
    labels : Series
        Segment per user (index ``user_id``).

    Returns
    -------
    DataFrame
        Index ``segment``: ``customers`` (buyers in the model), ``clv_total``,
        ``clv_mean`` (per buyer), ``clv_per_user`` (total / segment size),
        ``p_alive_mean``, ``expected_purchases``.
    """
    lab = labels.rename("segment").astype(str)
    lab.index = lab.index.astype(str)
    t = clv_table.set_index(clv_table["user_id"].astype(str))
    joined = t.join(lab, how="inner")
    g = joined.groupby("segment")
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "clv_total": g["clv"].sum(),
            "clv_mean": g["clv"].mean(),
            "p_alive_mean": g["p_alive"].mean(),
            "expected_purchases": g["expected_purchases"].sum(),
        }
    )
    sizes = lab.value_counts()
    out = out.reindex(sizes.index)
    out["customers"] = out["customers"].fillna(0).astype("int64")
    out["clv_total"] = out["clv_total"].fillna(0.0)
    out["expected_purchases"] = out["expected_purchases"].fillna(0.0)
    out["clv_per_user"] = out["clv_total"] / sizes
    out.index.name = "segment"
    return out
