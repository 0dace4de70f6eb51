"""The what-if grid and its chart: every combination run, each knob's effect, labels that say
where each value comes from, and controls that show exactly the chosen combination.

The grid runs at one host of 1,000 droplets (the per-host dynamics of the default fleet, see
conftest.py) and reuses the session's scenario runs for its DWFM records.
"""

import itertools
import json
import random

import numpy as np
import pytest

from outage import plotting
from outage.cascade import clock, figures, whatif
from outage.site.renderer import figure_json

from tests.cascade.conftest import ONE_HOST

SPEC = whatif.GridSpec(dwfm_params=ONE_HOST)
DWFM = {c.label: i for i, c in enumerate(SPEC.dwfm.choices)}
NETMGR = {c.label: i for i, c in enumerate(SPEC.netmgr.choices)}
NLB = {c.label: i for i, c in enumerate(SPEC.nlb.choices)}
BOTH, RESTART, THROTTLE, NEITHER, QUEUE = (DWFM[label] for label in (
    "throttle + restart (AWS)", "restart only (what-if)", "throttle only (what-if)", "neither (what-if)",
    "queue-size admission (what-if)"))
OFF_936, KEPT = NLB["off at 9:36 AM (AWS)"], NLB["kept on (what-if)"]


@pytest.fixture(scope="module")
def grid(runs):
    names = ("as-happened", "restart-only", "throttle-only", "no-intervention", "queue-admission")
    return whatif.run_grid(SPEC, reuse=[runs(name) for name in names])


@pytest.fixture(scope="module")
def chart(grid):
    return figures.what_if_chart(grid)


# --- the grid ------------------------------------------------------------------------------

def test_the_grid_covers_every_combination_once(grid):
    choices = [run.choice for run in grid.runs]
    assert choices == list(SPEC.combinations())
    assert sorted(choices) == sorted(itertools.product(*(range(n) for n in SPEC.shape)))
    assert SPEC.shape == (5, 5, 2)
    for choice in choices:
        assert grid.run(choice).choice == choice


def test_the_as_happened_combination_is_the_as_happened_scenario(grid, runs):
    assert SPEC.as_happened == (BOTH, NETMGR["7:00 AM, assumed"], OFF_936)
    assert grid.as_happened.milestones == runs("as-happened").milestones
    np.testing.assert_array_equal(grid.as_happened.error_fraction, runs("as-happened").nlb.error_fraction)


def test_every_scenario_the_knobs_can_reach_matches_its_named_run(grid, runs):
    """The knobs' other named points are the scenarios of the same name."""
    b, c = NETMGR["7:00 AM, assumed"], OFF_936
    for name, choice in (("restart-only", (RESTART, b, c)), ("throttle-only", (THROTTLE, b, c)),
                         ("queue-admission", (QUEUE, b, c)), ("failover-kept", (BOTH, b, KEPT)),
                         ("no-netmgr-relief", (BOTH, NETMGR["never (what-if)"], c))):
        assert grid.run(choice).milestones == runs(name).milestones, name


@pytest.mark.slow
def test_runs_are_deterministic_and_reuse_changes_nothing(grid):
    """A DWFM record run afresh gives the same combination as the reused one (to the last
    bits: one set of controls integrates with scalar inputs, several with per-column ones)."""
    alone = whatif.GridSpec(
        dwfm=whatif.Knob(SPEC.dwfm.label, SPEC.dwfm.unit, (SPEC.dwfm.choices[BOTH],)),
        netmgr=whatif.Knob(SPEC.netmgr.label, SPEC.netmgr.unit, (SPEC.netmgr.choices[SPEC.netmgr.as_happened],)),
        nlb=whatif.Knob(SPEC.nlb.label, SPEC.nlb.unit, (SPEC.nlb.choices[OFF_936],)),
        dwfm_params=ONE_HOST,
    )
    fresh = whatif.run_grid(alone).runs[0]
    reused = grid.as_happened
    assert fresh.milestones == reused.milestones
    for name in ("leased_fraction", "latency_s", "error_fraction"):
        np.testing.assert_allclose(getattr(fresh, name), getattr(reused, name), rtol=1e-9, atol=1e-9)


# --- each knob's effect emerges ------------------------------------------------------------

def test_without_both_halves_of_the_4_14_action_the_leases_never_return(grid):
    b, c = SPEC.as_happened[1:]
    assert grid.run((BOTH, b, c)).milestones["all_leases_restored"] is not None
    for half in (RESTART, THROTTLE, NEITHER):
        run = grid.run((half, b, c))
        assert run.milestones["all_leases_restored"] is None
        assert run.leased_fraction[-1] < 0.5 * grid.run((BOTH, b, c)).leased_fraction[-1]
        # Nothing reaches Network Manager, so nothing downstream happens.
        assert run.milestones["propagation_latency_elevated"] is None
        assert run.milestones["nlb_errors_start"] is None


def test_queue_admission_recovers_earliest_and_leaves_the_other_knobs_nothing_to_do(grid):
    b, c = SPEC.as_happened[1:]
    assert grid.run((QUEUE, b, c)).milestones["all_leases_restored"] < grid.run((BOTH, b, c)).milestones[
        "all_leases_restored"]
    ends = {grid.run((QUEUE, bb, cc)).milestones["nlb_errors_end"] for bb in range(5) for cc in range(2)}
    assert len(ends) == 1 and ends.pop() < clock.NLB_FAILOVER_DISABLED_S


def test_an_earlier_network_manager_cut_clears_the_backlog_earlier(grid):
    cleared = [grid.run((BOTH, NETMGR[label], OFF_936)).milestones["network_backlog_cleared"]
               for label in ("6:00 AM, what-if", "7:00 AM, assumed", "8:00 AM, what-if", "9:00 AM, what-if",
                             "never (what-if)")]
    assert cleared == sorted(cleared) and len(set(cleared)) == len(cleared)
    # The cut does not move the burst: the latency rises at the same time whatever it is.
    risen = {grid.run((BOTH, b, OFF_936)).milestones["propagation_latency_elevated"] for b in range(5)}
    assert len(risen) == 1


def test_keeping_failover_on_keeps_the_nlb_errors_going(grid):
    for b in range(SPEC.shape[1]):
        off, kept = grid.run((BOTH, b, OFF_936)), grid.run((BOTH, b, KEPT))
        assert off.milestones["nlb_errors_end"] == pytest.approx(clock.NLB_FAILOVER_DISABLED_S)
        assert kept.milestones["nlb_errors_end"] > off.milestones["nlb_errors_end"]
        assert kept.error_fraction.sum() > off.error_fraction.sum()
        # Failover acts on NLB only: the curves above it are the same.
        np.testing.assert_array_equal(off.latency_s, kept.latency_s)


def test_the_milestone_table_has_a_row_per_dwfm_and_network_manager_choice(grid):
    table = whatif.milestone_table(grid)
    assert len(table) == SPEC.shape[0] * SPEC.shape[1]
    first = table[DWFM["throttle + restart (AWS)"] * 5 + SPEC.netmgr.as_happened]
    happened = grid.as_happened.milestones
    assert first["all leases back"] == figures.wall_clock(happened["all_leases_restored"])
    assert first["NLB errors, failover off at 9:36 AM (AWS)"] == (
        f"{figures.wall_clock(happened['nlb_errors_start'])}–{figures.wall_clock(happened['nlb_errors_end'])}")
    assert table[NEITHER * 5]["all leases back"] == "never"


# --- labels: unit and source ---------------------------------------------------------------

def test_every_control_names_its_unit_and_every_value_its_source():
    for knob in SPEC.knobs:
        assert knob.unit in knob.label
        for choice in knob.choices:
            assert choice.source in whatif.SOURCES
            assert f"({choice.source})" in choice.label or f", {choice.source}" in choice.label
        # The as-happened value is never a what-if.
        assert knob.choices[knob.as_happened].source in ("AWS", "assumed")
    assert "4:14 AM" in SPEC.dwfm.label and "AWS" in SPEC.dwfm.label
    assert SPEC.netmgr.choices[SPEC.netmgr.as_happened].label == "7:00 AM, assumed"
    assert SPEC.nlb.choices[SPEC.nlb.as_happened].label == "off at 9:36 AM (AWS)"


def test_the_as_happened_values_are_the_scenarios_inputs():
    happened = whatif.scenarios.SCENARIOS["as-happened"]
    assert SPEC.dwfm.choices[SPEC.dwfm.as_happened].controls == happened.dwfm
    assert SPEC.netmgr.choices[SPEC.netmgr.as_happened].controls == happened.netmgr
    assert SPEC.nlb.choices[SPEC.nlb.as_happened].controls == happened.nlb


def test_a_label_without_its_source_or_unit_is_refused():
    with pytest.raises(ValueError, match="source"):
        whatif.Choice("7:00 AM", "assumed", None)
    with pytest.raises(ValueError, match="source must be"):
        whatif.Choice("7:00 AM (guess)", "guess", None)
    with pytest.raises(ValueError, match="unit"):
        whatif.Knob("Network Manager load halved", "PDT", (whatif.Choice("never (what-if)", "what-if", None),))


def test_the_chart_shows_each_controls_label_and_values(chart):
    annotations = [a.text for a in chart.layout.annotations]
    menus = chart.layout.updatemenus
    assert len(menus) == 3
    for knob in SPEC.knobs:
        assert f"<b>{knob.label}</b>" in annotations
        menu = next(m for m in menus if [b.label for b in m.buttons] == [c.label for c in knob.choices])
        assert menu.active == knob.as_happened


# --- the controls --------------------------------------------------------------------------

def _state(chart) -> list[dict]:
    return [dict(visible=t.visible, x0=t.x0, yaxis=t.yaxis or "y") for t in chart.data]


def _press(chart, state: list[dict], button) -> None:
    """Apply a button's restyle as plotly.js does: per-trace values, to the listed traces."""
    assert button.method == "restyle"
    update, *indices = button.args
    targets = indices[0] if indices else range(len(state))
    for attribute, values in update.items():
        assert len(values) == len(targets)
        for i, value in zip(targets, values):
            state[i][attribute] = value


def _drawn(chart, state: list[dict]) -> list[int]:
    """Traces a reader sees: visible, starting inside the x axis's range, on a shown y axis."""
    start, end, hidden_axes = _view(chart)
    return [i for i, s in enumerate(state)
            if s["visible"] is not False and start <= s["x0"] <= end and s["yaxis"] not in hidden_axes]


_VIEWS: dict[int, tuple] = {}


def _view(chart) -> tuple[str, str, set[str]]:
    if id(chart) not in _VIEWS:
        layout = chart.to_dict()["layout"]
        hidden = {"y" + key[len("yaxis"):] for key, axis in layout.items()
                  if key.startswith("yaxis") and axis.get("visible") is False}
        _VIEWS[id(chart)] = (*layout["xaxis3"]["range"], hidden)
    return _VIEWS[id(chart)]


def _expected(chart, choice) -> set[int]:
    out = set()
    for i, trace in enumerate(chart.data):
        meta = trace.meta
        if meta.get("reference") or all(m is None or m == c for m, c in zip(meta["choice"], choice)):
            out.add(i)
    return out


def _action_times(choice) -> list[tuple[int, str]]:
    dwfm, nm, lb = (knob.choices[i].controls for knob, i in zip(SPEC.knobs, choice))
    times = [(1, dwfm.restart_at_s if dwfm.restart_at_s is not None else dwfm.throttle_from_s),
             (2, nm.load_reduction_from_s), (3, lb.failover_disabled_from_s)]
    return sorted((row, figures.moment(t).isoformat(sep=" ")) for row, t in times if t is not None)


def _menu_of(chart, knob) -> int:
    labels = [c.label for c in knob.choices]
    return next(i for i, m in enumerate(chart.layout.updatemenus) if [b.label for b in m.buttons] == labels)


def test_the_chart_starts_as_happened(chart, grid):
    drawn = _drawn(chart, _state(chart))
    assert set(drawn) == _expected(chart, SPEC.as_happened)
    texts = [chart.data[i].text[0] for i in drawn if chart.data[i].mode == "text"]
    assert f"all leases back {figures.wall_clock(grid.as_happened.milestones['all_leases_restored'])}" in texts


def test_every_combination_of_the_controls_shows_exactly_its_own_traces(chart, grid):
    menus = [_menu_of(chart, knob) for knob in SPEC.knobs]
    for choice in SPEC.combinations():
        for order in ((0, 1, 2), (2, 1, 0)):
            state = _state(chart)
            for k in order:
                _press(chart, state, chart.layout.updatemenus[menus[k]].buttons[choice[k]])
            drawn = _drawn(chart, state)
            assert set(drawn) == _expected(chart, choice), (choice, order)
            # One curve and one milestone line per row, plus the three grey references.
            rows = [(chart.data[i].meta["row"], chart.data[i].mode) for i in drawn
                    if not chart.data[i].meta.get("reference") and not chart.data[i].meta.get("action")]
            assert sorted(rows) == sorted((row, mode) for row in (1, 2, 3) for mode in ("lines", "text"))
            # A dotted vertical where each chosen action happens, in the row it acts on.
            actions = sorted((chart.data[i].meta["row"], state[i]["x0"]) for i in drawn
                             if chart.data[i].meta.get("action"))
            assert actions == _action_times(choice), choice
            run = grid.run(choice)
            texts = " ".join(chart.data[i].text[0] for i in drawn if chart.data[i].mode == "text")
            for key in ("all_leases_restored", "nlb_errors_start"):
                if run.milestones[key] is not None:
                    assert figures.wall_clock(run.milestones[key]) in texts


def test_controls_combine_whatever_the_order_they_are_turned_in(chart):
    """A reader turns knobs in any order, back and forth: what shows is always the
    combination the three controls read."""
    menus = [_menu_of(chart, knob) for knob in SPEC.knobs]
    rng = random.Random(7)
    state, current = _state(chart), list(SPEC.as_happened)
    for _ in range(200):
        k = rng.randrange(3)
        current[k] = rng.randrange(SPEC.shape[k])
        _press(chart, state, chart.layout.updatemenus[menus[k]].buttons[current[k]])
        assert set(_drawn(chart, state)) == _expected(chart, tuple(current))


def test_a_shown_curve_is_its_combinations_run(chart, grid):
    choice = (BOTH, NETMGR["never (what-if)"], KEPT)
    state = _state(chart)
    for k, knob in enumerate(SPEC.knobs):
        _press(chart, state, chart.layout.updatemenus[_menu_of(chart, knob)].buttons[choice[k]])
    curves = {chart.data[i].meta["row"]: chart.data[i] for i in _drawn(chart, state)
              if chart.data[i].mode == "lines" and not chart.data[i].meta.get("reference")
              and not chart.data[i].meta.get("action")}
    run = grid.run(choice)
    np.testing.assert_allclose(curves[3].y, run.error_fraction[::3], atol=0.0005)
    np.testing.assert_allclose(curves[2].y, run.latency_s[::3] / 60, atol=0.05)
    np.testing.assert_allclose(curves[1].y, run.leased_fraction[::3], atol=0.0005)


# --- figure conventions ----------------------------------------------------------------------

def test_the_chart_keeps_the_site_rules_and_fits_its_budget(chart):
    assert plotting.problems(chart) == []
    assert not (chart.layout.title and chart.layout.title.text)
    assert chart.layout.xaxis3.tickformat == plotting.CLOCK_FORMAT
    for axis in ("xaxis", "xaxis2", "xaxis3", "yaxis", "yaxis2", "yaxis3"):
        assert chart.layout[axis].fixedrange is True, axis  # a zoom could bring a parked trace into view
    size = len(json.dumps(figure_json(chart.to_dict()), separators=(",", ":")))
    assert size < 400_000, size
    assert {t.type for t in chart.data} == {"scatter"}


def test_milestone_lines_fit_a_phone(chart):
    longest = max(len(t.text[0]) for t in chart.data if t.mode == "text")
    assert longest <= 40
