"""Generators of event data with known groups, built differently from the bundled sample.

The automatic segmentation (``core.segments.autoseg``) must find the groups that are really in a
file it has never seen, and say so when there are none. These generators are how that is
measured (``benchmarks/bench_truth.py``, ``tests/core/test_autoseg.py``): each one plants
groups that differ in one kind of behaviour and are alike in the rest, and every seed
draws new group parameters, sizes and noise, so a method can not be tuned to one file.

========================  ==============================================================
generator                 what differs between the planted groups
========================  ==============================================================
``volume_value``          how much users do, how often they buy and how much they spend
``mix``                   platform mix, content format, hour of day and order value;
                          volume varies a lot inside every group
``time_of_day``           the hours and the days of the week users are active
``lifecycle``             when users were active: new, steady, lapsed, early churned
``attributes``            categorical user attributes (tier, city, skin type, ...); the
                          behaviour is the same for everyone
``none``                  nothing: one behaviour, volume varying (the honest answer is
                          "no distinct groups")
``sample``                the bundled sample's generator (``core.data.synth``), one case among
                          the others
========================  ==============================================================

Every case has imbalanced group sizes (the smallest group holds 5-10 % of users), pure
noise columns in the users table (numeric with normal, uniform and heavy-tailed values,
and a categorical one), and :func:`write_case` can write it with foreign (Chinese)
column names and in GBK, as exports from Chinese platforms come.

All randomness comes from one ``numpy.random.Generator`` seeded by ``seed``.

Why this module is long: the six generators are short configurations of one shared
simulator, and reading them next to it is what shows how the cases differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core.data.synth.generator import generate
from core.errors import DataError
from core.i18n import tr

__all__ = ["CASES", "Case", "GroupSpec", "make_case", "write_case"]

EVENT_TYPES = ("view", "click", "like", "comment", "share", "save", "follow", "purchase")
PLATFORMS = ("wechat", "weibo", "douyin", "xiaohongshu", "kuaishou", "bilibili")
FORMATS = ("text_image", "video", "live", "article")
START = pd.Timestamp("2025-03-01")

#: Everyone's behaviour unless a generator changes it.
_BASE_TYPE_MIX = np.array([0.55, 0.12, 0.15, 0.05, 0.04, 0.05, 0.02, 0.02])


@dataclasses.dataclass(frozen=True)
class GroupSpec:
    """How one planted group behaves (defaults: a typical user)."""

    volume: float = 25.0  # median events per user
    volume_sigma: float = 0.6  # log-normal spread of volume inside the group
    type_mix: tuple[float, ...] = tuple(_BASE_TYPE_MIX)
    platform_mix: tuple[float, ...] = (1 / 6,) * 6
    format_mix: tuple[float, ...] = (0.25,) * 4
    hours: tuple[float, ...] = (1 / 24,) * 24  # hour-of-day probabilities
    weekend_weight: float = 1.0  # weight of a Saturday / Sunday vs a weekday
    order_value: float = 80.0  # median purchase amount
    active_from: tuple[float, float] = (0.0, 0.0)  # start day range, as a share of the period
    active_to: tuple[float, float] = (1.0, 1.0)  # end day range, as a share of the period
    attributes: tuple[tuple[str, tuple[str, ...], tuple[float, ...]], ...] = ()
    user_concentration: float = 40.0  # Dirichlet concentration of a user's own mixes


@dataclasses.dataclass(frozen=True)
class Case:
    """One generated file: events, users, planted truth and a description."""

    name: str
    events: pd.DataFrame
    users: pd.DataFrame
    truth: pd.Series  # group per user_id ("all" when there is no structure)
    description: str

    @property
    def k(self) -> int:
        """The planted number of groups (1 when there is no structure)."""
        return int(self.truth.nunique())


# --- building blocks ------------------------------------------------------------------


def _sizes(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """Imbalanced group sizes summing to n; the smallest share is 5-10 %."""
    if k == 1:
        return np.array([n])
    smallest = rng.uniform(0.05, 0.10)
    rest = rng.dirichlet(np.full(k - 1, 2.0)) * (1 - smallest)
    shares = np.concatenate([[smallest], rest])
    shares = np.maximum(shares, 0.05)
    shares = shares / shares.sum()
    sizes = np.floor(shares * n).astype(int)
    sizes[-1] += n - sizes.sum()
    return rng.permutation(sizes)


def _peaked(rng: np.random.Generator, size: int, n_peaks: int, strength: float) -> np.ndarray:
    """A probability vector with a few random favourite entries."""
    p = np.ones(size)
    for i in rng.choice(size, n_peaks, replace=False):
        p[i] += strength * rng.uniform(0.6, 1.0)
    return p / p.sum()


def _hour_profile(centre: float, width: float) -> np.ndarray:
    h = np.arange(24)
    d = np.minimum(np.abs(h - centre), 24 - np.abs(h - centre))
    p = 0.08 + np.exp(-0.5 * (d / width) ** 2)
    return p / p.sum()


def _noise_columns(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Columns with no relation to any group: what segmentation must ignore."""
    return {
        "score_a": np.round(rng.normal(50, 10, n), 1),
        "score_b": np.round(rng.uniform(0, 100, n), 1),
        "spend_index": np.round(rng.lognormal(3, 1, n), 2),
        "channel_code": rng.choice(["c1", "c2", "c3", "c4"], n),
    }


def _simulate(
    rng: np.random.Generator,
    name: str,
    specs: list[GroupSpec],
    group_names: list[str],
    n_users: int,
    days: int,
    description: str,
) -> Case:
    """Events and users for planted groups, vectorised (no loop over events)."""
    k = len(specs)
    sizes = _sizes(rng, n_users, k)
    group = np.repeat(np.arange(k), sizes)
    group = group[rng.permutation(n_users)]
    uid = np.array([f"m{i:06d}" for i in range(1, n_users + 1)])

    volume = np.array([s.volume for s in specs])[group]
    sigma = np.array([s.volume_sigma for s in specs])[group]
    n_ev = np.maximum(1, np.round(rng.lognormal(np.log(volume), sigma))).astype(int)

    # Each user's own active window inside the period, in days.
    lo = np.array([s.active_from for s in specs])[group]
    hi = np.array([s.active_to for s in specs])[group]
    a = rng.uniform(lo[:, 0], lo[:, 1]) * days
    b = rng.uniform(hi[:, 0], hi[:, 1]) * days
    b = np.maximum(b, a + 3)
    b = np.minimum(b, days)
    a = np.minimum(a, b - 1)

    ev_user = np.repeat(np.arange(n_users), n_ev)
    n_total = len(ev_user)

    def per_user_choice(mixes: np.ndarray, conc: np.ndarray) -> np.ndarray:
        # A user's own mix ~ Dirichlet(conc * group mix); then one draw per event.
        draws = rng.gamma(np.maximum(conc[:, None] * mixes[group], 1e-3))
        user_mix = draws / draws.sum(axis=1, keepdims=True)
        cum = np.cumsum(user_mix, axis=1)[ev_user]
        u = rng.random(n_total)[:, None]
        return np.minimum((u > cum).sum(axis=1), mixes.shape[1] - 1)

    conc = np.array([s.user_concentration for s in specs])[group]
    etype = per_user_choice(np.array([s.type_mix for s in specs], float), conc)
    plat = per_user_choice(np.array([s.platform_mix for s in specs], float), conc)
    fmt = per_user_choice(np.array([s.format_mix for s in specs], float), conc)

    # Days: inside the user's window, weekends weighted by the group's habit.
    hours_p = np.array([s.hours for s in specs], float)
    wk = np.array([s.weekend_weight for s in specs])[group][ev_user]
    day = a[ev_user] + rng.random(n_total) * (b - a)[ev_user]
    dayi = np.floor(day).astype(int)
    weekday = (START.day_of_week + dayi) % 7
    # Rejection-free reweighting: move a share of weekday events to the nearest weekend.
    is_weekend = weekday >= 5
    p_keep = np.where(is_weekend, 1.0, np.minimum(1.0, 1.0 / np.maximum(wk, 1e-9)))
    move = (~is_weekend) & (rng.random(n_total) > p_keep)
    shift = (5 - weekday) % 7
    dayi = np.where(move & (dayi + shift < days), dayi + shift, dayi)
    p_drop_weekend = np.where(is_weekend & (wk < 1), 1 - wk, 0.0)
    back = rng.random(n_total) < p_drop_weekend
    dayi = np.where(back, np.maximum(dayi - (weekday - 4), 0), dayi)

    cum_h = np.cumsum(hours_p, axis=1)[group[ev_user]]
    hour = np.minimum((rng.random(n_total)[:, None] > cum_h).sum(axis=1), 23)
    seconds = rng.integers(0, 3600, n_total)
    ts = (
        START.to_datetime64()
        + dayi.astype("timedelta64[D]")
        + hour.astype("timedelta64[h]")
        + seconds.astype("timedelta64[s]")
    )

    etype_names = np.array(EVENT_TYPES)[etype]
    aov = np.array([s.order_value for s in specs])[group][ev_user]
    amount = np.where(
        etype_names == "purchase", np.round(rng.lognormal(np.log(aov), 0.35), 2), np.nan
    )
    events = pd.DataFrame(
        {
            "user_id": uid[ev_user],
            "timestamp": pd.to_datetime(ts).strftime("%Y-%m-%d %H:%M:%S"),
            "event_type": etype_names,
            "platform": np.array(PLATFORMS)[plat],
            "amount": amount,
            "content_format": np.array(FORMATS)[fmt],
        }
    ).sort_values("timestamp", kind="stable")

    users = {"user_id": uid}
    for attr_name, _, _ in specs[0].attributes:
        values = np.empty(n_users, dtype=object)
        for g, s in enumerate(specs):
            levels, probs = next((lv, p) for nm, lv, p in s.attributes if nm == attr_name)
            idx = group == g
            values[idx] = rng.choice(list(levels), idx.sum(), p=np.asarray(probs) / sum(probs))
        users[attr_name] = values
    users.update(_noise_columns(rng, n_users))
    users["gender"] = rng.choice(["female", "male"], n_users, p=[0.6, 0.4])
    users["age"] = np.clip(np.round(rng.normal(31, 8, n_users)), 16, 70).astype(int)
    truth = pd.Series(np.array(group_names)[group], index=pd.Index(uid, name="user_id"))
    return Case(
        name=name,
        events=events.reset_index(drop=True),
        users=pd.DataFrame(users),
        truth=truth.rename("group"),
        description=description,
    )


# --- the generators -------------------------------------------------------------------


def volume_value(seed: int = 0, n_users: int = 3000, days: int = 90) -> Case:
    """Groups that differ in volume, buying and order value (nothing else)."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(4, 7))
    vols = np.exp(rng.permutation(np.linspace(np.log(8), np.log(250), k)))
    buy = rng.permutation(np.geomspace(0.02, 0.2, k))
    # Every group buys about twice or more per user on average, so its order value shows.
    buy = np.maximum(buy, 2.5 / vols)
    aov = rng.permutation(np.geomspace(15, 700, k))
    specs = []
    for g in range(k):
        mix = _BASE_TYPE_MIX.copy()
        mix[-1] = buy[g]
        specs.append(
            GroupSpec(
                volume=vols[g],
                volume_sigma=0.35,
                type_mix=tuple(mix / mix.sum()),
                order_value=aov[g],
            )
        )
    names = [f"vol{g + 1}" for g in range(k)]
    return _simulate(
        rng,
        "volume_value",
        specs,
        names,
        n_users,
        days,
        f"{k} groups differing in volume, purchase rate and order value",
    )


def mix(seed: int = 0, n_users: int = 4000, days: int = 60) -> Case:
    """Groups that differ in platform, format, hour and order value; volume varies a lot."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 6))
    centres = rng.permutation([8.0, 12.5, 17.0, 21.0, 1.0])[:k]
    specs = []
    for g in range(k):
        specs.append(
            GroupSpec(
                volume=30.0,
                volume_sigma=1.0,
                platform_mix=tuple(_peaked(rng, len(PLATFORMS), 2, 6.0)),
                format_mix=tuple(_peaked(rng, len(FORMATS), 1, 4.0)),
                hours=tuple(_hour_profile(centres[g], 2.5)),
                order_value=float(np.exp(rng.uniform(np.log(20), np.log(500)))),
            )
        )
    names = [f"mix{g + 1}" for g in range(k)]
    return _simulate(
        rng,
        "mix",
        specs,
        names,
        n_users,
        days,
        f"{k} groups differing in platform, format, hour and order value; "
        "volume varies widely inside every group",
    )


def time_of_day(seed: int = 0, n_users: int = 3000, days: int = 60) -> Case:
    """Groups that differ only in when they are active (hours and weekends)."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 5))
    centres = rng.permutation([7.5, 12.5, 20.5, 1.5])[:k]
    weekend = rng.permutation([0.4, 1.0, 3.0, 1.0])[:k]
    specs = [
        GroupSpec(
            volume=30.0,
            volume_sigma=0.8,
            hours=tuple(_hour_profile(centres[g], 2.0)),
            weekend_weight=float(weekend[g]),
        )
        for g in range(k)
    ]
    names = [f"time{g + 1}" for g in range(k)]
    return _simulate(
        rng,
        "time_of_day",
        specs,
        names,
        n_users,
        days,
        f"{k} groups differing only in active hours and weekend habit",
    )


def lifecycle(seed: int = 0, n_users: int = 3000, days: int = 120) -> Case:
    """Groups that differ in when they were active: new, steady, lapsed, early churned."""
    rng = np.random.default_rng(seed)
    stages = {
        "steady": GroupSpec(volume=40, volume_sigma=0.6),
        "new": GroupSpec(volume=15, volume_sigma=0.6, active_from=(0.82, 0.92)),
        "lapsed": GroupSpec(volume=25, volume_sigma=0.6, active_to=(0.45, 0.6)),
        "early_churned": GroupSpec(volume=12, volume_sigma=0.6, active_to=(0.08, 0.18)),
        "returning": GroupSpec(volume=30, volume_sigma=0.6, active_from=(0.4, 0.5)),
    }
    k = int(rng.integers(3, 6))
    chosen = ["steady"] + list(rng.permutation(list(stages)[1:])[: k - 1])
    specs = [stages[s] for s in chosen]
    return _simulate(
        rng,
        "lifecycle",
        specs,
        chosen,
        n_users,
        days,
        f"{k} lifecycle groups ({', '.join(chosen)})",
    )


_ATTRIBUTES = {
    "member_tier": ("bronze", "silver", "gold", "platinum"),
    "city_tier": ("tier1", "tier2", "tier3", "rural"),
    "skin_type": ("dry", "oily", "combination", "sensitive"),
    "occupation": ("student", "office worker", "freelancer", "retired", "homemaker"),
}


def attributes(seed: int = 0, n_users: int = 3000, days: int = 60) -> Case:
    """Groups that differ only in categorical user attributes; behaviour is shared."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 6))
    chosen = list(rng.permutation(list(_ATTRIBUTES))[:3])
    specs = []
    for _ in range(k):
        attrs = []
        for a in chosen:
            levels = _ATTRIBUTES[a]
            # Each group has one typical level of each attribute (80-90 % of its users).
            fav = rng.integers(0, len(levels))
            p = np.full(len(levels), (1 - 0.85) / (len(levels) - 1))
            p[fav] = 0.85
            attrs.append((a, levels, tuple(p)))
        specs.append(GroupSpec(volume=25.0, volume_sigma=0.8, attributes=tuple(attrs)))
    # Make sure no two groups share the same favourite levels on every attribute.
    favs = [tuple(int(np.argmax(p)) for _, _, p in s.attributes) for s in specs]
    for g in range(1, k):
        while favs[g] in favs[:g]:
            attrs = list(specs[g].attributes)
            j = int(rng.integers(0, len(attrs)))
            a, levels, p = attrs[j]
            p = tuple(np.roll(p, 1))
            attrs[j] = (a, levels, p)
            specs[g] = dataclasses.replace(specs[g], attributes=tuple(attrs))
            favs[g] = tuple(int(np.argmax(p)) for _, _, p in specs[g].attributes)
    names = [f"attr{g + 1}" for g in range(k)]
    return _simulate(
        rng,
        "attributes",
        specs,
        names,
        n_users,
        days,
        f"{k} groups differing only in {', '.join(chosen)}",
    )


def none(seed: int = 0, n_users: int = 3000, days: int = 60) -> Case:
    """One behaviour for everyone; volume varies. There are no groups to find."""
    rng = np.random.default_rng(seed)
    spec = GroupSpec(
        volume=float(rng.uniform(15, 40)),
        volume_sigma=float(rng.uniform(0.5, 1.1)),
        hours=tuple(_hour_profile(rng.uniform(0, 24), 5.0)),
    )
    return _simulate(
        rng,
        "none",
        [spec],
        ["all"],
        n_users,
        days,
        "no planted groups: one behaviour with volume varying",
    )


def sample(seed: int = 0, n_users: int = 2000, days: int = 90) -> Case:
    """The bundled sample's generator (six planted personas)."""
    data = generate(n_users, days, seed)
    truth = data.truth.set_index("user_id")["persona"].astype(str).rename("group")
    return Case("sample", data.events, data.users, truth, "the bundled sample's six personas")


CASES: dict[str, Callable[..., Case]] = {
    "volume_value": volume_value,
    "mix": mix,
    "time_of_day": time_of_day,
    "lifecycle": lifecycle,
    "attributes": attributes,
    "none": none,
    "sample": sample,
}


def make_case(name: str, seed: int = 0, **kwargs) -> Case:
    """Generate the case ``name`` (one of :data:`CASES`) with ``seed``."""
    if name not in CASES:
        raise DataError(
            tr("Unknown case {name}; use one of {cases}.", name=repr(name), cases=", ".join(CASES))
        )
    return CASES[name](seed=seed, **kwargs)


#: Foreign column names, as a Chinese platform export would have them.
_FOREIGN_EVENTS = {
    "user_id": "会员编号",
    "timestamp": "时间",
    "event_type": "行为",
    "platform": "平台",
    "amount": "金额",
    "content_format": "内容形式",
}
_FOREIGN_USERS = {"user_id": "会员编号", "age": "年龄", "gender": "性别"}
_FOREIGN_TYPES = {
    "view": "浏览",
    "click": "点击",
    "like": "点赞",
    "comment": "评论",
    "share": "转发",
    "save": "收藏",
    "follow": "关注",
    "purchase": "购买",
}


def write_case(case: Case, out_dir: str | Path, *, foreign: bool = False) -> dict[str, Path]:
    """Write ``events.csv``, ``users.csv`` and ``truth.csv`` into ``out_dir``.

    With ``foreign=True`` the files get Chinese column names and event names and are
    encoded in GBK, as exports from Chinese platforms often are. Returns the paths and a
    ``map`` of the ``--map`` options the CLI needs for columns it does not recognise.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    events, users = case.events, case.users
    enc = "utf-8"
    if foreign:
        events = events.assign(event_type=events["event_type"].map(_FOREIGN_TYPES))
        events = events.rename(columns=_FOREIGN_EVENTS)
        users = users.rename(columns=_FOREIGN_USERS)
        enc = "gbk"
    paths = {"events": out / "events.csv", "users": out / "users.csv", "truth": out / "truth.csv"}
    events.to_csv(paths["events"], index=False, encoding=enc)
    users.to_csv(paths["users"], index=False, encoding=enc)
    case.truth.rename_axis("user_id").reset_index().to_csv(paths["truth"], index=False)
    return paths


def analyst_baseline(
    features: pd.DataFrame, k: int, seed: int = 0, *, behaviour_only: bool = False
) -> np.ndarray:
    """The plain analyst's segmentation, told the true k: the yardstick for the auto path.

    ``log1p`` of every per-user count, order value and day count, every platform /
    format / hour share and the weekend share, numeric user attributes and one-hot
    categorical ones, standardised, then k-means with ``k`` groups (10 starts). With
    ``behaviour_only`` the analyst leaves the users table out (counts, shares, order
    value and days only), as one who knows the noise columns live there would.
    """
    from sklearn.cluster import KMeans  # heavy: imported when the yardstick runs

    # The yardstick reads a feature table; imported here so that importing the data
    # package never imports the segments package built on top of it.
    from core.segments.features import FEATURE_COLUMNS

    behaviour = set(FEATURE_COLUMNS)
    cols: dict[str, pd.Series] = {}
    for c in features.columns:
        s = features[c]
        if c == "user_id" or pd.api.types.is_bool_dtype(s):
            continue
        if behaviour_only and not (
            c in behaviour or c.startswith(("n_", "platform_share_", "format_share_"))
        ):
            continue
        if pd.api.types.is_numeric_dtype(s):
            v = s.astype("float64")
            if c.startswith("n_") or c in (
                "avg_order_value",
                "monetary",
                "frequency",
                "recency_days",
                "tenure_days",
                "active_days",
            ):
                v = np.log1p(v.clip(lower=0))
            cols[c] = v.fillna(0.0 if c == "avg_order_value" else v.median())
        elif c not in ("top_platform", "lifecycle_stage") and 2 <= s.nunique() <= 30:
            for level in s.dropna().unique():
                cols[f"{c}={level}"] = (s == level).astype("float64")
    X = pd.DataFrame(cols)
    X = X.loc[:, X.std() > 0]
    Z = ((X - X.mean()) / X.std()).fillna(0.0).to_numpy()
    return KMeans(max(int(k), 2), n_init=10, random_state=seed).fit_predict(Z)
