"""Personas: each segment read as a person, with its KPIs, value and recommended actions.

Modules, in the order data flows through them:

- ``traits``: what sets a segment apart (Welch / z / chi-square tests, one
  Benjamini-Hochberg family, minimum effects) and the input checks;
- ``categories``: which columns are categories (age bands, value tiers, interests) and
  users per category;
- ``feature_text``: each feature's label and English trait templates (data);
- ``wording``: readable feature and attribute names, trait sentences in each language,
  posting windows;
- ``naming``: persona names from the strongest traits (rules as data);
- ``breakdowns``: mixes, activity heatmap and comments per segment, privacy applied;
- ``value``: purchases, spend and lifetime value per segment on a card;
- ``cards``: the :class:`Persona` card and :func:`build_personas`;
- ``compare``: two segments tested feature by feature;
- ``migration`` and ``sankey``: who moved from which persona to which between two
  segmentations, as a table, a sentence and a Sankey chart;
- ``records``: cards as JSON-ready records (the CLI output);
- ``playbook``: segment signals -> recommended actions (rules as data);
- ``kpis``: KPI definitions and formulas as data, computed per segment in SQL, and the
  one KPI number formatting;
- ``clv``: customer lifetime value per customer and per segment from the purchases;
- ``clv_models``: the BG/NBD, MBG/NBD and Gamma-Gamma models behind it;
- ``text``: comment words and a lexicon sentiment baseline.

The names below are loaded on first use (PEP 562 ``__getattr__``, as in Scientific
Python's SPEC 1): Explore and the report import ``kpis`` and ``text`` only, and must not
pay for scipy, statsmodels and the segmentation package that the cards need.
"""

from __future__ import annotations

from core.common.lazy import lazy_exports

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("Persona", "build_personas"), "cards"),
    **dict.fromkeys(
        (
            "CategoryTrait",
            "MIN_EFFECT",
            "MIN_LIFT",
            "SIGNIFICANCE",
            "Trait",
            "trait_table",
        ),
        "traits",
    ),
    **dict.fromkeys(
        (
            "FORMAT_LABELS",
            "MAX_WINDOWS",
            "attribute_label",
            "category_phrase",
            "category_word",
            "feature_label",
            "hidden_note",
            "posting_windows",
            "trait_phrase",
        ),
        "wording",
    ),
    **dict.fromkeys(
        ("NAME_RULES", "NAME_RULES_ZH", "NAME_STYLES", "NameRule", "auto_name", "persona_names"),
        "naming",
    ),
    "compare_segments": "compare",
    **dict.fromkeys(
        (
            "MigrationSection",
            "migration_chart",
            "migration_section",
            "movement_from_counts",
            "movement_sentence",
            "movement_summary",
            "movement_table",
            "period_movement",
            "report_migration_parts",
            "shown_table",
        ),
        "migration",
    ),
    "sankey_chart": "sankey",
    "personas_to_records": "records",
    **dict.fromkeys(
        ("PLAYBOOK", "Recommendation", "Rule", "format_lift", "platform_name", "recommend"),
        "playbook",
    ),
    **dict.fromkeys(
        (
            "ALL_USERS",
            "CAMPAIGN_KPIS",
            "CARD_KPIS",
            "KPI",
            "KPIS",
            "KPI_BY_KEY",
            "compute_kpis",
            "evaluate_kpis",
            "format_kpi_value",
            "kpi_definitions",
        ),
        "kpis",
    ),
    **dict.fromkeys(("CLVResult", "fit_clv", "rfm_summary", "segment_clv"), "clv"),
    **dict.fromkeys(("sentiment_score", "sentiment_summary", "tokenize", "top_words"), "text"),
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
