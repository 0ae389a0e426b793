"""Read-only share links to one saved run.

Share tokens are ``secrets.token_urlsafe(32)`` (256 bits); only their SHA-256 is stored,
so a leaked database does not leak working links, and lookups compare hashes with
:func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hmac
import secrets

import sqlalchemy as sa

from core.i18n import tr
from core.store.base import StoreBase
from core.store.errors import StoreError
from core.store.models import RunRow, ShareTokenRow
from core.store.records import ShareLink, share_link
from core.store.values import hash_token, new_id, now

__all__ = ["ShareLinkStore"]


class ShareLinkStore(StoreBase):
    """Create, resolve, list and revoke share links (part of :class:`core.store.Store`)."""

    def create_share_link(self, workspace_id: str, run_id: str) -> tuple[str, ShareLink]:
        """Make a read-only link token for one run; the token is returned only here.

        Returns
        -------
        (token, ShareLink)
            ``token`` is ``secrets.token_urlsafe(32)`` (256 random bits); the store keeps
            only its SHA-256.
        """
        token = secrets.token_urlsafe(32)
        with self._tx() as s:
            if s.get(RunRow, (workspace_id, run_id)) is None:
                raise StoreError(tr("Save the run before sharing it."))
            row = ShareTokenRow(
                id=new_id(9),
                token_hash=hash_token(token),
                workspace_id=workspace_id,
                run_id=run_id,
                created_at=now(),
                revoked_at=None,
            )
            s.add(row)
        return token, share_link(row)

    def resolve_share_token(self, token: str) -> ShareLink | None:
        """The active link for ``token``, or None (unknown, revoked or malformed).

        The lookup is by the token's SHA-256 (an attacker cannot steer the hash, so the
        index lookup leaks nothing about other tokens) and the match is confirmed with
        :func:`hmac.compare_digest`.
        """
        if not isinstance(token, str) or not (20 <= len(token) <= 128):
            return None
        digest = hash_token(token)
        with self._tx() as s:
            row = s.scalars(
                sa.select(ShareTokenRow).where(ShareTokenRow.token_hash == digest)
            ).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest):
                return None
            if row.revoked_at is not None:
                return None
            return share_link(row)

    def list_share_links(self, workspace_id: str, run_id: str | None = None) -> list[ShareLink]:
        """Share links of a workspace (optionally one run), newest first, revoked included."""
        q = sa.select(ShareTokenRow).where(ShareTokenRow.workspace_id == workspace_id)
        if run_id is not None:
            q = q.where(ShareTokenRow.run_id == run_id)
        with self._tx() as s:
            rows = s.scalars(q.order_by(ShareTokenRow.created_at.desc())).all()
            return [share_link(r) for r in rows]

    def revoke_share_link(self, workspace_id: str, link_id: str) -> None:
        """Revoke a link (the token stops working at once); idempotent."""
        with self._tx() as s:
            s.execute(
                sa.update(ShareTokenRow)
                .where(
                    ShareTokenRow.workspace_id == workspace_id,
                    ShareTokenRow.id == link_id,
                    ShareTokenRow.revoked_at.is_(None),
                )
                .values(revoked_at=now())
            )
