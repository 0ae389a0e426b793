"""The command line: ``python -m core <command> ...``.

Thin on purpose: each command lives in ``core/cli/<command>.py`` with ``add_arguments``
and ``run``; this file parses arguments, dispatches, and turns a ``DataError`` (or a path
that cannot be read or written) into one plain sentence on stderr with exit code 2 (never
a traceback). Option values are checked while parsing (``core/cli/_options.py``), so a
bad one is also one line with exit code 2. Library warnings (NumPy, scikit-learn,
statsmodels) are not shown: bad input is caught before it can cause them, and a user
cannot act on them; ``PERSONALAB_DEBUG=1`` shows them, and tracebacks.

Fast to start: the command modules import only argparse-level code at their top, and
only the chosen command's options are added, so ``python -m core --help`` and
``python -m core COMMAND --help`` load no pandas, DuckDB or scikit-learn; a command loads
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Collection

from core import config
from core.cli import CliParser, take_summaries
from core.errors import DataError
from core.i18n import LANGUAGES, N_, language, tr

COMMANDS = (
    "sample",
    "features",
    "segment",
    "personas",
    "clv",
    "abtest",
    "power",
    "report",
    "workshops",
    "summary",
)


def build_parser(options_for: Collection[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser with one sub-command per module in ``core/cli``.

    Parameters
    ----------
    options_for : collection of str, optional
        The commands whose options are added (the others are listed with their help
        line only); None adds every command's options.

    Returns
    -------
    argparse.ArgumentParser
        Parsing sets ``_run`` to the chosen command's ``run``.
    """
    parser = CliParser(
        prog="python -m core",
        description="PersonaLab: segments, personas and A/B analysis for social-media data.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"core.cli.{name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        if options_for is None or name in options_for:
            module.add_arguments(p)
        if options_for is None or name in options_for:
            p.add_argument(
                "--lang",
                choices=LANGUAGES,
                default=None,
                help=N_(
                    "language of the documents and messages: en or zh "
                    "(default: $PERSONALAB_LANG, else en)"
                ),
            )
        p.set_defaults(_run=module.run)
    return parser


def chosen_command(argv: list[str]) -> str | None:
    """The command named in ``argv`` (its first word not starting with ``-``), if any.

    Parameters
    ----------
    argv : list of str
        The arguments after ``python -m core``.

    Returns
    -------
    str or None
        The command, or None when there is none (``--help``) or the word is unknown
        (argparse then reports it).
    """
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def cli_message(exc: DataError) -> str:
    """The error's sentence, plus the option that fixes a missing column mapping.

    Parameters
    ----------
    exc : DataError
        The error raised by a command.

    Returns
    -------
    str
        ``str(exc)``; when no column provides a required field, followed by the
        ``--map`` (or ``--users-map``) option that names one.
    """
    if exc.field is None:
        return str(exc)
    option = "--users-map" if exc.kind == "users" else "--map"
    return tr(
        "{error} Map one with {option} COLUMN={field}.", error=exc, option=option, field=exc.field
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    take_summaries()  # nothing left over from an earlier in-process call
    argv = sys.argv[1:] if argv is None else list(argv)
    command = chosen_command(argv)
    parser = build_parser(options_for=() if command is None else (command,))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a bad option, already printed as one line (2)
        return exc.code if isinstance(exc.code, int) else 2
    with language(getattr(args, "lang", None)):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; one sentence on stderr for bad input; the exit code."""
    debug = config.debug()
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.simplefilter("ignore")
            args._run(args)
    except DataError as exc:
        print(tr("error: {message}", message=cli_message(exc)), file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except FileNotFoundError as exc:
        print(
            tr("error: file not found: {path}. Check the path and try again.", path=exc.filename),
            file=sys.stderr,
        )
        return 2
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
        reason = (exc.strerror or "not usable").lower()
        print(
            tr(
                "error: cannot use {path} ({reason}); check the path.",
                path=exc.filename,
                reason=reason,
            ),
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one sentence unless debugging
        if debug:
            raise
        print(
            tr(
                "error: PersonaLab hit an internal problem ({kind}); "
                "set PERSONALAB_DEBUG=1 to see details and please report it.",
                kind=type(exc).__name__,
            ),
            file=sys.stderr,
        )
        return 1
    # On success, what every load read, kept and rejected (stdout stays the command's).
    for line in take_summaries():
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    from core.common.process import exit_now

    exit_now(main())
