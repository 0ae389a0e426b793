"""Experiments page: rendering of results (banner, verdict, table, chart, downloads)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.experiments import results_to_csv, verdict

ALL_USERS = "All users"


def srm_banner(result) -> None:
    """The sample-ratio-mismatch check, always shown first."""
    srm = result.srm
    counts = ", ".join(f"{escape_markdown(k)}: {v:,}" for k, v in srm.observed.items())
    if srm.flagged:
        st.error(
            f"**Sample ratio mismatch** (p = {srm.p_value:.2g}): the groups' sizes ({counts}) "
            "do not match the planned split. Check how users were assigned before "
            "trusting any result below.",
            icon=":material/warning:",
        )
    elif srm.p_value == srm.p_value:  # not NaN
        st.success(
            f"Group sizes match the planned split ({counts}; SRM check p = {srm.p_value:.2g}).",
            icon=":material/check_circle:",
        )


def verdicts(result, names: dict | None = None) -> None:
    """One plain-language sentence per metric."""
    for metric in result.metrics:
        st.info(escape_markdown(verdict(result, metric=metric, segment_names=names)))
    for note in result.messages:
        st.caption(escape_markdown(note))


_DISPLAY = {
    "metric": "Metric", "segment": "Segment", "variant": "Variant", "message": "Note",
    "n": "Users",
    "mean": "Average", "control_n": "Control users", "control_mean": "Control average",
    "lift": "Lift", "ci_low": "Lift low", "ci_high": "Lift high", "abs_diff": "Difference",
    "p_value": "p-value", "p_adjusted": "Adjusted p", "chance_to_win": "Chance to win",
    "expected_loss": "Expected loss", "significant": "Clear result",
    "variance_reduction": "Noise removed (CUPED)",
}  # fmt: skip
#: Numbers left blank on a row that has no verdict (too few users, nothing to compare).
_NO_VERDICT_BLANKS = (
    "lift", "ci_low", "ci_high", "abs_diff", "p_value", "p_adjusted", "chance_to_win",
    "expected_loss",
)  # fmt: skip


def results_table(result) -> None:
    """The full results table with readable headers and percentages."""
    frame = result.results.copy()
    frame["segment"] = frame["segment"].fillna(ALL_USERS)
    # a row without a verdict shows its note ("Too few users to say: ..."), not numbers
    silent = frame["message"].fillna("") != ""
    frame.loc[silent, [c for c in _NO_VERDICT_BLANKS if c in frame.columns]] = float("nan")
    frame["significant"] = frame["significant"].where(~silent, None)
    keep = [c for c in _DISPLAY if c in frame.columns]
    if result.engine == "bayesian":
        keep = [c for c in keep if c not in ("p_value", "p_adjusted")]
    else:
        keep = [c for c in keep if c not in ("chance_to_win", "expected_loss")]
    if frame["variance_reduction"].isna().all():
        keep.remove("variance_reduction")
    shown = frame[keep].rename(columns=_DISPLAY)
    pct = st.column_config.NumberColumn(format="percent")
    config = {
        _DISPLAY[c]: pct
        for c in ("lift", "ci_low", "ci_high", "chance_to_win", "variance_reduction")
        if c in keep
    }
    config.update(
        {
            _DISPLAY[c]: st.column_config.NumberColumn(format="%.3g")
            for c in ("p_value", "p_adjusted")
            if c in keep
        }
    )
    st.dataframe(shown, hide_index=True, column_config=config, width="stretch")


def lift_chart(result, metric: str) -> alt.LayerChart | None:
    """Relative lift with interval bars, per variant and per segment, with a zero line."""
    return lift_chart_of(
        result.results, metric, control=result.control, engine=result.engine, ci=result.ci,
        segments=result.segments, n_variants=len(result.variants),
    )  # fmt: skip


def lift_chart_of(
    results: pd.DataFrame,
    metric: str,
    *,
    control: str,
    engine: str,
    ci: float,
    segments: Sequence[str],
    n_variants: int,
) -> alt.LayerChart | None:
    """The lift chart of a results table (live, or saved with an experiment)."""
    every = results[results["metric"] == metric].copy()
    every["where"] = every["segment"].fillna(ALL_USERS)
    notes = every.get("message", pd.Series("", index=every.index)).fillna("").astype(str)
    silent = notes != ""
    d = every[every["lift"].notna() & ~silent]
    few = every[notes.str.startswith("Too few")]
    if d.empty:
        return None
    shown = set(d["where"]) | set(few["where"])
    order = [ALL_USERS, *[s for s in segments if s in shown]]
    interval = "credible interval" if engine == "bayesian" else "confidence interval"
    # persona names are long ("Budget weekend live-stream repeat buyers"): show them whole,
    # without an axis title they would run into (the rows are segments; "All users" first)
    y = alt.Y("where:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    color = alt.Color("variant:N", title="Variant")
    x_axis = alt.Axis(format="%", title=f"Lift vs {control} (%)")
    tooltip = [
        alt.Tooltip("where:N", title="Segment"), alt.Tooltip("variant:N", title="Variant"),
        alt.Tooltip("lift:Q", title="Lift", format="+.1%"),
        alt.Tooltip("ci_low:Q", title="Low", format="+.1%"),
        alt.Tooltip("ci_high:Q", title="High", format="+.1%"),
    ]  # fmt: skip
    base = alt.Chart(d).encode(y=y, color=color, yOffset=alt.YOffset("variant:N"))
    bars = base.mark_rule(strokeWidth=3).encode(x=alt.X("ci_low:Q", axis=x_axis), x2="ci_high:Q")
    points = base.mark_point(filled=True, size=90).encode(x="lift:Q", tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="gray", strokeDash=[4, 4])
    zero = zero.encode(x="zero:Q")
    layers = [zero, bars, points]
    if not few.empty:  # small segments: a note at the zero line instead of a guess
        note = alt.Chart(few.assign(note="too few users to say", zero=0.0)).mark_text(
            align="left", dx=6, color="#6b6b6b", fontStyle="italic"
        )
        layers.append(
            note.encode(
                x="zero:Q",
                y=y,
                yOffset=alt.YOffset("variant:N"),
                text="note:N",
                tooltip=[
                    alt.Tooltip("where:N", title="Segment"),
                    alt.Tooltip("message:N", title="Why"),
                ],
            )  # fmt: skip
        )
    title = f"{metric}: lift of each variant vs {control}, {ci:.0%} {interval}"
    return alt.layer(*layers).properties(
        title=title, height=max(160, 42 * len(order) * max(1, n_variants - 1))
    )


def downloads(result) -> None:
    """Results as JSON (the CLI's format) and as a spreadsheet-safe CSV."""
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download results (JSON)",
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2),
        file_name="experiment_results.json",
        mime="application/json",
        key="exp_dl_json",
    )
    c2.download_button(
        "Download results (CSV)",
        results_to_csv(result),
        file_name="experiment_results.csv",
        mime="text/csv",
        key="exp_dl_csv",
    )


def heterogeneity(result) -> None:
    """Does the effect differ between segments? (Cochran's Q per metric and variant)."""
    het = result.heterogeneity
    if het.empty:
        return
    with st.expander("Does the effect differ between segments?"):
        st.caption(
            "Cochran's Q test on the per-segment differences: a small p-value means the "
            "variant works better for some segments than for others."
        )
        shown = het.rename(
            columns={"metric": "Metric", "variant": "Variant", "q": "Q", "df": "Degrees of freedom",
                     "p_value": "p-value", "i2": "Share of spread from real differences (I²)",
                     "message": "Note"}
        )  # fmt: skip
        st.dataframe(shown, hide_index=True, width="stretch")
