"""PersonaLab core: plain Python, no UI; everything here is also reachable from the CLI.

Packages, in the order data flows through them:

* ``data`` - schema, reading files and databases, ingest, privacy, the dataset engine,
  the sample generator.
* ``segments`` - the feature table, segmentation (manual and automatic), the 2-D map.
* ``personas`` - persona profiles, KPIs, customer value, playbook, text analysis.
* ``explore`` - dashboards (activity, lifecycle, KPIs, funnel, retention, ...), reports,
  campaign targeting.
* ``experiments`` - A/B test analysis and power.
* ``store`` - saved runs, names and shares (the app store).
* ``export`` - downloads: safe CSV, persona cards as Markdown, HTML and PDF.
* ``cli`` - one module per ``python -m core`` command.
* ``common`` - one home for small shared helpers: SQL quoting, escaping, PDF fonts.
* ``config`` - the data directory and every ``PERSONALAB_*`` variable.
* ``errors`` - ``DataError``, the one error a user can act on.
"""

__version__ = "0.1.0"
