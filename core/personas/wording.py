"""Words of a persona card: readable names of features and attributes, trait sentences.

Everything a reader sees about a trait is written here, from data: per feature a label
and three sentence templates (:data:`core.personas.feature_text.FEATURE_TEXT`), per attribute a template for an
over-represented category (:data:`CATEGORY_TEXT`), and the activity slots as words,
names and hours. :func:`trait_phrase` and :func:`category_phrase` fill them in;
:func:`posting_windows` turns supported activity-time traits into a schedule.

Languages: labels and category templates are catalogue messages (``N_`` here, ``tr``
where used). The English feature templates play with English grammar ("6x more",
"as long ago as") that no other language shares, so other languages write a numeric
trait with the four comparison messages of :data:`COMPARISONS` around the feature's
label ("分享次数是平均水平的6倍", "消费金额比平均水平低30%").
"""

from __future__ import annotations

import math

from core import i18n
from core.i18n import N_, fmt, tr
from core.personas import playbook
from core.personas.feature_text import FEATURE_TEXT
from core.segments import PLATFORM_LABELS

#: When a group is active: tested as one distribution (hours of the day; weekend vs
#: weekday), not as separate numeric traits (see :func:`core.personas.traits._time_tests`).
HOUR_SHARE_PREFIX = "hour_share_"
WEEKEND_FEATURE = "weekend_share"


#: A numeric trait in languages other than English (see the module notes): the feature's
#: label, then how it compares. ``{lift}`` is "6x", ``{percent}`` "40%".
COMPARISONS: dict[str, str] = {
    "higher_times": N_("{feature} is {lift} the average"),
    "higher_percent": N_("{feature} is {percent} above average"),
    "lower_times": N_("{feature} is only {percent} of the average"),
    "lower_percent": N_("{feature} is {percent} below average"),
    "never": N_("{feature} is close to zero"),
}

#: How content formats read in a sentence.
FORMAT_WORDS: dict[str, str] = {
    "text_image": N_("photo-and-text posts"),
    "video": N_("videos"),
    "short_video": N_("short videos"),
    "live": N_("live streams"),
    "article": N_("articles"),
    "audio": N_("audio"),
}
#: Content formats in a label ("share of {format} content").
FORMAT_LABELS: dict[str, str] = {
    "text_image": N_("text image"),
    "video": N_("video"),
    "short_video": N_("short video"),
    "live": N_("live"),
    "article": N_("article"),
    "audio": N_("audio"),
}
#: Category values PersonaLab itself writes (lifecycle stages, value tiers, age bands);
#: other values are the user's data and stay as they are.
CATEGORY_WORDS: dict[tuple[str, str], str] = {
    ("lifecycle_stage", "prospect"): N_("prospect"),
    ("lifecycle_stage", "new"): N_("new"),
    ("lifecycle_stage", "active"): N_("active"),
    ("lifecycle_stage", "loyal"): N_("loyal"),
    ("lifecycle_stage", "dormant"): N_("dormant"),
    ("lifecycle_stage", "churned"): N_("churned"),
    ("value_tier", "no purchase"): N_("no purchase"),
    ("value_tier", "low spend"): N_("low spend"),
    ("value_tier", "medium spend"): N_("medium spend"),
    ("value_tier", "high spend"): N_("high spend"),
    ("age_band", "under 18"): N_("under 18"),
}


def category_word(attribute: str, category: object) -> str:
    """A category as a reader sees it: platforms by their name, PersonaLab's own values
    (lifecycle stages, value tiers) in the current language, the user's values as given."""
    if attribute == "top_platform":
        return playbook.platform_name(category)
    word = CATEGORY_WORDS.get((attribute, str(category)))
    return tr(word) if word else str(category)


#: Sentence templates for over-represented categories ({share}, {category}, {lift}).
CATEGORY_TEXT: dict[str, str] = {
    "top_platform": N_("{share} mostly use {category} ({lift} the average share)"),
    "lifecycle_stage": N_("{share} are {category} users ({lift} the average share)"),
    "value_tier": N_("{share} are in the {category} tier ({lift} the average share)"),
    "age_band": N_("{share} are aged {category} ({lift} the average share)"),
    "gender": N_("{share} are {category} ({lift} the average share)"),
    "region": N_("{share} live in {category} ({lift} the average share)"),
    "occupation": N_("{share} give their occupation as {category} ({lift} the average share)"),
    "income": N_("{share} have {category} income ({lift} the average share)"),
    "interests": N_("{share} are interested in {category} ({lift} the average share)"),
}


#: Templates for single categories that read badly in their attribute's template.
CATEGORY_VALUE_TEXT: dict[tuple[str, str], str] = {
    ("value_tier", "no purchase"): N_(
        "{share} have never bought anything ({lift} the average share)"
    ),
}


def category_phrase(attribute: str, category: str, share: float, lift: float) -> str:
    """A card sentence for an over-represented category.

    Examples
    --------
    >>> category_phrase("top_platform", "douyin", 0.8, 2.0)
    '80% mostly use Douyin (2x the average share)'
    """
    shown = category_word(attribute, category)
    template = CATEGORY_VALUE_TEXT.get((attribute, str(category))) or CATEGORY_TEXT.get(attribute)
    values = {"share": fmt.percent(share), "category": shown, "lift": playbook.format_lift(lift)}
    if template is None:
        return tr(
            "{share} have {attribute} '{category}' ({lift} the average share)",
            attribute=_attribute_label(attribute).lower(),
            **values,
        )
    return tr(template, **values)


SLOT_WORDS = {
    "night": N_("late at night"),
    "morning": N_("in the morning"),
    "afternoon": N_("in the afternoon"),
    "evening": N_("in the evening"),
}

#: Activity slots as a posting window.
SLOT_NAMES: dict[str, str] = {
    "night": N_("Late nights"),
    "morning": N_("Mornings"),
    "afternoon": N_("Afternoons"),
    "evening": N_("Evenings"),
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
    return tr("hidden: fewer than {n} users", n=fmt.number(min_group_size))


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

    Written in the current language (see the module notes for languages other than
    English: ``分享次数是平均水平的6倍``).

    Examples
    --------
    >>> trait_phrase("n_share", 6.0, 12.0, 2.0)
    'shares 6x more than average'
    >>> trait_phrase("monetary", 0.25, 5.0, 20.0)
    'spends 4x less than average'
    """
    higher = value > population_value
    if lift is None or not math.isfinite(lift):
        return tr(
            "{feature}: {value} (average {average})",
            feature=_label(feature),
            value=fmt.decimal(value, 3),
            average=fmt.decimal(population_value, 3),
        )
    numbers = {"value": fmt.number(value), "average": fmt.number(population_value)}
    if feature == "age":
        if higher:
            return tr("is older than average ({value} vs {average} years)", **numbers)
        return tr("is younger than average ({value} vs {average} years)", **numbers)
    if feature == "recency_days":
        if higher:
            return tr(
                "was last seen {value} days ago on average ({lift} the average {average})",
                lift=playbook.format_lift(lift),
                **numbers,
            )
        return tr(
            "was active more recently than average ({value} vs {average} days ago)", **numbers
        )
    if feature == "tenure_days":
        if higher:
            return tr("has been with us longer than average ({value} vs {average} days)", **numbers)
        return tr("joined more recently than average ({value} vs {average} days)", **numbers)
    if i18n.current() != "en":
        return _compared(feature, lift, higher)
    if not higher and lift < 0.05:
        template = FEATURE_TEXT.get(feature, (None, None, None, None))[3]
        return template or f"almost no {_label(feature)}"
    text = FEATURE_TEXT.get(feature)
    amount = _amount(lift, higher, feature)
    if text is not None:
        template = text[1] if higher else text[2]
        return template.format(amount=amount)
    return _generic_phrase(feature, amount)


def _compared(feature: str, lift: float, higher: bool) -> str:
    """A numeric trait in a language other than English, from :data:`COMPARISONS`."""
    values = {"feature": _label(feature)}
    if not higher and lift < 0.05:
        case = "never"
    elif higher and lift >= 2:
        case, values["lift"] = "higher_times", playbook.format_lift(lift)
    elif higher:
        case, values["percent"] = "higher_percent", fmt.percent(lift - 1)
    elif lift <= 0.5:
        case, values["percent"] = "lower_times", fmt.percent(lift)
    else:
        case, values["percent"] = "lower_percent", fmt.percent(1 - lift)
    template = COMPARISONS[case]
    return tr(template, **values)


def _generic_phrase(feature: str, amount: str) -> str:
    """A trait sentence for a feature without its own templates."""
    if feature.startswith("platform_share_"):
        key = feature.removeprefix("platform_share_")
        name = PLATFORM_LABELS.get(key, key.title())  # the English template: the msgid
        return f"is active on {name} {amount} than average"
    if feature.startswith("format_share_"):
        fmt = feature.removeprefix("format_share_")
        return f"engages with {FORMAT_WORDS.get(fmt, fmt.replace('_', ' ') + ' content')} {amount} than average"
    if feature.startswith("hour_share_"):
        slot = feature.removeprefix("hour_share_")
        return f"is active {SLOT_WORDS.get(slot, slot)} {amount} than average"
    return f"{_label(feature)}: {amount} than average"


def _label(feature: str) -> str:
    """Readable name of a feature column, in the current language."""
    if feature in FEATURE_TEXT:
        return tr(FEATURE_TEXT[feature][0])
    if feature.startswith("platform_share_"):
        platform = playbook.platform_name(feature.removeprefix("platform_share_"))
        return tr("share of activity on {platform}", platform=platform)
    if feature.startswith("format_share_"):
        name = feature.removeprefix("format_share_")
        shown = tr(FORMAT_LABELS[name]) if name in FORMAT_LABELS else name.replace("_", " ")
        return tr("share of {format} content", format=shown)
    if feature.startswith("hour_share_"):
        slot = feature.removeprefix("hour_share_")
        when = tr(SLOT_WORDS[slot]) if slot in SLOT_WORDS else feature
        return tr("share of activity {when}", when=when)
    if feature.startswith("n_"):
        return tr("{event} events", event=feature.removeprefix("n_").replace("_", " "))
    return feature.replace("_", " ")


def feature_label(feature: str) -> str:
    """Readable name of a feature column (for tables and charts)."""
    return _label(feature)


#: Attributes PersonaLab names itself (user columns keep their own name).
ATTRIBUTE_LABELS: dict[str, str] = {
    "age_band": N_("Age"),
    "top_platform": N_("Main platform"),
    "lifecycle_stage": N_("Lifecycle stage"),
    "value_tier": N_("Value tier"),
    "gender": N_("Gender"),
    "region": N_("Region"),
    "occupation": N_("Occupation"),
    "income": N_("Income"),
    "interests": N_("Interests"),
}


def _attribute_label(attribute: str) -> str:
    """Readable name of a categorical attribute."""
    known = ATTRIBUTE_LABELS.get(attribute)
    return tr(known) if known else attribute.replace("_", " ").capitalize()


def attribute_label(attribute: str) -> str:
    """Readable name of a categorical attribute."""
    return _attribute_label(attribute)


def _time_phrase(feature: str, value: float, rest_value: float) -> str:
    """'is active in the evening (18:00-24:00) more than everyone else (45% of its
    activity vs 28%)'."""
    shares = {"share": fmt.percent(value), "rest": fmt.percent(rest_value)}
    more = value > rest_value
    if feature == WEEKEND_FEATURE:
        if more:
            return tr(
                "is active at weekends more than everyone else ({share} of its activity vs {rest})",
                **shares,
            )
        return tr(
            "is active at weekends less than everyone else ({share} of its activity vs {rest})",
            **shares,
        )
    slot = feature.removeprefix(HOUR_SHARE_PREFIX)
    when = _with_hours(tr(SLOT_WORDS[slot]) if slot in SLOT_WORDS else slot, slot)
    if more:
        return tr(
            "is active {when} more than everyone else ({share} of its activity vs {rest})",
            when=when,
            **shares,
        )
    return tr(
        "is active {when} less than everyone else ({share} of its activity vs {rest})",
        when=when,
        **shares,
    )


def _with_hours(words: str, slot: str) -> str:
    """'in the evening (18:00-24:00)'."""
    return tr("{slot} ({hours})", slot=words, hours=SLOT_HOURS.get(slot, ""))


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
            out.append(
                _with_hours(tr(SLOT_NAMES[slot]) if slot in SLOT_NAMES else slot.title(), slot)
            )
        elif t.test == "weekdays":
            out.append(tr("Weekends") if t.direction == "higher" else tr("Weekdays"))
    return out[:top]
