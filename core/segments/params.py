"""What a user may choose for a segmentation and for a map, and the one check of it.

Each parameter set has one table, in the manner of scikit-learn's
``_parameter_constraints``: parameter name -> the values it accepts.
:func:`validate_segment_params` checks a :class:`~core.segments.segmentation.SegmentParams`
against :data:`SEGMENT_PARAM_CONSTRAINTS`, :func:`validate_map_params` a
:class:`~core.segments.projection.MapParams` against :data:`MAP_PARAM_CONSTRAINTS`. The
public functions that take parameters (``segment``, ``sweep_k``, ``stability``,
``prepare_matrix``, ``project``, ``project_pca``) call them first, so a bad value becomes
one sentence naming the parameter and the value ("min_cluster_size must be a whole number
of at least 2; it was 0.") instead of a library traceback, and the private helpers after
them assume valid input. What depends on the data (k larger than the number of users, a
feature the dataset lacks) is checked where the data is known.

The option lists (:data:`METHODS`, :data:`TRANSFORMS`, :data:`METRICS`) and defaults live
here too, so the pages, the CLI and the checks read the same lists.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any

from core.errors import DataError
from core.i18n import N_, fmt, tr

__all__ = [
    "METHODS",
    "K_METHODS",
    "TRANSFORMS",
    "METRICS",
    "DEFAULT_FEATURES",
    "DEFAULT_MAX_POINTS",
    "Interval",
    "Options",
    "SEGMENT_PARAM_CONSTRAINTS",
    "MAP_PARAM_CONSTRAINTS",
    "validate_segment_params",
    "validate_map_params",
]

#: ``auto`` reads the data (``core.segments.autoseg``): it picks features, weights, method and k.
METHODS: tuple[str, ...] = ("auto", "kmeans", "gmm", "hdbscan", "agglomerative", "rfm")
#: The methods that use ``k``; the others find their own number of segments.
K_METHODS: tuple[str, ...] = ("kmeans", "gmm", "agglomerative")
#: ``log1p`` on counts and money (``core.segments.preparation.log_transformed``), then scaling.
TRANSFORMS: tuple[str, ...] = ("log1p+standard", "log1p+robust", "standard", "robust")
#: Distances the user can choose for the map's neighbour graph.
METRICS: tuple[str, ...] = ("euclidean", "cosine", "manhattan", "correlation")
#: Points a browser draws smoothly in an Altair (Vega-Lite) scatter.
DEFAULT_MAX_POINTS = 10_000

#: Behavioural features used when the user picks none: volume of each kind of
#: interaction, buying, how recently and how often the user is active, how engaged they
#: are per exposure, when they are active (weekends, evenings) and their reach
#: (followers, from the users table). Missing ones are skipped (a dataset without a
#: users table still segments on the rest).
DEFAULT_FEATURES: tuple[str, ...] = (
    "n_view",
    "n_click",
    "n_like",
    "n_comment",
    "n_share",
    "n_save",
    "frequency",
    "monetary",
    "avg_order_value",
    "recency_days",
    "active_days",
    "engagement_rate",
    "weekend_share",
    "hour_share_evening",
    "followers",
)


# --- the kinds of constraint --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Interval:
    """A whole number (``whole=True``) or a finite number within ``[low, high]``.

    Parameters
    ----------
    whole : bool
        Only whole numbers (``True``/``False`` are not numbers here).
    low, high : float, optional
        Bounds; None leaves that side open.
    low_open : bool
        The value must be above ``low`` rather than at least ``low``.
    """

    whole: bool
    low: float | None = None
    high: float | None = None
    low_open: bool = False

    def accepts(self, value: Any) -> bool:
        """True when ``value`` is a number of the right kind within the bounds."""
        if isinstance(value, bool) or not isinstance(value, Integral if self.whole else Real):
            return False
        if not math.isfinite(float(value)):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        """The rule in words, in the current language: "a whole number of at least 2"."""
        kind = tr("a whole number") if self.whole else tr("a number")

        def shown(bound: float) -> str:
            return fmt.number(bound) if self.whole else fmt.decimal(bound, 6)

        sides = []
        if self.low is not None:
            if self.low_open:
                sides.append(tr("above {low}", low=shown(self.low)))
            else:
                sides.append(tr("of at least {low}", low=shown(self.low)))
        if self.high is not None:
            sides.append(tr("of at most {high}", high=shown(self.high)))
        if not sides:
            return kind
        return tr("{kind} {conditions}", kind=kind, conditions=tr(" and ").join(sides))


@dataclasses.dataclass(frozen=True)
class Options:
    """One of a fixed list of values.

    Parameters
    ----------
    values : tuple
        The accepted values, in the order they are listed in the message.
    """

    values: tuple

    def accepts(self, value: Any) -> bool:
        """True when ``value`` is one of :attr:`values`."""
        return isinstance(value, str | int | float | bool) and value in self.values

    def describe(self) -> str:
        """The rule in words: "one of a, b, c"."""
        return tr("one of {values}", values=", ".join(str(v) for v in self.values))


@dataclasses.dataclass(frozen=True)
class _Names:
    """A tuple of column names."""

    def accepts(self, value: Any) -> bool:
        """True for a tuple of non-empty strings."""
        return isinstance(value, tuple) and all(isinstance(v, str) and v for v in value)

    def describe(self) -> str:
        """The rule in words."""
        return tr("a list of column names")


@dataclasses.dataclass(frozen=True)
class _Flag:
    """True or False."""

    def accepts(self, value: Any) -> bool:
        """True for a bool."""
        return isinstance(value, bool)

    def describe(self) -> str:
        """The rule in words."""
        return tr("true or false")


#: The weight of one feature: 1 is normal, 2 twice as important, 0 leaves it out.
WEIGHT = Interval(whole=False, low=0)
_SEED = Interval(whole=True, low=0, high=2**32 - 1)

#: SegmentParams field -> accepted values (any one of the list; ``None`` means None is
#: accepted). ``weights`` is checked per feature against :data:`WEIGHT`; ``k`` only for
#: the methods in :data:`K_METHODS`.
SEGMENT_PARAM_CONSTRAINTS: dict[str, list] = {
    "method": [Options(METHODS)],
    "features": [_Names()],
    "weights": [WEIGHT],
    "transform": [Options(TRANSFORMS)],
    "categorical": [_Names()],
    "pca_components": [None, Interval(whole=True, low=0)],
    "k": [Interval(whole=True, low=2)],
    "seed": [_SEED],
    "min_cluster_size": [Interval(whole=True, low=2)],
}

#: MapParams field -> accepted values. ``min_dist`` must also not exceed ``spread``.
MAP_PARAM_CONSTRAINTS: dict[str, list] = {
    "n_neighbors": [Interval(whole=True, low=2)],
    "min_dist": [Interval(whole=False, low=0)],
    "spread": [Interval(whole=False, low=0, low_open=True)],
    "metric": [Options(METRICS)],
    "seed": [_SEED],
    "max_points": [Interval(whole=True, low=10)],
    "place_rest": [_Flag()],
}

#: Extra words for a parameter whose rule alone does not say what it means.
_HINTS: dict[str, str] = {
    "pca_components": N_("0 or empty: no compression"),
    "metric": N_("the map's distance"),
}


def _accepted(value: Any, rules: list) -> bool:
    """True when any rule of the list accepts ``value``."""
    return any(value is None if rule is None else rule.accepts(value) for rule in rules)


def _check(params: Any, table: Mapping[str, list], skip: tuple[str, ...] = ()) -> None:
    """Raise DataError for the first field of ``params`` that no rule of ``table`` accepts."""
    for name, rules in table.items():
        if name in skip:
            continue
        value = getattr(params, name)
        if _accepted(value, rules):
            continue
        described = tr(" or ").join(rule.describe() for rule in rules if rule is not None)
        if name in _HINTS:
            raise DataError(
                tr(
                    "{name} must be {rule} ({hint}); it was {value}.",
                    name=name,
                    rule=described,
                    hint=tr(_HINTS[name]),
                    value=repr(value),
                )
            )
        raise DataError(
            tr(
                "{name} must be {rule}; it was {value}.",
                name=name,
                rule=described,
                value=repr(value),
            )
        )


def validate_segment_params(params: Any) -> None:
    """Check every value of a ``SegmentParams`` against :data:`SEGMENT_PARAM_CONSTRAINTS`.

    Parameters
    ----------
    params : SegmentParams

    Raises
    ------
    DataError
        Naming the first parameter out of range and its value, e.g. "min_cluster_size
        must be a whole number of at least 2; it was 0.".
    """
    skip = ("weights",) if params.method in K_METHODS else ("weights", "k")
    _check(params, SEGMENT_PARAM_CONSTRAINTS, skip)
    for feature, weight in params.weights:
        if not WEIGHT.accepts(weight):
            raise DataError(
                tr(
                    "The weight of {feature} must be {rule} (1 is normal, 0 leaves the feature "
                    "out); it was {value}.",
                    feature=feature,
                    rule=WEIGHT.describe(),
                    value=repr(weight),
                )
            )


def validate_map_params(params: Any) -> None:
    """Check every value of a ``MapParams`` against :data:`MAP_PARAM_CONSTRAINTS`.

    Parameters
    ----------
    params : MapParams

    Raises
    ------
    DataError
        Naming the first parameter out of range and its value.
    """
    if params.metric not in METRICS:  # worded for the page's "Distance" control
        raise DataError(
            tr(
                "Unknown distance {metric}: metric must be one of {metrics}.",
                metric=repr(params.metric),
                metrics=", ".join(METRICS),
            )
        )
    _check(params, MAP_PARAM_CONSTRAINTS)
    if params.min_dist > params.spread:
        raise DataError(
            tr(
                "min_dist must be at most the spread ({spread}); it was {value}.",
                spread=fmt.decimal(params.spread, 6),
                value=repr(params.min_dist),
            )
        )
