"""Package roots that load a public name's module only when the name is first used.

``core.personas``, ``core.segments`` and ``core.experiments`` offer their whole public API
from the package root, but importing the root must stay light: the CLI's ``--help`` and
the pages that need one KPI label should not pay for scikit-learn, SciPy or statsmodels.
The standard way is a module-level ``__getattr__`` (PEP 562); this is its one
implementation.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package root with lazily loaded names.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : Mapping[str, str]
        Public name -> the module that defines it, as a full dotted name or relative to
        the package (``"kpis"`` in ``core.personas``).

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``, to assign at the package's top level. A loaded name
        becomes a plain attribute of the package, so the module is looked up once.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module protocol's name
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if not module.startswith(package + "."):
            module = f"{package}.{module}"
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
