"""A/B tests: which version won, for whom, how sure to be, and how many users it takes.

Modules, in the order data flows through them:

* ``options`` - the option sets (engines, corrections, power formulas) as plain data.
* ``io`` - read an experiment table (file, upload or database table).
* ``inputs`` - column checks and guesses, a saved run's segments, the planned split.
* ``users`` - one row per user reduced to statistics per (metric, segment, variant),
  with capping and CUPED.
* ``totals`` - typed-in totals read into the same statistics.
* ``stats`` - two-arm tests on those statistics: SRM, frequentist, Bayesian,
  sequential, multiple-comparison correction, heterogeneity.
* ``intervals`` - relative-lift intervals that never pass -100 % (log-ratio, Fieller)
  and the Bayesian posterior's quantiles.
* ``checks`` - what an analysis refuses before comparing: options, plan, groups.
* ``analysis`` - every treatment against the control, overall and per segment.
* ``result`` - ``AbTestResult``, what an analysis returns.
* ``report`` - the result as a verdict sentence, the abtest JSON, and a safe CSV.
* ``power`` - sample size, minimum detectable effect, days needed.
* ``plan`` - ``ExperimentPlan``: the metric, the effect to detect and the planned
  sample; each engine's power at the plan.
* ``demo`` - a simulated experiment for the page.

Import from here (``from core.experiments import analyze_experiment``). Names load on
first use (PEP 562 module ``__getattr__``): ``python -m core abtest --help`` reads
``ENGINES`` from ``options`` without loading SciPy, statsmodels or pandas.
"""

from __future__ import annotations

from core.common.lazy import lazy_exports

#: Every public name and the module that defines it.
_EXPORTS: dict[str, str] = {
    # options
    "CORRECTIONS": "options", "ENGINES": "options", "POWER_METHODS": "options",
    "Correction": "options", "Engine": "options", "PowerMethod": "options",
    # reading and preparing the data
    "read_experiment_table": "io", "is_aggregate_table": "inputs",
    "guess_user_column": "inputs", "join_segments": "inputs", "parse_planned_split": "inputs", "suggest_columns": "inputs",
    # two-arm statistics
    "Comparison": "stats", "Heterogeneity": "stats", "Proportion": "stats",
    "SampleMean": "stats", "SrmResult": "stats", "adjust_p_values": "stats",
    "bayesian_test": "stats", "compare": "stats", "frequentist_test": "stats",
    "heterogeneity_test": "stats", "prob_beta_greater": "stats", "relative_lift": "stats",
    "sequential_test": "stats", "srm_test": "stats",
    # experiments
    "analyze_aggregates": "analysis", "analyze_experiment": "analysis",
    "decide_calls": "analysis", "resolve_tuning_n": "checks",
    "AbTestResult": "result", "RESULT_COLUMNS": "result",
    # reporting
    "result_to_dict": "report", "results_to_csv": "report", "verdict": "report",
    "progress_sentence": "report",
    # power
    "SampleSize": "power", "days_needed": "power", "minimum_detectable_effect": "power",
    "sample_size": "power", "sample_size_means": "power",
    # the plan
    "ExperimentPlan": "plan", "make_plan": "plan", "power_at_plan": "plan",
    "sequential_multiplier": "plan",
    # demo
    "demo_experiment": "demo",
}  # fmt: skip

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
