"""The what-if grid and its chart: every combination run, each knob's effect, labels that say
where each value comes from, and controls that show exactly the chosen combination.

The grid runs at one host of 1,000 droplets (the per-host dynamics of the default fleet, see
conftest.py) and reuses the session's scenario runs for its DWFM records.
"""

import itertools
import json
import random
from dataclasses import replace

import numpy as np
import pytest

from outage import plotting
from outage.cascade import clock, figures, whatif
from outage.cascade.dwfm_params import DwfmControls
from outage.site.renderer import figure_json

from tests.cascade.conftest import ONE_HOST

SPEC = whatif.GridSpec(dwfm_params=ONE_HOST)
DWFM = {c.label: i for i, c in enumerate(SPEC.dwfm.choices)}
ADMISSION = {c.label: i for i, c in enumerate(SPEC.admission.choices)}
NETMGR = {c.label: i for i, c in enumerate(SPEC.netmgr.choices)}
NLB = {c.label: i for i, c in enumerate(SPEC.nlb.choices)}
BOTH, RESTART, THROTTLE, NEITHER = (DWFM[label] for label in (
    "throttle + restart (AWS)", "restart only (what-if)", "throttle only (what-if)", "neither (what-if)"))
OFF, ON = ADMISSION["off — as it was (AWS)"], ADMISSION["on (what-if)"]
SEVEN = NETMGR["7:00 AM, assumed"]
OFF_936, KEPT = NLB["off at 9:36 AM (AWS)"], NLB["kept on (what-if)"]
ROW_CURVE = {1: ("leased_fraction", 1.0, 0.0005), 2: ("latency_s", 1 / 60, 0.05), 3: ("error_fraction", 1.0, 0.0005)}


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
    assert SPEC.shape == (4, 2, 5, 2) and len(choices) == 80
    for choice in choices:
        assert grid.run(choice).choice == choice


def test_the_as_happened_combination_is_the_as_happened_scenario(grid, runs):
    assert SPEC.as_happened == (BOTH, OFF, SEVEN, OFF_936)
    happened = whatif.scenarios.SCENARIOS["as-happened"]
    assert SPEC.dwfm_controls(BOTH, OFF) == happened.dwfm
    assert grid.as_happened.milestones == runs("as-happened").milestones
    np.testing.assert_array_equal(grid.as_happened.leased_fraction, runs("as-happened").dwfm.leased_fraction)
    np.testing.assert_array_equal(grid.as_happened.error_fraction, runs("as-happened").nlb.error_fraction)


def test_queue_admission_combines_with_each_half_of_the_action():
    for a, action in enumerate(SPEC.dwfm.choices):
        off, on = SPEC.dwfm_controls(a, OFF), SPEC.dwfm_controls(a, ON)
        assert off == action.controls and not off.queue_admission
        assert on.queue_admission
        assert replace(on, queue_admission=False) == action.controls  # the halves are kept
    assert SPEC.dwfm_controls(NEITHER, ON) == whatif.scenarios.SCENARIOS["queue-admission"].dwfm


def test_every_scenario_the_knobs_can_reach_matches_its_named_run(grid, runs):
    """The knobs' other named points are the scenarios of the same name."""
    b, c = SEVEN, OFF_936
    for name, choice in (("restart-only", (RESTART, OFF, b, c)), ("throttle-only", (THROTTLE, OFF, b, c)),
                         ("queue-admission", (NEITHER, ON, b, c)), ("failover-kept", (BOTH, OFF, b, KEPT)),
                         ("no-netmgr-relief", (BOTH, OFF, NETMGR["never (what-if)"], c)),
                         ("no-intervention", (NEITHER, OFF, NETMGR["never (what-if)"], KEPT))):
        assert grid.run(choice).milestones == runs(name).milestones, name


@pytest.mark.slow
def test_runs_are_deterministic_and_reuse_changes_nothing(grid):
    """A DWFM record run afresh gives the same combination as the reused one (to rounding:
    one set of controls integrates with scalar inputs, several with per-column ones)."""
    alone = whatif.GridSpec(
        dwfm=whatif.Knob(SPEC.dwfm.label, SPEC.dwfm.unit, (SPEC.dwfm.choices[BOTH],)),
        admission=whatif.Knob(SPEC.admission.label, SPEC.admission.unit, (SPEC.admission.choices[OFF],)),
        netmgr=whatif.Knob(SPEC.netmgr.label, SPEC.netmgr.unit, (SPEC.netmgr.choices[SEVEN],)),
        nlb=whatif.Knob(SPEC.nlb.label, SPEC.nlb.unit, (SPEC.nlb.choices[OFF_936],)),
        dwfm_params=ONE_HOST,
    )
    fresh = whatif.run_grid(alone).runs[0]
    reused = grid.as_happened
    assert fresh.milestones == pytest.approx(reused.milestones, rel=1e-9)
    for name in ("leased_fraction", "latency_s", "error_fraction"):
        np.testing.assert_allclose(getattr(fresh, name), getattr(reused, name), rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_the_grid_runs_an_action_and_admission_together(grid):
    """A throttle tight enough to bind during queue admission's recovery slows it: the grid
    gives the model both inputs at once, not one of them."""
    tight = whatif.Choice("tight throttle at 2:25 AM (what-if)", "what-if", DwfmControls(
        throttle_from_s=clock.DYNAMODB_DNS_RESTORED_S, throttle_establish_per_host_per_s=0.05))
    spec = whatif.GridSpec(
        dwfm=whatif.Knob(SPEC.dwfm.label, SPEC.dwfm.unit, (tight,)),
        admission=whatif.Knob(SPEC.admission.label, SPEC.admission.unit, SPEC.admission.choices),
        netmgr=whatif.Knob(SPEC.netmgr.label, SPEC.netmgr.unit, (SPEC.netmgr.choices[SEVEN],)),
        nlb=whatif.Knob(SPEC.nlb.label, SPEC.nlb.unit, (SPEC.nlb.choices[OFF_936],)),
        dwfm_params=ONE_HOST,
    )
    both = whatif.run_grid(spec).run((0, ON, 0, 0)).milestones["all_leases_restored"]
    admission_only = grid.run((NEITHER, ON, SEVEN, OFF_936)).milestones["all_leases_restored"]
    assert both > admission_only + 3600


# --- each knob's effect emerges ------------------------------------------------------------

def test_without_both_halves_of_the_4_14_action_the_leases_never_return(grid):
    q, b, c = SPEC.as_happened[1:]
    assert grid.run((BOTH, q, b, c)).milestones["all_leases_restored"] is not None
    for half in (RESTART, THROTTLE, NEITHER):
        run = grid.run((half, q, b, c))
        assert run.milestones["all_leases_restored"] is None
        assert run.leased_fraction[-1] < 0.5 * grid.run((BOTH, q, b, c)).leased_fraction[-1]
        # Nothing reaches Network Manager, so nothing downstream happens.
        assert run.milestones["propagation_latency_elevated"] is None
        assert run.milestones["nlb_errors_start"] is None


def test_queue_admission_recovers_before_the_action_and_leaves_the_other_knobs_nothing_to_do(grid):
    assert grid.run((NEITHER, ON, SEVEN, OFF_936)).milestones["all_leases_restored"] < \
        grid.run((BOTH, OFF, SEVEN, OFF_936)).milestones["all_leases_restored"]
    ends = {grid.run((a, ON, b, c)).milestones["nlb_errors_end"]
            for a in range(4) for b in range(5) for c in range(2)}
    assert len(ends) == 1 and ends.pop() < clock.NLB_FAILOVER_DISABLED_S
    # The leases are back before 4:14 AM, so neither half of the action finds anything to do.
    back = grid.run((NEITHER, ON, SEVEN, OFF_936))
    assert back.milestones["all_leases_restored"] < clock.DWFM_THROTTLE_AND_RESTART_S
    for a in (BOTH, RESTART, THROTTLE):
        np.testing.assert_allclose(grid.run((a, ON, SEVEN, OFF_936)).leased_fraction, back.leased_fraction,
                                   atol=1e-9)


def test_an_earlier_network_manager_cut_clears_the_backlog_earlier(grid):
    cleared = [grid.run((BOTH, OFF, NETMGR[label], OFF_936)).milestones["network_backlog_cleared"]
               for label in ("6:00 AM, what-if", "7:00 AM, assumed", "8:00 AM, what-if", "9:00 AM, what-if",
                             "never (what-if)")]
    assert cleared == sorted(cleared) and len(set(cleared)) == len(cleared)
    # The cut does not move the burst: the latency rises at the same time whatever it is.
    risen = {grid.run((BOTH, OFF, b, OFF_936)).milestones["propagation_latency_elevated"] for b in range(5)}
    assert len(risen) == 1


def test_keeping_failover_on_keeps_the_nlb_errors_going(grid):
    for b in range(SPEC.shape[2]):
        off, kept = grid.run((BOTH, OFF, b, OFF_936)), grid.run((BOTH, OFF, b, KEPT))
        # Disabling failover ends the errors at 9:36 AM (within a sample of the records).
        assert clock.NLB_FAILOVER_DISABLED_S - 60 <= off.milestones["nlb_errors_end"] <= \
            clock.NLB_FAILOVER_DISABLED_S + 1e-6
        assert kept.milestones["nlb_errors_end"] > off.milestones["nlb_errors_end"]
        assert kept.error_fraction.sum() > off.error_fraction.sum()
        # Failover acts on NLB only: the curves above it are the same.
        np.testing.assert_array_equal(off.latency_s, kept.latency_s)


def test_the_milestone_table_has_a_row_per_dwfm_pair_and_network_manager_choice(grid):
    table = whatif.milestone_table(grid)
    assert len(table) == SPEC.shape[0] * SPEC.shape[1] * SPEC.shape[2]
    for (a, q, b), row in zip(itertools.product(*(range(n) for n in SPEC.shape[:3])), table):
        assert (row["DWFM at 4:14 AM"], row["queue-size admission"], row["Network Manager"]) == (
            SPEC.dwfm.choices[a].label, SPEC.admission.choices[q].label, SPEC.netmgr.choices[b].label)
        for c, choice in enumerate(SPEC.nlb.choices):
            m = grid.run((a, q, b, c)).milestones
            expected = ("none" if m["nlb_errors_start"] is None else
                        f"{figures.wall_clock(m['nlb_errors_start'])}–{figures.wall_clock(m['nlb_errors_end'])}")
            assert row[f"NLB errors, failover {choice.label}"] == expected
    first = table[(BOTH * 2 + OFF) * 5 + SEVEN]
    assert first["all leases back"] == figures.wall_clock(grid.as_happened.milestones["all_leases_restored"])
    assert table[(NEITHER * 2 + OFF) * 5]["all leases back"] == "never"
    assert table[(NEITHER * 2 + ON) * 5]["all leases back"] != "never"


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
    # Queue-size admission: its limit in seconds, assumed; AWS's remediation, on DWFM our reading.
    wait = DwfmControls().queue_admission_wait_s
    assert f"{wait:.0f} s" in SPEC.admission.label
    assert "this site's reading" in SPEC.admission.note and f"{wait:.0f} s cap is assumed" in SPEC.admission.note
    assert [c.controls for c in SPEC.admission.choices] == [False, True]


def test_the_as_happened_values_are_the_scenarios_inputs():
    happened = whatif.scenarios.SCENARIOS["as-happened"]
    assert SPEC.dwfm_controls(*SPEC.as_happened[:2]) == happened.dwfm
    assert SPEC.netmgr.choices[SPEC.netmgr.as_happened].controls == happened.netmgr
    assert SPEC.nlb.choices[SPEC.nlb.as_happened].controls == happened.nlb


def test_a_label_without_its_source_or_unit_is_refused():
    with pytest.raises(ValueError, match="source"):
        whatif.Choice("7:00 AM", "assumed", None)
    with pytest.raises(ValueError, match="source must be"):
        whatif.Choice("7:00 AM (guess)", "guess", None)
    with pytest.raises(ValueError, match="unit"):
        whatif.Knob("Network Manager load halved", "PDT", (whatif.Choice("never (what-if)", "what-if", None),))


def test_the_chart_shows_each_controls_label_unit_note_and_values(chart):
    annotations = [a.text for a in chart.layout.annotations]
    menus = chart.layout.updatemenus
    assert len(menus) == 4
    for knob in SPEC.knobs:
        label = f"<b>{knob.label}</b>"
        assert label in annotations and knob.unit in label
        if knob.note:
            assert knob.note in annotations
        menu = next(m for m in menus if [b.label for b in m.buttons] == [c.label for c in knob.choices])
        assert menu.active == knob.as_happened
        for button, choice in zip(menu.buttons, knob.choices):
            assert choice.source in button.label
    # Stacked top to bottom in knob order, each control under its own label (and note).
    tops = []
    for knob in SPEC.knobs:
        label_y = next(a.y for a in chart.layout.annotations if a.text == f"<b>{knob.label}</b>")
        menu_y = menus[_menu_of(chart, knob)].y
        assert menu_y < label_y
        tops += [label_y, menu_y]
    assert tops == sorted(tops, reverse=True)


# --- the controls --------------------------------------------------------------------------

def _state(chart) -> list[dict]:
    return [dict(visible=t.visible, x0=t.x0, xaxis=t.xaxis or "x", yaxis=t.yaxis or "y") for t in chart.data]


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
    """Traces a reader sees: visible, on shown axes, starting inside the time axis's range."""
    start, end, hidden_axes = _view(chart)
    return [i for i, s in enumerate(state)
            if s["visible"] is not False and start <= s["x0"] <= end
            and s["xaxis"] not in hidden_axes and s["yaxis"] not in hidden_axes]


_VIEWS: dict[int, tuple] = {}


def _view(chart) -> tuple[str, str, set[str]]:
    if id(chart) not in _VIEWS:
        layout = chart.to_dict()["layout"]
        hidden = {key[0] + key[len("xaxis"):] for key, axis in layout.items()
                  if key[1:].startswith("axis") and axis.get("visible") is False}
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
    dwfm, _, nm, lb = (knob.choices[i].controls for knob, i in zip(SPEC.knobs, choice))
    times = [(1, dwfm.restart_at_s if dwfm.restart_at_s is not None else dwfm.throttle_from_s),
             (2, nm.load_reduction_from_s), (3, lb.failover_disabled_from_s)]
    return sorted((row, figures.moment(t).isoformat(sep=" ")) for row, t in times if t is not None)


def _menu_of(chart, knob) -> int:
    labels = [c.label for c in knob.choices]
    return next(i for i, m in enumerate(chart.layout.updatemenus) if [b.label for b in m.buttons] == labels)


def _choose(chart, choice, order=(0, 1, 2, 3), state=None) -> list[dict]:
    state = _state(chart) if state is None else state
    for k in order:
        _press(chart, state, chart.layout.updatemenus[_menu_of(chart, SPEC.knobs[k])].buttons[choice[k]])
    return state


def _shown_curves(chart, state) -> dict[int, object]:
    """The coloured curve drawn in each row (exactly one)."""
    curves = {}
    for i in _drawn(chart, state):
        meta = chart.data[i].meta
        if chart.data[i].mode == "lines" and not meta.get("reference") and not meta.get("action"):
            assert meta["row"] not in curves
            curves[meta["row"]] = chart.data[i]
    assert sorted(curves) == [1, 2, 3]
    return curves


def _assert_shows_run(chart, state, run) -> None:
    for row, trace in _shown_curves(chart, state).items():
        attribute, scale, atol = ROW_CURVE[row]
        np.testing.assert_allclose(trace.y, getattr(run, attribute)[::3] * scale, atol=atol)
    lines = figures._what_if_milestones(run, float(run_end(chart)))
    texts = sorted(chart.data[i].text[0] for i in _drawn(chart, state) if chart.data[i].mode == "text")
    assert texts == sorted(lines)


def run_end(chart) -> float:
    return (np.datetime64(chart.layout.xaxis3.range[1]) - np.datetime64(figures.moment(0))) / np.timedelta64(1, "s")


def test_the_chart_starts_as_happened(chart, grid):
    state = _state(chart)
    assert set(_drawn(chart, state)) == _expected(chart, SPEC.as_happened)
    _assert_shows_run(chart, state, grid.as_happened)
    texts = [chart.data[i].text[0] for i in _drawn(chart, state) if chart.data[i].mode == "text"]
    assert f"all leases back {figures.wall_clock(grid.as_happened.milestones['all_leases_restored'])}" in texts
    # The grey reference curves are the as-happened run too.
    for trace in chart.data:
        if trace.meta.get("reference"):
            attribute, scale, atol = ROW_CURVE[trace.meta["row"]]
            np.testing.assert_allclose(trace.y, getattr(grid.as_happened, attribute)[::3] * scale, atol=atol)


def test_the_shown_curves_are_the_chosen_combinations_run(chart, grid):
    """Turn the four controls to a combination; the curves and milestone lines drawn are that
    combination's run, whichever order the controls are turned in."""
    for choice in ((BOTH, OFF, NETMGR["never (what-if)"], KEPT), (RESTART, ON, NETMGR["6:00 AM, what-if"], KEPT),
                   (THROTTLE, OFF, NETMGR["9:00 AM, what-if"], OFF_936), (NEITHER, ON, SEVEN, OFF_936),
                   (BOTH, ON, NETMGR["8:00 AM, what-if"], KEPT), (NEITHER, OFF, SEVEN, KEPT)):
        for order in ((0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2)):
            _assert_shows_run(chart, _choose(chart, choice, order), grid.run(choice))


def test_every_combination_of_the_controls_shows_exactly_its_own_traces(chart, grid):
    for choice in SPEC.combinations():
        for order in ((0, 1, 2, 3), (3, 2, 1, 0)):
            state = _choose(chart, choice, order)
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
    combination the four controls read."""
    menus = [_menu_of(chart, knob) for knob in SPEC.knobs]
    rng = random.Random(7)
    state, current = _state(chart), list(SPEC.as_happened)
    for _ in range(300):
        k = rng.randrange(4)
        current[k] = rng.randrange(SPEC.shape[k])
        _press(chart, state, chart.layout.updatemenus[menus[k]].buttons[current[k]])
        assert set(_drawn(chart, state)) == _expected(chart, tuple(current))


def test_each_control_moves_only_its_own_attribute(chart):
    """Four knobs, four trace attributes: no two controls write the same one, which is what
    lets them combine without knowing each other's state."""
    written = []
    for knob in SPEC.knobs:
        attributes = {a for b in chart.layout.updatemenus[_menu_of(chart, knob)].buttons for a in b.args[0]}
        assert len(attributes) == 1
        written.append(attributes.pop())
    assert sorted(written) == ["visible", "x0", "xaxis", "yaxis"]


def test_no_parked_trace_can_come_into_view(chart):
    """A parked axis is drawn too (only hidden): its range must lie where no trace, at home or
    parked, has data; and a parked x axis overlays its own row's axis (another row's would
    take that row's hover)."""
    layout = chart.to_dict()["layout"]
    span = np.timedelta64(16, "h")
    starts = {np.datetime64(t.x0) for t in chart.data} | {np.datetime64(figures.PARKED_X0)}
    for axis, hidden in figures.PARKED_XAXES.items():
        parked = layout["xaxis" + hidden[1:]]
        assert parked["overlaying"] == axis and parked["anchor"] == "y" + axis[1:]
        assert parked["visible"] is False and parked["fixedrange"] is True
        low, high = (np.datetime64(v) for v in parked["range"])
        assert all(s + span < low or s > high for s in starts)
    top = max(max(t.y) for t in chart.data if t.meta["row"] == 3)  # the traces the NLB knob moves
    assert layout["yaxis4"]["range"][0] > top and layout["yaxis4"]["visible"] is False


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


def test_milestone_lines_and_notes_fit_a_phone(chart):
    longest = max(len(t.text[0]) for t in chart.data if t.mode == "text")
    assert longest <= 40
    for knob in SPEC.knobs:
        assert len(knob.label) <= 40
        assert all(len(line) <= 48 for line in knob.note.split("<br>"))
