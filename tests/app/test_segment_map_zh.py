"""Segment and Map pages in 简体中文 (AppTest): no English left in what a person reads.

Brand names, method and statistic names (UMAP, PCA, RFM, k, Calinski-Harabasz...),
segment labels (S1...), run ids and the user's own data stay as they are; every other
word on the page must be Chinese. The English pages are covered by the other page tests.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import language
from tests.conftest import ROOT

SEGMENT = str(ROOT / "app_pages" / "segment.py")
MAP = str(ROOT / "app_pages" / "map.py")
CJK = re.compile(r"[\u4e00-\u9fff]")
ALLOWED = {
    "PersonaLab",
    "UMAP",
    "PCA",
    "RFM",
    "HDBSCAN",
    "Ward",
    "BIC",
    "dip",
    "Calinski",
    "Harabasz",
    "Davies",
    "Bouldin",
    "true",
    "false",
    # platform brands written in Latin letters in Chinese too
    "Instagram",
    "Facebook",
    "LinkedIn",
    "YouTube",
    "Twitter",
}


def _sample_user_words() -> set[str]:
    """The bundled sample's own column names, word by word (user data stays as typed)."""
    from core.data import dataset_engine, sample_dataset
    from core.segments import COLUMN_LABELS
    from core.segments.features import build_features

    columns = build_features(dataset_engine(sample_dataset().path)).columns
    prefixes = ("n_", "platform_share_", "format_share_")
    own = [c for c in columns if c not in COLUMN_LABELS and not c.startswith(prefixes)]
    return {word for c in own for word in c.lower().split("_")}


def _leftover_english(texts, user_words=frozenset()) -> list[str]:
    """Texts with a Latin word of 3+ letters that is neither an allowed term nor user data."""
    bad = []
    for text in texts:
        if not text:
            continue
        words = set(re.findall(r"[A-Za-z]{3,}", str(text)))
        words = {w for w in words if w not in ALLOWED and w.lower() not in user_words}
        words = {w for w in words if not re.fullmatch(r"[0-9a-f]{6,}", w)}  # run ids
        if words:
            bad.append(f"{text!r}: {sorted(words)}")
    return bad


def _page_texts(at: AppTest) -> list[str]:
    """Everything a person reads on the page: text elements, widget labels, help, options."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning"):
        texts += [e.value for e in getattr(at, kind)]
    texts += [e.value for e in at.success] + [e.value for e in at.error]
    for kind in ("selectbox", "multiselect", "slider", "number_input", "toggle", "button"):
        for e in getattr(at, kind):
            texts.append(e.label)
            texts.append(getattr(e, "help", None))
            if kind in ("selectbox", "multiselect"):
                texts += list(e.options)
    for e in at.expander:
        texts.append(e.label)
    for m in at.metric:
        texts += [m.label, m.help]
    for d in at.dataframe:
        texts += [str(c) for c in d.value.columns]
        for column in d.value.columns:
            if d.value[column].dtype.kind in "OUT" or str(d.value[column].dtype) == "str":
                texts += [str(v) for v in d.value[column]]
    return texts


def _chart_texts(at: AppTest) -> list[str]:
    """Titles of every chart, axis, legend and tooltip field on the page."""
    out: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "title":
                    if isinstance(value, dict):  # alt.TitleParams
                        value = value.get("text", "")
                    out.extend(value if isinstance(value, list) else [value])
                elif key == "text" and isinstance(value, str | list):
                    continue
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for chart in at.get("vega_lite_chart"):
        walk(json.loads(chart.proto.spec))
    return [t for t in out if isinstance(t, str)]


@pytest.fixture(autouse=True)
def _page_language():
    """The page files run alone here: install the resolver app.py installs for every page."""
    from core import i18n
    from ui.common import language

    language.install()
    yield
    i18n.set_resolver(None)


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_segment_page_automatic_in_chinese():
    at = AppTest.from_file(SEGMENT, default_timeout=300)
    at.session_state["lang"] = "zh"
    at.run()
    _no_errors(at)
    assert at.title[0].value == "分群"
    assert at.selectbox(key="seg_method").value == "auto"
    texts = _page_texts(at)
    assert "自动分群（推荐）" in texts
    markdown = " ".join(m.value for m in at.markdown)
    assert "人群清晰" in markdown and "人群差异体现在" in markdown
    assert list(at.dataframe[0].value.columns) == ["区分人群的特征", "权重"]
    assert not _leftover_english(texts + _chart_texts(at), _sample_user_words())


def test_segment_page_kmeans_with_the_k_sweep_in_chinese():
    at = AppTest.from_file(SEGMENT, default_timeout=300)
    at.session_state["lang"] = "zh"
    at.session_state["seg_method"] = "kmeans"
    at.session_state["seg_suggest"] = True
    at.run()
    _no_errors(at)
    chosen = at.multiselect(key="seg_features")
    assert "点赞次数" in chosen.options and "互动率" in chosen.options
    assert chosen.value == [
        "n_view",
        "n_click",
        "n_like",
        "n_comment",
        "n_share",
        "n_save",
        "frequency",
        "monetary",
        "avg_order_value",
        "recency_days",
        "active_days",
        "engagement_rate",
        "weekend_share",
        "hour_share_evening",
        "followers",
    ]  # the keys behind the Chinese names are unchanged
    assert at.metric[0].label == "分群数"
    assert "分群" in at.markdown[0].value and "轮廓系数" in at.markdown[0].value
    charts = _chart_texts(at)
    assert "各分群人数" in charts and "轮廓系数" in charts and "越高越好" in charts
    assert any(b.label.startswith("采用 k = ") for b in at.button)
    assert not _leftover_english(_page_texts(at) + charts, _sample_user_words())
    # AppTest formats the widgets' values again outside the page run, where the page's
    # language is unknown: give that thread the page's language too.
    with language("zh"):
        at.button(key="seg_save").click().run()
    _no_errors(at)
    assert at.success[0].value.startswith("已保存")


@pytest.fixture(scope="module")
def sample_run():
    """A saved k-means run on the bundled sample, with one name a user typed."""
    from core.data import dataset_engine, sample_dataset
    from core.segments.features import build_features
    from core.segments.segmentation import SegmentParams, segment
    from ui.common.state import Run

    dataset = sample_dataset()
    result = segment(build_features(dataset_engine(dataset.path)), SegmentParams())
    return Run(
        run_id=result.params_hash,
        dataset_id=dataset.dataset_id,
        params=result.params,
        labels=result.labels,
        names={"S1": "Quiet browsers"},
    )


def test_map_preview_in_chinese_keeps_the_users_names(sample_run):
    from ui.common import jobs, state

    at = AppTest.from_file(MAP, default_timeout=300)
    at.session_state["lang"] = "zh"
    at.session_state[state.RUN_KEY] = sample_run
    at.session_state[jobs._RUNNING_KEY] = time.monotonic()  # another job: the PCA preview
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "用户地图"
    assert "在此期间先显示快速预览（PCA）" in at.warning[0].value
    assert at.selectbox(key="map_color").options[0] == "分群"
    [chart] = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    dots = spec["layer"][0]["encoding"]
    assert dots["color"]["title"] == "画像"
    assert dots["x"]["title"] == "地图坐标（相似用户彼此靠近；无单位）"
    assert [t["title"] for t in dots["tooltip"]][:3] == ["用户", "分群", "画像"]
    assert "Quiet browsers" in dots["color"]["sort"]  # typed by the user: kept as typed
    # The busy-tab sentence itself is ui/common/jobs.py's (translated with that module).
    texts = [t for t in _page_texts(at) if t != at.warning[0].value] + _chart_texts(at)
    assert not _leftover_english(texts, _sample_user_words() | {"quiet", "browsers"})


def test_map_in_chinese_with_the_detailed_map_and_a_feature_colour(sample_run):
    from ui.common import state

    at = AppTest.from_file(MAP, default_timeout=600)
    at.session_state["lang"] = "zh"
    at.session_state[state.RUN_KEY] = sample_run
    at.session_state["map_color"] = "monetary"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(c.value for c in at.caption)
    assert "UMAP 地图，覆盖全部 2,000 位用户" in captions
    assert "按「消费金额」着色" in captions
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][0]["encoding"]["color"]["title"] == "消费金额"
    assert spec["title"] == "用户分布地图（UMAP）"
    texts = _page_texts(at) + _chart_texts(at)
    assert not _leftover_english(texts, _sample_user_words() | {"quiet", "browsers"})
