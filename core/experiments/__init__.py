"""A/B statistics: SRM, frequentist / Bayesian / sequential comparisons, CUPED, capping,
per-segment effects with multiple-comparison correction, heterogeneity, and power.

Public API (``from core.experiments import ...``):

* inputs: ``SampleMean``, ``Proportion``; options ``Engine``, ``Correction``.
* two-arm tests: ``srm_test``, ``frequentist_test``, ``bayesian_test``,
  ``sequential_test``, ``compare``, ``prob_beta_greater``, ``relative_lift``,
  ``adjust_p_values``, ``heterogeneity_test``.
* experiments: ``analyze_experiment`` (one row per user), ``analyze_aggregates`` (typed-in
  totals), ``AbTestResult`` with ``to_dict()`` (the abtest JSON contract),
  ``join_segments`` (attach a saved run's labels), ``is_aggregate_table``,
  ``suggest_columns``, ``parse_planned_split``.
* reporting: ``verdict``, ``results_to_csv``, ``result_to_dict``.
* power: ``sample_size``, ``sample_size_means``, ``minimum_detectable_effect``,
  ``days_needed``.
* demo: ``demo_experiment`` (simulated experiment used until the sample data has one).
"""

from core.experiments.analysis import (
    RESULT_COLUMNS,
    AbTestResult,
    analyze_aggregates,
    analyze_experiment,
    is_aggregate_table,
    join_segments,
    parse_planned_split,
    suggest_columns,
)
from core.experiments.demo import demo_experiment
from core.experiments.power import (
    POWER_METHODS,
    PowerMethod,
    SampleSize,
    days_needed,
    minimum_detectable_effect,
    sample_size,
    sample_size_means,
)
from core.experiments.report import result_to_dict, results_to_csv, verdict
from core.experiments.stats import (
    CORRECTIONS,
    ENGINES,
    Comparison,
    Correction,
    Engine,
    Heterogeneity,
    Proportion,
    SampleMean,
    SrmResult,
    adjust_p_values,
    bayesian_test,
    compare,
    frequentist_test,
    heterogeneity_test,
    prob_beta_greater,
    relative_lift,
    sequential_test,
    srm_test,
)

__all__ = [
    "CORRECTIONS", "ENGINES", "POWER_METHODS", "RESULT_COLUMNS", "AbTestResult", "Comparison",
    "Correction", "Engine", "Heterogeneity", "PowerMethod", "Proportion", "SampleMean",
    "SampleSize", "SrmResult", "adjust_p_values", "analyze_aggregates", "analyze_experiment",
    "bayesian_test", "compare", "days_needed", "demo_experiment", "frequentist_test",
    "heterogeneity_test", "is_aggregate_table", "join_segments", "minimum_detectable_effect", "parse_planned_split",
    "prob_beta_greater", "relative_lift", "result_to_dict", "results_to_csv", "sample_size",
    "sample_size_means", "sequential_test", "srm_test", "suggest_columns", "verdict",
]  # fmt: skip
