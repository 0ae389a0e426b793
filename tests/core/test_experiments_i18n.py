"""Experiments in Chinese: verdicts, calls, plan sentences, notes, DataErrors, the CLI.

Every engine and every kind of call (a win, a loss, not decisive, not final) is read in
both languages: the Chinese sentence carries the analyst's terms and no English words
beyond the data's own names, and the English sentence is the one it always was.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import core.__main__ as cli
from core.errors import DataError
from core.experiments import (
    analyze_aggregates,
    analyze_experiment,
    demo_experiment,
    make_plan,
    parse_planned_split,
    progress_sentence,
    sample_size,
    verdict,
)
from core.i18n import language
from core.i18n.extract import KEYWORDS
from core.i18n.maintain import problems
from tests.conftest import ROOT

#: Words that may stay Latin in a Chinese sentence: the data's names and the terms of art.
ALLOWED = {"conversion", "converted", "revenue", "CUPED", "SRM", "MDE", "KPI", "CSV", "JSON"}


def _english_words(text: str) -> list[str]:
    """Latin words of three letters or more that are not data names or terms of art."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", text) if w not in ALLOWED]


def _totals(control: int, treatment: int, n: int = 10_000) -> pd.DataFrame:
    return pd.DataFrame({"variant": ["A", "B"], "n": [n, n], "conversions": [control, treatment]})


CALLS = {
    # (control conversions, treatment conversions) of 10,000 users each
    "win": (1000, 1250),
    "lose": (1250, 1000),
    "not decisive": (1000, 1010),
}
EXPECTED_ZH = {
    ("frequentist", "win"): ["B 使 conversion 提升 25%", "95% 置信区间", "——显著"],
    ("frequentist", "lose"): ["B 使 conversion 下降 20%", "——显著"],
    ("frequentist", "not decisive"): ["不显著（p = ", "两组没有明显差异"],
    ("bayesian", "win"): ["95% 可信区间", "胜过 A 的概率为 >99%——结论明确"],
    ("bayesian", "lose"): ["下降 20%", "胜过 A 的概率为 <1%——结论明确"],
    ("bayesian", "not decisive"): ["胜过 A 的概率为", "——尚无定论"],
    ("sequential", "win"): ["95% 随时有效置信区间", "显著（随时有效区间在每次查看时都成立）"],
    ("sequential", "lose"): ["下降 20%", "显著（随时有效区间"],
    ("sequential", "not decisive"): ["目前尚无明显差异（随时有效 p = "],
}
EXPECTED_EN = {
    ("frequentist", "win"): "B raises conversion by 25 % (95 % CI ",
    ("frequentist", "lose"): "B lowers conversion by 20 % (95 % CI ",
    ("frequentist", "not decisive"): "not significant (p = ",
    ("bayesian", "win"): ">99 % chance to beat A \u2014 a clear call",
    ("bayesian", "lose"): "<1 % chance to beat A \u2014 a clear call",
    ("bayesian", "not decisive"): "chance to beat A \u2014 not decisive",
    ("sequential", "win"): "significant (the always-valid interval holds at every look)",
    ("sequential", "lose"): "B lowers conversion by 20 % (95 % always-valid CI ",
    ("sequential", "not decisive"): "no clear difference so far (always-valid p = ",
}


@pytest.mark.parametrize("engine", ["frequentist", "bayesian", "sequential"])
@pytest.mark.parametrize("call", list(CALLS))
def test_every_engine_and_call_reads_in_chinese_and_english_is_unchanged(engine, call):
    control, treatment = CALLS[call]
    result = analyze_aggregates(_totals(control, treatment), engine=engine)
    with language("zh"):
        zh = verdict(result)
    with language("en"):
        en = verdict(result)
    for part in EXPECTED_ZH[(engine, call)]:
        assert part in zh, (part, zh)
    assert _english_words(zh) == [], zh
    assert EXPECTED_EN[(engine, call)] in en, en
    if engine != "sequential":  # without a plan the verdict states its assumption
        assert "前提是实验已达到计划样本量" in zh
        assert en.endswith("assuming the test has reached its planned size")


@pytest.mark.parametrize("engine", ["frequentist", "bayesian"])
def test_a_verdict_before_the_plan_is_reached_says_it_is_not_final(engine):
    plan = make_plan("conversion", kind="rate", baseline=0.1, mde=0.05)  # ~58,000 per group
    result = analyze_aggregates(_totals(1000, 1250), engine=engine, plan=plan)
    assert not result.is_final
    with language("zh"):
        zh, sentence = verdict(result), progress_sentence(result)
    with language("en"):
        en = progress_sentence(result)
    planned = f"{plan.planned_users:,}"
    assert sentence.startswith(f"尚非最终结论：样本量仅达计划 {planned} 名用户的 ")
    assert "序贯检验" in sentence and "假阳性" in sentence
    assert sentence in zh and _english_words(zh) == []
    assert en.startswith("not final: ") and f"of the planned {planned} users" in en


def test_sequential_and_finished_plans_say_how_far_along_they_are():
    small = make_plan("conversion", kind="rate", baseline=0.1, mde=0.3, n_per_arm=4000)
    big = make_plan("conversion", kind="rate", baseline=0.1, mde=0.05)
    done = analyze_aggregates(_totals(1000, 1250), plan=small)
    early = analyze_aggregates(_totals(1000, 1250), engine="sequential", plan=big)
    with language("zh"):
        assert "（计划的 8,000 名用户已全部进入实验）" in verdict(done)
        assert re.search(r"；目前已达计划 [\d,]+ 名用户的 \d+%", verdict(early))
        assert progress_sentence(done) == ""
    with language("en"):
        assert "(the planned 8,000 users are in)" in verdict(done)


def test_segments_and_the_split_warning_in_chinese():
    data = demo_experiment(6000, seed=3)
    result = analyze_experiment(
        data, variant_col="variant", metrics=["converted"], segment_col="persona",
        planned_split="80/20",
    )  # fmt: skip
    assert result.srm.flagged
    with language("zh"):
        zh = verdict(result)
        again = analyze_experiment(
            data, variant_col="variant", metrics=["converted"], segment_col="persona",
            planned_split="80/20", min_segment_users=5000,
        )  # fmt: skip
    assert zh.startswith("警告：各组人数与计划分流比例不符，结果可能有偏差。")
    assert "分群" in zh
    assert result.srm.message.startswith("The groups' sizes")  # made in English
    assert again.srm.message.startswith("各组人数与计划分流比例不符")
    tiny = again.results[again.results["segment"].notna()]["message"]
    assert tiny.str.startswith("用户太少，无法判断：").all()


def test_notes_and_small_groups_follow_the_language():
    data = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u2", "u3", "u4", "u5", "u6"],
            "variant": ["A", "B", "A", "B", "A", "B", None],
            "converted": [1, 0, 0, 1, 1, 0, 1],
        }
    )
    with language("zh"):
        zh = analyze_experiment(data, variant_col="variant", metrics=["converted"])
    with language("en"):
        en = analyze_experiment(data, variant_col="variant", metrics=["converted"])
    assert "有 1 名用户同时出现在多个版本中（例如「u1」），已从所有比较中排除。" in zh.messages
    assert "1 user was found in more than one variant (e.g. 'u1') and left out of every " \
        "comparison." in en.messages  # fmt: skip
    row = zh.results.iloc[0]
    assert row["message"].startswith("较小的一组只有 2 名用户")
    assert en.results.iloc[0]["message"].startswith("Only 2 users in the smaller group")


@pytest.mark.parametrize(
    ("call", "zh_part", "en_part"),
    [
        (lambda: analyze_aggregates(_totals(100, 20_000)), "第 2 行（B）：转化数应在 0 到用户数",
         "Row 2 (B): conversions should be between 0"),
        (lambda: parse_planned_split("50/30/20", ["A", "B"]), "计划分流比例「50/30/20」",
         "Planned split '50/30/20' should list one share per variant"),
        (lambda: make_plan("converted", kind="rate", baseline=1.5, mde=0.1), "基线转化率 1.5",
         "The plan's baseline rate 1.5 should be strictly between 0 and 1"),
        (lambda: sample_size(0.2, 0.0), "请设定一个非 0", "choose a non-zero change"),
        (lambda: analyze_experiment(pd.DataFrame({"variant": ["A"], "x": [1]}),
                                    variant_col="group", metrics=["x"]),
         "数据中没有「group」列（现有列：variant, x）", "Column 'group' is not in the data"),
    ],
)  # fmt: skip
def test_data_errors_are_one_chinese_sentence(call, zh_part, en_part):
    with language("zh"), pytest.raises(DataError) as zh:
        call()
    with language("en"), pytest.raises(DataError) as en:
        call()
    assert zh_part in str(zh.value) and str(zh.value).endswith("。")
    assert en_part in str(en.value)


def test_every_experiments_message_has_chinese_with_the_same_placeholders():
    from babel.messages.extract import extract

    files = [
        *sorted((ROOT / "core" / "experiments").glob("*.py")),
        *sorted((ROOT / "ui" / "experiments").glob("*.py")),
        ROOT / "app_pages" / "experiments.py",
        ROOT / "core" / "cli" / "abtest.py",
        ROOT / "core" / "cli" / "power.py",
    ]
    messages: dict[str, str | None] = {}
    for path in files:
        with path.open("rb") as handle:
            for _, message, _, _ in extract("python", handle, keywords=KEYWORDS):
                if isinstance(message, tuple):
                    messages[message[0]] = message[1]
                else:
                    messages[message] = None
    assert len(messages) > 300
    assert problems("zh", messages) == []


# --- the command line ---------------------------------------------------------------


@pytest.fixture
def main(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", ("abtest", "power"))
    return cli.main


def test_abtest_lang_zh_keeps_the_keys_and_writes_chinese_sentences(main, capsys, tmp_path):
    path = tmp_path / "experiment.csv"
    data = demo_experiment(4000, seed=1)
    data.loc[data.index[:3], "variant"] = None
    data.to_csv(path, index=False)
    outs = {}
    for lang in ("zh", "en"):
        out = tmp_path / f"result_{lang}.json"
        code = main(
            ["abtest", str(path), "--metric", "converted", "--segment-col", "persona",
             "--plan-baseline", "0.1", "--plan-mde", "0.2", "--lang", lang, "--out", str(out)]
        )  # fmt: skip
        assert code == 0
        printed = capsys.readouterr()
        outs[lang] = (json.loads(out.read_text(encoding="utf-8")), printed)
    (zh, zh_printed), (en, en_printed) = outs["zh"], outs["en"]
    assert list(zh) == list(en)  # the JSON's keys are a contract
    assert list(zh["results"][0]) == list(en["results"][0])
    assert zh["srm_p_value"] == en["srm_p_value"]
    assert zh["verdict"].startswith("B 使 converted ")
    assert zh["verdicts"]["converted"] == zh["verdict"]
    assert zh_printed.out.strip() == zh["verdict"]
    assert "已排除 3 行没有版本的数据。" in zh["messages"]
    assert "提示：在计划样本量下，检测出计划效应的概率为" in zh_printed.err
    assert "note:" not in zh_printed.err
    assert en["verdict"].startswith("B raises converted by ")
    assert "note: 3 rows without a variant were left out." in en_printed.err


def test_abtest_lang_zh_reports_bad_input_in_chinese(main, capsys, tmp_path):
    path = tmp_path / "experiment.csv"
    demo_experiment(400, seed=1).to_csv(path, index=False)
    code = main(["abtest", str(path), "--lang", "zh", "--out", str(tmp_path / "r.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert "请用 --metric COL 指定" in err and "Name at least" not in err


def test_power_lang_zh_prints_the_same_json_and_a_chinese_summary(main, capsys):
    args = ["power", "--baseline", "0.2", "--mde", "0.05", "--absolute", "--daily-users", "500"]
    assert main([*args, "--lang", "zh"]) == 0
    zh = capsys.readouterr()
    assert main([*args, "--lang", "en"]) == 0
    en = capsys.readouterr()
    assert json.loads(zh.out) == json.loads(en.out)
    assert json.loads(zh.out)["n_per_arm"] == 1031
    assert zh.err.strip() == (
        "提示：每组 1,031 名用户（共 2,062 名）可检测从 20.00% 到 25.00% 的变化"
        "（双侧检验，alpha 0.05，统计功效 80%）；按当前流量还需约 5 天。"
    )
    assert en.err.strip() == (
        "note: 1,031 users per group (2,062 in total) detect a move from 20.00% to 25.00% "
        "(two-sided, alpha 0.05, power 80%); about 5 more days at the current traffic."
    )


def test_a_saved_result_reads_back_and_speaks_the_current_language():
    import json as _json

    from core.experiments import AbTestResult

    data = demo_experiment(3000, seed=4)
    plan = make_plan("converted", kind="rate", baseline=0.1, mde=0.2, daily_users=300)
    for engine in ("frequentist", "bayesian", "sequential"):
        with language("en"):
            result = analyze_experiment(
                data, variant_col="variant", metrics=["converted", "revenue"],
                segment_col="persona", plan=plan, engine=engine, min_segment_users=200,
            )  # fmt: skip
            saved = _json.loads(_json.dumps(result.to_dict()))
            again = AbTestResult.from_dict(saved)
            assert _json.loads(_json.dumps(again.to_dict())) == saved
        with language("zh"):
            zh = AbTestResult.from_dict(saved)
            assert verdict(zh) == verdict(result)  # the live result, read in Chinese
            notes = [m for m in zh.results["message"] if m]
        assert notes and all(m.startswith("用户太少，无法判断：") for m in notes), notes
    with pytest.raises(DataError):
        AbTestResult.from_dict({"results": []})
