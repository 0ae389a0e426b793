"""Streamlit helpers of the app, one package per page; never imported by ``core``.

- ``ui.common``: shared by every page: login, session state, heavy jobs.
- ``ui.share``: the read-only view behind a share link.
- ``ui.data``: the Data page (column mapping, ingest report).
- ``ui.explore``: the Explore page (dashboards and their data).
- ``ui.segment``: the Segment page (charts and cached runs).
- ``ui.map``: the Map page (projection data and charts).
- ``ui.personas``: the Personas page (cards, detail, compare).
- ``ui.experiments``: the Experiments page (inputs, power, results).
"""
