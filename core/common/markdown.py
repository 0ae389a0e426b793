"""Text made inert before it reaches Markdown or HTML: the one escaping implementation."""

from __future__ import annotations

import html
import re

#: Characters that start Markdown syntax in Streamlit (links, images, emphasis, code,
#: headings, lists, tables, LaTeX ``$``, colour and emoji ``:name:``, directives ``{}``).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")
#: Starts of the bare addresses GFM turns into links: ``http(s)``, ``ftp``, ``www``,
#: ``mailto`` (a joiner after the first letter) and the ``@`` of an e-mail address.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|www|mailto)\b|(?=@)")
_WORD_JOINER = "\u2060"


def escape_markdown(text: object) -> str:
    r"""Make user-derived text inert inside Markdown: shown as typed, never as markup.

    HTML is escaped first (``<`` becomes ``&lt;``), then every Markdown control
    character gets a backslash, so a value such as ``![b](http://host/x.png)`` shows
    those characters instead of fetching an image, and ``[x](http://a)`` is no link.
    Bare addresses (``http://``, ``www.``, ``name@host``) are links in Streamlit's
    Markdown whatever their escapes, so an invisible word joiner (U+2060) goes after
    their first letter / before the ``@``: they read the same and are not clickable.

    Parameters
    ----------
    text : object
        A file name, column name, cell value, segment or persona name; ``str(text)``
        is escaped.

    Returns
    -------
    str
        Text for ``st.markdown``, ``st.error``, ``st.caption``, widget labels or an
        exported Markdown file.

    Examples
    --------
    >>> escape_markdown("[x](a) *b*")
    '\\[x\\]\\(a\\) \\*b\\*'
    >>> escape_markdown("www.a.com") == "w\u2060ww\\.a\\.com"
    True
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))
    return _AUTOLINK.sub(_break_autolink, escaped)


def _break_autolink(match: re.Match) -> str:
    """``http`` -> ``h`` + word joiner + ``ttp``; before an ``@``, just the joiner."""
    word = match.group(1)
    return word[0] + _WORD_JOINER + word[1:] if word else _WORD_JOINER


def escape_html(text: object) -> str:
    """User text made inert inside HTML (for the rare ``unsafe_allow_html`` block)."""
    return html.escape(str(text), quote=True)
