"""The Data page's pieces: the column-mapping form and the validation report.

- ``mapping``: one row per source column with a preview and the field it feeds
  (:func:`mapping_rows`, :func:`overrides`), and a load problem in words
  (:func:`problem_text`); :func:`labeller` writes widget option labels in the page's
  language;
- ``report``: what a load read, kept, rejected and did to personal data
  (:func:`render_report`).
"""

from ui.data.mapping import FIELD_LABELS, labeller, mapping_rows, overrides, problem_text
from ui.data.report import render_report

__all__ = ["FIELD_LABELS", "labeller", "mapping_rows", "overrides", "problem_text", "render_report"]
