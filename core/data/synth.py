"""Synthetic social-media data with planted personas, for demos, tests and benchmarks.

``generate`` builds a brand's followers on seven platforms over ``days`` days: an events
table in the canonical layout (docs/architecture.md), a users table with demographics,
a campaign A/B experiment (one row per user), campaign costs, and the planted truth
(``truth.persona``). Six personas are planted, each with its own activity level, mix of
event types, active hours, weekend habit, platform and content-format mix, purchase
size and comment tone:

========================  =====  =================================================
persona                   share  signature
========================  =====  =================================================
``lurker``                 30 %  many views, almost no interaction, rare purchase
``engaged_fan``            20 %  likes, comments and saves a lot, in the evening
``kol_sharer``              8 %  shares and follows, many followers (heavy tail)
``big_spender``            10 %  few but large purchases, WeChat and Xiaohongshu
``bargain_hunter``         17 %  many small purchases, campaign clicks, weekends
``dormant``                15 %  active in the first weeks only, silent for 45+ days
========================  =====  =================================================

Everything is vectorised with numpy (no Python loop over users or events): one million
users over 14 days (12.8M events) take about 9 s of CPU and 2.2 GB; over 90 days (74M
events) about 40 s and 9 GB. Every random draw comes from one
``numpy.random.Generator`` seeded by ``seed``, so the same arguments always give
identical tables.

The persona definitions are data (``PERSONAS``), not branches: adding a persona means
adding one entry.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from core.errors import DataError

# --- vocabularies (the order of each tuple is the order of the probability vectors) ----

EVENT_TYPES: tuple[str, ...] = (
    "view",
    "click",
    "like",
    "comment",
    "share",
    "save",
    "follow",
    "message",
    "purchase",
)
PLATFORMS: tuple[str, ...] = (
    "wechat",
    "weibo",
    "douyin",
    "xiaohongshu",
    "kuaishou",
    "instagram",
    "bilibili",
)
FORMATS: tuple[str, ...] = ("text_image", "video", "live", "article")
REGIONS: tuple[str, ...] = (
    "上海",
    "北京",
    "广东",
    "浙江",
    "江苏",
    "四川",
    "湖北",
    "山东",
    "福建",
    "重庆",
    "河南",
    "湖南",
    "陕西",
    "辽宁",
)
REGION_WEIGHTS = np.array([14, 12, 15, 10, 9, 7, 5, 6, 5, 4, 4, 4, 3, 2], float)
OCCUPATIONS: tuple[str, ...] = (
    "student",
    "office worker",
    "professional",
    "manager",
    "freelancer",
    "content creator",
    "homemaker",
    "retired",
)
INCOME_BANDS: tuple[str, ...] = ("low", "lower-middle", "middle", "high")
INTERESTS: tuple[str, ...] = (
    "beauty",
    "fashion",
    "food",
    "travel",
    "tech",
    "sports",
    "parenting",
)
SKIN_TYPES: tuple[str, ...] = ("dry", "oily", "combination", "sensitive", "normal")
GENDERS: tuple[str, ...] = ("female", "male")

#: Event types that carry a piece of content (the others are about an account).
_CONTENT_TYPES = frozenset({"view", "click", "like", "comment", "share", "save", "purchase"})
#: Event types a campaign can be credited with.
_CAMPAIGN_TYPES = frozenset({"view", "click", "share", "purchase"})


@dataclass(frozen=True)
class Persona:
    """One planted persona: everything the generator needs to draw its users' behaviour."""

    name: str
    share: float
    events_per_day: float  # mean events per active day, before per-user spread
    type_mix: tuple[float, ...]  # over EVENT_TYPES
    platform_mix: tuple[float, ...]  # over PLATFORMS
    format_mix: tuple[float, ...]  # over FORMATS
    hour_profile: tuple[float, ...]  # 24 relative weights
    weekend_weight: float  # weight of a Saturday/Sunday relative to a weekday
    campaign_pull: float  # activity multiplier on campaign days
    campaign_tag_rate: float  # chance that a campaign-day event is credited to it
    order_median: float  # median purchase amount (CNY)
    order_spread: float  # log-normal sigma of purchase amounts
    followers_median: float
    followers_spread: float  # log-normal sigma: the KOL tail is heavy
    age_mean: float
    age_sd: float
    female_share: float
    occupation_mix: tuple[float, ...]  # over OCCUPATIONS
    income_mix: tuple[float, ...]  # over INCOME_BANDS
    interest_mix: tuple[float, ...]  # over INTERESTS, chance of each interest
    region_tilt: tuple[float, ...]  # multiplier over REGIONS (1 = national mix)
    positive_rate: float  # share of positive comments
    english_rate: float  # share of comments in English
    conversion: float  # experiment conversion rate in variant A
    lift_b: float  # relative lift of variant B on conversion
    active_window: tuple[float, float] = (0.0, 1.0)  # fraction of the period, see _windows


def _hours(*peaks: tuple[int, int, float], base: float = 0.15) -> tuple[float, ...]:
    """24 hourly weights: a low base plus ``(from_hour, to_hour, weight)`` plateaus."""
    w = np.full(24, base)
    w[0:6] = base * 0.3  # people sleep
    for lo, hi, weight in peaks:
        w[lo : hi + 1] += weight
    return tuple(float(x) for x in w / w.sum())


_METRO = (1.6, 1.5, 1.2, 1.2, 1.1, 0.9, 0.8, 0.8, 0.9, 0.8, 0.7, 0.7, 0.7, 0.7)
_FLAT = (1.0,) * len(REGIONS)

#: The planted personas (shares sum to 1). Type mix is over EVENT_TYPES:
#: view click like comment share save follow message purchase.
PERSONAS: tuple[Persona, ...] = (
    Persona(
        name="lurker",
        share=0.30,
        events_per_day=0.6,
        type_mix=(0.86, 0.10, 0.02, 0.002, 0.002, 0.01, 0.002, 0.001, 0.0012),
        platform_mix=(0.08, 0.20, 0.32, 0.06, 0.16, 0.06, 0.12),
        format_mix=(0.15, 0.70, 0.05, 0.10),
        hour_profile=_hours((12, 13, 0.6), (21, 23, 1.3), (0, 1, 0.5)),
        weekend_weight=1.15,
        campaign_pull=1.05,
        campaign_tag_rate=0.08,
        order_median=99,
        order_spread=0.5,
        followers_median=40,
        followers_spread=0.8,
        age_mean=27,
        age_sd=6,
        female_share=0.55,
        occupation_mix=(0.35, 0.35, 0.08, 0.02, 0.10, 0.0, 0.05, 0.05),
        income_mix=(0.30, 0.35, 0.30, 0.05),
        interest_mix=(0.30, 0.25, 0.40, 0.30, 0.35, 0.30, 0.05),
        region_tilt=_FLAT,
        positive_rate=0.5,
        english_rate=0.15,
        conversion=0.05,
        lift_b=0.0,
    ),
    Persona(
        name="engaged_fan",
        share=0.20,
        events_per_day=0.8,
        type_mix=(0.40, 0.08, 0.22, 0.11, 0.03, 0.12, 0.01, 0.01, 0.02),
        platform_mix=(0.18, 0.16, 0.08, 0.48, 0.02, 0.05, 0.03),
        format_mix=(0.62, 0.20, 0.05, 0.13),
        hour_profile=_hours((12, 12, 0.3), (19, 23, 1.6)),
        weekend_weight=1.3,
        campaign_pull=1.15,
        campaign_tag_rate=0.15,
        order_median=189,
        order_spread=0.45,
        followers_median=220,
        followers_spread=0.9,
        age_mean=28,
        age_sd=5,
        female_share=0.8,
        occupation_mix=(0.15, 0.50, 0.15, 0.03, 0.12, 0.02, 0.03, 0.0),
        income_mix=(0.10, 0.35, 0.45, 0.10),
        interest_mix=(0.80, 0.70, 0.35, 0.30, 0.10, 0.15, 0.10),
        region_tilt=_FLAT,
        positive_rate=0.85,
        english_rate=0.2,
        conversion=0.14,
        lift_b=0.15,
    ),
    Persona(
        name="kol_sharer",
        share=0.08,
        events_per_day=1.0,
        type_mix=(0.30, 0.05, 0.09, 0.07, 0.30, 0.02, 0.11, 0.05, 0.01),
        platform_mix=(0.03, 0.36, 0.28, 0.08, 0.04, 0.16, 0.05),
        format_mix=(0.12, 0.52, 0.32, 0.04),
        hour_profile=_hours((10, 11, 0.6), (14, 17, 1.0), (20, 22, 0.5)),
        weekend_weight=1.0,
        campaign_pull=1.2,
        campaign_tag_rate=0.25,
        order_median=239,
        order_spread=0.5,
        followers_median=18_000,
        followers_spread=1.3,
        age_mean=24,
        age_sd=3.5,
        female_share=0.7,
        occupation_mix=(0.25, 0.10, 0.05, 0.0, 0.25, 0.35, 0.0, 0.0),
        income_mix=(0.15, 0.30, 0.40, 0.15),
        interest_mix=(0.75, 0.80, 0.40, 0.55, 0.20, 0.20, 0.05),
        region_tilt=(1.7, 1.5, 1.3, 1.2, 1.0, 1.0, 0.7, 0.6, 0.7, 0.8, 0.5, 0.6, 0.5, 0.5),
        positive_rate=0.7,
        english_rate=0.4,
        conversion=0.10,
        lift_b=0.12,
    ),
    Persona(
        name="big_spender",
        share=0.10,
        events_per_day=0.45,
        type_mix=(0.50, 0.18, 0.04, 0.02, 0.005, 0.10, 0.005, 0.05, 0.10),
        platform_mix=(0.50, 0.04, 0.04, 0.36, 0.02, 0.03, 0.01),
        format_mix=(0.35, 0.10, 0.05, 0.50),
        hour_profile=_hours((7, 9, 0.9), (12, 13, 1.0), (20, 21, 0.4)),
        weekend_weight=0.75,
        campaign_pull=1.05,
        campaign_tag_rate=0.10,
        order_median=1_280,
        order_spread=0.45,
        followers_median=150,
        followers_spread=1.0,
        age_mean=38,
        age_sd=6,
        female_share=0.7,
        occupation_mix=(0.0, 0.15, 0.40, 0.35, 0.05, 0.0, 0.03, 0.02),
        income_mix=(0.0, 0.05, 0.30, 0.65),
        interest_mix=(0.70, 0.55, 0.35, 0.60, 0.15, 0.20, 0.25),
        region_tilt=_METRO,
        positive_rate=0.7,
        english_rate=0.25,
        conversion=0.18,
        lift_b=0.10,
    ),
    Persona(
        name="bargain_hunter",
        share=0.17,
        events_per_day=0.7,
        type_mix=(0.42, 0.30, 0.05, 0.03, 0.03, 0.06, 0.005, 0.005, 0.10),
        platform_mix=(0.26, 0.04, 0.20, 0.08, 0.38, 0.02, 0.02),
        format_mix=(0.15, 0.20, 0.60, 0.05),
        hour_profile=_hours((9, 11, 0.6), (14, 16, 0.6), (19, 21, 0.7)),
        weekend_weight=2.6,
        campaign_pull=2.0,
        campaign_tag_rate=0.6,
        order_median=39,
        order_spread=0.5,
        followers_median=60,
        followers_spread=0.8,
        age_mean=40,
        age_sd=10,
        female_share=0.75,
        occupation_mix=(0.05, 0.35, 0.05, 0.0, 0.05, 0.0, 0.25, 0.25),
        income_mix=(0.30, 0.45, 0.22, 0.03),
        interest_mix=(0.45, 0.30, 0.60, 0.20, 0.10, 0.10, 0.50),
        region_tilt=(0.6, 0.6, 1.0, 0.9, 1.0, 1.3, 1.3, 1.4, 1.1, 1.3, 1.6, 1.4, 1.3, 1.3),
        positive_rate=0.55,
        english_rate=0.05,
        conversion=0.32,
        lift_b=0.55,
    ),
    Persona(
        name="dormant",
        share=0.15,
        events_per_day=0.9,
        type_mix=(0.66, 0.14, 0.08, 0.03, 0.01, 0.04, 0.01, 0.01, 0.03),
        platform_mix=(0.18, 0.34, 0.20, 0.08, 0.12, 0.04, 0.04),
        format_mix=(0.40, 0.30, 0.05, 0.25),
        hour_profile=_hours((7, 8, 0.5), (18, 22, 1.1)),
        weekend_weight=1.0,
        campaign_pull=1.3,
        campaign_tag_rate=0.2,
        order_median=129,
        order_spread=0.5,
        followers_median=80,
        followers_spread=0.9,
        age_mean=33,
        age_sd=9,
        female_share=0.6,
        occupation_mix=(0.10, 0.45, 0.15, 0.05, 0.10, 0.0, 0.08, 0.07),
        income_mix=(0.20, 0.35, 0.35, 0.10),
        interest_mix=(0.50, 0.40, 0.40, 0.30, 0.20, 0.20, 0.20),
        region_tilt=_FLAT,
        positive_rate=0.3,
        english_rate=0.1,
        conversion=0.03,
        lift_b=0.05,
        active_window=(0.0, 0.32),
    ),
)
PERSONA_NAMES: tuple[str, ...] = tuple(p.name for p in PERSONAS)

#: Comment phrases by language and tone (a beauty / lifestyle brand's comment section).
COMMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("zh", "positive"): (
        "太好看了，已经下单",
        "颜色绝了，回购第三次",
        "质地很轻薄，夏天用刚好",
        "客服态度很好，物流也快",
        "姐妹们冲！真的好用",
        "包装很精致，送人很有面子",
        "用了一周皮肤变好了",
        "直播间价格太香了",
        "终于等到补货了！",
        "这个色号超级显白",
        "已推荐给闺蜜",
        "性价比很高，点赞",
    ),
    ("zh", "negative"): (
        "质量一般，有点失望",
        "和图片差别太大了",
        "价格有点贵，等活动再买",
        "物流太慢了，等了一周",
        "用了过敏，已申请退货",
        "客服回复太慢",
        "味道有点重，不太喜欢",
        "优惠券用不了，差评",
        "包装破损，体验很差",
        "不值这个价",
    ),
    ("en", "positive"): (
        "Love this colour!",
        "Already ordered two, so good",
        "Best moisturiser I've tried",
        "Great quality for the price",
        "Shipping was super fast, thanks!",
        "This shade is perfect on me",
        "Obsessed with the new packaging",
        "Sharing with all my friends",
    ),
    ("en", "negative"): (
        "Not worth the price",
        "Arrived damaged, disappointed",
        "The colour looks different in real life",
        "Broke me out, returning it",
        "Customer service never replied",
        "Too expensive, waiting for a sale",
    ),
}

CAMPAIGN_COLUMNS: tuple[str, ...] = (
    "campaign",
    "platform",
    "period_start",
    "period_end",
    "cost",
)


@dataclass(frozen=True)
class SyntheticData:
    """The generated tables.

    Attributes
    ----------
    events : DataFrame
        Canonical events: ``user_id``, ``timestamp`` (datetime64, second precision),
        ``event_type``, ``platform``, ``amount`` (purchases only, else NaN),
        ``content_id``, ``content_format`` (empty for follow / message),
        ``campaign`` (empty for organic events), ``text`` (comments only). Text columns
        are pandas ``Categorical`` (compact and fast at a million users); rows are
        grouped by user (ascending ``user_id``) and in time order within each user.
    users : DataFrame
        One row per user: ``user_id``, ``age``, ``gender``, ``region``, ``occupation``,
        ``income`` (band), ``interests`` (``;``-separated), ``followers``,
        ``signup_date``, ``skin_type``.
    experiment : DataFrame
        One row per user of the campaign A/B test: ``user_id``, ``variant`` (A/B),
        ``converted`` (0/1), ``revenue``, ``pre_revenue``, ``segment`` (planted persona).
    truth : DataFrame
        ``user_id``, ``persona``: the planted persona of every user.
    campaign_costs : DataFrame
        ``campaign``, ``platform``, ``period_start``, ``period_end``, ``cost`` (CNY).
    """

    events: pd.DataFrame
    users: pd.DataFrame
    experiment: pd.DataFrame
    truth: pd.DataFrame
    campaign_costs: pd.DataFrame


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


def _pick_rows(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Draw one category per element of ``rows`` from the cumulative weights ``cum[rows]``.

    Inverse-CDF sampling in one ``searchsorted``: row ``r``'s cumulative probabilities are
    shifted by ``r`` so all rows form one sorted array, and the key ``r + u`` can only land
    inside row ``r``. No ``len(rows) x k`` temporary is built.
    """
    n_rows, k = cum.shape
    shifted = cum / cum[:, -1:]  # normalised, so the last column is exactly 1
    shifted += np.arange(n_rows, dtype=np.float64)[:, None]
    rows64 = rows.astype(np.int64)
    keys = rows64 + rng.random(len(rows))
    idx = np.searchsorted(shifted.ravel(), keys, side="right") - rows64 * k
    return np.minimum(idx, k - 1).astype(np.int8)


#: Steps of the lookup grid used by :func:`_grid_table` (error per category < 1/65,536).
_GRID = 1 << 16


def _grid_table(cum: np.ndarray) -> np.ndarray:
    """Lookup table ``rows x _GRID``: category whose cumulative interval holds each grid step.

    Sampling ``table[row, floor(x * _GRID)]`` for ``x`` in [0, 1) is inverse-CDF sampling
    on a 65,536-step grid: one gather per event instead of a binary search, which matters
    for tens of millions of events with only a handful of distinct distributions.
    """
    steps = (np.arange(_GRID) + 0.5) / _GRID
    table = np.empty((cum.shape[0], _GRID), dtype=np.int16)
    for r in range(cum.shape[0]):
        edges = cum[r, :-1] / cum[r, -1]
        table[r] = np.searchsorted(edges, steps, side="right")
    return table


def _mixture(
    rng: np.random.Generator,
    mixes: np.ndarray,
    ev_persona: np.ndarray,
    favourite: np.ndarray,
    ev_user: np.ndarray,
) -> np.ndarray:
    """Per event: the user's favourite with the user's loyalty, else a draw from the persona mix.

    Loyalty is Beta(2, 2) per user (mean 0.5), so some users stick to one platform and
    others spread out.
    """
    n = len(favourite)
    loyalty = (rng.beta(2.0, 2.0, n) * _GRID).astype(np.int32)  # on the 16-bit grid
    table = _grid_table(np.cumsum(mixes, axis=1))
    out = _grid_draw(rng, table, ev_persona).astype(np.int8)
    loyal = rng.integers(0, _GRID, len(ev_user), dtype=np.uint16) < loyalty[ev_user]
    out[loyal] = favourite[ev_user[loyal]]
    return out


def _grid_draw(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per element of ``rows`` from a :func:`_grid_table` (flat 32-bit index)."""
    index = rows.astype(np.int32) << 16
    index |= rng.integers(0, _GRID, len(rows), dtype=np.uint16)
    return table.ravel()[index]


def _dirichlet_rows(
    rng: np.random.Generator, means: np.ndarray, concentration: float
) -> np.ndarray:
    """Per-row probability vectors scattered around ``means`` (rows x k), summing to 1.

    Gamma draws normalised per row are Dirichlet(concentration * mean); a small floor keeps
    every category possible.
    """
    alpha = np.maximum(means * concentration, 1e-3)
    g = rng.standard_gamma(alpha)
    p = g / g.sum(axis=1, keepdims=True)
    return np.cumsum(p, axis=1)


def _categorical(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    """A pandas Categorical from integer codes (-1 = missing)."""
    return pd.Categorical.from_codes(codes.astype(np.int32), categories=list(categories))


def _validate(n_users: int, days: int, seed: int, start: str) -> pd.Timestamp:
    """Check the public arguments; return the start date as a Timestamp."""
    if isinstance(n_users, bool) or not isinstance(n_users, (int, np.integer)) or n_users <= 0:
        raise DataError(f"The number of users must be a whole number above 0 (got {n_users!r}).")
    if n_users > 5_000_000:
        raise DataError(
            f"The number of users is limited to 5,000,000 (got {n_users:,}); ask for fewer users."
        )
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 14:
        raise DataError(
            f"The number of days must be a whole number of at least 14 (got {days!r}), "
            "so that dormant users can go quiet."
        )
    if days > 3650:
        raise DataError(f"The number of days is limited to 3650 (got {days:,}).")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(f"The seed must be a whole number of 0 or more (got {seed!r}).")
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise DataError(f"The start date {start!r} is not a date; write it as YYYY-MM-DD.") from exc
    if pd.isna(ts):
        raise DataError(f"The start date {start!r} is not a date; write it as YYYY-MM-DD.")
    return ts.normalize()


# --- the generator ---------------------------------------------------------------------


def generate(
    n_users: int = 2000, days: int = 90, seed: int = 7, start: str = "2025-09-01"
) -> SyntheticData:
    """Generate a synthetic social-media dataset with six planted personas.

    Parameters
    ----------
    n_users : int
        Number of users (> 0, at most 5,000,000). About 0.8 events per user per day
        are generated (74 per user over 90 days).
    days : int
        Length of the observed period in days (14 to 3650). Dormant users stop within
        the first third of it and at least 45 days before its end (for periods under
        60 days: after the first two days); campaigns run at 6-18 %, 40-47 % and (the
        A/B test) 70-85 % of it.
    seed : int
        Seed of the random generator; the same arguments give identical tables.
    start : str
        First day of the period, ``YYYY-MM-DD``.

    Returns
    -------
    SyntheticData
        ``events``, ``users``, ``experiment``, ``truth`` and ``campaign_costs``.

    Raises
    ------
    DataError
        When an argument is out of range (e.g. ``n_users <= 0``).

    Examples
    --------
    >>> data = generate(n_users=200, days=30, seed=1)
    >>> sorted(data.truth["persona"].unique())[:2]
    ['bargain_hunter', 'big_spender']
    """
    start_ts = _validate(n_users, days, seed, start)
    n_users, days = int(n_users), int(days)
    rng = np.random.default_rng(seed)
    k = len(PERSONAS)

    # Personas: exact shares (largest remainder), randomly placed over user ids.
    shares = np.array([p.share for p in PERSONAS])
    counts = np.floor(shares * n_users).astype(int)
    remainder = shares * n_users - counts
    counts[np.argsort(-remainder, kind="stable")[: n_users - counts.sum()]] += 1
    persona = rng.permutation(np.repeat(np.arange(k, dtype=np.int8), counts))

    width = max(5, len(str(n_users)))
    user_ids = np.char.add("u", np.char.zfill(np.arange(1, n_users + 1).astype(str), width))

    users, age = _users(rng, persona, user_ids, start_ts)
    campaigns = _campaigns(start_ts, days)
    # Stratified randomisation: within each persona, half A (0) and half B (1).
    variant = np.empty(n_users, dtype=np.int8)
    for i in range(k):
        members = np.flatnonzero(persona == i)
        variant[rng.permutation(members)] = np.arange(len(members)) % 2
    events = _events(rng, persona, age, variant, user_ids, start_ts, days, campaigns)
    experiment = _experiment(rng, persona, variant, user_ids, events, campaigns, start_ts)
    truth = pd.DataFrame(
        {"user_id": user_ids.astype(object), "persona": np.array(PERSONA_NAMES)[persona]}
    ).astype({"user_id": "str", "persona": "str"})
    costs = _campaign_costs(rng, events, campaigns, start_ts)
    return SyntheticData(
        events=events, users=users, experiment=experiment, truth=truth, campaign_costs=costs
    )


def _users(
    rng: np.random.Generator,
    persona: np.ndarray,
    user_ids: np.ndarray,
    start: pd.Timestamp,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Demographics correlated with the persona; also returns ages for the platform tilt."""
    n = len(persona)
    par = PERSONAS

    def col(attr: str) -> np.ndarray:
        return np.array([getattr(p, attr) for p in par], dtype=float)[persona]

    age = np.clip(np.round(rng.normal(col("age_mean"), col("age_sd"))), 16, 72)
    gender = (rng.random(n) >= col("female_share")).astype(np.int8)  # 0 female, 1 male
    followers = np.round(
        np.exp(rng.normal(np.log(col("followers_median")), col("followers_spread")))
    )

    def mix(attr: str, weights: np.ndarray | None = None) -> np.ndarray:
        m = np.array([getattr(p, attr) for p in par], dtype=float)
        if weights is not None:
            m = m * weights
        m = m / m.sum(axis=1, keepdims=True)
        return np.cumsum(m, axis=1)

    occupation = _pick_rows(rng, mix("occupation_mix"), persona).astype(np.int32)
    # Students are young and retirees old, whatever the persona says.
    occupation[(age >= 60)] = OCCUPATIONS.index("retired")
    young_retiree = (occupation == OCCUPATIONS.index("retired")) & (age < 50)
    occupation[young_retiree] = np.where(
        age[young_retiree] <= 23, OCCUPATIONS.index("student"), OCCUPATIONS.index("office worker")
    )
    occupation[(occupation == OCCUPATIONS.index("student")) & (age > 26)] = OCCUPATIONS.index(
        "office worker"
    )
    income = _pick_rows(rng, mix("income_mix"), persona).astype(np.int32)
    region = _pick_rows(rng, mix("region_tilt", REGION_WEIGHTS), persona).astype(np.int32)

    # Interests: each one independently with the persona's chance; at least one.
    chance = np.array([p.interest_mix for p in par])[persona]
    has = rng.random((n, len(INTERESTS))) < chance
    none = ~has.any(axis=1)
    has[none, rng.integers(0, len(INTERESTS), none.sum())] = True
    # Encode each combination as a bitmask and map the (at most 128) masks to strings.
    mask = (has * (1 << np.arange(len(INTERESTS)))).sum(axis=1)
    labels = [
        ";".join(name for j, name in enumerate(INTERESTS) if m >> j & 1)
        for m in range(1 << len(INTERESTS))
    ]
    interests = np.array(labels, dtype=object)[mask]

    skin = rng.choice(len(SKIN_TYPES), size=n, p=[0.2, 0.2, 0.3, 0.15, 0.15])
    # Signup: before the period (1 day to 4 years), KOLs and big spenders longer ago.
    # (No one signs up inside the period: a handful of `register` events would form a
    # cluster of their own and blur the six planted personas.)
    years = np.array([1.5, 2.0, 3.0, 3.0, 2.0, 2.0])[persona]
    signup_offset = -np.ceil(rng.exponential(years * 365 / 2)).astype(np.int64) - 1
    signup_offset = np.maximum(signup_offset, -8 * 365)
    signup = start + pd.to_timedelta(signup_offset, unit="D")

    users = pd.DataFrame(
        {
            "user_id": pd.array(user_ids, dtype="str"),
            "age": age.astype(np.int64),
            "gender": pd.array(np.array(GENDERS, dtype=object)[gender], dtype="str"),
            "region": pd.array(np.array(REGIONS, dtype=object)[region], dtype="str"),
            "occupation": pd.array(np.array(OCCUPATIONS, dtype=object)[occupation], dtype="str"),
            "income": pd.array(np.array(INCOME_BANDS, dtype=object)[income], dtype="str"),
            "interests": pd.array(interests, dtype="str"),
            "followers": followers.astype(np.int64),
            "signup_date": signup.normalize().as_unit("s"),
            "skin_type": pd.array(np.array(SKIN_TYPES, dtype=object)[skin], dtype="str"),
        }
    )
    return users, age


def _events(
    rng: np.random.Generator,
    persona: np.ndarray,
    age: np.ndarray,
    variant: np.ndarray,
    user_ids: np.ndarray,
    start: pd.Timestamp,
    days: int,
    campaigns: list[_Campaign],
) -> pd.DataFrame:
    """All events, vectorised: counts per user, then one draw per event for each column."""
    n = len(persona)
    par = PERSONAS
    k = len(par)

    # Active window per user (day indices, inclusive).
    win_lo = np.zeros(n, dtype=np.int64)
    win_hi = np.full(n, days - 1, dtype=np.int64)
    for i, p in enumerate(par):
        m = persona == i
        if p.active_window != (0.0, 1.0):
            # Dormant: stop somewhere in the first third, always >= 45 days before the end.
            last_allowed = max(1, min(days - 46, int(p.active_window[1] * days)))
            stop = rng.integers(max(1, last_allowed // 3), last_allowed + 1, m.sum())
            win_hi[m] = stop

    # Daily weights per persona: weekday/weekend rhythm, campaign pull, slow growth.
    day_idx = np.arange(days)
    weekday = (start.day_of_week + day_idx) % 7
    weekend = weekday >= 5
    in_campaign = np.zeros(days, dtype=bool)
    for c in campaigns:
        in_campaign[c.first_day : c.last_day + 1] = True
    daily = np.empty((k, days))
    for i, p in enumerate(par):
        w = np.where(weekend, p.weekend_weight, 1.0)
        w = w * np.where(in_campaign, p.campaign_pull, 1.0)
        w = w * (1.0 + 0.1 * day_idx / days)
        daily[i] = w
    cum_daily = np.concatenate([np.zeros((k, 1)), np.cumsum(daily, axis=1)], axis=1)

    # Events per user: persona rate x log-normal activity x weighted length of the window.
    activity = np.exp(rng.normal(-0.045, 0.3, n))
    rate = np.array([p.events_per_day for p in par])[persona] * activity
    window_weight = cum_daily[persona, win_hi + 1] - cum_daily[persona, win_lo]
    n_events = rng.poisson(rate * window_weight) + 1  # everyone did something
    total = int(n_events.sum())
    ev_user = np.repeat(np.arange(n, dtype=np.int32), n_events)
    ev_persona = persona[ev_user]

    # Event type, platform and content format: per-user mixes around the persona's mix.
    type_means = np.array([p.type_mix for p in par])
    type_means = type_means / type_means.sum(axis=1, keepdims=True)
    # Type counts per user straight from a multinomial (events are grouped by user here,
    # and timestamps are drawn independently below, so the order within a user is free).
    type_p = np.diff(_dirichlet_rows(rng, type_means[persona], 120.0), prepend=0.0, axis=1)
    type_counts = rng.multinomial(n_events, np.clip(type_p, 0, None))
    ev_type = np.repeat(np.tile(np.arange(len(EVENT_TYPES), dtype=np.int8), n), type_counts.ravel())

    # Platform and format: each user has a favourite (drawn from the persona's mix, young
    # users tilted to Douyin / Instagram / Bilibili) used for a personal share of their
    # events; the rest follow the persona's mix. A mixture keeps per-user variety while
    # sampling stays two table look-ups per event (no per-user search).
    plat_means = np.array([p.platform_mix for p in par])[persona]
    young = np.clip((32 - age) / 12, 0, 1)  # 1 at <= 20, 0 at >= 32
    tilt = np.ones_like(plat_means)
    for name, factor in (("douyin", 1.0), ("instagram", 1.2), ("bilibili", 0.8)):
        tilt[:, PLATFORMS.index(name)] += factor * young
    tilt[:, PLATFORMS.index("wechat")] += 0.5 * (1 - young)
    plat_means = plat_means * tilt
    favourite_platform = _pick_rows(rng, np.cumsum(plat_means, axis=1), np.arange(n))
    ev_platform = _mixture(
        rng, np.array([p.platform_mix for p in par]), ev_persona, favourite_platform, ev_user
    )
    fmt_means = np.array([p.format_mix for p in par])
    favourite_format = _pick_rows(rng, np.cumsum(fmt_means[persona], axis=1), np.arange(n))
    ev_format = _mixture(rng, fmt_means, ev_persona, favourite_format, ev_user)

    # Day: inverse CDF of the persona's daily weights restricted to the user's window.
    cum_norm = cum_daily / cum_daily[:, -1:]
    lo_user = cum_norm[persona, win_lo]
    span_user = cum_norm[persona, win_hi + 1] - lo_user
    target = rng.random(total, dtype=np.float32)
    target *= span_user.astype(np.float32)[ev_user]
    target += lo_user.astype(np.float32)[ev_user]
    target *= _GRID
    cell = np.minimum(target.astype(np.int32), _GRID - 1)
    del target
    cell |= ev_persona.astype(np.int32) << 16
    ev_day = _grid_table(cum_daily[:, 1:]).ravel()[cell]
    del cell
    ev_day = np.clip(ev_day, win_lo.astype(np.int16)[ev_user], win_hi.astype(np.int16)[ev_user])

    # Hour of day from the persona profile, shifted by a personal habit of -1..+1 hour.
    # One table row per (persona, habit): the profile rolled by the habit.
    profiles = np.array([p.hour_profile for p in par])
    rolled = np.stack([np.roll(profiles, shift, axis=1) for shift in (-1, 0, 1)], axis=1)
    hour_table = _grid_table(np.cumsum(rolled.reshape(k * 3, 24), axis=1))
    habit = rng.integers(0, 3, n, dtype=np.int8)
    ev_hour = _grid_draw(rng, hour_table, ev_persona.astype(np.int8) * 3 + habit[ev_user])
    seconds = rng.integers(0, 3_600, total, dtype=np.int32)
    seconds += ev_day.astype(np.int32) * 86_400
    seconds += ev_hour.astype(np.int32) * 3_600
    del ev_hour

    # Amounts: log-normal around the persona's basket, with a personal spend level.
    is_purchase = ev_type == EVENT_TYPES.index("purchase")
    spend_level = np.exp(rng.normal(0.0, 0.25, n))
    med = np.array([p.order_median for p in par])[ev_persona[is_purchase]]
    sd = np.array([p.order_spread for p in par])[ev_persona[is_purchase]]
    amounts = med * spend_level[ev_user[is_purchase]] * np.exp(rng.normal(0, sd))
    amount = np.full(total, np.nan)
    amount[is_purchase] = np.round(amounts, 0) - 0.1  # shop prices end in .9

    # Content: each format has a catalogue; popular items are viewed far more (Zipf-like:
    # rank = n_items * u**2.5, read from a table over a uniform 16-bit draw).
    has_content = np.isin(
        np.arange(len(EVENT_TYPES)), [EVENT_TYPES.index(t) for t in _CONTENT_TYPES]
    )[ev_type]
    n_items = max(40, min(5_000, n // 10))
    rank_table = np.floor(n_items * ((np.arange(_GRID) + 0.5) / _GRID) ** 2.5).astype(np.int32)
    content_code = rank_table[rng.integers(0, _GRID, total, dtype=np.uint16)]
    content_code += ev_format.astype(np.int32) * n_items
    content_code[~has_content] = -1
    ev_format[~has_content] = -1
    content_cats = [f"c{i:05d}" for i in range(len(FORMATS) * n_items)]

    # Campaign credit: on campaign days, some view/click/share/purchase events. Campaign
    # periods do not overlap except the two A/B arms, which split by the user's variant.
    creditable = np.isin(
        np.arange(len(EVENT_TYPES)), [EVENT_TYPES.index(t) for t in _CAMPAIGN_TYPES]
    )[ev_type]
    names = [c.name for c in campaigns]
    campaign_of_day = np.full(days, -1, dtype=np.int32)
    for j, c in enumerate(campaigns):
        if c.variant in (None, "A"):  # B is A's code + 1
            campaign_of_day[c.first_day : c.last_day + 1] = j
    arm_a = next(j for j, c in enumerate(campaigns) if c.variant == "A")
    candidates = np.flatnonzero(creditable & (campaign_of_day[ev_day] >= 0))
    tag_rate = np.array([p.campaign_tag_rate for p in par])[ev_persona[candidates]]
    chosen = candidates[rng.random(len(candidates)) < tag_rate]
    campaign_code = np.full(total, -1, dtype=np.int32)
    code = campaign_of_day[ev_day[chosen]]
    in_test = code == arm_a
    code[in_test] += variant[ev_user[chosen[in_test]]]
    campaign_code[chosen] = code

    # Comment text: tone and language from the persona.
    is_comment = ev_type == EVENT_TYPES.index("comment")
    n_c = int(is_comment.sum())
    pos = rng.random(n_c) < np.array([p.positive_rate for p in par])[ev_persona[is_comment]]
    eng = rng.random(n_c) < np.array([p.english_rate for p in par])[ev_persona[is_comment]]
    pools = list(COMMENTS)
    text_cats: list[str] = []
    offsets = {}
    for key in pools:
        offsets[key] = len(text_cats)
        text_cats.extend(COMMENTS[key])
    text_code = np.full(total, -1, dtype=np.int32)
    codes = np.empty(n_c, dtype=np.int32)
    u = rng.random(n_c)
    for key in pools:
        lang, tone = key
        m = (eng == (lang == "en")) & (pos == (tone == "positive"))
        codes[m] = offsets[key] + (u[m] * len(COMMENTS[key])).astype(np.int32)
    text_code[is_comment] = codes

    # Grouped by user (ids ascending), each user's events in time order. Events are
    # generated grouped by user, so this sort only reorders within small blocks and the
    # reordering gather stays cache-friendly; a global time sort costs ~4x more at 10M+
    # events (write_sample sorts the files it writes by time).
    order = np.argsort((ev_user.astype(np.int64) << 32) | seconds.astype(np.int64), kind="stable")
    ts = np.datetime64(start, "s") + seconds[order].astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "user_id": _categorical(ev_user[order], list(user_ids)),
            "timestamp": ts,
            "event_type": _categorical(ev_type[order], EVENT_TYPES),
            "platform": _categorical(ev_platform[order], PLATFORMS),
            "amount": amount[order],
            "content_id": _categorical(content_code[order], content_cats),
            "content_format": _categorical(ev_format[order], FORMATS),
            "campaign": _categorical(campaign_code[order], names),
            "text": _categorical(text_code[order], text_cats),
        }
    )


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


# --- writing ---------------------------------------------------------------------------

SAMPLE_FILES: tuple[str, ...] = (
    "events.csv",
    "users.csv",
    "experiment.csv",
    "campaign_costs.csv",
    "truth.csv",
)


def write_sample(
    out_dir: str | Path,
    n_users: int = 2000,
    days: int = 90,
    seed: int = 7,
    start: str = "2025-09-01",
) -> dict[str, Path]:
    """Generate a dataset and write it as UTF-8 CSV files into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing). Existing sample files are replaced.
    n_users, days, seed, start
        As in :func:`generate`.

    Returns
    -------
    dict of str to Path
        File name -> written path, for ``events.csv``, ``users.csv``, ``experiment.csv``,
        ``campaign_costs.csv`` and ``truth.csv``.

    Raises
    ------
    DataError
        When an argument is out of range or ``out_dir`` is not a writable folder.
    """
    data = generate(n_users=n_users, days=days, seed=seed, start=start)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out} is a file, not a folder; choose a folder for --out.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"Could not create the folder {out} ({exc.strerror}); choose another."
        ) from exc
    # Exports come in time order; users break ties so the file is reproducible.
    by_time = np.lexsort(
        (data.events["user_id"].cat.codes.to_numpy(), data.events["timestamp"].to_numpy())
    )
    frames = {
        "events.csv": data.events.iloc[by_time],
        "users.csv": data.users,
        "experiment.csv": data.experiment,
        "campaign_costs.csv": data.campaign_costs,
        "truth.csv": data.truth,
    }
    written: dict[str, Path] = {}
    for name, frame in frames.items():
        path = out / name
        tmp = out / f".{name}.tmp"
        frame.to_csv(
            tmp,
            index=False,
            encoding="utf-8",
            date_format="%Y-%m-%d %H:%M:%S" if name == "events.csv" else "%Y-%m-%d",
            float_format="%.2f" if name != "events.csv" else "%.1f",
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\n",
        )
        tmp.replace(path)
        written[name] = path
    return written
