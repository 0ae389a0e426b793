"""Data page: the column-mapping form (one row per source column with a preview)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.data import EVENT_FIELDS, USER_FIELDS, guess_mapping
from core.errors import DataError
from core.i18n import N_, current, language, tr

NOT_USED = ""
#: What each field is called in the picker (translated where it is shown, ``tr(label)``).
FIELD_LABELS: dict[str, str] = {
    NOT_USED: N_("(not used)"),
    "user_id": N_("user id (who) · required"),
    "timestamp": N_("time of the event · required"),
    "event_type": N_("event type (view, like, purchase...) · required"),
    "platform": N_("platform (WeChat, Douyin...)"),
    "amount": N_("amount paid"),
    "content_id": N_("content id (post, video)"),
    "content_format": N_("content format (video, text_image...)"),
    "campaign": N_("campaign"),
    "text": N_("comment or message text"),
    "age": N_("age"),
    "gender": N_("gender"),
    "region": N_("region / city"),
    "occupation": N_("occupation"),
    "income": N_("income"),
    "interests": N_("interests"),
    "followers": N_("followers"),
    "signup_date": N_("sign-up date"),
}
CUSTOM = N_("(keep as custom attribute)")
# The sentence that points at the picker, for the events file and for the users file.
_PICK = {
    "events": N_(
        "{error} Under “Use as”, pick “{field}” for the column of your events file that holds "
        "it, then press Load dataset again."
    ),
    "users": N_(
        "{error} Under “Use as”, pick “{field}” for the column of your users file that holds "
        "it, then press Load dataset again."
    ),
}


def labeller(label_of: Callable[[str], str]) -> Callable[[str], str]:
    """A widget ``format_func`` that writes labels in the language of this page run.

    Streamlit may call a ``format_func`` outside the page run (AppTest does, to report the
    widget's state), where the page's language is not known; the language is fixed here.
    """
    lang = current()

    def label(value: str) -> str:
        """The label of one option."""
        with language(lang):
            return label_of(value)

    return label


def _preview_text(values: pd.Series) -> str:
    shown = [str(v) for v in values.dropna().head(3)]
    text = " · ".join(v if len(v) <= 24 else v[:23] + "…" for v in shown)
    return text or tr("(empty in the first rows)")


def problem_text(exc: DataError) -> str:
    """The load error in the form's words: what is wrong, and which picker fixes it."""
    text = str(exc)
    if exc.field in FIELD_LABELS:
        template = _PICK["users" if exc.kind == "users" else "events"]
        text = tr(template, error=text, field=tr(FIELD_LABELS[exc.field]))
    return text


def mapping_rows(
    preview: pd.DataFrame, kind: str, token: str, *, fix_column: str | None = None
) -> dict[str, str]:
    """Render one row per column (name, first values, field picker); return the choices.

    Must be called inside an ``st.form``. Returns ``{column: field}`` with ``""`` for
    columns the user marked as not used (for users: kept as a custom attribute).
    ``fix_column`` is drawn in a red frame: the column the last load failed on.
    """
    fields = EVENT_FIELDS if kind == "events" else USER_FIELDS
    guessed = guess_mapping(preview.columns, kind)
    options = [NOT_USED, *fields]
    head = st.columns([2, 4, 3])
    head[0].markdown("**" + tr("Column in your file") + "**")
    head[1].markdown("**" + tr("First values") + "**")
    head[2].markdown("**" + tr("Use as") + "**")
    choices: dict[str, str] = {}
    for i, col in enumerate(preview.columns):
        flagged = str(col) == fix_column
        box = st.container(border=True) if flagged else st.container()
        row = box.columns([2, 4, 3])
        name = f"**{escape_markdown(col)}**"
        row[0].markdown(f":red[:material/error: {name}]" if flagged else name)
        row[1].caption(escape_markdown(_preview_text(preview[col])))
        if flagged:
            box.caption(
                ":red[" + tr("Loading stopped at this column: see the message above.") + "]"
            )
        default = guessed.get(col, NOT_USED)
        choices[col] = row[2].selectbox(
            tr("Use column {column} as", column=escape_markdown(col)),
            options,
            index=options.index(default),
            format_func=labeller(
                lambda f: tr(CUSTOM if (f == NOT_USED and kind == "users") else FIELD_LABELS[f])
            ),
            key=f"data_map_{kind}_{token}_{i}",
            label_visibility="collapsed",
        )
    return choices


def overrides(preview: pd.DataFrame, kind: str, choices: dict[str, str]) -> dict[str, str]:
    """Only the choices that differ from the automatic guess (``"ignore"`` un-maps).

    Passing only real changes keeps the dataset id equal to the CLI's for the same
    ``--map`` options, so the bundled sample loaded unchanged is still the sample.
    """
    guessed = guess_mapping(preview.columns, kind)
    out = {}
    for col, field in choices.items():
        if field != guessed.get(col, NOT_USED):
            out[col] = field or "ignore"
    return out
