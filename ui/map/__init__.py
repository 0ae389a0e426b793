"""The Map page's helpers (the page itself is ``app_pages/map.py``).

- ``data``: the PCA and UMAP maps from ``core.segments``, cached by dataset, run and
  parameters; the UMAP job's progress and cancel state; box selection and saving it as
  a segment.
- ``charts``: the Altair scatter, coloured by segment or by a feature, with segment names
  at their centres.
"""

from ui.map import charts, data

__all__ = ["charts", "data"]
