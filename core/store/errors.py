"""The store's exceptions: what went wrong, in a sentence a user can act on."""

from __future__ import annotations

__all__ = ["StoreError", "ConflictError"]


class StoreError(RuntimeError):
    """The store could not do what was asked; the message says what to do."""


class ConflictError(StoreError):
    """Someone else saved a newer version of the same run since it was loaded."""
