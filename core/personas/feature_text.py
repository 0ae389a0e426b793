"""Per-feature words of a trait: the feature's label and its English sentence templates.

Kept apart from :mod:`core.personas.wording` (which fills them in) because the table is
long. The labels are catalogue messages (``N_``; shown with ``tr``). The three sentence
templates are English grammar ("buys {amount} often than average", with ``{amount}`` as
"6x more" or "40% more"); other languages write a trait with
:data:`core.personas.wording.COMPARISONS` around the label instead.
"""

from __future__ import annotations

from core.i18n import N_

#: Readable label and sentence templates per feature: (label, higher, lower, never).
#: {amount} is "6x more" / "40% more" / "3x less"; {never} templates are for lift ~ 0.
FEATURE_TEXT: dict[str, tuple[str, str, str, str]] = {
    "n_events": (
        N_("activity"),
        "is {amount} active than average",
        "is {amount} active than average",
        "is almost never active",
    ),
    "n_view": (
        N_("views"),
        "views content {amount} than average",
        "views content {amount} than average",
        "almost never views content",
    ),
    "n_click": (
        N_("clicks"),
        "clicks {amount} than average",
        "clicks {amount} than average",
        "almost never clicks",
    ),
    "n_like": (
        N_("likes"),
        "likes {amount} than average",
        "likes {amount} than average",
        "almost never likes",
    ),
    "n_comment": (
        N_("comments"),
        "comments {amount} than average",
        "comments {amount} than average",
        "almost never comments",
    ),
    "n_share": (
        N_("shares"),
        "shares {amount} than average",
        "shares {amount} than average",
        "almost never shares",
    ),
    "n_save": (
        N_("saves"),
        "saves {amount} than average",
        "saves {amount} than average",
        "almost never saves",
    ),
    "n_follow": (
        N_("follows"),
        "follows {amount} than average",
        "follows {amount} than average",
        "almost never follows",
    ),
    "n_message": (
        N_("messages"),
        "sends {amount} messages than average",
        "sends {amount} messages than average",
        "almost never sends messages",
    ),
    "n_register": (
        N_("registrations"),
        "registers {amount} than average",
        "registers {amount} than average",
        "almost never registers",
    ),
    "frequency": (
        N_("purchases"),
        "buys {amount} often than average",
        "buys {amount} often than average",
        "almost never buys",
    ),
    "monetary": (
        N_("spend"),
        "spends {amount} than average",
        "spends {amount} than average",
        "spends almost nothing",
    ),
    "avg_order_value": (
        N_("order value"),
        "spends {amount} per order than average",
        "spends {amount} per order than average",
        "spends almost nothing per order",
    ),
    "recency_days": (
        N_("days since last activity"),
        "was last seen {amount} long ago as average",
        "was seen {amount} recently than average",
        "was active very recently",
    ),
    "active_days": (
        N_("active days"),
        "is active on {amount} days than average",
        "is active on {amount} days than average",
        "is almost never active",
    ),
    "tenure_days": (
        N_("days since first activity"),
        "has been with us {amount} long as average",
        "has been with us {amount} long than average",
        "is brand new",
    ),
    "engagement_rate": (
        N_("engagement rate"),
        "interacts with {amount} of what they see than average",
        "interacts with {amount} of what they see than average",
        "almost never interacts with what they see",
    ),
    "click_rate": (
        N_("click rate"),
        "clicks {amount} of what they see than average",
        "clicks {amount} of what they see than average",
        "almost never clicks what they see",
    ),
    "purchase_rate": (
        N_("purchase rate"),
        "buys {amount} of what they see than average",
        "buys {amount} of what they see than average",
        "almost never buys what they see",
    ),
    "weekend_share": (
        N_("weekend activity"),
        "is active at weekends {amount} than average",
        "is active at weekends {amount} than average",
        "is almost never active at weekends",
    ),
    "followers": (
        N_("followers"),
        "has {amount} followers than average",
        "has {amount} followers than average",
        "has almost no followers",
    ),
    "shares_received": (
        N_("shares received"),
        "gets shared {amount} than average",
        "gets shared {amount} than average",
        "almost never gets shared",
    ),
    "n_platforms": (
        N_("platforms used"),
        "uses {amount} platforms than average",
        "uses {amount} platforms than average",
        "uses almost no platforms",
    ),
    "age": (
        N_("age"),
        "is {amount} old than average",
        "is {amount} young than average",
        "is very young",
    ),
}
