"""The one error a person reads: :class:`DataError`.

Every package raises it for bad input; the pages show its sentence with ``st.error`` and
the CLI prints it and exits with code 2.
"""

from __future__ import annotations


class DataError(ValueError):
    """Bad input, with a message a marketing manager can act on.

    The message names the file, column or row and says what to do. Pages show it with
    ``st.error``; the CLI prints it on stderr and exits with code 2.

    Parameters
    ----------
    message : str
        The sentence shown to the user.
    kind : {"events", "users"}, optional
        Which input's column mapping holds the problem, when it is a mapping problem.
    column : str, optional
        The source column to fix (the Data page opens its mapping row).
    field : str, optional
        The canonical field that no column provides (``"user_id"`` ...). The message then
        says only what is missing; each surface adds how to map it in its own words (the
        CLI names ``--map COLUMN=FIELD``, the Data page points at its mapping form).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        column: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.column = column
        self.field = field
