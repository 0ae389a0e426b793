"""Read-only share links: ``?share=<token>`` opens one saved run, nothing else.

- ``view``: the owner's controls (create, revoke) and the viewer's page;
- ``deck``: the read-only persona deck of one saved run (the share view and the
  workshop's present view draw it).
"""

from ui.share.deck import load_deck, render_deck, size_chart, size_table
from ui.share.view import (
    INVALID_LINK,
    render_shared_view,
    share_controls,
    share_token,
    share_url,
)

__all__ = [
    "INVALID_LINK",
    "load_deck",
    "render_deck",
    "render_shared_view",
    "share_controls",
    "share_token",
    "share_url",
    "size_chart",
    "size_table",
]
