"""Comment words and lexicon sentiment on tiny Chinese and English texts."""

from __future__ import annotations

import pytest

from core.errors import DataError
from core.personas import text


def test_tokenize_english_drops_stopwords_and_single_letters():
    assert text.tokenize("I love it, a GREAT quality product!") == [
        "love",
        "great",
        "quality",
        "product",
    ]


def test_tokenize_chinese_with_jieba():
    assert text.tokenize("质量不错") == ["质量", "不错"]
    assert "推荐" in text.tokenize("这个产品很好用，推荐！")


def test_tokenize_mixed_and_empty():
    assert text.tokenize("色号 nice") == ["色号", "nice"]
    assert text.tokenize("") == []
    assert text.tokenize(None) == []


@pytest.mark.parametrize(
    ("comment", "score"),
    [
        ("love it, great quality", 1.0),
        ("not good", -1.0),
        ("bad packaging but love the colour", 0.0),
        ("质量不错", 1.0),
        ("太贵了，不好", -1.0),
        ("不喜欢", -1.0),
        ("nothing to say", 0.0),
    ],
)
def test_sentiment_score(comment, score):
    assert text.sentiment_score(comment) == score


def test_sentiment_summary():
    out = text.sentiment_summary(["love it", "terrible", "ok then", None, "  "])
    assert out == {
        "n_comments": 3,
        "score": 0.0,
        "positive_share": pytest.approx(1 / 3),
        "negative_share": pytest.approx(1 / 3),
    }
    assert text.sentiment_summary([])["score"] is None


def test_top_words_counts_and_ties():
    words = text.top_words(["love love price", "price 物流 物流", "物流"], n=3)
    assert words.to_dict("list") == {
        "word": ["物流", "love", "price"],
        "count": [3, 2, 2],
        "users": [3, 2, 2],
    }


def test_top_words_hides_words_of_too_few_users():
    words = text.top_words(
        ["secret code", "price", "price", "price"], users=["u1", "u2", "u3", "u4"], min_users=2
    )
    assert words["word"].tolist() == ["price"]
    assert words["users"].tolist() == [3]


def test_top_words_validates_n():
    with pytest.raises(DataError):
        text.top_words(["a"], n=0)
