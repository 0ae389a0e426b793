"""Option checking shared by every command: one sentence and exit code 2 for bad input.

* :class:`CliParser` prints an argparse error (a missing option, a wrong choice, a value
  an option type refused) as one line instead of the usage block plus a message.
* :func:`number` builds an option type that refuses text, NaN, infinity and values out of
  range at parse time, naming the option and an example; :data:`SEED` is the one for
  ``--seed`` (what NumPy and scikit-learn accept: 0 to 2**32 - 1).
* :func:`output_file` / :func:`output_folder` check ``--out`` before any work is done: not
  a folder where a file is expected (or the reverse), an allowed extension, and a parent
  folder that exists or can be created.

Checks that need the data (a column name, a segment, a platform) live in ``core`` and
raise :class:`core.errors.DataError`; ``core/__main__.py`` prints those.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

SEED_MAX = 2**32 - 1


class CliParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr with exit code 2."""

    def error(self, message: str) -> None:
        """Print the argparse message as one line and exit with code 2."""
        message = re.sub(r"^argument (\S+?)(/\S+)?: ", r"\1: ", message)
        self.exit(2, f"error: {message} (see `{self.prog} --help`).\n")


def _shown(value: float) -> str:
    """A bound as shown in a message: 1,000 or 0.5."""
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def number(
    *,
    low: float | None = None,
    high: float | None = None,
    above: bool = False,
    below: bool = False,
    whole: bool = False,
    example: str,
) -> Callable[[str], float | int]:
    """An argparse ``type`` for a finite number in a range.

    Parameters
    ----------
    low, high : float, optional
        Bounds; None leaves that side open.
    above, below : bool
        Make ``low`` / ``high`` strict (the value must be above ``low`` / below ``high``).
    whole : bool
        Only whole numbers (returned as int).
    example : str
        A good value, shown in the message.

    Returns
    -------
    callable
        Parses the text or raises ``argparse.ArgumentTypeError`` with one sentence.
    """
    kind = "a whole number" if whole else "a number"
    if low is not None and high is not None and not (above or below):
        rule = f"{kind} from {_shown(low)} to {_shown(high)}"
    else:
        sides = []
        if low is not None:
            sides.append(f"{'above' if above else 'of at least'} {_shown(low)}")
        if high is not None:
            sides.append(f"{'below' if below else 'of at most'} {_shown(high)}")
        rule = " and ".join([kind + (" " + sides[0] if sides else ""), *sides[1:]])

    def parse(text: str) -> float | int:
        """Check one option value."""
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value) and (not whole or value == int(value))
        if ok and low is not None:
            ok = value > low if above else value >= low
        if ok and high is not None:
            ok = value < high if below else value <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"'{text}' should be {rule}, e.g. {example}")
        return int(value) if whole else value

    return parse


SEED = number(low=0, high=SEED_MAX, whole=True, example="7")


def _check_parent(path: Path, option: str) -> None:
    """The nearest existing folder above ``path`` must be a folder we may write in."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"'{path}' cannot be created because '{parent}' is a file, not a folder; "
            f"choose another {option}"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"the folder '{parent}' is not writable; choose another {option}"
        )


def output_file(example: str) -> Callable[[str], str]:
    """An argparse ``type`` for an output file (``--out``), checked before any work.

    Parameters
    ----------
    example : str
        A file name of the right kind (``result.json``), shown when a folder is given.

    Returns
    -------
    callable
        Returns the path text unchanged, or raises ``argparse.ArgumentTypeError``.
    """

    def parse(text: str) -> str:
        """Check one option value."""
        path = Path(text)
        if not text.strip() or path.is_dir():
            raise argparse.ArgumentTypeError(
                f"'{text}' is a folder; give a file name inside it, e.g. {path / example}"
            )
        _check_parent(path, "file")
        return text

    return parse


def output_folder(text: str) -> str:
    """An argparse ``type`` for an output folder: not an existing file, can be created."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is a file, not a folder; choose a folder")
    if not path.exists():
        _check_parent(path, "folder")
    elif not os.access(path, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"the folder '{text}' is not writable; choose another")
    return text
