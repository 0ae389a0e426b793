"""The repository explains itself: house rules that a reviewer would otherwise check by eye.

Four rules, each described in ``docs/architecture.md`` ("House rules"):

1. No tracked text file cites a document that a clone of the repository does not have
   (the design, domain and style notes the project started from, or the seed documents)
   nor a source-document line (a three-digit document number, then a line number
   ``L<n>`` or a section number after a section sign). The product
   design and the domain live in ``docs/design.md`` and ``docs/domain.md``.
2. A module of ``core/`` longer than 500 lines says why in its module docstring, under
   the marker ``Why this module is long`` (any letter case).
3. No application module (``core/``, ``ui/``, ``app_pages/``, ``app.py``) imports a
   private name (a path part or name starting with one underscore) owned by another
   package: a private name is visible to the package that holds it and its
   sub-packages only. Tests may reach private helpers; they are not checked.
4. The modules of ``core/`` and ``ui/`` import each other without a cycle at import time
   (the imports a module runs when it is first loaded: its top level, not function
   bodies and not ``if TYPE_CHECKING:`` blocks). Importing ``a.b.c`` loads the packages
   ``a`` and ``a.b`` first, so those count as imports too, except a module's own packages
   (already loading when it runs).

The patterns below are assembled from pieces so that this file does not match itself.
"""

from __future__ import annotations

import ast
import graphlib
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".py", ".md", ".toml", ".sh", ".txt"}
MAX_LINES = 500
LONG_MARKER = "why this module is long"
APP_ROOTS = ("core", "ui", "app_pages")

_MD = "." + "md"
FORBIDDEN = re.compile(
    "|".join(
        [
            r"\bDESIGN" + re.escape(_MD),
            r"\bDOMAIN" + re.escape(_MD),
            r"\bSTYLE" + re.escape(_MD),
            r"shared/" + "seeds",
            r"\(" + r"source \d{3}",  # a document number after "(source"
            r"\b\d{3} " + r"L\d+",  # a document number, then a line number
            r"\b\d{3} " + "§" + r"\s?\d",  # a document number, then a section
        ]
    )
)


def _tracked_files() -> list[Path]:
    """Files under version control (every file of the tree when git is not available)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
        names = [n for n in out.split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        names = [
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
        ]
    return [ROOT / n for n in sorted(names) if (ROOT / n).is_file()]


def _text_files() -> list[Path]:
    """Tracked files with a text suffix checked for citations."""
    return [p for p in _tracked_files() if p.suffix in TEXT_SUFFIXES]


def _python_modules(roots: tuple[str, ...]) -> list[Path]:
    """Tracked ``.py`` files under the given top-level folders."""
    return [
        p for p in _tracked_files() if p.suffix == ".py" and p.relative_to(ROOT).parts[0] in roots
    ]


def _rel(path: Path) -> str:
    """Path relative to the repository root, with forward slashes."""
    return path.relative_to(ROOT).as_posix()


def citations(text: str) -> list[tuple[int, str]]:
    """Line numbers and lines of ``text`` that cite a document outside the repository.

    Parameters
    ----------
    text : str
        File contents.

    Returns
    -------
    list of (int, str)
        1-based line number and the stripped line, for every offending line.
    """
    return [
        (i, line.strip())
        for i, line in enumerate(text.splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]


def _package_of(path: Path) -> str:
    """Dotted package a module belongs to (the package itself for ``__init__.py``)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1])


def _is_private(part: str) -> bool:
    """One leading underscore: private by convention (dunder names are not)."""
    return part.startswith("_") and not part.startswith("__")


def _is_package(dotted: str) -> bool:
    """Whether a dotted name is a folder of the repository (a package or namespace package)."""
    return (ROOT / Path(*dotted.split("."))).is_dir()


def _private_owner(dotted: str) -> str | None:
    """The package that owns the first private part of ``dotted``, or None when all public.

    A private module or name belongs to the package it sits in: for
    ``core.explore.dashboards._filtered_events`` that is ``core.explore``.
    """
    parts = dotted.split(".")
    for i, part in enumerate(parts):
        if _is_private(part):
            owner = parts[:i]
            while owner and not _is_package(".".join(owner)):
                owner = owner[:-1]
            return ".".join(owner)
    return None


def _resolve(module: str | None, level: int, package: str) -> str:
    """Absolute dotted name of a ``from`` import's module (relative imports resolved)."""
    if not level:
        return module or ""
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _is_module(dotted: str) -> bool:
    """Whether a dotted name is a module or package of the repository."""
    path = ROOT / Path(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def _module_name(path: Path) -> str:
    """Dotted module name of a file (``core/data/__init__.py`` gives ``core.data``)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _load_time_statements(body: list[ast.stmt]):
    """Statements run when a module loads: the top level, into if/try/with blocks,
    skipping ``if TYPE_CHECKING:`` (never run) and function or class bodies' functions."""
    for node in body:
        if isinstance(node, ast.If):
            test = node.test
            name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
            if name == "TYPE_CHECKING":
                yield from _load_time_statements(node.orelse)
                continue
            yield from _load_time_statements(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _load_time_statements(
                node.body
                + node.orelse
                + node.finalbody
                + [s for h in node.handlers for s in h.body]
            )
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _load_time_statements(node.body)
        else:
            yield node


def _with_parents(dotted: str) -> list[str]:
    """``a.b.c`` and the packages loaded before it: ``a``, ``a.b``, ``a.b.c``."""
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def import_graph(roots: tuple[str, ...] = ("core", "ui")) -> dict[str, set[str]]:
    """Module -> the repository modules it loads when it is first imported."""
    graph: dict[str, set[str]] = {}
    for path in _python_modules(roots):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        own_packages = set(_with_parents(name))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _load_time_statements(tree.body):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(node.module, node.level, package)
                targets = [module]
                targets += [
                    f"{module}.{a.name}" for a in node.names if _is_module(f"{module}.{a.name}")
                ]
            for target in targets:
                # A module's own packages are loaded before it: importing a sibling does
                # not load them again, so they are not an edge.
                edges.update(
                    m for m in _with_parents(target) if _is_module(m) and m not in own_packages
                )
        graph[name] = edges
    return graph


def import_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle (``[a, b, a]``), or ``[]`` when there is none (stdlib graphlib)."""
    sorter = graphlib.TopologicalSorter({a: bs & graph.keys() for a, bs in graph.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def _imported_names(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """Every dotted name a module imports (``from a.b import c`` gives ``a.b.c``)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module, node.level, package)
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _module_aliases(tree: ast.AST, package: str) -> dict[str, str]:
    """Local names bound to modules of the repository (``from core.explore import
    reports as rp`` gives ``{"rp": "core.explore.reports"}``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname: a.name for a in node.names if a.asname})
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module, node.level, package)
            for a in node.names:
                if _is_module(f"{module}.{a.name}"):
                    aliases[a.asname or a.name] = f"{module}.{a.name}"
    return aliases


def _attribute_chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``, or None when the chain does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _private_attributes(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """Private names reached through an imported module (``rp._kpi_label(...)``)."""
    aliases = _module_aliases(tree, package)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        chain = _attribute_chain(node)
        if chain is None:
            continue
        head = aliases.get(chain[0], chain[0] if chain[0] in APP_ROOTS else None)
        if head is not None:
            found.append((node.lineno, ".".join([head, *chain[1:]])))
    return found


def private_imports(path: Path) -> list[str]:
    """Private names owned by another package that ``path`` imports or reaches.

    Parameters
    ----------
    path : Path
        A Python module of the repository.

    Returns
    -------
    list of str
        ``"line: dotted.name (owned by package)"`` for each offending import or
        attribute access through an imported module.
    """
    package = _package_of(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    used = _imported_names(tree, package) + _private_attributes(tree, package)
    for lineno, dotted in sorted(set(used)):
        if dotted.split(".")[0] not in APP_ROOTS:
            continue
        owner = _private_owner(dotted)
        if owner is None or package == owner or package.startswith(owner + "."):
            continue
        bad.append(f"{lineno}: {dotted} (owned by {owner or 'the top level'})")
    return bad


def test_no_citation_of_documents_outside_the_repository():
    offenders = []
    for path in _text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [f"{_rel(path)}:{i}: {line}" for i, line in citations(text)]
    assert not offenders, "cite docs/ in the project's own words instead:\n" + "\n".join(offenders)


def test_long_core_modules_say_why():
    offenders = []
    for path in _python_modules(("core",)):
        text = path.read_text(encoding="utf-8")
        n_lines = len(text.splitlines())
        if n_lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if LONG_MARKER not in doc.lower():
            offenders.append(f"{_rel(path)}: {n_lines} lines")
    assert not offenders, (
        f"split these modules, or write 'Why this module is long: ...' in their docstring "
        f"(limit {MAX_LINES} lines):\n" + "\n".join(offenders)
    )


def test_no_private_imports_across_packages():
    offenders = []
    for path in _python_modules(APP_ROOTS) + [ROOT / "app.py"]:
        offenders += [f"{_rel(path)}:{item}" for item in private_imports(path)]
    assert not offenders, (
        "make these names public or move the code into the package that uses them:\n"
        + "\n".join(offenders)
    )


def test_no_import_cycles():
    cycle = import_cycle(import_graph())
    assert not cycle, "these modules import each other when they load: " + " -> ".join(cycle)


def test_the_checks_catch_what_they_are_meant_to():
    assert citations("see " + "DOMAIN" + _MD + " for the formula")
    assert citations("premium products (000 L" + "125, L326)")
    assert citations("(source " + "000 L" + "127)")
    assert citations("contact caps (003 " + "§" + "8.3)")
    assert citations("seeds in shared/" + "seeds/")
    assert not citations("about 200 users per arm; section 8.3 of the report")
    assert _private_owner("core.explore.dashboards._filtered_events") == "core.explore"
    assert _private_owner("core.cli._common.take_summaries") == "core.cli"
    assert _private_owner("core.explore.dashboards.activity") is None
    tree = ast.parse("from core.explore import charts as ch\nch._kpi_label('ctr')\n")
    assert _private_attributes(tree, "ui.explore") == [(2, "core.explore.charts._kpi_label")]
    assert sorted(set(import_cycle({"a": {"b"}, "b": {"a"}, "c": {"a"}}))) == ["a", "b"]
    assert import_cycle({"a": {"b"}, "b": set()}) == []
