"""Keeping the catalogues whole: fold part files in, and list what still needs translating.

Run by ``scripts/i18n.sh`` after it extracts the messages; the catalogue tests use
:func:`problems` so a missing, empty or mismatched translation fails the build.
"""

from __future__ import annotations

import string
import sys

from core.i18n.catalogue import (
    CATALOGUE_LOCALES,
    DOMAIN,
    catalogue_path,
    load_catalogue,
    part_paths,
)

__all__ = ["fold_parts", "placeholders", "problems"]


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a brace-format message (format specs ignored)."""
    try:
        return {
            field.split(".")[0].split("[")[0]
            for _, field, _, _ in string.Formatter().parse(text)
            if field is not None
        }
    except ValueError:  # unbalanced braces: not a format string
        return set()


def problems(code: str = "zh", messages: dict[str, object] | None = None) -> list[str]:
    """One line per message of ``messages`` (id -> plural id or None) that is not translated
    in ``code``'s catalogue, or whose translation's placeholders differ from the message's."""
    catalog = load_catalogue(code)
    found = []
    for msgid, plural in (messages or {}).items():
        entry = catalog.get(msgid)
        strings = entry.string if entry is not None else None
        forms = list(strings) if isinstance(strings, (tuple, list)) else [strings]
        if entry is None or not all(forms) or entry.fuzzy:
            found.append(f"no translation: {msgid!r}")
            continue
        if plural:  # a count may be written as a word ("one file"), so {n} may be left out
            allowed = placeholders(msgid) | placeholders(str(plural))
            required = allowed - {"n"}
        else:
            allowed = required = placeholders(msgid)
        for form in forms:
            have = placeholders(str(form))
            if have - allowed or required - have:
                found.append(f"placeholders differ: {msgid!r} -> {form!r}")
    return found


def fold_parts(code: str) -> int:
    """Write the part files' translations into ``code``'s catalogue and delete the parts."""
    from babel.messages.pofile import write_po

    parts = part_paths(code)
    if not parts:
        return 0
    main = load_catalogue(code, with_parts=False)
    merged = load_catalogue(code, with_parts=True)
    count = 0
    for message in main:
        if message.id and merged.get(message.id) is not None:
            new = merged.get(message.id).string
            if new != message.string:
                message.string = new
                message.flags.discard("fuzzy")
                count += 1
    with catalogue_path(code).open("wb") as handle:
        write_po(handle, main, width=0, sort_by_file=True)
    for part in parts:
        part.unlink()
    if not any(parts[0].parent.iterdir()):
        parts[0].parent.rmdir()
    return count


def main(argv: list[str] | None = None) -> int:
    """Fold the part files in; print how many messages still need Chinese (exit 0).

    With ``--check [PATH ...]`` nothing is written: the messages of the files under those
    paths (default: all) that need Chinese are listed, and the exit code is 1 if any do.
    """
    from core.i18n.extract import messages_in_code

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--check"]:
        prefixes = tuple(args[1:]) or ("",)
        mine = {
            (m[0] if isinstance(m, tuple) else m): (m[1] if isinstance(m, tuple) else None)
            for path, _, m in messages_in_code()
            if m and path.startswith(prefixes)
        }
        left = problems("zh", mine)
        print(
            f"{len(mine)} messages under {', '.join(prefixes) or 'the code'}; {len(left)} need work"
        )
        for line in left:
            print("  " + line)
        return 1 if left else 0
    for lang in CATALOGUE_LOCALES:
        folded = fold_parts(lang)
        if folded:
            print(f"{DOMAIN} {lang}: {folded} translations folded in from part files")
    messages = {
        m[0] if isinstance(m, tuple) else m: (m[1] if isinstance(m, tuple) else None)
        for _, _, m in messages_in_code()
    }
    left = problems("zh", messages)
    print(f"{len(messages)} messages in the code; {len(left)} need work in the Chinese catalogue")
    for line in left[:20]:
        print("  " + line)
    return 0


if __name__ == "__main__":  # python -m core.i18n.maintain  (called by scripts/i18n.sh)
    sys.exit(main())
