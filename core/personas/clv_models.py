"""Buy-till-you-die models: BG/NBD (purchase count), MBG/NBD (P(alive)), Gamma-Gamma (spend).

Models (fitted by maximum likelihood with ``scipy.optimize``):
- **BG/NBD** — Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An
  Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284. While alive a
  customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop
  out with probability p ~ Beta(a, b). Per customer: ``frequency`` x = repeat purchase
  periods, ``recency`` t_x = time of the last purchase since the first, ``T`` = time since
  the first purchase. Likelihood eq. (6); P(alive) eq. (A.?) / Fader-Hardie note 2008
  eq. (1); conditional expectation eq. (10).
- **MBG/NBD** — Batislam, Denizel & Filiztekin (2007), erratum Wagner & Hoppe (2008):
  BG/NBD where a customer may also drop out right after the first purchase. BG/NBD's
  P(alive) is 1 for every customer without a repeat purchase, however long ago they
  bought, so ``p_alive`` comes from this model (verified against the published CDNOW fit
  r=0.525, alpha=6.183, a=0.891, b=1.614).
- **Gamma-Gamma** — Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".
  Spend per transaction z ~ Gamma(p, nu), nu ~ Gamma(q, v); fitted on customers with at
  least one repeat purchase using their mean repeat spend ``monetary_value``.

The likelihoods are written by hand (there is no maintained scipy/statsmodels
implementation; ``lifetimes`` is unmaintained) on log parameters, with ``gammaln`` /
``betaln`` / ``logaddexp`` for numerical stability. Verified against the published CDNOW
fit (tests/core/test_clv.py): r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4;
p=6.25, q=3.74, v=15.44.

Time units: ``D`` days, ``W`` weeks (7 days), ``M`` months (365.25/12 days).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from scipy import optimize, special

from core.errors import DataError
from core.i18n import fmt, tr

TimeUnit = Literal["D", "W", "M"]
DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


@dataclasses.dataclass(frozen=True)
class BetaGeoParams:
    """Fitted BG/NBD parameters and the maximised log-likelihood."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n_customers: int = 0

    def to_dict(self) -> dict:
        """``{"r", "alpha", "a", "b"}`` as in the CLI params contract."""
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


@dataclasses.dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters and the maximised log-likelihood."""

    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")
    n_customers: int = 0

    def to_dict(self) -> dict:
        """``{"p", "q", "v"}`` as in the CLI params contract."""
        return {"p": self.p, "q": self.q, "v": self.v}


# --------------------------------------------------------------------------- BG/NBD


def bgnbd_log_likelihood(params, frequency, recency, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6).

    ``ln L = ln G(r+x) - ln G(r) + r ln(alpha) + ln[B(a, b+x)/B(a, b) (alpha+T)^-(r+x)
    + [x>0] B(a+1, b+x-1)/B(a, b) (alpha+t_x)^-(r+x)]``, combined with ``logaddexp``.
    """
    r, alpha, a, b = params
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    has_repeat = x > 0
    a3 = np.full_like(x, -np.inf)
    xr = x[has_repeat]
    a3[has_repeat] = (
        special.betaln(a + 1, b + xr - 1)
        - special.betaln(a, b)
        - (r + xr) * np.log(alpha + tx[has_repeat])
    )
    return a1 + np.logaddexp(a2, a3)


def _compress(*cols: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows and their counts, so the likelihood runs once per distinct customer."""
    stacked = np.column_stack(cols)
    uniq, counts = np.unique(stacked, axis=0, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float)


def _validate_rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency, recency and T as float arrays, checked (DataError on bad values)."""
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    if not (len(x) == len(tx) == len(T)):
        raise DataError(tr("frequency, recency and T must have the same length."))
    if len(x) < 2:
        raise DataError(
            tr(
                "Lifetime value needs purchases from at least 2 customers; found {n}. "
                "Check that purchase events are mapped to the event type 'purchase'.",
                n=fmt.number(len(x)),
            )
        )
    bad = (
        ~np.isfinite(x) | ~np.isfinite(tx) | ~np.isfinite(T) | (x < 0) | (tx < 0) | (tx > T + 1e-9)
    )
    if bad.any():
        raise DataError(
            tr(
                "{n} customers have impossible purchase histories (negative values "
                "or a last purchase after the as-of date); check the as-of date.",
                n=fmt.number(int(bad.sum())),
            )
        )
    return x, tx, T


def fit_bgnbd(frequency, recency, T, *, penalizer: float = 0.0) -> BetaGeoParams:
    """Fit BG/NBD by maximum likelihood.

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchase count x, recency t_x and age T per customer (same time unit).
    penalizer : float
        Optional L2 penalty on the parameters (as in lifetimes); 0 for plain MLE.

    Returns
    -------
    BetaGeoParams
        r, alpha, a, b and the log-likelihood at the optimum (unpenalised).
    """
    return _fit_four(bgnbd_log_likelihood, frequency, recency, T, penalizer)


def _fit_four(log_likelihood, frequency, recency, T, penalizer: float) -> BetaGeoParams:
    """Maximum likelihood of an (r, alpha, a, b) model on log parameters."""
    x, tx, T = _validate_rfm(frequency, recency, T)
    (xu, txu, Tu), w = _compress(x, tx, T)
    scale = max(float(np.mean(T)), 1e-9)  # start alpha near the typical age

    def nll(log_params):
        """Negative log-likelihood (plus the L2 penalty) at log parameters."""
        params = np.exp(log_params)
        ll = log_likelihood(params, xu, txu, Tu)
        return -(w @ ll) / w.sum() + penalizer * float(np.sum(params**2))

    x0 = np.log([1.0, scale, 1.0, 1.0])
    res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=[(-12, 12)] * 4)
    if not np.isfinite(res.fun):
        res = optimize.minimize(nll, x0, method="Nelder-Mead", options={"maxiter": 4000})
    r, alpha, a, b = np.exp(res.x)
    ll = float(w @ log_likelihood((r, alpha, a, b), xu, txu, Tu))
    return BetaGeoParams(float(r), float(alpha), float(a), float(b), ll, int(len(x)))


def p_alive(params: BetaGeoParams, frequency, recency, T) -> np.ndarray:
    """Probability each customer is still active (Fader, Hardie & Lee 2005, eq. 7 note).

    ``P(alive) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))``; 1 when x = 0.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = (
            np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        )
    return np.where(x > 0, 1.0 / (1.0 + np.exp(np.where(x > 0, log_ratio, 0.0))), 1.0)


def expected_purchases(params: BetaGeoParams, t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` periods given history (FHL 2005, eq. 10).

    ``E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))``.
    Requires a > 1 for the closed form; for a <= 1 the Gaussian hypergeometric series
    still converges because its argument is < 1, so the same formula is used.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    term = 1 - np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t))) * hyp
    numer = (a + b + x - 1) / (a - 1) * term
    return numer * p_alive(params, x, tx, T)


# --------------------------------------------------------------------------- MBG/NBD
#
# Plain BG/NBD lets a customer drop out only after a *repeat* purchase, so P(alive) is 1
# for everyone who bought once, however long ago: a lapsed group of one-time buyers read
# "100 % likely still active". The modified BG/NBD (Batislam, Denizel & Filiztekin 2007,
# with the erratum of Wagner & Hoppe 2008) also lets them drop out right after their
# first purchase, which is what "still active" has to mean for them; P(alive) comes from
# it. Expected purchases and CLV stay on BG/NBD (its CDNOW fit is the published one).


def mbgnbd_log_likelihood(params, frequency, recency, T) -> np.ndarray:
    """Per-customer MBG/NBD log-likelihood (Batislam et al. 2007; Wagner & Hoppe 2008).

    ``ln L = ln G(r+x) - ln G(r) + r ln(alpha) + ln B(a, b+x+1) - ln B(a, b)
    - (r+x) ln(alpha+T) + ln(1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))``.
    """
    r, alpha, a, b = params
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x + 1) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return a1 + a2 + a3 + np.logaddexp(a4, 0.0)


def fit_mbgnbd(frequency, recency, T, *, penalizer: float = 0.0) -> BetaGeoParams:
    """Fit the modified BG/NBD by maximum likelihood.

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchase count x, recency t_x and age T per customer (same time unit).
    penalizer : float
        Optional L2 penalty on the parameters; 0 for plain MLE.

    Returns
    -------
    BetaGeoParams
        r, alpha, a, b of the MBG/NBD and the log-likelihood at the optimum.
    """
    return _fit_four(mbgnbd_log_likelihood, frequency, recency, T, penalizer)


def p_alive_mbgnbd(params: BetaGeoParams, frequency, recency, T) -> np.ndarray:
    """Probability each customer is still active under the MBG/NBD (Batislam et al. 2007).

    ``P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))`` for every x,
    including customers without a repeat purchase (x = 0, t_x = 0), whose P(alive)
    falls as their first purchase recedes.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(frequency, dtype=float)
    tx = np.asarray(recency, dtype=float)
    T = np.asarray(T, dtype=float)
    log_ratio = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return special.expit(-log_ratio)


# --------------------------------------------------------------------------- Gamma-Gamma


def gamma_gamma_log_likelihood(params, frequency, monetary_value) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend (Fader & Hardie 2013, eq. 4).

    ``ln L = ln G(px+q) - ln G(px) - ln G(q) + q ln v + (px-1) ln m + px ln x
    - (px+q) ln(v + x m)`` for x repeat transactions of mean value m.
    """
    p, q, v = params
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    px = p * x
    with np.errstate(divide="ignore", invalid="ignore"):  # rows with x = 0 give NaN, unused
        return _gg_terms(px, q, v, x, m)


def _gg_terms(px, q, v, x, m):
    """The Gamma-Gamma log-likelihood terms (see gamma_gamma_log_likelihood)."""
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m)
    )


def fit_gamma_gamma(frequency, monetary_value, *, penalizer: float = 0.0) -> GammaGammaParams:
    """Fit Gamma-Gamma by maximum likelihood on customers with repeat purchases.

    Parameters
    ----------
    frequency : array-like
        Repeat purchase count x (> 0 rows are used).
    monetary_value : array-like
        Mean spend of the repeat purchases (> 0 rows are used).
    penalizer : float
        Optional L2 penalty; 0 for plain MLE.

    Returns
    -------
    GammaGammaParams
    """
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    if keep.sum() < 2:
        raise DataError(
            tr(
                "Spend per order needs at least 2 customers who bought more than once; found {n}.",
                n=fmt.number(int(keep.sum())),
            )
        )
    (xu, mu), w = _compress(x[keep], m[keep])

    def nll(log_params):
        """Negative log-likelihood (plus the L2 penalty) at log parameters."""
        params = np.exp(log_params)
        return -(w @ gamma_gamma_log_likelihood(params, xu, mu)) / w.sum() + penalizer * float(
            np.sum(params**2)
        )

    x0 = np.log([1.0, 1.0, max(float(np.mean(m[keep])), 1e-6)])
    res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=[(-12, 12)] * 3)
    p, q, v = np.exp(res.x)
    ll = float(w @ gamma_gamma_log_likelihood((p, q, v), xu, mu))
    return GammaGammaParams(float(p), float(q), float(v), ll, int(keep.sum()))


def expected_order_value(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """Conditional expected spend per order (Fader & Hardie 2013, eq. 5).

    ``E[M | x, m] = (q-1)/(px+q-1) * v p/(q-1) + px/(px+q-1) * m``
    = ``p (v + x m) / (p x + q - 1)``; customers with x = 0 get the population mean
    ``p v / (q - 1)``.
    """
    p, q, v = params.p, params.q, params.v
    x = np.asarray(frequency, dtype=float)
    m = np.nan_to_num(np.asarray(monetary_value, dtype=float))
    return p * (v + x * m) / (p * x + q - 1)
