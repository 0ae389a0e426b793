"""Personas page: no internal notation on screen, and the comparison in readable units."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.app.test_personas_page import (
    PAGE,
    _no_errors,
    _rendered_markup,
    sample_run,  # noqa: F401  (the saved-run fixture)
)

INTERNAL_NOTATION = re.compile(r"\(source |§|\bL\d{2,3}\b|Gamma-Gamma|q <= 1|\bMAD\b|BG/NBD")


def test_no_internal_notation_and_a_readable_comparison(sample_run):  # noqa: F811
    """No source-document citations or model jargon; compared values in their units."""
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state.RUN_KEY] = sample_run
    at.run()
    _no_errors(at)
    texts = _rendered_markup(at.main) + _rendered_markup(at.sidebar)
    assert [t for t in texts if INTERNAL_NOTATION.search(t)] == []
    compare = [d.value for d in at.dataframe if "adjusted p" in d.value.columns][-1]
    assert list(compare.columns)[-1] == "adjusted p"
    assert compare["adjusted p"].str.fullmatch(r"< 0\.001|[01]\.\d{3}|n/a").all()
    rates = compare[compare["what"].str.contains("engagement rate|share of", regex=True)]
    assert len(rates) and rates.iloc[:, 1].str.endswith("%").all()
