"""Workshop mode: a facilitator's session that a room joins with a link or a QR code.

- ``join``: the participant's side: the join screen, their tab, coming back, leaving.
- ``board``: the facilitator's side: starting a session, the join link and QR code, the
  board of everyone's persona sets with their agreement, the full-screen present view.
- ``data``: cached calls into core for the board (sets, ARI matrix, QR code, the sweep).
"""

from ui.workshop.board import (
    board,
    create_form,
    join_panel,
    pick_workshop,
    present_view,
    presenting,
)
from ui.workshop.data import participant_sets, qr_png, sweep, sweep_once_per_process
from ui.workshop.join import (
    ENDED,
    INVALID_JOIN,
    join_code,
    left_tab,
    participant_sidebar,
    participant_tab,
    render_ended,
    render_join_screen,
    render_left,
    return_offer,
    welcome,
)

__all__ = [
    "ENDED",
    "INVALID_JOIN",
    "board",
    "create_form",
    "join_code",
    "join_panel",
    "left_tab",
    "participant_sets",
    "participant_sidebar",
    "participant_tab",
    "pick_workshop",
    "present_view",
    "presenting",
    "qr_png",
    "render_ended",
    "render_join_screen",
    "render_left",
    "return_offer",
    "sweep",
    "sweep_once_per_process",
    "welcome",
]
