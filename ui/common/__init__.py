"""What every page shares: import the modules from here (``from ui.common import state``).

Page-facing modules
-------------------
- ``auth``: who may use this server (local, workshop password, OIDC) and who owns what.
- ``state``: the app state pages use (dataset, run, workspace, uploads, sidebar), gathered
  from the modules below.
- ``jobs``: one heavy job per session, with progress, cancel and a server-wide cap.
- ``links``: :func:`page_link`, a link to another page that reads well anywhere.

Modules behind ``state``
------------------------
- ``session``: session keys, the ``Run`` value, link parameters, notices.
- ``storage``: the connection to the app store.
- ``workspace``: the current workspace.
- ``datasets``: the current dataset, its engine and feature table.
- ``selection``: switching dataset; loading, saving and reloading the current run.
- ``permalink``: the address bar as a permalink, one history entry per page.
- ``files``: upload size limit and per-session temporary files.
- ``sidebar``: the saved-work pickers.
"""

# auth before state: state's modules import auth from this package.
from ui.common import auth, jobs, state
from ui.common.links import page_link

__all__ = ["auth", "jobs", "state", "page_link"]
