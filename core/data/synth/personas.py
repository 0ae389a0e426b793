"""The planted personas of the sample data, as data: vocabularies, :class:`Persona`, ``PERSONAS``.

Adding a persona means adding one entry to ``PERSONAS``; the generator has no branch
per persona. The order of each vocabulary tuple is the order of the probability vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    active_window: tuple[float, float] = (
        0.0,
        1.0,
    )  # fraction of the period the persona is active in


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
