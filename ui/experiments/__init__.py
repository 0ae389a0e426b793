"""The Experiments page's Streamlit helpers (the page is ``app_pages/experiments.py``).

* ``inputs`` - where the experiment comes from (sample, upload, typed totals) and its columns.
* ``render`` - the SRM banner, verdicts, lift chart, results table and downloads.
* ``power`` - the power calculator tab.
* ``saved`` - saved experiments drawn read-only (the page and share links use it).
"""

from ui.experiments import inputs, power, render, saved

__all__ = ["inputs", "power", "render", "saved"]
