"""The Segment page's helpers (the page itself is ``app_pages/segment.py``).

- ``data``: calls into ``core.segments``, cached by dataset and parameters; the words
  for methods, scalings, quality and stability; restoring a saved run's settings.
- ``charts``: Altair charts of quality per number of segments and of segment sizes, and
  :func:`link`, a page link that also works where page links are unavailable.
"""

from ui.segment import charts, data
from ui.segment.charts import link

__all__ = ["charts", "data", "link"]
