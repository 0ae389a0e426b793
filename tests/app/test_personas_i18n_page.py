"""The Personas page in 简体中文: page text, generated names and cards follow the language;
a name the user typed is kept as typed; English stays the default."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import language
from tests.conftest import ROOT
from ui.personas.cards import name_key

PAGE = str(ROOT / "app_pages" / "personas.py")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def sample_run():
    """A saved run on the bundled sample whose segments are the planted personas."""
    from core.data import sample_dataset
    from ui.common.state import Run

    dataset = sample_dataset()
    truth = pd.read_csv(ROOT / "sample_data" / "truth.csv", dtype=str)
    labels = pd.Series(truth["persona"].to_numpy(), index=truth["user_id"], name="segment")
    return Run(run_id="test-run-zh", dataset_id=dataset.dataset_id, params=None, labels=labels)


def _page(run, lang: str) -> AppTest:
    """The page with ``run`` saved and the language switch on ``lang``."""
    from ui.common import language as page_language
    from ui.common import state

    page_language.install()  # app.py does this for every page
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[state.RUN_KEY] = run
    at.session_state["lang"] = lang
    return at.run()


def test_the_page_and_its_cards_in_chinese_and_back_in_english(sample_run):
    import dataclasses

    at = _page(sample_run, "zh")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "用户画像"
    assert at.subheader[0].value == "6个画像"
    with language("zh"):
        key = name_key(sample_run, "lurker")
    generated = at.text_input(key=key).value
    assert CJK.search(generated) and generated.isascii() is False
    captions = " ".join(c.value for c in at.caption)
    assert "位用户" in captions and "每100次浏览" in captions
    markdown = " ".join(m.value for m in at.markdown)
    assert "下一步行动" in markdown and "依据：" in markdown
    assert not at.error

    # a name the user typed is theirs: it shows as typed in both languages
    named = dataclasses.replace(sample_run, names={"lurker": "Quiet scrollers"})
    at = _page(named, "zh")
    with language("zh"):
        assert at.text_input(key=name_key(named, "lurker")).value == "Quiet scrollers"
    at = _page(named, "en")
    assert at.title[0].value == "Personas" and at.subheader[0].value == "6 personas"
    with language("en"):
        assert at.text_input(key=name_key(named, "lurker")).value == "Quiet scrollers"
        other = at.text_input(key=name_key(named, "kol_sharer")).value
    assert other.isascii()  # the generated names are English again


def test_switching_language_in_one_session_renames_only_generated_names(sample_run):
    from ui.common import state

    at = _page(sample_run, "en")
    with language("en"):
        english = at.text_input(key=name_key(sample_run, "lurker")).value
    assert english.isascii()
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with language("zh"):
        chinese = at.text_input(key=name_key(sample_run, "lurker")).value
    assert CJK.search(chinese) and chinese != english
    # the English generated name was never saved as the user's own
    assert not at.session_state[state.RUN_KEY].names
