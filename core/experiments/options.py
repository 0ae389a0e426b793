"""The option sets of the experiment analysis and the power calculator, as plain data.

Kept free of NumPy, SciPy and pandas so that the command line can offer them as choices
(``python -m core abtest --help``) without loading the statistics.
"""

from __future__ import annotations

from typing import Literal

Engine = Literal["frequentist", "bayesian", "sequential"]
Correction = Literal["none", "holm", "bh"]
PowerMethod = Literal["baseline_variance", "pooled", "unpooled", "cohens_h"]

#: How two arms are compared: p-values, chance to win, or always-valid intervals.
ENGINES: tuple[str, ...] = ("frequentist", "bayesian", "sequential")
#: Multiple-comparison corrections: none, Holm (strict), Benjamini-Hochberg.
CORRECTIONS: tuple[str, ...] = ("none", "holm", "bh")
#: Sample-size formulas for two proportions (see ``core.experiments.power``).
POWER_METHODS: tuple[str, ...] = ("baseline_variance", "pooled", "unpooled", "cohens_h")
