"""The sample generator: users, events and the planted truth drawn from ``PERSONAS``.

Everything is vectorised with numpy (no Python loop over users or events): one million
users over 14 days (12.8M events) take about 9 s of CPU and 2.2 GB; over 90 days (74M
events) about 40 s and 9 GB. Every random draw comes from one
``numpy.random.Generator`` seeded by ``seed``, so the same arguments always give
identical tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.synth.campaigns import (
    _Campaign,
    _campaign_costs,
    _campaigns,
    _experiment,
)
from core.data.synth.draws import (
    _GRID,
    _categorical,
    _dirichlet_rows,
    _grid_draw,
    _grid_table,
    _mixture,
    _pick_rows,
)
from core.data.synth.personas import (
    COMMENTS,
    EVENT_TYPES,
    FORMATS,
    GENDERS,
    INCOME_BANDS,
    INTERESTS,
    OCCUPATIONS,
    PERSONA_NAMES,
    PERSONAS,
    PLATFORMS,
    REGION_WEIGHTS,
    REGIONS,
    SKIN_TYPES,
)
from core.errors import DataError
from core.i18n import fmt, tr

#: Event types that carry a piece of content (the others are about an account).
_CONTENT_TYPES = frozenset({"view", "click", "like", "comment", "share", "save", "purchase"})
#: Event types a campaign can be credited with.
_CAMPAIGN_TYPES = frozenset({"view", "click", "share", "purchase"})


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


def _validate(n_users: int, days: int, seed: int, start: str) -> pd.Timestamp:
    """Check the public arguments; return the start date as a Timestamp."""
    if isinstance(n_users, bool) or not isinstance(n_users, (int, np.integer)) or n_users <= 0:
        raise DataError(
            tr(
                "The number of users must be a whole number above 0 (got {value}).",
                value=repr(n_users),
            )
        )
    if n_users > 5_000_000:
        raise DataError(
            tr(
                "The number of users is limited to {limit} (got {value}); ask for fewer users.",
                limit=fmt.number(5_000_000),
                value=fmt.number(n_users),
            )
        )
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or days < 14:
        raise DataError(
            tr(
                "The number of days must be a whole number of at least 14 (got {value}), so "
                "that dormant users can go quiet.",
                value=repr(days),
            )
        )
    if days > 3650:
        raise DataError(
            tr("The number of days is limited to 3650 (got {value}).", value=fmt.number(days))
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DataError(
            tr("The seed must be a whole number of 0 or more (got {value}).", value=repr(seed))
        )
    try:
        ts = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise DataError(_not_a_date(start)) from exc
    if pd.isna(ts):
        raise DataError(_not_a_date(start))
    return ts.normalize()


def _not_a_date(start: object) -> str:
    """The sentence for a start date that is not a date."""
    return tr("The start date {value} is not a date; write it as YYYY-MM-DD.", value=repr(start))


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
