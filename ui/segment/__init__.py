"""The Segment page's helpers (the page itself is ``app_pages/segment.py``).

- ``data``: calls into ``core.segments``, cached by dataset and parameters; the words
  for methods, scalings, quality and stability; restoring a saved run's settings.
- ``charts``: Altair charts of quality per number of segments and of segment sizes.
"""

from ui.segment import charts, data

__all__ = ["charts", "data"]
