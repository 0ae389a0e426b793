"""Personas page in AppTest: empty state, cards on the sample with a saved run, rename one."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.common.markdown import escape_markdown
from tests.conftest import ROOT
from ui.personas.cards import name_key

PAGE = str(ROOT / "app_pages" / "personas.py")


@pytest.fixture(scope="module")
def sample_run():
    """A saved run on the bundled sample whose segments are the planted personas."""
    from core.data import sample_dataset
    from ui.common.state import Run

    dataset = sample_dataset()
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str)
    labels = pd.Series(truth["persona"].to_numpy(), index=truth["user_id"], name="segment")
    return Run(run_id="test-run", dataset_id=dataset.dataset_id, params=None, labels=labels)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_empty_state_points_to_the_segment_page():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    _no_errors(at)
    assert "no saved segmentation" in at.info[0].value


def test_cards_render_and_a_name_edit_is_kept_with_the_run(sample_run):
    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state.RUN_KEY] = sample_run
    at.run()
    _no_errors(at)
    assert at.subheader[0].value == "6 personas"
    box = at.text_input(key=name_key(sample_run, "lurker"))
    assert box.value  # an automatic name
    box.set_value("Quiet scrollers").run()
    _no_errors(at)
    run = at.session_state[state.RUN_KEY]
    assert run.names["lurker"] == "Quiet scrollers"
    # The detail picker and the exports use the new name.
    assert "Quiet scrollers" in at.selectbox(key="personas_detail").options
    assert not at.error


XSS = "<img src=x onerror=alert(1)>"
MD = "**bold** [x](javascript:alert(1))"
MARKDOWN_TYPES = {
    "markdown",
    "caption",
    "subheader",
    "header",
    "title",
    "alert",
    "info",
    "warning",
    "error",
    "success",
}


def _rendered_markup(node) -> list[str]:
    """Every string Streamlit renders as Markdown: text elements and widget labels."""
    out = []
    label = getattr(node, "label", None)
    if isinstance(label, str):
        out.append(label)
    if getattr(node, "type", None) in MARKDOWN_TYPES and isinstance(
        getattr(node, "value", None), str
    ):
        out.append(node.value)
    children = getattr(node, "children", None)
    for child in children.values() if isinstance(children, dict) else []:
        out.extend(_rendered_markup(child))
    return out


def test_hostile_segment_and_persona_names_render_inert(sample_run):
    """A segment label and a persona name full of HTML/Markdown show as plain text."""
    from ui.common import state

    labels = sample_run.labels.replace({"lurker": XSS})
    hostile = dataclasses.replace(
        sample_run, run_id="hostile-run", labels=labels, names={"big_spender": MD}
    )
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state.RUN_KEY] = hostile
    at.run()
    _no_errors(at)
    texts = _rendered_markup(at.main)
    assert texts, "nothing rendered"
    for text in texts:
        assert "<img" not in text, text  # no raw HTML
        assert "](javascript:" not in text, text  # no live link
        assert "**bold**" not in text, text  # no emphasis from user text
    # The names are still there, escaped: the label of the hostile segment's name box ...
    box = at.text_input(key=name_key(hostile, XSS))
    assert "&lt;img" in box.label
    # ... the edited name is the box's value (an input value is never interpreted) ...
    assert at.text_input(key=name_key(hostile, "big_spender")).value == MD
    # ... and the detail view heading of that persona is escaped Markdown.
    at.selectbox(key="personas_detail").set_value("big_spender").run()
    _no_errors(at)
    assert any(s.value == escape_markdown(MD) for s in at.subheader)


def test_cards_read_as_plain_claims(sample_run):
    """No rate above 100 %, no document references, the big spenders named for spending."""
    import re

    from ui.common import state

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state.RUN_KEY] = sample_run
    at.run()
    _no_errors(at)
    texts = _rendered_markup(at.main)
    for text in texts:
        for pct in re.findall(r"(\d+(?:\.\d+)?)%", text):
            assert float(pct) <= 100, text
        assert not re.search(r"\b\d{3} (§|L)\d", text), text  # source-document lines
    assert any("per 100 views" in t for t in texts)
    name_box = next(t for t in at.text_input if t.key.endswith("_big_spender"))
    assert "spend" in name_box.value.lower()
    at.selectbox(key="personas_detail").set_value("big_spender").run()
    _no_errors(at)
    assert not any("(source" in t for t in _rendered_markup(at.main))
