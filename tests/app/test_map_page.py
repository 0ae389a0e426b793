"""Map page in AppTest: the UMAP map as a heavy job (refused, cancelled, run), the cache, names."""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGE = str(ROOT / "app_pages" / "map.py")
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def sample_run():
    """A saved k-means run on the bundled sample (default settings)."""
    from core.data import dataset_engine, sample_dataset
    from core.segments.features import build_features
    from core.segments.segmentation import SegmentParams, segment
    from ui.common.state import Run

    dataset = sample_dataset()
    result = segment(build_features(dataset_engine(dataset.path)), SegmentParams())
    return Run(
        run_id=result.params_hash,
        dataset_id=dataset.dataset_id,
        params=result.params,
        labels=result.labels,
        names={"S1": "Quiet browsers"},
    )


def test_map_renders_and_colour_change_uses_the_cache(sample_run):
    from ui.common import state
    from ui.map import data as map_data

    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state.RUN_KEY] = sample_run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert any("UMAP map of all 2,000 users" in c.value for c in at.caption)
    computed = dict(map_data.COMPUTED)
    at.selectbox(key="map_color").set_value("monetary").run()
    assert not at.exception, [e.value for e in at.exception]
    assert dict(map_data.COMPUTED) == computed  # display-only change: nothing recomputed
    assert at.selectbox(key="map_color").value == "monetary"


def _chart_layers(at) -> tuple[dict, list]:
    """The map chart's Vega-Lite spec and its datasets as data frames."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    [chart] = at.get("vega_lite_chart")
    frames = [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
    return json.loads(chart.proto.spec), frames


def _title(at) -> str:
    title = _chart_layers(at)[0]["title"]
    return title if isinstance(title, str) else title["text"]


def test_the_umap_fit_runs_as_the_tabs_heavy_job_and_a_second_one_is_refused(sample_run):
    from ui.common import jobs, state

    # The tab already runs a heavy job (say Segment's suggest-k): the map is refused
    from ui.map import data as map_data

    # with the plain message, and the instant PCA preview stays on screen.
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state.RUN_KEY] = sample_run
    at.session_state[jobs._RUNNING_KEY] = time.monotonic()
    before = map_data.COMPUTED["umap"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [warning] = at.warning
    assert "Another analysis is still running in this tab" in warning.value
    assert "quick preview (PCA) is shown meanwhile" in warning.value
    assert _title(at).startswith("Quick preview (PCA)")
    assert map_data.COMPUTED["umap"] == before  # nothing fitted

    # Once that job is over, "try again" runs the map through the same mechanism.
    del at.session_state[jobs._RUNNING_KEY]
    at.button(key="map_retry").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning
    assert map_data.COMPUTED["umap"] == before + 1
    assert any("UMAP map of all 2,000 users" in c.value for c in at.caption)
    assert jobs.busy_slots() == 0


def test_a_cancelled_map_keeps_the_preview_until_asked_again(sample_run):
    from ui.common import jobs, state
    from ui.map import data as map_data

    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state.RUN_KEY] = sample_run
    # What the Cancel button's callback leaves behind (ui.common.jobs.heavy_job).
    at.session_state[f"{jobs._CANCELLED_KEY}_{map_data.JOB_KEY}"] = True
    before = map_data.COMPUTED["umap"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "You cancelled the detailed map" in at.info[0].value
    assert map_data.COMPUTED["umap"] == before  # not restarted by the rerun
    at.run()  # any other interaction keeps the preview: no surprise restart
    assert map_data.COMPUTED["umap"] == before
    at.button(key="map_compute").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert map_data.COMPUTED["umap"] == before + 1
    assert _title(at) == "Users on the map (UMAP)"


def test_centres_and_legend_use_the_persona_names_of_the_run(sample_run):
    from core.data import sample_dataset
    from core.data.engine import dataset_engine
    from core.personas import persona_names
    from core.segments.features import build_features
    from ui.common import jobs, state

    named = sample_run.with_names({"S1": "Quiet browsers", "S2": XSS})
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state.RUN_KEY] = named
    at.session_state[jobs._RUNNING_KEY] = time.monotonic()  # the PCA map is enough here
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    spec, frames = _chart_layers(at)
    segments = sorted(set(sample_run.labels), key=lambda s: int(s[1:]))
    # names the user gave, else the automatic persona names the Personas page shows
    features = build_features(dataset_engine(sample_dataset().path))
    auto = persona_names(features, sample_run.labels)
    expected = [{"S1": "Quiet browsers", "S2": XSS}.get(s, auto[s]) for s in segments]
    assert spec["layer"][0]["encoding"]["color"]["sort"] == expected  # the legend, S1 first
    assert spec["layer"][0]["encoding"]["color"]["title"] == "Persona"
    centres = [f for f in frames if "users" in f.columns]
    assert centres, "no centre labels drawn"
    shown = dict(zip(centres[0]["segment"], centres[0]["name"], strict=True))
    assert shown["S1"] == "Quiet browsers" and shown["S2"] == XSS
    assert all(shown[s] == auto[s] != s for s in segments if s not in ("S1", "S2"))


def test_names_at_the_edges_stay_inside_the_plot(sample_run):
    """A name on a segment at the left / right edge starts / ends at its centre."""
    from ui.common import jobs, state

    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state.RUN_KEY] = sample_run
    at.session_state[jobs._RUNNING_KEY] = time.monotonic()  # the PCA map is enough here
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    spec, frames = _chart_layers(at)
    centres = next(f for f in frames if "users" in f.columns)
    texts = [lay for lay in spec["layer"] if lay["mark"]["type"] == "text"]
    # each text layer draws the names filtered to its own alignment
    assert texts and all(
        f"'{lay['mark']['align']}'" in lay["transform"][0]["filter"] for lay in texts
    )
    by_x = centres.sort_values("x")
    assert by_x["align"].iloc[0] == "left" and by_x["align"].iloc[-1] == "right"
    legend = spec["layer"][0]["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["labelLimit"] >= 600  # names shown whole


def test_caption_follows_the_colour_and_a_map_segment_redraws_everything(sample_run, monkeypatch):
    from ui.common import state
    from ui.map import data as map_data

    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state[state.RUN_KEY] = sample_run
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith("Coloured by segment: 6 segments") for c in at.caption)
    at.selectbox(key="map_color").set_value("monetary").run()
    captions = [c.value for c in at.caption if c.value.startswith("Coloured by")]
    assert len(captions) == 1 and not captions[0].startswith("Coloured by segment"), captions
    at.selectbox(key="map_color").set_value("segment").run()

    # a box drawn around five users (the chart selection is the browser's part)
    chosen = list(sample_run.labels.index[:5])
    monkeypatch.setattr(map_data, "selected_users", lambda result, selection: chosen)
    at.run()
    at.text_input(key="map_new_name").set_value("Weekend bargain hunters").run()
    at.button(key="map_save_selection").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("now in the segment" in s.value for s in at.success)
    # the caption and the map were drawn again with the saved run
    assert any(c.value.startswith("Coloured by segment: 7 segments") for c in at.caption)
    run = at.session_state[state.RUN_KEY]
    assert run.names["Weekend bargain hunters"] == "Weekend bargain hunters"
    spec, frames = _chart_layers(at)
    centres = next(f for f in frames if "users" in f.columns)
    assert "Weekend bargain hunters" in set(centres["name"])
    at.run()
    assert not any("now in the segment" in s.value for s in at.success)  # said once
