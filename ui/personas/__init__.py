"""The Personas page's pieces (``app_pages/personas.py`` puts them together).

- ``cards``: the grid of persona cards, each with an editable name;
- ``detail``: one persona in tabs (activity, who they are, comments, traits, KPIs, actions);
- ``compare``: two segments side by side, and the export buttons;
- ``export_activation``: every user with their persona, and audience lists, to download;
- ``migration``: who moved between two saved runs or two dates (Sankey, table, CSV), and
  the earlier-run picker of the report;
- ``data``: the cached calls into ``core.personas`` and ``core.export``; ``run_names``
  gives every page the names the Personas page shows.
"""

from ui.personas.cards import display_name, name_key, render_grid
from ui.personas.compare import render_compare, render_exports
from ui.personas.data import (
    auto_names,
    build_cards,
    clv_table,
    compare_table,
    kpi_table,
    members_csv,
    pdf_deck,
    run_names,
)
from ui.personas.detail import heatmap_chart, render_detail
from ui.personas.export_activation import render_activation
from ui.personas.migration import earlier_run_picker, render_migration

__all__ = [
    "auto_names",
    "build_cards",
    "clv_table",
    "compare_table",
    "display_name",
    "earlier_run_picker",
    "heatmap_chart",
    "kpi_table",
    "members_csv",
    "name_key",
    "pdf_deck",
    "render_activation",
    "render_compare",
    "render_detail",
    "render_exports",
    "render_grid",
    "render_migration",
    "run_names",
]
