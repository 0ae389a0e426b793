"""Links between pages: ``st.page_link`` that still reads well outside the navigation."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException


def page_link(path: str, label: str, icon: str) -> None:
    """``st.page_link`` that degrades to plain text when the page is not in the navigation.

    Parameters
    ----------
    path : str
        The page file, e.g. ``"app_pages/data.py"``.
    label : str
        The link text, e.g. ``"Go to the Data page"``; the fallback names the page only.
    icon : str
        A Material icon (``":material/upload_file:"``).
    """
    try:
        st.page_link(path, label=label, icon=icon)
    except StreamlitAPIException:  # page missing from st.navigation (or a bare test run)
        page = label.removeprefix("Go to the ").removesuffix(" page")
        st.markdown(f"Open **{page}** in the menu on the left.")
