"""core/segments in Chinese: feature and stage names, method notes, the automatic report,
parameter and data errors, map notes; and the same calls in English are unchanged."""

from __future__ import annotations

import functools
import re
import tempfile
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.data import casegen, dataset_engine
from core.errors import DataError
from core.i18n import language
from core.segments import (
    FEATURE_COLUMNS,
    LIFECYCLE_STAGES,
    RFM_SEGMENTS,
    LifecycleWindows,
    MapParams,
    SegmentParams,
    auto_segment,
    build_features,
    candidate_label,
    column_label,
    lifecycle_rules,
    project_pca,
    segment,
    segment_label,
    stage_label,
    sweep_k,
    validate_map_params,
    validate_segment_params,
)
from core.segments import methods as seg_methods

CJK = re.compile(r"[\u4e00-\u9fff]")
#: Latin words a Chinese sentence may keep: method and statistic names, units, codes.
ALLOWED_LATIN = {"BIC", "dip", "UMAP", "PCA", "RFM", "Calinski", "Harabasz", "Davies", "Bouldin"}


def _latin_words(text: str, user_words: set[str] = frozenset()) -> set[str]:
    """Latin words of 3+ letters that are neither allowed terms nor user data."""
    words = set(re.findall(r"[A-Za-z]{3,}", text))
    return {w for w in words if w not in ALLOWED_LATIN and w.lower() not in user_words}


@functools.cache
def _features(case: str, seed: int, n_users: int) -> pd.DataFrame:
    data = casegen.make_case(case, seed, n_users=n_users)
    path = Path(tempfile.mkdtemp(prefix="seg-i18n-")) / "d.duckdb"
    con = duckdb.connect(str(path))
    con.register("ev", data.events.assign(timestamp=pd.to_datetime(data.events["timestamp"])))
    con.register("us", data.users)
    con.execute("create table events as select * from ev")
    con.execute("create table users as select * from us")
    con.close()
    return build_features(dataset_engine(path))


def _user_words(features: pd.DataFrame) -> set[str]:
    """The dataset's own column names and values, word by word (user data stays as is)."""
    known = set(FEATURE_COLUMNS)
    words: set[str] = set()
    for c in features.columns:
        if c in known or c.startswith(("n_", "platform_share_", "format_share_")):
            continue
        words |= set(c.lower().split("_"))
        if features[c].dtype == object:
            for v in features[c].dropna().astype(str).unique()[:50]:
                words |= set(re.findall(r"[a-z]+", v.lower()))
    return words


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_every_fixed_feature_column_has_a_chinese_name_and_english_is_unchanged():
    for col in (*FEATURE_COLUMNS, "followers", "shares_received", "gender", "region"):
        with language("zh"):
            zh = column_label(col)
        assert CJK.search(zh), (col, zh)
        assert not _latin_words(zh), (col, zh)
    with language("zh"):
        assert column_label("n_like") == "点赞次数"
        assert column_label("avg_order_value") == "客单价"
        assert column_label("platform_share_xiaohongshu") == "小红书活跃占比"
        assert column_label("format_share_short_video") == "短视频内容占比"
        assert column_label("loyalty_points") == "loyalty points"  # a user's own column
        assert candidate_label("type_share_comment") == "评论次数占比"
        assert candidate_label("gender=female") == "性别：female"  # the value is user data
    with language("en"):
        assert column_label("n_like") == "likes"
        assert column_label("recency_days") == "days since last activity"
        assert column_label("platform_share_douyin") == "share of activity on Douyin"
        assert column_label("hour_share_evening") == "share of activity in the evening"
        assert candidate_label("n_events") == "events per user (volume)"


def test_lifecycle_stages_and_rules_in_chinese_with_the_windows_filled_in():
    with language("zh"):
        names = [stage_label(s) for s in LIFECYCLE_STAGES]
        rules = lifecycle_rules(LifecycleWindows(churned_days=120))
    assert names == ["潜客", "流失用户", "沉睡用户", "新客", "复购客", "活跃用户"]
    assert [r["stage"] for r in rules] == list(LIFECYCLE_STAGES)  # data keys stay English
    assert rules[1]["rule"] == "最近 120 天没有任何行为。"
    assert all(CJK.search(r["rule"]) and not _latin_words(r["rule"]) for r in rules)
    with language("en"):
        assert stage_label("dormant") == "Dormant"
        assert lifecycle_rules()[1]["rule"] == "No activity in the last 90 days."
    with (
        language("zh"),
        pytest.raises(DataError, match="流失窗口（30 天）必须长于沉默窗口（30 天）"),
    ):
        LifecycleWindows(churned_days=30)


def test_rfm_and_noise_labels_are_translated_where_shown_but_saved_in_english():
    with language("zh"):
        assert segment_label("Champions") == "核心高价值客户"
        assert segment_label("Noise") == "离群用户"
        assert segment_label("S3") == "S3"
        assert segment_label("我的圈选") == "我的圈选"  # typed by a user
        assert all(CJK.search(segment_label(name)) for name in RFM_SEGMENTS)
        feats = _features("lifecycle", 1, 600)
        result = segment(feats, SegmentParams(method="rfm"))
    assert set(result.labels) <= set(RFM_SEGMENTS)  # the saved labels are the data's keys


def test_method_notes_and_tiny_segment_warnings_in_chinese(monkeypatch):
    feats = _features("mix", 1, 800)
    monkeypatch.setattr(seg_methods, "MINIBATCH_ABOVE", 300)
    monkeypatch.setattr(seg_methods, "KMEANS_FIT_ROWS", 300)
    monkeypatch.setattr(seg_methods, "AGGLOMERATIVE_MAX_ROWS", 300)
    params = SegmentParams(method="kmeans", k=12, seed=3)
    with language("zh"):
        zh = segment(feats, params).warnings
        ward = segment(feats, SegmentParams(method="agglomerative", k=3)).warnings
    assert zh[0] == "K 均值在随机抽取的 300 位用户上拟合，其余用户归入最近的分群中心。"
    assert "层次聚类在抽取的 300 位用户上拟合" in ward[0]
    for warning in zh:
        assert CJK.search(warning) and not _latin_words(warning), warning
    with language("en"):
        en = segment(feats, params).warnings
    assert en[0] == (
        "k-means was fitted on a random sample of 300 users and every user joined the "
        "nearest segment centre."
    )
    assert len(en) == len(zh)


def test_the_automatic_report_reads_in_chinese_on_two_generators():
    for case, seed in (("mix", 1), ("attributes", 2)):
        feats = _features(case, seed, 1200)
        user_words = _user_words(feats)
        with language("zh"):
            choice = auto_segment(feats, seed=0)
        assert choice.structure != "none", case
        for text in (*choice.reasons, *choice.dropped.values()):
            assert CJK.search(text), (case, text)
            assert not _latin_words(text, user_words), (case, text)
        with language("en"):
            english = auto_segment(feats, seed=0)
        assert english.k == choice.k and english.features == choice.features
        assert english.reasons[0].startswith(("Groups show in:", "Only user attributes"))


def test_no_structure_is_said_in_chinese():
    feats = _features("none", 1, 800)
    with language("zh"):
        choice = auto_segment(feats)
    assert choice.structure == "none"
    assert choice.reasons[0].startswith("数据中没有明显不同的人群")
    assert all(CJK.search(why) for why in choice.dropped.values())


@pytest.mark.parametrize(
    ("params", "zh", "en"),
    [
        (
            SegmentParams(min_cluster_size=0, method="hdbscan"),
            "min_cluster_size 必须是整数（不小于 2）；当前为 0。",
            "min_cluster_size must be a whole number of at least 2; it was 0.",
        ),
        (
            SegmentParams(seed=-1),
            "seed 必须是整数（不小于 0，且不大于 4,294,967,295）；当前为 -1。",
            "seed must be a whole number of at least 0 and of at most 4,294,967,295; it was -1.",
        ),
        (
            SegmentParams(pca_components=-3),
            "pca_components 必须是整数（不小于 0），0 或留空表示不压缩；当前为 -3。",
            "pca_components must be a whole number of at least 0 (0 or empty: no "
            "compression); it was -3.",
        ),
    ],
)
def test_parameter_errors_name_the_parameter_in_either_language(params, zh, en):
    for code, expected in (("zh", zh), ("en", en)):
        with language(code), pytest.raises(DataError) as info:
            validate_segment_params(params)
        assert str(info.value) == expected


def test_data_errors_and_map_notes_in_chinese():
    feats = _features("mix", 1, 800)
    with language("zh"):
        with pytest.raises(DataError, match="该数据集中没有特征 nope"):
            segment(feats, SegmentParams(method="kmeans", features=("nope",)))
        with pytest.raises(DataError, match="min_dist 不能大于 spread（1）；当前为 2.0。"):
            validate_map_params(MapParams(min_dist=2.0))
        with pytest.raises(DataError, match="按 k 逐一比较只适用于"):
            sweep_k(feats, SegmentParams(method="hdbscan"))
        note = project_pca(feats, MapParams(max_points=100)).note
    assert note.startswith("显示 800 位用户中的 100 位")
    with language("en"):
        assert project_pca(feats).note == "Quick PCA map of all 800 users."


def test_auto_report_json_keys_stay_english_in_chinese():
    feats = _features("mix", 1, 1200)
    with language("zh"):
        report = auto_segment(feats, seed=0).to_report()
    assert set(report) == {
        "method",
        "k",
        "features",
        "weights",
        "dropped",
        "quality",
        "stability",
        "structure",
        "reasons",
    }
    assert report["method"] in ("dip-means", "latent-class")
    assert all(np.isfinite(v) for v in report["weights"].values())
