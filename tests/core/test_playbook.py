"""Playbook rules fire on the right signals, with their reasons, ranked by strength."""

from __future__ import annotations

from core.personas import playbook


def _keys(recs):
    return [r.rule for r in recs]


def test_high_value_and_frequency_rank_by_strength():
    facts = {"lift": {"monetary": 6.0, "frequency": 1.5}}
    recs = playbook.recommend(facts)
    assert _keys(recs)[:2] == ["high_value", "high_frequency"]
    assert recs[0].reason == "spends 6x the average"
    assert recs[0].score == 3.0  # 6 / threshold 2
    assert recs[0].source == (
        "High spenders are kept by attention and exclusivity more than by price."
    )
    assert len(recs) == 2  # no always-on advice: every action follows from a fact


def test_influence_and_interaction():
    recs = playbook.recommend({"lift": {"n_share": 6.0, "followers": 12.0, "engagement_rate": 3.0}})
    assert _keys(recs)[:3] == ["influential_followers", "influential_sharing", "high_interaction"]
    assert recs[1].reason == "shares 6x more than average"


def test_dormant_share_and_win_back_given_once():
    facts = {
        "lift": {"recency_days": 6.0},
        "shares": {"lifecycle_stage": {"dormant": 0.7, "churned": 0.2, "active": 0.1}},
    }
    recs = playbook.recommend(facts)
    win_back = [r for r in recs if r.action.startswith("Win-back")]
    assert len(win_back) == 1  # same action once, with the strongest reason
    assert win_back[0].rule == "long_absent"
    assert playbook.contact_note(facts) == playbook.CONTACT_CAP_NOTE_DORMANT


def test_low_medium_value_and_young():
    assert "low_value" in _keys(playbook.recommend({"lift": {"monetary": 0.1}}))
    assert (
        playbook.recommend({"lift": {"monetary": 0.1}})[0].reason
        == "spends only 10% of the average"
    )
    assert _keys(playbook.recommend({"lift": {"monetary": 1.0}})) == []  # average: no action
    young = playbook.recommend({"mean": {"age": 24.0}})
    assert young[0].rule == "young" and young[0].reason == "average age is 24"


def test_professionals_need_over_representation():
    facts = {
        "shares": {"occupation": {"manager": 0.3, "student": 0.7}},
        "population_shares": {"occupation": {"manager": 0.1, "student": 0.9}},
    }
    recs = playbook.recommend(facts)
    assert (
        recs[0].rule == "professionals" and recs[0].reason == "3x as many professionals as average"
    )
    facts["population_shares"]["occupation"]["manager"] = 0.3
    assert "professionals" not in _keys(playbook.recommend(facts))


def test_nothing_fires_on_no_facts():
    assert playbook.recommend({}) == []


def test_posting_advice_carries_the_times_and_the_reason():
    rec = playbook.posting_advice(["Evenings (18:00-24:00)", "Weekends"], "is most active ...")
    assert rec.action.endswith("evenings (18:00-24:00); weekends")
    assert rec.reason == "is most active ..."


def test_user_visible_sentences_cite_no_source_documents():
    import re

    for text in (playbook.CONTACT_CAP_NOTE, playbook.CONTACT_CAP_NOTE_DORMANT):
        assert not re.search(r"\d{3} (§|L)\d", text), text
    for rule in playbook.PLAYBOOK:
        assert not re.search(r"\d{3} (§|L)\d", rule.action + rule.reason), rule.key
        assert not re.search(r"\d{3} (§|L)\d", rule.source), rule.key  # nor the records


def test_best_platforms_with_over_representation():
    out = playbook.best_platforms(
        {"douyin": 0.5, "wechat": 0.3, "weibo": 0.2}, {"douyin": 0.2, "wechat": 0.3, "weibo": 0.5}
    )
    assert out == [
        "Douyin (50% of activity, 2.5x average)",
        "WeChat (30% of activity)",
        "Weibo (20% of activity)",
    ]


def test_format_lift():
    assert [playbook.format_lift(x) for x in (6.0, 12.4, 1.56, 2.5, 0.3)] == [
        "6x",
        "12x",
        "1.6x",
        "2.5x",
        "0.3x",
    ]
