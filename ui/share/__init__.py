"""Read-only share links: ``?share=<token>`` opens one saved run, nothing else.

- ``view``: the owner's controls (create, revoke) and the viewer's page.
"""

from ui.share.view import (
    INVALID_LINK,
    render_shared_view,
    share_controls,
    share_token,
    share_url,
)

__all__ = ["INVALID_LINK", "share_token", "share_url", "share_controls", "render_shared_view"]
