"""Personas in Chinese and English: names from per-language templates, traits, playbook,
KPIs, errors, the PDF deck and the command line.

Names are checked on three generators of different structure (the bundled sample's
persona generator and two casegen cases), not on the sample alone.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re

import pandas as pd
import pytest
import sqlalchemy as sa

from core.errors import DataError
from core.i18n import language
from core.personas import naming, playbook, wording

CJK = re.compile(r"[\u4e00-\u9fff]")
#: Latin words a Chinese name may keep: platform brands without a Chinese name.
BRANDS = {"QQ", "Facebook", "Twitter/X", "Instagram", "LinkedIn", "YouTube"}


def _latin_words(text: str) -> list[str]:
    """Latin words of ``text`` that are not brand names."""
    words = re.findall(r"[A-Za-z][A-Za-z/]*", text)
    return [w for w in words if w not in BRANDS]


def _engine(tmp_path, name: str, events: pd.DataFrame, users: pd.DataFrame):
    """A DuckDB dataset with ``events`` and ``users`` (timestamps parsed)."""
    path = tmp_path / f"{name}.duckdb"
    engine = sa.create_engine(f"duckdb:///{path}")
    events = events.astype({c: "str" for c in ("user_id", "event_type")}).copy()
    events["timestamp"] = pd.to_datetime(events["timestamp"])
    for col in ("platform", "content_id", "content_format", "campaign", "text"):
        if col not in events:  # the load pipeline gives every dataset the canonical columns
            events[col] = None
        events[col] = events[col].astype(object).where(events[col].notna(), None)
    with engine.begin() as conn:
        conn.connection.dbapi_connection.register("ev_frame", events)
        conn.exec_driver_sql("CREATE TABLE events AS SELECT * FROM ev_frame")
        conn.connection.dbapi_connection.register("us_frame", users.astype({"user_id": "str"}))
        conn.exec_driver_sql("CREATE TABLE users AS SELECT * FROM us_frame")
    return engine


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """(name, engine, features, labels) for three differently built datasets."""
    from core.data import casegen, generate
    from core.segments.features import build_features

    tmp = tmp_path_factory.mktemp("personas_i18n")
    out = []
    sample = generate(n_users=1200, days=90, seed=11)
    truth = sample.truth.set_index("user_id")["persona"]
    cases = [("synth", sample.events, sample.users, truth)]
    for case in ("mix", "volume_value"):
        c = casegen.make_case(case, seed=3, n_users=1200)
        cases.append((case, c.events, c.users, c.truth))
    for name, events, users, truth in cases:
        engine = _engine(tmp, name, events, users)
        features = build_features(engine)
        labels = truth.astype(str).rename("segment")
        out.append((name, engine, features, labels))
    return out


def test_chinese_names_read_as_chinese_unique_and_stable(generated):
    for name, _, features, labels in generated:
        zh = naming.persona_names(features, labels, language="zh")
        en = naming.persona_names(features, labels, language="en")
        assert list(zh) == list(en), name  # same segments, same order
        assert len(set(zh.values())) == len(zh), (name, zh)  # one name per segment
        for seg, text in zh.items():
            assert CJK.search(text), (name, seg, text)
            assert not _latin_words(text), (name, seg, text)
        for text in en.values():  # English names stay English
            assert not CJK.search(text) and text.isascii(), (name, text)
        # the same segments give the same names, whatever order the labels come in
        shuffled = labels.sample(frac=1.0, random_state=0)
        assert naming.persona_names(features, shuffled, language="zh") == zh
        # the default follows the current language
        with language("zh"):
            assert naming.persona_names(features, labels) == zh


def test_every_naming_rule_has_a_chinese_word():
    """A trait that names an English persona also names the Chinese one."""
    en = {(r.trait, r.direction, r.spend) for r in naming.NAME_RULES}
    zh = {(r.trait, r.direction, r.spend) for r in naming.NAME_RULES_ZH}
    assert en == zh
    for rule in naming.NAME_RULES_ZH:
        assert "{" in rule.word or CJK.search(rule.word), rule


def _trait(feature, direction, lift, effect=1.0):
    """A supported numeric trait for naming tests."""
    from core.personas import Trait

    return Trait(
        feature=feature,
        label=feature,
        value=lift,
        population_value=1.0,
        lift=lift,
        effect_size=effect if direction == "higher" else -effect,
        p_value=0.001,
        p_adjusted=0.001,
        direction=direction,
        phrase="",
        test="welch",
    )


def test_chinese_names_use_chinese_word_order_not_a_translation():
    spend = _trait("monetary", "higher", 3.0, 2.0)
    lapsed = _trait("recency_days", "higher", 3.0, 1.5)
    night = _trait("hour_share_night", "higher", 2.0, 1.0)
    night = dataclasses.replace(night, test="hours")
    # value word before the noun: 高价值 + 沉睡老客, where English says "lapsed ... big spenders"
    assert naming.auto_name([spend, lapsed], language="zh") == "高价值沉睡老客"
    assert naming.auto_name([spend], language="zh") == "高价值客户"
    assert naming.auto_name([spend], language="en") == "Big spenders"
    likes = _trait("engagement_rate", "higher", 2.0, 1.0)
    assert naming.auto_name([likes, night], language="zh") == "夜猫子互动党"
    douyin = _trait("platform_share_douyin", "higher", 2.0, 1.0)
    assert naming.auto_name([douyin], language="zh") == "抖音用户"
    assert naming.auto_name([], language="zh") == "大众用户"
    entries = [
        {"segment": s, "hidden": False, "traits": [], "category_traits": [], "spend_lift": 1.0}
        for s in ("A", "B")
    ]
    assert naming._unique_names(entries, "zh") == {
        "A": "大众用户（规模最大）",
        "B": "大众用户（规模第2）",
    }
    assert naming._unique_names(entries, "en")["B"] == "Typical users (2nd largest group)"


def test_trait_sentences_kpis_and_playbook_in_chinese_and_english():
    with language("en"):
        assert wording.trait_phrase("n_share", 6.0, 12.0, 2.0) == "shares 6x more than average"
        assert wording.trait_phrase("monetary", 0.25, 5.0, 20.0) == "spends 4x less than average"
        assert playbook.format_lift(6.0) == "6x"
    with language("zh"):
        assert wording.trait_phrase("n_share", 6.0, 12.0, 2.0) == "分享次数是平均水平的6倍"
        assert wording.trait_phrase("monetary", 0.25, 5.0, 20.0) == "消费金额仅为平均水平的25%"
        assert wording.trait_phrase("engagement_rate", 1.4, 0.14, 0.1) == "互动率高出平均水平40%"
        assert wording.category_phrase("top_platform", "douyin", 0.8, 2.0) == (
            "80%的用户主要使用抖音（占比是平均水平的2倍）"
        )
        assert wording.posting_windows([]) == []
    from core.personas import KPI_BY_KEY, format_kpi_value

    with language("zh"):
        assert format_kpi_value("ctr", 0.05) == "每100次浏览5.0次"
        assert format_kpi_value("arpu", None) == "暂无"
        assert KPI_BY_KEY["repurchase_rate"].name == "复购率"
        assert "曝光量" in KPI_BY_KEY["interaction_rate"].formula
        recs = playbook.recommend({"lift": {"monetary": 3.0}})
        assert recs[0].action == "高端产品、专属服务和一对一客服"
        assert recs[0].reason == "消费是平均水平的3倍"
        assert playbook.best_platforms({"douyin": 0.5}, {"douyin": 0.2}) == [
            "抖音（占活跃的50%，是平均水平的2.5倍）"
        ]
    with language("en"):
        assert format_kpi_value("ctr", 0.05) == "5.0 per 100 views"
        assert KPI_BY_KEY["repurchase_rate"].name == "Repurchase rate"
        assert playbook.recommend({"lift": {"monetary": 3.0}})[0].reason == (
            "spends 3x the average"
        )


def test_data_errors_are_one_chinese_sentence(generated):
    from core.personas import compare_segments

    _, _, features, labels = generated[0]
    seg = str(labels.iloc[0])
    with language("zh"), pytest.raises(DataError) as err:
        compare_segments(features, labels, seg, seg)
    assert str(err.value) == "请选择两个不同的分群进行对比。"
    with language("en"), pytest.raises(DataError) as err:
        compare_segments(features, labels, seg, seg)
    assert str(err.value) == "Pick two different segments to compare."


def test_cards_and_pdf_deck_in_chinese(generated):
    from pypdf import PdfReader

    from core.export import persona_markdown, personas_pdf
    from core.personas import build_personas

    _, engine, features, labels = generated[1]
    with language("zh"):
        cards = build_personas(features, labels, engine=engine)
        md = persona_markdown(cards[0])
        pdf = personas_pdf(cards)
    assert "## 差异化特征" in md and "## 推荐运营动作" in md
    for card in cards:
        assert CJK.search(card.name)
        for sentence in card.trait_sentences() + [r.action for r in card.recommendations]:
            assert CJK.search(sentence), sentence
    pages = PdfReader(io.BytesIO(pdf)).pages
    # pypdf reads the embedded CJK font's two-byte codes with NUL padding: drop it
    text = "".join(page.extract_text() for page in pages).replace("\x00", "")
    assert "PersonaLab 用户画像" in text
    for card in cards:  # the Chinese names are drawn as text, not as '?'
        assert card.name in text.replace("\n", ""), card.name
    assert "?" not in text
    with language("en"):
        english = build_personas(features, labels, engine=engine)
    assert all(not CJK.search(c.name) for c in english)
    assert [c.segment for c in english] == [c.segment for c in cards]


def test_cli_personas_and_clv_speak_chinese_with_english_keys(generated, tmp_path, capsys):
    from core.__main__ import main

    _, engine, _, labels = generated[2]
    with engine.connect() as conn:
        events = pd.read_sql("SELECT * FROM events", conn)
    events_path = tmp_path / "events.csv"
    events.to_csv(events_path, index=False)
    segments = tmp_path / "segments.csv"
    labels.rename_axis("user_id").reset_index().to_csv(segments, index=False)
    outs = {}
    for lang in ("en", "zh"):
        out = tmp_path / f"personas_{lang}.json"
        argv = ["personas", str(events_path), "--segments", str(segments), "--out", str(out)]
        assert main([*argv, "--lang", lang]) == 0
        outs[lang] = json.loads(out.read_text(encoding="utf-8"))
    printed = capsys.readouterr().out
    assert "personas to" in printed and "个画像写入" in printed
    en, zh = outs["en"], outs["zh"]
    assert [set(r) for r in en] == [set(r) for r in zh]  # the JSON contract is the same
    for r_en, r_zh in zip(en, zh, strict=True):
        assert r_en["segment"] == r_zh["segment"] and r_en["size"] == r_zh["size"]
        assert not CJK.search(r_en["name"]) and CJK.search(r_zh["name"])
        for text in [t["phrase"] for t in r_zh["traits"]] + r_zh["recommendations"]:
            assert CJK.search(text), text
        assert [t["feature"] for t in r_en["traits"]] == [t["feature"] for t in r_zh["traits"]]
    assert main(["clv", str(events_path), "--out", str(tmp_path / "clv.csv"), "--lang", "zh"]) == 0
    assert "位客户的终身价值写入" in capsys.readouterr().out
    assert main(["clv", str(events_path), "--out", str(tmp_path / "clv.csv"), "--lang", "en"]) == 0
    assert "wrote lifetime value for" in capsys.readouterr().out


def test_activation_excel_keeps_english_columns_and_explains_them_in_the_language():
    import datetime as dt

    import openpyxl

    from core.export import activation_bytes, activation_table

    labels = pd.Series(["A", "B"], index=pd.Index(["u1", "u2"], name="user_id"))
    table = activation_table(
        labels, {"A": "高价值客户", "B": "Fans"}, "run-1", dt.datetime(2026, 1, 2)
    )
    for lang, about, note in (
        ("zh", "文件说明", "用户所属的分群。"),
        ("en", "About this file", "The segment the user belongs to."),
    ):
        with language(lang):
            book = openpyxl.load_workbook(io.BytesIO(activation_bytes(table, "xlsx")))
        assert book.sheetnames == ["users", about]
        header = [c.value for c in book["users"][1]]
        assert header == ["user_id", "segment", "persona", "run_id", "assigned_at"]
        assert [c.value for c in book["users"][2]][2] == "高价值客户"  # user data as given
        assert note in [row[1] for row in book[about].iter_rows(values_only=True)]
    with language("zh"), pytest.raises(DataError, match="没有画像名称"):
        activation_table(labels, {"A": "x"}, "run-1", dt.datetime(2026, 1, 2))
