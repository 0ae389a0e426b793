"""Comment text: top words (Chinese and English) and a simple lexicon sentiment score.

Tokenisation: runs of CJK characters are cut with ``jieba`` (the standard Chinese word
segmenter); Latin text is lower-cased and split on anything that is not a letter, digit
or apostrophe. Stopwords and the sentiment lexicon are data (below), so they can be
extended without touching the code.

The sentiment score is a deliberately simple, transparent **baseline**: count positive
and negative lexicon words in a comment (a negation word right before a lexicon word
flips it) and score ``(positive - negative) / (positive + negative)`` in [-1, 1], 0 when
no lexicon word occurs. It is good enough to spot a segment that complains a lot; it is
not a trained model and misses sarcasm and context.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

from core.errors import DataError
from core.i18n import tr


def _words(text: str) -> list[str]:
    """Whitespace-separated word list (keeps the data below readable)."""
    return text.split()


STOPWORDS_EN: frozenset[str] = frozenset(
    _words(
        """a about above after again all also am an and any are as at be because been before
    being but by can could did do does doing for from get got had has have having he her
    here hers him his how i if in into is it its it's just me more most my no nor not of
    off on once only or other our ours out over own same she should so some such than that
    the their theirs them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours im i'm you're it's that's dont don't can't cant won't wont isn't didn't
    u ur lol ok okay yes yeah oh really one"""
    )
)

STOPWORDS_ZH: frozenset[str] = frozenset(
    _words("""的 了 和 是 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 她们 它们 我 你 他 她 它 这 那
    这个 那个 这些 那些 在 有 也 很 还 吗 呢 吧 啊 呀 哦 嗯 哈 哈哈 哈哈哈 啦 嘛 么 之 被 把 给 让
    从 向 对 于 为 以 又 再 但 但是 因为 所以 如果 就是 还是 不是 自己 什么 怎么 这样 那样 一下
    一些 可以 真的 非常 太 更 最 会 能 要 想 去 来 说 看 到 上 下 里 个 们 得 地 过 等 啊啊""")
)

STOPWORDS: frozenset[str] = STOPWORDS_EN | STOPWORDS_ZH

# word -> +1 (positive) / -1 (negative). A small hand-made lexicon: a baseline, see above.
SENTIMENT_LEXICON: dict[str, int] = {
    # English, positive
    **{
        w: 1
        for w in _words("""good great love loved lovely like liked nice amazing awesome excellent
        best perfect happy beautiful fantastic wonderful recommend recommended cool favorite
        favourite fast glad helpful thanks thank worth wow superb enjoy enjoyed cute fun
        quality stunning brilliant""")
    },
    # English, negative
    **{
        w: -1
        for w in _words("""bad terrible awful hate hated worst poor disappointed disappointing slow
        broken expensive overpriced scam fake useless problem problems refund angry annoying
        boring ugly sad waste complaint never late rude spam""")
    },
    # Chinese, positive
    **{
        w: 1
        for w in _words("""好 好看 好用 喜欢 爱 超爱 推荐 满意 不错 棒 很棒 赞 点赞 优秀 完美 开心 漂亮 划算 实惠
        值得 惊喜 感谢 谢谢 舒服 好吃 回购 支持 精彩 高级 质量好 给力 美 可爱 方便 好评""")
    },
    # Chinese, negative
    **{
        w: -1
        for w in _words("""差 太差 垃圾 失望 难用 难看 难吃 贵 太贵 骗 骗子 假货 退货 退款 投诉 生气 糟糕 后悔
        坑 慢 烂 差评 无语 恶心 不满 问题 麻烦 垃圾 过敏 敷衍""")
    },
}

NEGATIONS: frozenset[str] = frozenset(
    _words(
        "not no never don't dont isn't wasn't didn't cannot can't 不 没 没有 别 不是 不太 不怎么"
    )
)

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[a-z0-9']+")
_jieba = None


def _cut_chinese(run: str) -> list[str]:
    """Cut one run of CJK characters into words with jieba (imported lazily, quietly)."""
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba.lcut(run)


@functools.lru_cache(maxsize=200_000)
def _tokens(text: str) -> tuple[str, ...]:
    """All words of a text, stopwords included (cached: comments repeat a lot)."""
    tokens: list[str] = []
    pos = 0
    lowered = text.lower()
    for m in _CJK_RUN.finditer(lowered):
        tokens.extend(_LATIN_WORD.findall(lowered[pos : m.start()]))
        tokens.extend(_cut_chinese(m.group()))
        pos = m.end()
    tokens.extend(_LATIN_WORD.findall(lowered[pos:]))
    out = []
    for tok in tokens:
        tok = tok.strip("'")
        if not tok or tok.isdigit():
            continue
        if tok.isascii() and len(tok) < 2:
            continue
        out.append(tok)
    return tuple(out)


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Split one comment into words (Chinese via jieba, English by letters), lower-cased.

    Parameters
    ----------
    text : str
        A comment in Chinese, English or both.
    keep_stopwords : bool
        Keep stopwords (needed for negation handling in sentiment).

    Returns
    -------
    list of str
        Words in order of appearance; single Latin letters and pure numbers are dropped.
    """
    if not isinstance(text, str) or not text:
        return []
    tokens = _tokens(text)
    if keep_stopwords:
        return list(tokens)
    return [t for t in tokens if t not in STOPWORDS]


def sentiment_score(text: str) -> float:
    """Lexicon sentiment of one comment in [-1, 1] (0 when no lexicon word occurs).

    ``(positive - negative) / (positive + negative)`` over lexicon words; a negation word
    ("not", "不", "没有", ...) directly before a lexicon word flips its sign.

    Examples
    --------
    >>> sentiment_score("love it, great quality")
    1.0
    >>> sentiment_score("not good")
    -1.0
    """
    tokens = tokenize(text, keep_stopwords=True)
    pos = neg = 0
    for i, tok in enumerate(tokens):
        polarity = SENTIMENT_LEXICON.get(tok)
        if polarity is None and len(tok) > 1 and tok[0] == "不" and tok[1:] in SENTIMENT_LEXICON:
            polarity = -SENTIMENT_LEXICON[tok[1:]]  # jieba keeps e.g. 不好 as one word
        if polarity is None:
            continue
        if i > 0 and tokens[i - 1] in NEGATIONS:
            polarity = -polarity
        if polarity > 0:
            pos += 1
        else:
            neg += 1
    if pos + neg == 0:
        return 0.0
    return (pos - neg) / (pos + neg)


def top_words(
    texts: Iterable[str], *, n: int = 10, users: Iterable[str] | None = None, min_users: int = 1
) -> pd.DataFrame:
    """Most frequent words in a set of comments.

    Parameters
    ----------
    texts : iterable of str
        Comment texts (None / NaN are skipped).
    n : int
        How many words to return.
    users : iterable of str, optional
        The author of each text, same order. When given, each word also gets the number of
        distinct users who wrote it, and words written by fewer than ``min_users`` users
        are dropped (privacy: a rare word can identify a person).
    min_users : int
        Minimum distinct authors for a word to be shown (only with ``users``).

    Returns
    -------
    DataFrame
        Words of two or more characters. Columns ``word``, ``count`` (occurrences) and ``users`` (distinct authors, equal
        to ``count`` when ``users`` is not given), most frequent first, ties by word.
    """
    if n < 1:
        raise DataError(tr("The number of top words must be at least 1, got {value}.", value=n))
    counts: Counter[str] = Counter()
    authors: dict[str, set] = {}
    user_list = list(users) if users is not None else None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            continue
        words = [w for w in tokenize(text) if len(w) > 1]  # single characters are noise
        counts.update(words)
        if user_list is not None:
            for w in set(words):
                authors.setdefault(w, set()).add(user_list[i])
    rows = [
        (w, c, len(authors[w]) if user_list is not None else c)
        for w, c in counts.items()
        if user_list is None or len(authors[w]) >= min_users
    ]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return pd.DataFrame(rows[:n], columns=["word", "count", "users"]).astype(
        {"word": "str", "count": "int64", "users": "int64"}
    )


def sentiment_summary(texts: Iterable[str]) -> dict:
    """Average lexicon sentiment of a set of comments, with positive / negative shares.

    Returns
    -------
    dict
        ``n_comments``, ``score`` (mean of :func:`sentiment_score`, None when there is
        no text), ``positive_share`` and ``negative_share`` (shares of comments scoring
        above / below zero).
    """
    scores = [sentiment_score(t) for t in texts if isinstance(t, str) and t.strip()]
    if not scores:
        return {"n_comments": 0, "score": None, "positive_share": None, "negative_share": None}
    n = len(scores)
    return {
        "n_comments": n,
        "score": sum(scores) / n,
        "positive_share": sum(s > 0 for s in scores) / n,
        "negative_share": sum(s < 0 for s in scores) / n,
    }
