"""The cascade notebook's figures, built from the one-host runs and a hand-made phase grid."""

import re
from datetime import datetime

import numpy as np
import pytest

from outage import plotting
from outage.cascade import clock, dwfm_des, figures, phase, scenarios
from outage.cascade.dwfm_params import DwfmParams
from outage.cascade.phase import HEALS, NEEDS_HELP, OVERLOADED, PhaseDiagram

SCENARIO_KEYS = re.compile("|".join(re.escape(name) for name in scenarios.SCENARIOS) + r"|_")


@pytest.fixture(scope="module")
def diagram():
    """A small grid with all three regions: heals for short outages on small fleets,
    needs help in the middle, overloaded on the top row."""
    hours = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    per_host = np.array([200.0, 1000.0, 2000.0, 3000.0])
    region = np.array([
        [HEALS] * 7,
        [HEALS, HEALS] + [NEEDS_HELP] * 5,
        [HEALS] + [NEEDS_HELP] * 6,
        [OVERLOADED] * 7,
    ])
    return PhaseDiagram(hours, per_host, 100, np.where(region == HEALS, 1.0, 0.2), region)


@pytest.fixture(scope="module")
def built(runs, diagram):
    des = [dwfm_des.simulate(DwfmParams(fleet_droplets=200, dwfm_hosts=1), scenarios.SCENARIOS["as-happened"].dwfm,
                             clock.at("06:30"), seed=seed) for seed in (1, 2)]
    fluid = scenarios.run("as-happened", scenarios.with_fleet(DwfmParams(), 200), horizon_s=clock.at("06:30")).dwfm
    return {
        "dwfm": figures.dwfm_chart(runs("as-happened").dwfm, runs("no-intervention").dwfm, 120.0),
        "halves": figures.halves_chart(*(runs(name).dwfm for name in
                                         ("as-happened", "restart-only", "throttle-only", "no-intervention"))),
        "agreement": figures.agreement_chart(fluid, des),
        "netmgr-nlb": figures.netmgr_nlb_chart(runs("as-happened"), runs("no-netmgr-relief"), runs("failover-kept")),
        "remediations": figures.remediations_chart(runs("as-happened"), runs("queue-admission"),
                                                   runs("failover-kept"), runs("velocity-control")),
        "phase": figures.phase_map(diagram),
    }


TIME_CHARTS = ("dwfm", "halves", "agreement", "netmgr-nlb", "remediations")
ALL = TIME_CHARTS + ("phase",)


def texts(fig):
    """Every piece of text a reader can see or hover, with where it comes from."""
    found = []
    for trace in fig.data:
        for attribute in ("name", "hovertemplate", "hovertext", "text"):
            value = getattr(trace, attribute, None)
            values = [value] if isinstance(value, str) else list(value or ())
            found += [(trace.name, str(v)) for v in values if v]
    for annotation in fig.layout.annotations:
        found += [("annotation", str(annotation.text)), ("annotation", str(annotation.hovertext or ""))]
    for name in fig.layout:
        if re.fullmatch(r"[xy]axis\d*", name) and fig.layout[name].title.text:
            found.append((name, fig.layout[name].title.text))
    return found


def sample_times(trace):
    """The datetimes of a trace's samples, from x or from its start and step."""
    if trace.x is not None:
        return [datetime.fromisoformat(x) for x in trace.x]
    start = datetime.fromisoformat(trace.x0)
    return [start + np.timedelta64(int(trace.dx * k), "ms").item() for k in range(len(trace.y))]


def vertical_lines(fig):
    return [s for s in fig.layout.shapes if s.type == "line" and s.x0 == s.x1 and s.xref.startswith("x")]


@pytest.mark.parametrize("name", ALL)
def test_figure_keeps_the_site_rules(built, name):
    fig = built[name]
    assert plotting.problems(fig) == []
    assert fig.layout.width is None  # no fixed width: the figure takes its column's width
    assert not (fig.layout.title and fig.layout.title.text)  # the caption under it says what it shows


@pytest.mark.parametrize("name,count", [("dwfm", 6), ("halves", 4), ("agreement", 3), ("netmgr-nlb", 4),
                                        ("remediations", 4)])
def test_trace_counts(built, name, count):
    assert len(built[name].data) == count


def test_phase_map_traces(built, diagram):
    fig = built["phase"]
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == [HEALS, NEEDS_HELP, OVERLOADED]
    assert {t.name for t in fig.data if t.type == "scatter"} >= {"open-loop estimate", "the incident"}
    assert fig.layout.showlegend is False  # every mark is named on the map


@pytest.mark.parametrize("name", TIME_CHARTS)
def test_time_axes_show_pdt_wall_clock(built, name):
    fig = built[name]
    xaxes = [fig.layout[k] for k in fig.layout if re.fullmatch(r"xaxis\d*", k)]
    assert xaxes and all(axis.type == "date" and axis.tickformat == plotting.CLOCK_FORMAT for axis in xaxes)
    titled = [axis.title.text for axis in xaxes if axis.title.text]
    assert titled == [figures.TIME_TITLE] and "PDT" in figures.TIME_TITLE
    for trace in fig.data:  # every run starts at the trigger, 11:48 PM PDT on 19 Oct
        assert sample_times(trace)[0] == datetime(2025, 10, 19, 23, 48)


@pytest.mark.parametrize("name", ALL)
def test_value_axes_name_their_unit(built, name):
    fig = built[name]
    for key in fig.layout:
        if re.fullmatch(r"yaxis\d*", key) or (name == "phase" and key == "xaxis"):
            assert re.search(r"\((%|s|min|per s|hours|thousand droplets)\)$", fig.layout[key].title.text), key


@pytest.mark.parametrize("name", ALL)
def test_no_internal_names_in_what_readers_see(built, name):
    for source, text in texts(built[name]):
        plain = re.sub(r"<extra>|</extra>|%\{[^}]*\}", " ", text)
        assert not SCENARIO_KEYS.search(plain), (source, text)


def test_share_curves_are_the_records(built, runs):
    trace = built["dwfm"].data[0]
    assert trace.name == "as happened"
    np.testing.assert_allclose(trace.y, runs("as-happened").dwfm.leased_fraction)
    times = sample_times(trace)
    assert times[-1] == figures.moment(runs("as-happened").dwfm.t_s[-1])


@pytest.mark.parametrize("name,marks", [
    ("dwfm", figures.DWFM_MARKS), ("halves", figures.DWFM_MARKS), ("agreement", figures.DWFM_MARKS),
    ("netmgr-nlb", figures.NETMGR_MARKS), ("remediations", figures.REMEDIATION_MARKS),
])
def test_milestone_lines_sit_at_aws_times(built, name, marks):
    fig = built[name]
    rows = len({trace.yaxis for trace in fig.data})
    lines = vertical_lines(fig)
    expected = sorted(figures.moment(t) for t, _ in marks)
    assert sorted({datetime.fromisoformat(s.x0) for s in lines}) == expected
    assert len(lines) == len(expected) * rows  # the same lines in every row
    labels = {a.text: a for a in fig.layout.annotations if a.hovertext}
    assert sorted(labels) == sorted(plotting.clock(t) for t in expected)
    for t_s, what in marks:
        label = labels[plotting.clock(figures.moment(t_s))]
        assert datetime.fromisoformat(label.x) == figures.moment(t_s)
        assert what in label.hovertext and "PDT" in label.hovertext


def test_milestones_are_the_times_aws_gives():
    assert figures.moment(figures.ALL_LEASES[0]) == datetime(2025, 10, 20, 5, 28)
    assert plotting.clock(figures.moment(figures.DYNAMODB_BACK[0])) == "2:25 AM"
    assert plotting.clock(figures.moment(figures.NETMGR_NORMAL[0])) == "10:36 AM"


def test_mark_labels_do_not_collide_at_phone_width():
    start, end = 0.0, 15 * 3600.0
    times = [clock.at(hhmm) for hhmm in ("02:25", "04:14", "05:28", "09:36", "14:40")]
    placed = mark_labels = figures.mark_labels(times, start, end)
    gap = figures._LABEL_PX / figures._PHONE_PLOT_PX * (end - start)
    spans = [((t, t + gap) if side == "left" else (t - gap, t), level) for t, (level, side) in zip(times, placed)]
    for i, (a, level_a) in enumerate(spans):
        for b, level_b in spans[i + 1:]:
            if level_a == level_b:
                assert a[1] <= b[0] or b[1] <= a[0]
    assert mark_labels[1][0] != mark_labels[0][0]  # 4:14 AM is too near 2:25 AM for one row
    assert mark_labels[-1][1] == "right"  # a label near the end of the axis ends at its line
    assert all(side == "left" for _, side in mark_labels[:-1])


def test_labels_have_room_above_the_data(built):
    for name in ("dwfm", "halves", "agreement", "remediations"):
        assert built[name].layout.yaxis.range[1] > 1.05, name
    fig = built["netmgr-nlb"]
    peak = max(float(np.max(t.y)) for t in fig.data if t.yaxis == "y")
    assert fig.layout.yaxis.range[1] > peak * 1.1


def test_reference_lines_sit_at_their_values(built, runs):
    timeout = [s for s in built["dwfm"].layout.shapes if s.y0 == s.y1 and s.yref == "y2"]
    assert [s.y0 for s in timeout] == [120.0]
    for name in ("netmgr-nlb", "remediations"):
        load = [s for s in built[name].layout.shapes if s.y0 == s.y1 and s.yref == "y2"]
        assert [s.y0 for s in load] == [runs("as-happened").nlb.load_fraction]
        assert any(a.text == f"load {runs('as-happened').nlb.load_fraction:.0%}" for a in built[name].layout.annotations)


def test_netmgr_chart_starts_before_the_first_mark(built):
    start, _ = built["netmgr-nlb"].layout.xaxis.range
    assert datetime.fromisoformat(start) == datetime(2025, 10, 20, 4, 0)


def test_phase_bars_cover_every_row_once(built, diagram):
    fig = built["phase"]
    width = {}
    for bar in (t for t in fig.data if t.type == "bar"):
        for y, base, length in zip(bar.y, bar.base, bar.x):
            width[y] = width.get(y, 0) + length
            region = diagram.region[list(diagram.fleet_droplets / 1000).index(y)]
            j = int(round((base + 0.25) / 0.5))
            assert region[j] == bar.name
    assert sorted(width) == list(diagram.fleet_droplets / 1000)
    assert all(w == pytest.approx(3.5) for w in width.values())


def _cell_fill(diagram, x, y):
    return figures.REGION_COLOURS[figures.region_at(diagram, x, y * 1000)]


def test_phase_map_text_reads_on_its_cell(built, diagram):
    fig = built["phase"]
    checked = 0
    for trace in fig.data:
        if trace.type == "bar":
            for text in trace.text:
                if text:
                    assert plotting.contrast_ratio(trace.textfont.color, trace.marker.color) >= plotting.MIN_CONTRAST
                    checked += 1
        elif trace.text:
            x, y = trace.x[0], trace.y[0]
            for dx in (0.0, 0.5):  # the anchor's cell and the one the text runs into
                fill = _cell_fill(diagram, x + dx, y)
                assert plotting.contrast_ratio(trace.textfont.color, fill) >= plotting.MIN_CONTRAST, trace.name
            checked += 1
    assert checked == 5  # three regions, the estimate and the incident


def test_phase_map_text_follows_its_fill(diagram, monkeypatch):
    dark = "#1f3b70"
    monkeypatch.setitem(figures.REGION_COLOURS, NEEDS_HELP, dark)
    fig = figures.phase_map(diagram)
    needs_help = next(t for t in fig.data if t.name == NEEDS_HELP)
    incident = next(t for t in fig.data if t.name == "the incident")
    assert needs_help.textfont.color == incident.textfont.color == "#ffffff"
    assert plotting.problems(fig) == []


def test_wall_clock():
    assert figures.wall_clock(clock.at("05:27")) == "5:27 AM"
    assert figures.wall_clock(clock.at("14:48") + 29) == "2:48 PM"
    assert figures.wall_clock(0.0) == "11:48 PM"
    assert figures.wall_clock(None) == "never"


# --- Figure 8: validation against AWS's times ------------------------------------------------

@pytest.fixture(scope="module")
def validation_figure(runs):
    from outage.cascade import validation

    rows = validation.comparisons(runs("as-happened"))
    folds = [
        validation.Fold("all_leases_restored", clock.at("05:28"), "network_backlog_cleared", 0.21, 0.5,
                        clock.at("08:46"), clock.at("10:36"), (0.0, 1.0)),
        validation.Fold("network_backlog_cleared", clock.at("10:36"), "all_leases_restored", None, 0.5,
                        None, clock.at("05:28"), (0.0, 1.0)),
    ]
    return rows, folds, figures.validation_chart(rows, folds)


def test_validation_chart_keeps_the_site_rules(validation_figure):
    _, _, fig = validation_figure
    assert plotting.problems(fig) == []
    assert fig.layout.width is None and not (fig.layout.title and fig.layout.title.text)
    assert re.search(r"\(min\)$", fig.layout.xaxis.title.text)


def test_validation_chart_plots_each_kind_at_its_error(validation_figure):
    rows, folds, fig = validation_figure
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"input", "fitted", "predicted", "left out, predicted"}
    for row in rows:
        trace = by_name[row.kind]
        assert round(row.error_min, 1) in trace.x
    assert list(by_name["left out, predicted"].x) == [round(folds[0].error_min, 1)] == [-110.0]
    # The fold whose fit no throttle can meet is said in words on the row it would predict.
    (note,) = [a for a in fig.layout.annotations if a.text == "from 10:36 AM: no fit"]
    assert note.y == "all leases back<br>5:28 AM"
    assert [t for t in texts(fig) if SCENARIO_KEYS.search(re.sub(r"%\{[^}]*\}|<extra>|</extra>", " ", t[1]))] == []
