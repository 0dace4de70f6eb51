"""The DNS what-if grid and its chart: every combination run once, each knob's effect against
the model's own runs, labels that say each value's unit and source, and controls that show
exactly the chosen combination in any order.

The grid runs at 60 clients behind 6 resolver caches (10 per cache), which
keeps its 32 runs to about a second; the notebook runs the full `whatif.GRID`.
"""

import datetime as dt
import itertools
import json
import random
import re
from dataclasses import replace

import numpy as np
import pytest

from outage import plotting
from outage.dns import figures, whatif
from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import recovery_times_s
from outage.dns.resolution import AnswerMode
from outage.site.renderer import figure_json

SPEC = whatif.GridSpec(base=Params(n_clients=60, n_resolvers=6, warmup_s=300.0))
EMPTY, TIMEOUT = 0, 1
OFF, ON = 0, 1
TTLS = [c.value for c in SPEC.negative_ttl.choices]


@pytest.fixture(scope="module")
def grid():
    return whatif.run_grid(SPEC)


@pytest.fixture(scope="module")
def chart(grid):
    return figures.what_if_chart(grid)


# --- the grid ------------------------------------------------------------------------------

def test_the_grid_covers_every_combination_once(grid):
    choices = [run.choice for run in grid.runs]
    assert SPEC.shape == (2, 4, 2, 2)
    assert choices == list(SPEC.combinations())
    assert sorted(choices) == sorted(itertools.product(*(range(n) for n in SPEC.shape)))
    for choice in choices:
        assert grid.run(choice).choice == choice
        params = grid.run(choice).params
        for knob, index in zip(SPEC.knobs, choice):
            assert getattr(params, knob.field) == knob.choices[index].value


def test_the_as_observed_combination_is_the_default_assumptions():
    assert SPEC.params(SPEC.as_observed) == SPEC.base
    assert whatif.GRID.params(whatif.GRID.as_observed) == replace(
        Params(), n_clients=300, n_resolvers=20, warmup_s=300.0)
    assert SPEC.labels(SPEC.as_observed) == ("empty (source)", "900 s", "off", "off")


def test_the_negative_ttl_knob_sets_the_resolvers_negative_ttl():
    for choice in SPEC.negative_ttl.choices:
        p = replace(SPEC.base, soa_ttl_s=choice.value)
        assert p.resolver_negative_ttl_s == choice.value
        assert choice.label == f"{choice.value:.0f} s"


def test_each_run_is_the_models_own_run(grid):
    for choice in [SPEC.as_observed, (TIMEOUT, 0, ON, OFF), (TIMEOUT, 3, OFF, ON), (EMPTY, 3, ON, ON)]:
        run = grid.run(choice)
        times = np.sort(recovery_times_s(simulate(run.params, SPEC.seed)))
        assert run.all_back_s == times[-1]
        assert run.half_back_s == float(np.quantile(times, 0.5, method="inverted_cdf"))
        assert run.half_share >= 0.5
        shares = np.searchsorted(times, grid.t_s, side="right") / len(times)
        np.testing.assert_array_equal(run.share_recovered, shares)


def test_runs_are_deterministic(grid):
    again = whatif.run_grid(replace(SPEC, answer=whatif.Knob(
        SPEC.answer.label, SPEC.answer.unit, SPEC.answer.field, (SPEC.answer.choices[TIMEOUT],))))
    n = len(again.t_s)  # a grid of time-outs alone ends sooner (its TTL chains are shorter)
    np.testing.assert_array_equal(again.t_s, grid.t_s[:n])
    for run in again.runs:
        twin = grid.run((TIMEOUT,) + run.choice[1:])
        np.testing.assert_array_equal(run.share_recovered, twin.share_recovered[:n])
        assert (run.half_back_s, run.all_back_s, run.load_ratio) == (
            twin.half_back_s, twin.all_back_s, twin.load_ratio)


def test_every_curve_reaches_past_every_ttl_chain(grid):
    end = grid.t_s[-1]
    for run in grid.runs:
        assert run.all_back_s is not None
        assert run.all_back_s <= recovery_bound_s(run.params) < end - 120.0
        assert run.share_recovered[-1] == 1.0
    assert end % 300 == 0


def test_normal_load_does_not_depend_on_the_knobs(grid):
    from outage.dns.recovery import normal_qps

    other = SPEC.params((TIMEOUT, 0, ON, ON))
    assert normal_qps(other, SPEC.seed) == grid.normal_authoritative_qps


# --- each knob's effect emerges ------------------------------------------------------------

def test_a_longer_negative_ttl_never_brings_the_last_client_back_sooner(grid):
    for answer, stale, failure in itertools.product(range(2), range(2), range(2)):
        last = [grid.run((answer, t, stale, failure)).all_back_s for t in range(len(TTLS))]
        assert last == sorted(last), (answer, stale, failure)
        if answer == EMPTY:
            # The empty answer's tail is one negative TTL: strictly longer, and within the chain.
            assert len(set(last)) == len(last)
            for ttl, value in zip(TTLS, last):
                assert ttl - 120.0 < value <= ttl + 10.0 + 20.0


@pytest.mark.parametrize("seed", [1, 2])
def test_a_longer_negative_ttl_never_helps_with_other_seeds(seed):
    base = replace(SPEC.base, n_clients=40, n_resolvers=4)
    last = [float(recovery_times_s(simulate(replace(base, soa_ttl_s=ttl), seed)).max()) for ttl in TTLS]
    assert last == sorted(last)


def test_the_negative_ttl_does_nothing_when_the_authority_times_out(grid):
    for stale, failure in itertools.product(range(2), range(2)):
        first = grid.run((TIMEOUT, 0, stale, failure))
        for t in range(1, len(TTLS)):
            np.testing.assert_array_equal(grid.run((TIMEOUT, t, stale, failure)).share_recovered,
                                          first.share_recovered)


def test_serve_stale_changes_the_curve_for_a_time_out_but_not_for_the_empty_answer(grid):
    for t, failure in itertools.product(range(len(TTLS)), range(2)):
        off, on = grid.run((EMPTY, t, OFF, failure)), grid.run((EMPTY, t, ON, failure))
        np.testing.assert_array_equal(off.share_recovered, on.share_recovered)
        assert (off.half_back_s, off.all_back_s) == (on.half_back_s, on.all_back_s)
        off, on = grid.run((TIMEOUT, t, OFF, failure)), grid.run((TIMEOUT, t, ON, failure))
        assert not np.array_equal(off.share_recovered, on.share_recovered)
        # Against a timing-out authority, serve-stale hides the outage: nobody is failing.
        assert on.all_back_s == 0.0 and off.all_back_s > 0.0


def test_failure_caching_trades_a_longer_tail_for_less_load_only_when_the_authority_times_out(grid):
    for t in range(len(TTLS)):
        off, on = grid.run((EMPTY, t, OFF, OFF)), grid.run((EMPTY, t, OFF, ON))
        np.testing.assert_array_equal(off.share_recovered, on.share_recovered)
        assert off.load_ratio == on.load_ratio
        off, on = grid.run((TIMEOUT, t, OFF, OFF)), grid.run((TIMEOUT, t, OFF, ON))
        assert on.all_back_s > off.all_back_s
        assert on.all_back_s <= 300.0 + 10.0 + 20.0  # RFC 9520's example cap, then the client chain
        assert on.load_ratio < 1.0 < off.load_ratio


def test_the_milestone_table_has_a_row_per_combination_in_clock_times(grid):
    table = whatif.milestone_table(grid)
    assert len(table) == len(grid.runs)
    clock = re.compile(r"^(1[0-2]|[1-9]):[0-5]\d (AM|PM)$")
    for row, run in zip(table, grid.runs):
        assert tuple(row[k] for k in ("answer", "negative TTL", "serve-stale", "failure caching")) == \
            SPEC.labels(run.choice)
        assert clock.match(row["half back"]) and clock.match(row["all back"])
    happened = table[list(SPEC.combinations()).index(SPEC.as_observed)]
    assert happened["all back"] == whatif.when(grid.as_observed.all_back_s)
    assert whatif.when(0.0) == "2:25 AM" and whatif.when(14 * 60 + 31) == "2:40 AM"
    assert whatif.after(896.4) == "14 min 56 s" and whatif.after(34.0) == "34 s"
    assert whatif.when(None) == "not within the run" and whatif.after(None) == "–"


# --- labels: unit and source ---------------------------------------------------------------

def test_every_control_names_its_unit_and_every_value_its_source():
    for knob in SPEC.knobs:
        assert knob.unit in knob.label
        for choice in knob.choices:
            assert choice.source in whatif.SOURCES
            assert knob.states_source(choice)
            assert choice.source in choice.label or choice.source in knob.label
    sourced = [(k.field, c.label) for k in SPEC.knobs for c in k.choices if c.source == "source"]
    # Only the empty answer is stated by AWS (the talk); every TTL and feature is assumed.
    assert sourced == [("answer", "empty (source)")]
    assert SPEC.answer.choices[EMPTY].value is AnswerMode.EMPTY
    assert SPEC.negative_ttl.choices[SPEC.negative_ttl.as_observed].value == Params().soa_ttl_s == 900.0


def test_a_label_without_its_source_or_unit_is_refused():
    with pytest.raises(ValueError, match="source must be"):
        whatif.Choice("on (guess)", "guess", True)
    with pytest.raises(ValueError, match="unit"):
        whatif.Knob("Serve-stale, assumption", "on/off", "serve_stale",
                    (whatif.Choice("off", "assumption", False),))
    with pytest.raises(ValueError, match="say its source"):
        whatif.Knob("Serve-stale (on/off)", "on/off", "serve_stale",
                    (whatif.Choice("off", "assumption", False),))
    with pytest.raises(ValueError, match="say its source"):
        # Mixed sources: the knob's label cannot speak for both.
        whatif.Knob("Answer (DNS reply), source", "DNS reply", "answer",
                    (whatif.Choice("empty", "source", "empty"), whatif.Choice("time-out", "assumption", "timeout")))
    with pytest.raises(ValueError, match="not a field"):
        whatif.Knob("TTL (s), assumption", "s", "ttl", (whatif.Choice("1 s", "assumption", 1.0),))


def test_the_chart_shows_each_controls_label_and_values(chart):
    annotations = [a.text for a in chart.layout.annotations]
    for knob in SPEC.knobs:
        assert f"<b>{knob.label}</b>" in annotations
    (slider,) = chart.layout.sliders
    assert [s.label for s in slider.steps] == [c.label for c in SPEC.negative_ttl.choices]
    assert slider.active == SPEC.negative_ttl.as_observed
    menus = chart.layout.updatemenus
    assert len(menus) == 3
    for menu, knob in zip(menus, (SPEC.answer, SPEC.serve_stale, SPEC.failure_caching)):
        assert menu.type == "buttons" and menu.active == knob.as_observed
        assert [b.label[2:] for b in menu.buttons] == [c.label for c in knob.choices]
        assert [b.label[:2] for b in menu.buttons] == [
            figures._CHOSEN if i == knob.as_observed else figures._NOT_CHOSEN for i in range(len(knob.choices))]


# --- the controls --------------------------------------------------------------------------

def _moment(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace(" ", "T"))


def _state(chart) -> dict:
    traces = [dict(visible=t.visible, x0=t.x0, xaxis=t.xaxis or "x", yaxis=t.yaxis or "y") for t in chart.data]
    labels = {f"updatemenus[{m}].buttons[{j}].label": b.label
              for m, menu in enumerate(chart.layout.updatemenus) for j, b in enumerate(menu.buttons)}
    return dict(traces=traces, labels=labels)


def _press(state: dict, method: str, args: list) -> None:
    """Apply a button's or a slider step's command as plotly.js does: per-trace values to the
    listed traces, and (for "update") the layout changes."""
    if method == "restyle":
        update, indices = args
        layout = {}
    else:
        assert method == "update"
        update, layout, indices = args
    for attribute, values in update.items():
        assert len(values) == len(indices)
        for i, value in zip(indices, values):
            state["traces"][i][attribute] = value
    for key, value in layout.items():
        assert key in state["labels"], key
        state["labels"][key] = value


def _turn(chart, state: dict, k: int, v: int) -> None:
    """Set knob `k` (in SPEC.knobs order) to choice `v` with its control."""
    if k == 1:
        step = chart.layout.sliders[0].steps[v]
        _press(state, step.method, step.args)
    else:
        button = chart.layout.updatemenus[{0: 0, 2: 1, 3: 2}[k]].buttons[v]
        _press(state, button.method, button.args)


def _drawn(chart, state: dict) -> list[int]:
    """Traces a reader sees: visible, starting inside the x axis's range, on the shown axes."""
    start, end = (_moment(v) for v in chart.layout.xaxis.range)
    return [i for i, s in enumerate(state["traces"])
            if s["visible"] is not False and s["xaxis"] == "x" and s["yaxis"] == "y"
            and (s["x0"] is None or start <= _moment(s["x0"]) <= end)]


def _expected(chart, choice) -> set[int]:
    return {i for i, t in enumerate(chart.data)
            if t.meta.get("reference") or tuple(t.meta["choice"]) == tuple(choice)}


def test_the_chart_starts_as_observed(chart, grid):
    drawn = _drawn(chart, _state(chart))
    assert set(drawn) == _expected(chart, SPEC.as_observed)
    texts = [chart.data[i].text[0] for i in drawn if chart.data[i].mode == "text"]
    assert len(texts) == 1 and f"all back {whatif.when(grid.as_observed.all_back_s)}" in texts[0]


def test_every_combination_of_the_controls_shows_exactly_its_own_traces(chart, grid):
    for choice in SPEC.combinations():
        for order in ((0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2)):
            state = _state(chart)
            for k in order:
                _turn(chart, state, k, choice[k])
            drawn = _drawn(chart, state)
            assert set(drawn) == _expected(chart, choice), (choice, order)
            kinds = sorted(chart.data[i].meta["kind"] for i in drawn if not chart.data[i].meta.get("reference"))
            assert kinds == ["curve", "milestones", "readout"]
            run = grid.run(choice)
            text = next(chart.data[i].text[0] for i in drawn if chart.data[i].mode == "text")
            if run.all_back_s:
                assert f"half back {whatif.when(run.half_back_s)}" in text
                assert f"all back {whatif.when(run.all_back_s)}" in text
                assert whatif.after(run.all_back_s) in text
            else:
                assert "no client failing at 2:25 AM" in text
            assert f"{run.load_ratio:.2g}× normal" in text
            # Each button group marks the chosen value, whatever was pressed before.
            for m, k in enumerate((0, 2, 3)):
                for j in range(SPEC.shape[k]):
                    mark = figures._CHOSEN if j == choice[k] else figures._NOT_CHOSEN
                    assert state["labels"][f"updatemenus[{m}].buttons[{j}].label"].startswith(mark)


def test_controls_combine_whatever_the_order_they_are_turned_in(chart):
    rng = random.Random(11)
    state, current = _state(chart), list(SPEC.as_observed)
    for _ in range(300):
        k = rng.randrange(4)
        current[k] = rng.randrange(SPEC.shape[k])
        _turn(chart, state, k, current[k])
        assert set(_drawn(chart, state)) == _expected(chart, tuple(current))


def test_a_shown_curve_and_its_markers_are_its_combinations_run(chart, grid):
    choice = (TIMEOUT, 0, OFF, ON)
    state = _state(chart)
    for k in range(4):
        _turn(chart, state, k, choice[k])
    drawn = [i for i in _drawn(chart, state) if not chart.data[i].meta.get("reference")]
    shown = {chart.data[i].meta["kind"]: chart.data[i] for i in drawn}
    x0 = {chart.data[i].meta["kind"]: state["traces"][i]["x0"] for i in drawn}
    run = grid.run(choice)
    np.testing.assert_allclose(shown["curve"].y, run.share_recovered, atol=0.0005)
    assert _moment(x0["curve"]) == figures.FIX_PDT
    assert shown["curve"].dx == (grid.t_s[1] - grid.t_s[0]) * 1000.0
    markers = shown["milestones"]
    half = _moment(x0["milestones"])
    assert abs((half - figures.FIX_PDT).total_seconds() - run.half_back_s) < 0.001
    assert abs(markers.dx / 1000.0 - (run.all_back_s - run.half_back_s)) < 0.002
    assert list(markers.y) == [run.half_share, 1.0]


# --- figure conventions ----------------------------------------------------------------------

def test_the_chart_keeps_the_site_rules_and_fits_its_budget(chart):
    assert plotting.problems(chart) == []
    assert not (chart.layout.title and chart.layout.title.text)
    assert chart.layout.xaxis.tickformat == plotting.CLOCK_FORMAT
    assert chart.layout.legend.orientation in (None, "h")  # the template's: horizontal, above
    for axis in ("xaxis", "xaxis2", "yaxis", "yaxis2"):
        assert chart.layout[axis].fixedrange is True, axis  # a zoom could bring a parked trace into view
    assert chart.layout.xaxis2.visible is False and chart.layout.yaxis2.visible is False
    # Parked traces lie left of (before) the hidden axis's range: text parked to the right
    # would widen a phone's page.
    assert _moment(chart.layout.xaxis2.range[0]) > _moment(chart.layout.xaxis.range[1])
    assert _moment(figures.WHAT_IF_PARKED_X0) < _moment(chart.layout.xaxis.range[0])
    size = len(json.dumps(figure_json(chart.to_dict()), separators=(",", ":")))
    assert size < 400_000, size
    assert {t.type for t in chart.data} == {"scatter"}


def test_every_start_on_the_clock_axis_is_a_date_string(chart):
    """Restyling x0 makes plotly.js guess the axis type from the data again: a number would turn
    the clock axis into a linear one the first time the slider moves."""
    for trace in chart.data:
        if trace.x0 is not None:
            assert isinstance(trace.x0, str)
            _moment(trace.x0)
    for step in chart.layout.sliders[0].steps:
        assert all(isinstance(v, str) for v in step.args[0]["x0"])


def test_printed_milestones_fit_a_phone(chart):
    lines = [line for t in chart.data if t.mode == "text" for line in t.text[0].split("<br>")]
    assert max(len(line) for line in lines) <= 40
