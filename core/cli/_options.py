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

Languages: :class:`CliParser` parses in the language ``--lang`` names (so a bad option
value is reported in it) and writes ``--help`` in it: option help marked with ``N_``
where it is defined is translated when the help is printed, and argparse's own
sentences (a missing option, a wrong choice) are put in the language's words.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from core.i18n import N_, fmt, language, normalize, tr

SEED_MAX = 2**32 - 1


# argparse's own messages (English, from its code) and the same sentence as a message of
# the catalogue: in English the text is unchanged, in Chinese it is translated.
_ARGPARSE_MESSAGES = (
    (r"the following arguments are required: (?P<options>.+)", N_(
        "the following arguments are required: {options}"
    )),
    (r"(?P<option>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)", N_(
        "{option}: invalid choice: {value} (choose from {choices})"
    )),
    (r"unrecognized arguments: (?P<arguments>.+)", N_("unrecognized arguments: {arguments}")),
    (r"(?P<option>\S+): expected one argument", N_("{option}: expected one argument")),
    (r"(?P<option>\S+): expected at least one argument", N_(
        "{option}: expected at least one argument"
    )),
    (r"(?P<option>\S+): not allowed with argument (?P<other>\S+)", N_(
        "{option}: not allowed with argument {other}"
    )),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", N_(
        "ambiguous option: {option} could match {matches}"
    )),
    (r"(?P<option>\S+): invalid (?P<kind>\S+) value: (?P<value>.+)", N_(
        "{option}: invalid {kind} value: {value}"
    )),
    # An option type's own sentence (already in the current language) after the option.
    (r"(?P<option>-\S+): (?P<message>.+)", N_("{option}: {message}")),
)  # fmt: skip
# The headings argparse writes in --help.
_HELP_HEADINGS = {
    "usage: ": N_("usage: "),
    "options:": N_("options:"),
    "positional arguments:": N_("positional arguments:"),
}


def _argparse_message(message: str) -> str:
    """argparse's English ``message`` in the current language."""
    for pattern, template in _ARGPARSE_MESSAGES:
        found = re.fullmatch(pattern, message)
        if found:
            return tr(template, **found.groupdict())
    return message


def _language_in(args: Sequence[str] | None) -> str | None:
    """The language named by ``--lang X`` / ``--lang=X`` in ``args``, if any."""
    items = list(args or ())
    for i, item in enumerate(items):
        if item == "--lang" and i + 1 < len(items):
            return normalize(items[i + 1])
        if item.startswith("--lang="):
            return normalize(item.split("=", 1)[1])
    return None


@contextmanager
def _help_translated(parser: argparse.ArgumentParser) -> Iterator[None]:
    """Inside the block, the parser's description and option help are in the current language."""
    actions = list(parser._actions)
    for action in parser._actions:  # the commands' one-line help, listed by the main parser
        actions += list(getattr(action, "_choices_actions", ()))
    saved = [(action, action.help) for action in actions]
    description = parser.description
    try:
        for action, text in saved:
            if text and text != argparse.SUPPRESS:
                action.help = tr(text)
        if description:
            parser.description = tr(description)
        yield
    finally:
        for action, text in saved:
            action.help = text
        parser.description = description


class CliParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr with exit code 2.

    It parses in the language ``--lang`` names, and prints help and errors in it.
    """

    def parse_known_args(self, args=None, namespace=None):
        """Parse as argparse does, in the language ``--lang`` names (else the current one)."""
        chosen = _language_in(sys.argv[1:] if args is None else args)
        with language(chosen):
            return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        """The help text, in the current language."""
        with _help_translated(self):
            text = super().format_help()
        for heading, message in _HELP_HEADINGS.items():
            text = re.sub(rf"(?m)^{re.escape(heading)}", tr(message), text)
        text = text.replace(
            "show this help message and exit", tr("show this help message and exit")
        )
        return text

    def format_usage(self) -> str:
        """The usage line, in the current language."""
        return super().format_usage().replace("usage: ", tr("usage: "), 1)

    def error(self, message: str) -> None:
        """Print the argparse message as one line and exit with code 2."""
        message = re.sub(r"^argument (\S+?)(/\S+)?: ", r"\1: ", message)
        self.exit(
            2,
            tr(
                "error: {message} (see `{command} --help`).",
                message=_argparse_message(message),
                command=self.prog,
            )
            + "\n",
        )


def _shown(value: float) -> str:
    """A bound as shown in a message: 1,000 or 0.5."""
    return fmt.number(value) if isinstance(value, int) else f"{value:g}"


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

    def rule() -> str:
        """What the value should be, in the current language (written when it is shown)."""
        kind = tr("a whole number") if whole else tr("a number")
        if low is not None and high is not None and not (above or below):
            return tr("{kind} from {low} to {high}", kind=kind, low=_shown(low), high=_shown(high))
        sides = []
        if low is not None:
            value = _shown(low)
            sides.append(
                tr("above {value}", value=value)
                if above
                else tr("of at least {value}", value=value)
            )
        if high is not None:
            value = _shown(high)
            sides.append(
                tr("below {value}", value=value) if below else tr("of at most {value}", value=value)
            )
        if len(sides) == 2:
            return tr(
                "{kind} {low_side} and {high_side}",
                kind=kind,
                low_side=sides[0],
                high_side=sides[1],
            )
        return tr("{kind} {side}", kind=kind, side=sides[0]) if sides else kind

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
            raise argparse.ArgumentTypeError(
                tr(
                    "'{value}' should be {rule}, e.g. {example}",
                    value=text,
                    rule=rule(),
                    example=example,
                )
            )
        return int(value) if whole else value

    return parse


SEED = number(low=0, high=SEED_MAX, whole=True, example="7")


_WHAT = {"file": N_("file"), "folder": N_("folder")}


def _check_parent(path: Path, option: str) -> None:
    """The nearest existing folder above ``path`` must be a folder we may write in."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(
            tr(
                "'{path}' cannot be created because '{parent}' is a file, not a folder; choose "
                "another {option}",
                path=path,
                parent=parent,
                option=tr(_WHAT[option]),
            )
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            tr(
                "the folder '{folder}' is not writable; choose another {option}",
                folder=parent,
                option=tr(_WHAT[option]),
            )
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
                tr(
                    "'{path}' is a folder; give a file name inside it, e.g. {example}",
                    path=text,
                    example=path / example,
                )
            )
        _check_parent(path, "file")
        return text

    return parse


def output_folder(text: str) -> str:
    """An argparse ``type`` for an output folder: not an existing file, can be created."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            tr("'{path}' is a file, not a folder; choose a folder", path=text)
        )
    if not path.exists():
        _check_parent(path, "folder")
    elif not os.access(path, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            tr("the folder '{folder}' is not writable; choose another", folder=text)
        )
    return text
