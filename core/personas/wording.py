"""Words of a persona card: readable names of features and attributes, trait sentences.

Everything a reader sees about a trait is written here, from data: per feature a label
and three sentence templates (:data:`FEATURE_TEXT`), per attribute a template for an
over-represented category (:data:`CATEGORY_TEXT`), and the activity slots as words,
names and hours. :func:`trait_phrase` and :func:`category_phrase` fill them in;
:func:`posting_windows` turns supported activity-time traits into a schedule.
"""

from __future__ import annotations

import math

from core.personas import playbook

#: When a group is active: tested as one distribution (hours of the day; weekend vs
#: weekday), not as separate numeric traits (see :func:`core.personas.traits._time_tests`).
HOUR_SHARE_PREFIX = "hour_share_"
WEEKEND_FEATURE = "weekend_share"


#: Readable label and sentence templates per feature: (label, higher, lower, never).
#: {amount} is "6x more" / "40% more" / "3x less"; {never} templates are for lift ~ 0.
FEATURE_TEXT: dict[str, tuple[str, str, str, str]] = {
    "n_events": (
        "activity",
        "is {amount} active than average",
        "is {amount} active than average",
        "is almost never active",
    ),
    "n_view": (
        "views",
        "views content {amount} than average",
        "views content {amount} than average",
        "almost never views content",
    ),
    "n_click": (
        "clicks",
        "clicks {amount} than average",
        "clicks {amount} than average",
        "almost never clicks",
    ),
    "n_like": (
        "likes",
        "likes {amount} than average",
        "likes {amount} than average",
        "almost never likes",
    ),
    "n_comment": (
        "comments",
        "comments {amount} than average",
        "comments {amount} than average",
        "almost never comments",
    ),
    "n_share": (
        "shares",
        "shares {amount} than average",
        "shares {amount} than average",
        "almost never shares",
    ),
    "n_save": (
        "saves",
        "saves {amount} than average",
        "saves {amount} than average",
        "almost never saves",
    ),
    "n_follow": (
        "follows",
        "follows {amount} than average",
        "follows {amount} than average",
        "almost never follows",
    ),
    "n_message": (
        "messages",
        "sends {amount} messages than average",
        "sends {amount} messages than average",
        "almost never sends messages",
    ),
    "n_register": (
        "registrations",
        "registers {amount} than average",
        "registers {amount} than average",
        "almost never registers",
    ),
    "frequency": (
        "purchases",
        "buys {amount} often than average",
        "buys {amount} often than average",
        "almost never buys",
    ),
    "monetary": (
        "spend",
        "spends {amount} than average",
        "spends {amount} than average",
        "spends almost nothing",
    ),
    "avg_order_value": (
        "order value",
        "spends {amount} per order than average",
        "spends {amount} per order than average",
        "spends almost nothing per order",
    ),
    "recency_days": (
        "days since last activity",
        "was last seen {amount} long ago as average",
        "was seen {amount} recently than average",
        "was active very recently",
    ),
    "active_days": (
        "active days",
        "is active on {amount} days than average",
        "is active on {amount} days than average",
        "is almost never active",
    ),
    "tenure_days": (
        "days since first activity",
        "has been with us {amount} long as average",
        "has been with us {amount} long than average",
        "is brand new",
    ),
    "engagement_rate": (
        "engagement rate",
        "interacts with {amount} of what they see than average",
        "interacts with {amount} of what they see than average",
        "almost never interacts with what they see",
    ),
    "click_rate": (
        "click rate",
        "clicks {amount} of what they see than average",
        "clicks {amount} of what they see than average",
        "almost never clicks what they see",
    ),
    "purchase_rate": (
        "purchase rate",
        "buys {amount} of what they see than average",
        "buys {amount} of what they see than average",
        "almost never buys what they see",
    ),
    "weekend_share": (
        "weekend activity",
        "is active at weekends {amount} than average",
        "is active at weekends {amount} than average",
        "is almost never active at weekends",
    ),
    "followers": (
        "followers",
        "has {amount} followers than average",
        "has {amount} followers than average",
        "has almost no followers",
    ),
    "shares_received": (
        "shares received",
        "gets shared {amount} than average",
        "gets shared {amount} than average",
        "almost never gets shared",
    ),
    "n_platforms": (
        "platforms used",
        "uses {amount} platforms than average",
        "uses {amount} platforms than average",
        "uses almost no platforms",
    ),
    "age": (
        "age",
        "is {amount} old than average",
        "is {amount} young than average",
        "is very young",
    ),
}

#: How content formats read in a sentence.
FORMAT_WORDS: dict[str, str] = {
    "text_image": "photo-and-text posts",
    "video": "videos",
    "short_video": "short videos",
    "live": "live streams",
    "article": "articles",
    "audio": "audio",
}

#: Sentence templates for over-represented categories ({share}, {category}, {lift}).
CATEGORY_TEXT: dict[str, str] = {
    "top_platform": "{share} mostly use {category} ({lift} the average share)",
    "lifecycle_stage": "{share} are {category} users ({lift} the average share)",
    "value_tier": "{share} are in the {category} tier ({lift} the average share)",
    "age_band": "{share} are aged {category} ({lift} the average share)",
    "gender": "{share} are {category} ({lift} the average share)",
    "region": "{share} live in {category} ({lift} the average share)",
    "occupation": "{share} give their occupation as {category} ({lift} the average share)",
    "income": "{share} have {category} income ({lift} the average share)",
    "interests": "{share} are interested in {category} ({lift} the average share)",
}


#: Templates for single categories that read badly in their attribute's template.
CATEGORY_VALUE_TEXT: dict[tuple[str, str], str] = {
    ("value_tier", "no purchase"): "{share} have never bought anything ({lift} the average share)",
}


def category_phrase(attribute: str, category: str, share: float, lift: float) -> str:
    """A card sentence for an over-represented category.

    Examples
    --------
    >>> category_phrase("top_platform", "douyin", 0.8, 2.0)
    '80% mostly use Douyin (2x the average share)'
    """
    shown = (
        playbook.PLATFORM_NAMES.get(str(category).lower(), category)
        if attribute == "top_platform"
        else category
    )
    template = CATEGORY_VALUE_TEXT.get((attribute, str(category))) or CATEGORY_TEXT.get(
        attribute,
        "{share} have "
        + _attribute_label(attribute).lower()
        + " '{category}' ({lift} the average share)",
    )
    return template.format(share=f"{share:.0%}", category=shown, lift=playbook.format_lift(lift))


SLOT_WORDS = {
    "night": "late at night",
    "morning": "in the morning",
    "afternoon": "in the afternoon",
    "evening": "in the evening",
}

#: Activity slots as a posting window.
SLOT_NAMES: dict[str, str] = {
    "night": "Late nights",
    "morning": "Mornings",
    "afternoon": "Afternoons",
    "evening": "Evenings",
}
#: Hours of each activity slot, as a card shows them.
SLOT_HOURS = {
    "night": "00:00-06:00",
    "morning": "06:00-12:00",
    "afternoon": "12:00-18:00",
    "evening": "18:00-24:00",
}

#: posting windows on a card: the strongest two (a long list is no schedule).
MAX_WINDOWS = 2


def hidden_note(min_group_size: int) -> str:
    """The text shown instead of a breakdown that is too small to show."""
    return f"hidden: fewer than {min_group_size} users"


def _amount(lift: float, higher: bool, feature: str) -> str:
    """'6x more', '40% more', '3x less' (words adapted to the feature's template)."""
    more, less = ("more", "less")
    if feature == "frequency":
        more, less = ("more", "less")
    if feature in ("recency_days", "tenure_days"):
        if higher:
            return (
                f"{playbook.format_lift(lift)} as" if lift >= 2 else f"{(lift - 1):.0%} longer than"
            )
        return f"{playbook.format_lift(1 / lift)} more" if lift <= 0.5 else f"{(1 - lift):.0%} more"
    if feature == "age":
        return f"{abs(lift - 1):.0%} " + ("older" if higher else "younger")
    if higher:
        return f"{playbook.format_lift(lift)} {more}" if lift >= 2 else f"{(lift - 1):.0%} {more}"
    return f"{playbook.format_lift(1 / lift)} {less}" if lift <= 0.5 else f"{(1 - lift):.0%} {less}"


def trait_phrase(feature: str, lift: float, value: float, population_value: float) -> str:
    """A card sentence for a trait, e.g. ``shares 6x more than average``.

    Examples
    --------
    >>> trait_phrase("n_share", 6.0, 12.0, 2.0)
    'shares 6x more than average'
    >>> trait_phrase("monetary", 0.25, 5.0, 20.0)
    'spends 4x less than average'
    """
    higher = value > population_value
    if lift is None or not math.isfinite(lift):
        label = _label(feature)
        return f"{label}: {value:.3g} (average {population_value:.3g})"
    if feature == "age":
        return f"is {'older' if higher else 'younger'} than average ({value:.0f} vs {population_value:.0f} years)"
    if feature == "recency_days":
        if higher:
            return f"was last seen {value:.0f} days ago on average ({playbook.format_lift(lift)} the average {population_value:.0f})"
        return f"was active more recently than average ({value:.0f} vs {population_value:.0f} days ago)"
    if feature == "tenure_days":
        return f"{'has been with us longer' if higher else 'joined more recently'} than average ({value:.0f} vs {population_value:.0f} days)"
    if not higher and lift < 0.05:
        template = FEATURE_TEXT.get(feature, (None, None, None, None))[3]
        return template or f"almost no {_label(feature)}"
    text = FEATURE_TEXT.get(feature)
    amount = _amount(lift, higher, feature)
    if text is not None:
        template = text[1] if higher else text[2]
        return template.format(amount=amount)
    return _generic_phrase(feature, amount)


def _generic_phrase(feature: str, amount: str) -> str:
    """A trait sentence for a feature without its own templates."""
    if feature.startswith("platform_share_"):
        name = playbook.PLATFORM_NAMES.get(
            feature.removeprefix("platform_share_"), feature.removeprefix("platform_share_").title()
        )
        return f"is active on {name} {amount} than average"
    if feature.startswith("format_share_"):
        fmt = feature.removeprefix("format_share_")
        return f"engages with {FORMAT_WORDS.get(fmt, fmt.replace('_', ' ') + ' content')} {amount} than average"
    if feature.startswith("hour_share_"):
        slot = feature.removeprefix("hour_share_")
        return f"is active {SLOT_WORDS.get(slot, slot)} {amount} than average"
    return f"{_label(feature)}: {amount} than average"


def _label(feature: str) -> str:
    """Readable name of a feature column."""
    if feature in FEATURE_TEXT:
        return FEATURE_TEXT[feature][0]
    if feature.startswith("platform_share_"):
        p = feature.removeprefix("platform_share_")
        return f"share of activity on {playbook.PLATFORM_NAMES.get(p, p.title())}"
    if feature.startswith("format_share_"):
        return f"share of {feature.removeprefix('format_share_').replace('_', ' ')} content"
    if feature.startswith("hour_share_"):
        return f"share of activity {SLOT_WORDS.get(feature.removeprefix('hour_share_'), feature)}"
    if feature.startswith("n_"):
        return f"{feature.removeprefix('n_').replace('_', ' ')} events"
    return feature.replace("_", " ")


def feature_label(feature: str) -> str:
    """Readable name of a feature column (for tables and charts)."""
    return _label(feature)


def _attribute_label(attribute: str) -> str:
    """Readable name of a categorical attribute."""
    return {
        "age_band": "Age",
        "top_platform": "Main platform",
        "lifecycle_stage": "Lifecycle stage",
        "value_tier": "Value tier",
    }.get(attribute, attribute.replace("_", " ").capitalize())


def attribute_label(attribute: str) -> str:
    """Readable name of a categorical attribute."""
    return _attribute_label(attribute)


def _time_phrase(feature: str, value: float, rest_value: float) -> str:
    """'is active in the evening (18:00-24:00) more than everyone else (45% of its
    activity vs 28%)'."""
    more = "more" if value > rest_value else "less"
    versus = f"({value:.0%} of its activity vs {rest_value:.0%})"
    if feature == WEEKEND_FEATURE:
        return f"is active at weekends {more} than everyone else {versus}"
    slot = feature.removeprefix(HOUR_SHARE_PREFIX)
    when = f"{SLOT_WORDS.get(slot, slot)} ({SLOT_HOURS.get(slot, '')})"
    return f"is active {when} {more} than everyone else {versus}"


def posting_windows(traits, *, top: int = MAX_WINDOWS) -> list[str]:
    """When to post to a group: its supported activity-hour and weekday traits only.

    Parameters
    ----------
    traits : iterable of Trait
        A persona's supported traits, strongest first.
    top : int
        At most this many windows (the strongest).

    Returns
    -------
    list of str
        e.g. ``["Evenings (18:00-24:00)", "Weekends"]``; empty when the group's hours and
        days do not differ from everyone else's (then no window is claimed).
    """
    out = []
    for t in traits:
        if t.test == "hours" and t.direction == "higher":
            slot = t.feature.removeprefix(HOUR_SHARE_PREFIX)
            out.append(f"{SLOT_NAMES.get(slot, slot.title())} ({SLOT_HOURS.get(slot, '')})")
        elif t.test == "weekdays":
            out.append("Weekends" if t.direction == "higher" else "Weekdays")
    return out[:top]
