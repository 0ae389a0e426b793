"""Links between pages: ``st.page_link`` that still reads well outside the navigation."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.i18n import tr


def page_link(path: str, label: str, icon: str) -> None:
    """``st.page_link`` that degrades to plain text when the page is not in the navigation.

    Parameters
    ----------
    path : str
        The page file, e.g. ``"app_pages/data.py"``.
    label : str
        The link text in the page's language, e.g. ``tr("Go to the Data page")``; the
        fallback names it in a sentence.
    icon : str
        A Material icon (``":material/upload_file:"``).
    """
    try:
        st.page_link(path, label=label, icon=icon)
    except StreamlitAPIException:  # page missing from st.navigation (or a bare test run)
        st.markdown(tr("**{link}**: open it in the menu on the left.", link=label))
