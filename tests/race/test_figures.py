"""The race figures: the step-through of a trace (a pure-Python spec plus its Plotly wrapper),
the Monte Carlo sweep, and the report helpers behind the step-through's banner."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from outage import plotting
from outage.checker import replay
from outage.race import figures
from outage.race import model as race
from outage.race.montecarlo import DayResult, Estimate, SimParams, wilson
from outage.race.report import can_progress, property_checks

SRC = Path(__file__).resolve().parents[2] / "src"
P = race.Params()
TRACE_NAMES = ["plans", "Planner", "endpoints", "Enactors"]
# The shortest trace to an empty record (the checker's answer, asserted in test_model.py).
INCIDENT = [race.Publish(1), race.Take(0, 1), race.Publish(2), race.Publish(3), race.Take(1, 3),
            race.Write(1, 0, 3), race.Write(0, 0, 1), race.Write(1, 1, 3), race.CleanUp(1, 3)]


def states_of(p, trace):
    return replay(race.model(p), trace, race.init_states(p)[0])


@pytest.fixture(scope="module")
def spec():
    return figures.step_through_spec(P, INCIDENT)


@pytest.fixture(scope="module")
def fig():
    return figures.step_through(P, INCIDENT)


def trace_named(frame, name):
    return next(t for t in frame["data"] if t["name"] == name)


def step_text(frame):
    return frame["layout"]["annotations"][0]["text"]


def checks_text(frame):
    return frame["layout"]["annotations"][1]["text"]


# --- the report helpers behind the banner ---------------------------------------------------


def test_progress_is_lost_exactly_when_the_record_goes_empty():
    states = states_of(P, INCIDENT)
    assert [can_progress(P, s) for s in states] == [True] * 9 + [False]


def test_property_checks_follow_the_incident():
    checks = property_checks(P, states_of(P, INCIDENT), INCIDENT)
    assert len(checks) == len(INCIDENT) + 1
    assert all(all(c.values()) for c in checks[:7])
    # Step 7: Enactor A writes plan 1 over plan 3 on the regional endpoint.
    assert checks[7][race.NO_REGRESSION] is False and checks[7][race.RECORD_NEVER_EMPTY]
    assert checks[8][race.NO_REGRESSION] is False  # a regression stays in the record
    assert checks[9] == {race.RECORD_NEVER_EMPTY: False, race.ACTIVE_NEVER_DELETED: False,
                         race.NO_REGRESSION: False, race.PROGRESS: False}


def test_property_checks_refuse_states_that_do_not_fit_the_trace():
    with pytest.raises(ValueError):
        property_checks(P, states_of(P, INCIDENT)[:-1], INCIDENT)


def test_can_progress_gives_up_beyond_its_budget():
    stuck = states_of(P, INCIDENT)[-1]
    with pytest.raises(RuntimeError):
        can_progress(P, stuck, max_states=10)


# --- the step-through -----------------------------------------------------------------------


def test_one_frame_per_state_and_one_slider_step_per_frame(spec):
    assert len(spec["frames"]) == len(INCIDENT) + 1
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["args"][0] for s in steps] == [[f["name"]] for f in spec["frames"]]
    assert spec["data"][:4] == spec["frames"][0]["data"]


def test_every_frame_redraws_the_same_four_traces_and_leaves_the_row_labels(spec):
    assert [t["name"] for t in spec["data"]] == TRACE_NAMES + ["row labels"]
    assert all(t["type"] == "scatter" for t in spec["data"])
    for frame in spec["frames"]:
        assert [t["name"] for t in frame["data"]] == TRACE_NAMES
        assert frame["traces"] == [0, 1, 2, 3]
        assert len(frame["layout"]["annotations"]) == 2


def test_the_regional_endpoint_goes_empty_in_the_last_frame_only(spec):
    for k, frame in enumerate(spec["frames"]):
        endpoints = trace_named(frame, "endpoints")
        empty = k == len(INCIDENT)
        assert endpoints["text"][0] == ("empty" if empty else "")
        assert ("EMPTY" in endpoints["hovertext"][0]) == empty
        assert endpoints["marker"]["color"][0] == (figures.DELETED if empty else figures.ALIVE)
        assert endpoints["text"][1] == ""  # the IPv6 endpoint keeps plan 3
    last = trace_named(spec["frames"][-1], "endpoints")
    assert last["x"] == [1, 3]


def test_plan_squares_show_alive_deleted_and_unpublished(spec):
    first = trace_named(spec["frames"][0], "plans")
    assert first["marker"]["color"] == [figures.ALIVE] + [figures.NOT_PUBLISHED] * P.plans
    last = trace_named(spec["frames"][-1], "plans")
    assert last["marker"]["color"] == [figures.DELETED] * 2 + [figures.ALIVE] * 2 + [figures.NOT_PUBLISHED] * 2
    assert last["hovertext"][1] == "plan 1: deleted"


def test_enactor_marks_sit_at_their_plan_with_a_short_label(spec):
    # State 6: Enactor B has written plan 3 to the regional endpoint; A still holds plan 1.
    enactors = trace_named(spec["frames"][6], "Enactors")
    assert enactors["x"] == [1, 3, 0]
    assert enactors["text"] == ["→ regional", "<b>→ IPv6</b>", "idle"]
    assert enactors["hovertext"][0] == "Enactor A: writing plan 1, next the regional endpoint"
    assert all(len(plotting._TAG.sub("", t)) <= 12 for f in spec["frames"]
               for t in trace_named(f, "Enactors")["text"])


def test_the_banner_says_the_step_and_marks_broken_properties(spec):
    frames = spec["frames"]
    assert step_text(frames[0]).startswith("<b>Start:</b>")
    assert step_text(frames[7]).startswith("<b>Step 7 of 9:</b> Enactor A writes plan 1 to the")
    assert "✗" not in checks_text(frames[6])
    assert "<b>no regression ✗</b>" in checks_text(frames[7])
    assert "progress ✓" in checks_text(frames[8])
    assert checks_text(frames[9]).count("✗") == 4
    for frame in frames:
        lines = [plotting._TAG.sub("", line) for line in step_text(frame).split("<br>")]
        assert all(len(line) <= figures.STEP_WRAP for line in lines)


def test_text_beside_marks_points_into_the_plot(spec):
    for frame in spec["frames"]:
        for name in ("endpoints", "Enactors"):
            trace = trace_named(frame, name)
            for x, position in zip(trace["x"], trace["textposition"]):
                assert position == ("middle left" if x > P.plans / 2 else "middle right")


def test_plan_numbers_have_contrast_on_every_square_colour(spec):
    for fill in (figures.ALIVE, figures.DELETED, figures.NOT_PUBLISHED):
        assert plotting.contrast_ratio(fill, plotting.text_colour_on(fill)) >= plotting.MIN_CONTRAST
    for frame in spec["frames"]:
        plans = trace_named(frame, "plans")
        for fill, colour in zip(plans["marker"]["color"], plans["textfont"]["color"]):
            assert plotting.contrast_ratio(fill, colour) >= plotting.MIN_CONTRAST


def test_alive_and_deleted_differ_in_lightness_not_only_in_hue():
    ratio = plotting.contrast_ratio(figures.ALIVE, figures.DELETED)
    assert ratio >= 1.8


def test_spec_is_plain_json(spec):
    assert json.loads(json.dumps(spec)) == spec


def test_figure_keeps_the_site_rules(fig):
    assert plotting.problems(fig) == []
    assert fig.layout.xaxis.title.text == "plan generation"
    assert fig.layout.yaxis.showticklabels is False  # rows are labelled directly
    assert fig.layout.title.text is None
    assert fig.layout.width is None
    assert len(fig.frames) == len(INCIDENT) + 1


def test_no_internal_ids_anywhere(spec):
    text = json.dumps(spec, ensure_ascii=False)
    assert not plotting._INTERNAL_ID.search(text)
    assert "Take(" not in text and "Write(" not in text and "enactor=" not in text


def test_row_labels_fit_the_left_margin():
    spec = figures.step_through_spec(race.Params(endpoints=4), INCIDENT[:1])
    labels = spec["data"][-1]["text"]
    assert labels[:5] == ["plans", "regional", "IPv6", "FIPS", "account-<br>specific"]
    assert all(len(line) <= 10 for label in labels for line in label.split("<br>"))


def test_a_blocked_enactor_is_labelled_blocked():
    trace = INCIDENT + [race.Write(0, 1, 1), race.CleanUp(0, 1), race.Publish(4), race.Take(1, 4)]
    spec = figures.step_through_spec(P, trace)
    enactors = trace_named(spec["frames"][-1], "Enactors")
    assert enactors["text"][1] == "<b>blocked</b>"
    assert "rejected" in enactors["hovertext"][1]


def test_a_trace_that_is_not_enabled_is_refused():
    with pytest.raises(ValueError):
        figures.step_through_spec(P, [race.Take(0, 1)])


# --- without plotly and numpy (the reader's browser) ------------------------------------------

BUILD_SPEC = """
import json
from outage.race import figures, model as race
trace = [race.Publish(1), race.Take(0, 1), race.Publish(2), race.Publish(3), race.Take(1, 3),
         race.Write(1, 0, 3), race.Write(0, 0, 1), race.Write(1, 1, 3), race.CleanUp(1, 3)]
spec = figures.step_through_spec(race.Params(), trace)
assert len(spec["frames"]) == 10
json.dumps(spec)
import sys
assert "plotly" not in [m.split(".")[0] for m in sys.modules if sys.modules[m] is not None]
print("ok")
"""


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env={"PYTHONPATH": str(SRC)}, check=False)


def test_spec_is_built_without_plotly():
    done = run_python("import sys\nsys.modules['plotly'] = None\n" + BUILD_SPEC)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_spec_is_built_without_plotly_and_numpy():
    done = run_python("import sys\nsys.modules['plotly'] = None\nsys.modules['numpy'] = None\n"
                      + BUILD_SPEC)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# --- the Monte Carlo sweep --------------------------------------------------------------------


def estimate(tail, cadence, failed, days=16):
    low, high = wilson(failed, days)
    results = tuple(DayResult(i, 1.0 if i < failed else None, 10, 0, 0, 1.0, 10) for i in range(days))
    return Estimate(SimParams(tail_index=tail, cadence_s=cadence), days, failed, failed / days,
                    low, high, results)


@pytest.fixture(scope="module")
def points():
    return [estimate(t, c, f) for t, c, f in [
        (1.2, 30.0, 9), (1.2, 60.0, 2), (1.2, 120.0, 0),
        (1.5, 30.0, 4), (1.5, 60.0, 0), (1.5, 120.0, 0),
        (2.0, 30.0, 1), (2.0, 60.0, 0), (2.0, 120.0, 0)]]


def test_montecarlo_one_line_per_cadence(points):
    fig = figures.montecarlo(points)
    assert [t.name for t in fig.data] == ["30 s", "60 s", "120 s"]
    assert fig.layout.legend.title.text == "a plan every"
    assert all(len(t.x) == 3 for t in fig.data)
    assert list(fig.data[0].y) == [9 / 16, 4 / 16, 1 / 16]


def test_montecarlo_error_bars_are_the_wilson_intervals(points):
    fig = figures.montecarlo(points)
    first = fig.data[0]
    low, high = wilson(9, 16)
    assert first.error_y.array[0] == pytest.approx(high - 9 / 16)
    assert first.error_y.arrayminus[0] == pytest.approx(9 / 16 - low)
    assert "95 % interval" in first.hovertext[0] and "9 of 16 days" in first.hovertext[0]


def test_montecarlo_points_sit_near_their_tail_index_and_ticks_name_it(points):
    fig = figures.montecarlo(points)
    assert list(fig.layout.xaxis.tickvals) == [1.2, 1.5, 2.0]
    for trace in fig.data:
        assert [round(x, 1) for x in trace.x] == [1.2, 1.5, 2.0]
    # Drawn apart, so that equal intervals do not hide each other.
    assert len({trace.x[0] for trace in fig.data}) == 3


def test_montecarlo_axes_and_site_rules(points):
    fig = figures.montecarlo(points)
    assert plotting.problems(fig) == []
    assert "tail index" in fig.layout.xaxis.title.text and "no unit" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.title.text == "days with an empty record (%)"
    assert fig.layout.yaxis.tickformat == ".0%"
    assert fig.layout.legend.orientation is None  # the template's horizontal legend
    assert fig.layout.width is None
