"""The Explore page's Streamlit helpers.

- ``data``: the page :class:`Context` and one cached wrapper per ``core.explore`` call;
- ``sections``: one function per section of the page (``SECTIONS``: title -> function);
- ``view``: a chart or KPI table with its download button, KPI column formats.
"""

from ui.explore.data import Context, current_run, open_dataset, sample_costs
from ui.explore.sections import SECTIONS
from ui.explore.view import chart, kpi_columns, kpi_text, table

__all__ = [
    "SECTIONS",
    "Context",
    "chart",
    "current_run",
    "kpi_columns",
    "kpi_text",
    "open_dataset",
    "sample_costs",
    "table",
]
