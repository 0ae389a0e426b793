"""Experiments page: rendering of results (banner, verdict, table, chart, downloads)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from core.common.markdown import escape_markdown
from core.experiments import results_to_csv, verdict
from core.i18n import N_, fmt, tr

#: The segment label of the rows about every user (translated where it is shown).
ALL_USERS = N_("All users")


def join(items) -> str:
    """Items as a list in the current language ("A, B, C" / "A、B、C")."""
    items = [str(i) for i in items]
    if not items:
        return ""
    text = items[0]
    for item in items[1:]:
        # Translators: one more item of a list; Chinese joins them with an enumeration comma.
        text = tr("{list}, {item}", list=text, item=item)
    return text


def srm_banner(result) -> None:
    """The sample-ratio-mismatch check, always shown first."""
    srm = result.srm
    counts = join(
        tr("{group}: {users}", group=escape_markdown(k), users=fmt.number(v))
        for k, v in srm.observed.items()
    )
    if srm.flagged:
        st.error(
            tr(
                "**Sample ratio mismatch** (p = {p}): the groups' sizes ({counts}) do not "
                "match the planned split. Check how users were assigned before trusting any "
                "result below.",
                p=f"{srm.p_value:.2g}",
                counts=counts,
            ),
            icon=":material/warning:",
        )
    elif srm.p_value == srm.p_value:  # not NaN
        st.success(
            tr(
                "Group sizes match the planned split ({counts}; SRM check p = {p}).",
                counts=counts,
                p=f"{srm.p_value:.2g}",
            ),
            icon=":material/check_circle:",
        )


def verdicts(result, names: dict | None = None) -> None:
    """One plain-language sentence per metric."""
    for metric in result.metrics:
        st.info(escape_markdown(verdict(result, metric=metric, segment_names=names)))
    for note in result.messages:
        st.caption(escape_markdown(note))


_DISPLAY = {
    "metric": N_("Metric"), "segment": N_("Segment"), "variant": N_("Variant"),
    "message": N_("Note"), "n": N_("Users"), "mean": N_("Average"),
    "control_n": N_("Control users"), "control_mean": N_("Control average"),
    "lift": N_("Lift"), "ci_low": N_("Lift low"), "ci_high": N_("Lift high"),
    "abs_diff": N_("Difference"), "p_value": N_("p-value"), "p_adjusted": N_("Adjusted p"),
    "chance_to_win": N_("Chance to win"), "expected_loss": N_("Expected loss"),
    "significant": N_("Clear result"), "variance_reduction": N_("Noise removed (CUPED)"),
}  # fmt: skip


def _significant(value: float) -> str:
    """Four significant figures with grouping, in the current language."""
    return fmt.decimal(float(f"{value:.4g}"), 6)


def _signed(value: float) -> str:
    """``_significant`` with a plus sign on a rise."""
    return ("+" if value > 0 else "") + _significant(value)


_FORMATS = {
    "n": fmt.number, "control_n": fmt.number, "mean": _significant,
    "control_mean": _significant, "lift": lambda v: fmt.percent(v, 1, signed=True),
    "ci_low": lambda v: fmt.percent(v, 1, signed=True),
    "ci_high": lambda v: fmt.percent(v, 1, signed=True), "abs_diff": _signed,
    "p_value": "{:.3g}".format, "p_adjusted": "{:.3g}".format,
    "chance_to_win": lambda v: fmt.percent(v, 1), "expected_loss": "{:.3g}".format,
    "variance_reduction": fmt.percent,
}  # fmt: skip
#: Numbers left blank on a row that has no verdict (too few users, nothing to compare).
_NO_VERDICT_BLANKS = (
    "lift", "ci_low", "ci_high", "abs_diff", "p_value", "p_adjusted", "chance_to_win",
    "expected_loss",
)  # fmt: skip


def too_few(frame: pd.DataFrame, min_segment_users: int | None) -> pd.Series:
    """Segment rows left without a verdict because a group is below the segment minimum.

    Decided from the numbers, not the note's wording, so a result saved in one language
    reads the same in the other. Without a minimum (an old saved result) every segment
    row with a note counts.
    """
    notes = frame.get("message", pd.Series("", index=frame.index)).fillna("").astype(str)
    flagged = frame["segment"].notna() & (notes != "")
    if min_segment_users is None or not {"n", "control_n"} <= set(frame.columns):
        return flagged
    smaller = frame[["n", "control_n"]].astype(float).min(axis=1)
    return flagged & (smaller < float(min_segment_users))


def results_table(result) -> None:
    """The full results table with readable headers and percentages."""
    frame = result.results.copy()
    few = too_few(frame, result.min_segment_users)
    frame["segment"] = (
        frame["segment"].astype(object).where(frame["segment"].notna(), tr(ALL_USERS))
    )
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
    frame.loc[few, "message"] = tr("Too few users to say")
    # Numbers become text here: st.dataframe draws a missing number as a grey "None"
    # whatever a Styler's na_rep says, and a row without a verdict must read as blank.
    for column, write in _FORMATS.items():
        if column in keep:
            frame[column] = [write(v) if pd.notna(v) else "–" for v in frame[column]]
    frame["significant"] = frame["significant"].map({True: tr("yes"), False: tr("no")}).fillna("–")
    shown = frame[keep].rename(columns={k: tr(v) for k, v in _DISPLAY.items()})
    config = {tr("Note"): st.column_config.TextColumn(width="medium")}
    st.dataframe(shown, hide_index=True, column_config=config, width="stretch")


def lift_chart(result, metric: str) -> alt.LayerChart | None:
    """Relative lift with interval bars, per variant and per segment, with a zero line."""
    return lift_chart_of(
        result.results, metric, control=result.control, engine=result.engine, ci=result.ci,
        segments=result.segments, n_variants=len(result.variants),
        min_segment_users=result.min_segment_users,
    )  # fmt: skip


_INTERVAL_NAMES = {
    "frequentist": N_("confidence interval"),
    "bayesian": N_("credible interval"),
    "sequential": N_("always-valid interval"),
}


def _x_domain(d: pd.DataFrame) -> tuple[float, float, bool]:
    """The lift axis: every point shown, very wide intervals cut (True when one is)."""
    lifts = d["lift"].astype(float)
    lows, highs = d["ci_low"].astype(float), d["ci_high"].astype(float)
    # a 40-user segment's interval can run to +5,000 %: cap the axis at three times the
    # largest lift (at least +100 %) so the other segments stay readable
    cap = max(1.0, 3 * float(lifts.abs().max()))
    low = max(-1.0, min(float(lows.min()), float(lifts.min()), 0.0))
    high = max(min(float(highs.max()), cap), float(lifts.max()), 0.0)
    pad = 0.05 * (high - low or 1.0)
    return low - pad, high + pad, bool(float(highs.max()) > high or float(lows.min()) < low)


def lift_chart_of(
    results: pd.DataFrame,
    metric: str,
    *,
    control: str,
    engine: str,
    ci: float,
    segments: Sequence[str],
    n_variants: int,
    min_segment_users: int | None = None,
) -> alt.LayerChart | None:
    """The lift chart of a results table (live, or saved with an experiment)."""
    every = results[results["metric"] == metric].copy()
    everyone = tr(ALL_USERS)
    every["where"] = every["segment"].astype(object).where(every["segment"].notna(), everyone)
    notes = every.get("message", pd.Series("", index=every.index)).fillna("").astype(str)
    silent = notes != ""
    d = every[every["lift"].notna() & ~silent]
    few = every[too_few(every, min_segment_users)]
    if d.empty:
        return None
    shown = set(d["where"]) | set(few["where"])
    order = [everyone, *[s for s in segments if s in shown]]
    interval_name = _INTERVAL_NAMES.get(engine, _INTERVAL_NAMES["frequentist"])
    interval = tr(interval_name)
    low, high, cut = _x_domain(d)
    # persona names are long ("Budget weekend live-stream repeat buyers"): show them whole,
    # without an axis title they would run into (the rows are segments; "All users" first)
    y = alt.Y("where:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    color = alt.Color("variant:N", title=tr("Variant"))
    x_axis = alt.Axis(format="%", title=tr("Lift vs {control} (%)", control=control))
    x_scale = alt.Scale(domain=[low, high], nice=False)
    tooltip = [
        alt.Tooltip("where:N", title=tr("Segment")), alt.Tooltip("variant:N", title=tr("Variant")),
        alt.Tooltip("lift:Q", title=tr("Lift"), format="+.1%"),
        alt.Tooltip("ci_low:Q", title=tr("Low"), format="+.1%"),
        alt.Tooltip("ci_high:Q", title=tr("High"), format="+.1%"),
    ]  # fmt: skip
    base = alt.Chart(d).encode(y=y, color=color, yOffset=alt.YOffset("variant:N"))
    bars = base.mark_rule(strokeWidth=3, clip=True).encode(
        x=alt.X("ci_low:Q", axis=x_axis, scale=x_scale), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=90, clip=True).encode(x="lift:Q", tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="gray", strokeDash=[4, 4])
    zero = zero.encode(x="zero:Q")
    layers = [zero, bars, points]
    if not few.empty:  # small segments: a note at the zero line instead of a guess
        note = alt.Chart(few.assign(note=tr("too few users to say"), zero=0.0)).mark_text(
            align="left", dx=6, color="#6b6b6b", fontStyle="italic"
        )
        layers.append(
            note.encode(
                x="zero:Q",
                y=y,
                yOffset=alt.YOffset("variant:N"),
                text="note:N",
                tooltip=[
                    alt.Tooltip("where:N", title=tr("Segment")),
                    alt.Tooltip("message:N", title=tr("Why")),
                ],
            )  # fmt: skip
        )
    title = tr(
        "{metric}: lift of each variant vs {control}, {coverage} {interval}",
        metric=metric,
        control=control,
        coverage=fmt.percent(ci),
        interval=interval,
    )
    if cut:
        title = alt.TitleParams(
            title, subtitle=tr("Very wide intervals run off the chart's edge (see the table).")
        )
    return alt.layer(*layers).properties(
        title=title, height=max(160, 42 * len(order) * max(1, n_variants - 1))
    )


def downloads(result) -> None:
    """Results as JSON (the CLI's format) and as a spreadsheet-safe CSV."""
    c1, c2 = st.columns(2)
    c1.download_button(
        tr("Download results (JSON)"),
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2),
        file_name="experiment_results.json",
        mime="application/json",
        key="exp_dl_json",
    )
    c2.download_button(
        tr("Download results (CSV)"),
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
    with st.expander(tr("Does the effect differ between segments?")):
        st.caption(
            tr(
                "Cochran's Q test on the per-segment differences: a small p-value means the "
                "variant works better for some segments than for others."
            )
        )
        shown = het.rename(
            columns={"metric": tr("Metric"), "variant": tr("Variant"), "q": "Q",
                     "df": tr("Degrees of freedom"), "p_value": tr("p-value"),
                     "i2": tr("Share of spread from real differences (I²)"),
                     "message": tr("Note")}
        )  # fmt: skip
        st.dataframe(shown, hide_index=True, width="stretch")
