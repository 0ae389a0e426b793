"""Browser cookies set from the page: the login cookie and the workshop return cookie.

Streamlit reads cookies (``st.context.cookies``) but cannot set them, so a small script
drawn in a hidden element sets or deletes one.
"""

from __future__ import annotations

import json

import streamlit as st

__all__ = ["cookie_script", "draw_hidden_script"]


def cookie_script(name: str, value: str, max_age: int) -> str:
    """A script that sets (``max_age`` > 0) or deletes (0) one cookie of this app.

    Parameters
    ----------
    name, value : str
        The cookie.
    max_age : int
        Seconds to keep it; 0 deletes it.

    Returns
    -------
    str
        A ``<script>`` element; the cookie is ``Secure`` when the page is on https.
    """
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = f"/{prefix}" if prefix else "/"
    cookie = f"{name}={value}; Max-Age={int(max_age)}; Path={path}; SameSite=Strict"
    return (
        "<script>(function(){var c="
        + json.dumps(cookie)
        + ";if(window.location.protocol==='https:'){c+='; Secure';}document.cookie=c;})();"
        "</script>"
    )


def draw_hidden_script(body: str, key: str) -> None:
    """Draw a script in a hidden element keyed ``key`` (it takes no line on the page).

    Parameters
    ----------
    body : str
        The ``<script>`` to run.
    key : str
        The container's widget key (one per kind of cookie on a page).
    """
    with st.container(key=key):
        st.html(body, unsafe_allow_javascript=True)
    st.html(f"<style>.st-key-{key}{{display:none}}</style>")
