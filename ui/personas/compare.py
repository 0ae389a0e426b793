"""Compare two segments side by side, and the export buttons."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core import i18n
from core.common.markdown import escape_markdown
from core.errors import DataError
from core.export import persona_html, persona_markdown
from core.i18n import fmt, tr
from ui.personas.data import compare_table, members_csv, pdf_deck

#: Feature names whose values are fractions of 1 (shown in %).
_PERCENT_SUFFIXES = ("_share", "_rate")


def render_compare(
    cards: list, names: dict, features, labels, dataset_id: str, run_id: str, min_group: int
) -> None:
    """Two pickers, then every difference tested and BH-corrected."""
    shown = [c for c in cards if not c.is_hidden]
    if len(shown) < 2:
        st.caption(
            tr("Comparing needs two segments of at least {n} users.", n=fmt.number(min_group))
        )
        return
    label = {c.segment: names.get(c.segment) or c.name for c in shown}
    segs = list(label)
    left, right = st.columns(2)
    a = left.selectbox(
        tr("First segment"), segs, index=0, format_func=label.get, key="personas_cmp_a"
    )
    b = right.selectbox(
        tr("Second segment"), segs, index=1, format_func=label.get, key="personas_cmp_b"
    )
    if a == b:
        st.info(tr("Pick two different segments."))
        return
    try:
        table = compare_table(dataset_id, run_id, a, b, min_group, features, labels)
    except DataError as exc:
        st.error(escape_markdown(exc))
        return
    only = st.toggle(tr("Only clear differences"), value=True, key="personas_cmp_only")
    view = table[table["clear"]] if only else table
    st.dataframe(_readable(view, label[a], label[b]), hide_index=True, width="stretch")
    st.caption(
        tr(
            "{clear} of {total} differences are clear: they pass the "
            "Benjamini-Hochberg correction (adjusted p < 0.05) and are large enough to matter "
            "(numbers: Welch's t-test, Cohen's d at least 0.2 and 20 % apart; attributes "
            "(gender, region, ...): chi-square test, Cramér's V at least 0.1).",
            clear=fmt.number(int(table["clear"].sum())),
            total=fmt.number(len(table)),
        )
    )


def _value_text(kind: str, feature: str, value: float) -> str:
    """A compared value as a reader says it: shares and rates in %, others rounded."""
    if not math.isfinite(value):
        return tr("n/a")
    if kind == "attribute" or feature.endswith(_PERCENT_SUFFIXES) or "_share_" in feature:
        return fmt.percent(value, 1 if abs(value) < 0.1 else 0)
    return fmt.number(value) if abs(value) >= 100 else fmt.decimal(value, 2)


def _p_text(p: float) -> str:
    """An adjusted p-value to three decimals, tiny ones as '< 0.001'."""
    if not math.isfinite(p):
        return tr("n/a")
    return "< 0.001" if p < 0.001 else fmt.number(p, 3)


def _readable(table: pd.DataFrame, name_a: str, name_b: str) -> pd.DataFrame:
    """The comparison as text columns (values in their units, p-values rounded)."""
    if name_a == name_b:  # two personas with one name: keep both columns
        name_a, name_b = tr("{name} (first)", name=name_a), tr("{name} (second)", name=name_b)
    what, difference, effect, adjusted = (
        tr("what"),
        tr("difference"),
        tr("effect size"),
        tr("adjusted p"),
    )
    rows = table.itertuples(index=False)
    return pd.DataFrame(
        [
            {
                what: r.label,
                name_a: _value_text(r.kind, r.feature, r.value_a),
                name_b: _value_text(r.kind, r.feature, r.value_b),
                difference: r.summary,
                effect: tr("n/a")
                if not math.isfinite(r.effect_size)
                else fmt.number(r.effect_size, 2),
                adjusted: _p_text(r.p_adjusted),
            }
            for r in rows
        ],
        columns=[what, name_a, name_b, difference, effect, adjusted],
    )


def render_exports(
    card, name: str, cards: list, names: dict, labels, dataset_id: str, run_id: str, min_group: int
) -> None:
    """Download this card (Markdown / HTML), the PDF deck, and the members CSV."""
    slug = "".join(ch if ch.isalnum() else "_" for ch in card.segment)[:40] or "segment"
    cols = st.columns(4)
    cols[0].download_button(
        tr("Card (Markdown)"),
        persona_markdown(card, name),
        file_name=f"persona_{slug}.md",
        mime="text/markdown",
        key="personas_dl_md",
    )
    cols[1].download_button(
        tr("Card (HTML)"),
        persona_html(card, name),
        file_name=f"persona_{slug}.html",
        mime="text/html",
        key="personas_dl_html",
    )
    shown_names = tuple(sorted((c.segment, names.get(c.segment) or c.name) for c in cards))
    if cols[2].toggle(
        tr("Prepare PDF deck"),
        key="personas_pdf_on",
        help=tr("One page per persona, for a workshop."),
    ):
        deck = pdf_deck(dataset_id, run_id, min_group, shown_names, cards, i18n.current())
        cols[2].download_button(
            tr("PDF deck (all personas)"),
            deck,
            file_name="personas.pdf",
            mime="application/pdf",
            key="personas_dl_pdf",
        )
    if card.is_hidden:
        cols[3].caption(tr("Members hidden: fewer than {n} users.", n=fmt.number(min_group)))
    else:
        cols[3].download_button(
            tr("Members (CSV)"),
            members_csv(labels, card.segment, name),
            file_name=f"members_{slug}.csv",
            mime="text/csv",
            key="personas_dl_csv",
            help=tr("user_id, segment and persona name, safe to open in Excel."),
        )
    st.caption(
        tr(
            "Exports hide every breakdown of fewer than {n} users. Names are as shown: {name}.",
            n=fmt.number(min_group),
            name=escape_markdown(name),
        )
    )
