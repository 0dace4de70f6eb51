"""The incident figures (outage.incident_figures): every window drawn once, marked where it runs
past the axis, clock times and sources in hover with no internal ids, the compact chart's height,
the dependency graph's boxes, arrows and hover, and the notebooks drawing each figure once."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from outage import incident_figures as figures
from outage.dependencies import load_dependencies
from outage.plotting import CLOCK_FORMAT, clock, contrast_ratio, problems
from outage.timeline import load_timeline

ROOT = Path(__file__).resolve().parents[2]
PLOTLY = "application/vnd.plotly.v1+json"
#: Event ids (T05, K01) and every hyphenated window or node id of the data.
EVENT_ID = re.compile(r"\b[TK]\d{2}\b")
PHONE_PLOT_PX = 338  # plot width of the impact charts in a 358-px column (8 + 12 px margins)


@pytest.fixture(scope="module")
def timeline():
    return load_timeline()


@pytest.fixture(scope="module")
def graph(timeline):
    return load_dependencies(timeline=timeline)


@pytest.fixture(scope="module")
def full(timeline):
    return figures.impact_windows(timeline)


@pytest.fixture(scope="module")
def compact(timeline):
    return figures.impact_compact(timeline)


@pytest.fixture(scope="module")
def dependency(graph, timeline):
    return figures.dependency_graph(graph, timeline)


def _texts(fig):
    """Every string a reader can see or hover: trace text, hover text, names, annotations."""
    found = []
    for trace in fig.data:
        for attribute in ("text", "hovertext", "hovertemplate", "name"):
            value = getattr(trace, attribute, None)
            if value is None:
                continue
            found += [value] if isinstance(value, str) else [str(v) for v in value]
    for note in fig.layout.annotations:
        found += [str(note.text or ""), str(note.hovertext or "")]
    return found


def _internal_ids(timeline, graph) -> set[str]:
    """Hyphenated window and node ids (plain words such as ec2 or event are not ids to a reader),
    except those the data's own prose uses as words ("an account-metadata subsystem")."""
    ids = {w.id for w in timeline.windows} | {n.id for n in graph.nodes}
    prose = " ".join([e.how for e in graph.edges] + [e.what for e in timeline.events])
    return {i for i in ids if "-" in i and i not in prose}


def _bars(fig):
    return [t for t in fig.data if t.type == "bar"]


def _ms(delta: dt.timedelta) -> float:
    return delta.total_seconds() * 1000


# --------------------------------------------------------------------------------------------
# The full impact chart


def test_one_bar_trace_per_service(full, timeline):
    services = list(dict.fromkeys(w.service for w in timeline.windows))
    assert [t.name for t in _bars(full)] == services


def test_every_window_drawn_once_with_its_start_and_length(full, timeline):
    drawn = Counter()
    for trace in _bars(full):
        for base, length in zip(trace.base, trace.x):
            drawn[(base, round(length))] += 1
    expected = Counter((figures.pdt(w.start).isoformat(), round(_ms(w.duration))) for w in timeline.windows)
    assert drawn == expected
    assert sum(len(t.y) for t in _bars(full)) == len(timeline.windows) == 39


def test_every_row_has_its_own_height_and_a_label_above_it(full, timeline):
    rows = [y for trace in _bars(full) for y in trace.y]
    assert len(set(rows)) == len(rows)
    labels = {note.text.replace("<br>", " ") for note in full.layout.annotations if note.xref == "paper"}
    for window in timeline.windows:
        assert any(label.startswith(window.label) for label in labels), window.label


def test_windows_past_the_axis_end_carry_an_arrow_and_say_where_they_end(full, timeline):
    past = [w for w in timeline.windows if figures.pdt(w.end) > figures.AXIS_END]
    assert {w.id for w in past} == {"redshift-impaired", "redshift-backlog-drain"}
    arrows = [t for t in full.data if t.type == "scatter" and t.marker.symbol == "triangle-right"]
    assert len(arrows) == 1
    assert list(arrows[0].x) == [figures.AXIS_END.isoformat()] * len(past)
    bar_y = {}
    for trace in _bars(full):
        for base, length, y in zip(trace.base, trace.x, trace.y):
            bar_y[(base, round(length))] = y
    for window in past:
        y = bar_y[(figures.pdt(window.start).isoformat(), round(_ms(window.duration)))]
        assert y in arrows[0].y
    labels = [n.text.replace("<br>", " ") for n in full.layout.annotations if n.xref == "paper"]
    assert sum("continues to 4:05 AM, 21 Oct" in label for label in labels) == len(past)


def test_axis_range_ends_inside_the_event_day(full):
    start, end = full.layout.xaxis.range
    assert start == figures.AXIS_START.isoformat() and end == figures.AXIS_END.isoformat()
    assert figures.AXIS_END > dt.datetime(2025, 10, 20, 14, 46)  # the last window to open shows


def test_hover_gives_clock_times_and_sources_in_words(full, timeline):
    hovers = [h for trace in _bars(full) for h in trace.hovertext]
    period_1 = next(h for h in hovers if h.startswith("<b>Period 1"))
    assert "11:48 PM PDT, 19 Oct → 2:40 AM PDT, 20 Oct" in period_1
    assert "2 h 52 min" in period_1
    assert "start: AWS summary, opening and “DynamoDB” section" in period_1.replace("<br>", " ")
    nlb = next(h for h in hovers if h.startswith("<b>Period 2")).replace("<br>", " ")
    assert "(row “NLB onset until the extra connection errors stop”)" in nlb  # not "window nlb-errors"
    assert all(re.search(r"\d{1,2}:\d{2} [AP]M PDT", h) for h in hovers)


@pytest.mark.parametrize("name", ["full", "compact", "dependency"])
def test_no_internal_ids_anywhere(request, name, timeline, graph):
    fig = request.getfixturevalue(name)
    ids = _internal_ids(timeline, graph)
    for text in _texts(fig):
        assert not EVENT_ID.search(text), text
        for internal in ids:
            assert not re.search(rf"(?<![\w-]){re.escape(internal)}(?![\w-])", text), (internal, text)


@pytest.mark.parametrize("name", ["full", "compact", "dependency"])
def test_site_figure_rules_hold(request, name):
    assert problems(request.getfixturevalue(name)) == []


@pytest.mark.parametrize("name", ["full", "compact"])
def test_time_axis_says_pdt_and_uses_the_site_clock(request, name):
    fig = request.getfixturevalue(name)
    assert "PDT" in fig.layout.xaxis.title.text and "Oct" in fig.layout.xaxis.title.text
    assert fig.layout.xaxis.tickformat == CLOCK_FORMAT
    assert fig.layout.yaxis.visible is False  # labels sit above the bars, not beside them
    assert fig.layout.width is None


def test_milestone_labels_are_clock_times_that_never_overlap_on_a_phone(full, timeline):
    labels = [n for n in full.layout.annotations if n.xref == "x"]
    assert [n.text for n in labels] == [
        clock(figures.pdt(timeline.event(i).utc)) for i in figures.MILESTONES]
    assert all(n.hovertext.endswith(text) for n, text in zip(labels, figures.MILESTONES.values()))
    span_h = (figures.AXIS_END - figures.AXIS_START).total_seconds() / 3600
    px = {n.text: (dt.datetime.fromisoformat(n.x) - figures.AXIS_START).total_seconds() / 3600
          * PHONE_PLOT_PX / span_h for n in labels}
    width = {n.text: 7.0 * len(n.text) for n in labels}  # 11-px digits and capitals, generously
    for a, b in zip(labels, labels[1:]):
        if a.y == b.y:
            gap = abs(px[b.text] - px[a.text])
            assert gap > (width[a.text] + width[b.text]) / 2, (a.text, b.text, gap)
    for a, b in zip(labels, labels[2:]):  # same level: every other label
        assert a.y == b.y


def test_labels_fit_a_phone_column(full, compact):
    for fig in (full, compact):
        for note in fig.layout.annotations:
            if note.xref == "paper":
                for line in re.sub(r"</?b>", "", note.text).split("<br>"):
                    assert len(line) <= figures._LABEL_CHARS, line


def test_primary_periods_are_outlined(full, timeline):
    for trace in _bars(full):
        for width, base, length in zip(trace.marker.line.width, trace.base, trace.x):
            (window,) = [w for w in timeline.windows if w.service == trace.name
                         and figures.pdt(w.start).isoformat() == base and round(_ms(w.duration)) == round(length)]
            assert (width > 0) == (window.period is not None)


# --------------------------------------------------------------------------------------------
# The compact chart


def test_compact_is_short_and_shows_the_trigger_the_periods_and_the_event(compact, timeline):
    assert compact.layout.height <= 360
    bars = _bars(compact)
    assert len(bars) == 5
    windows = [timeline.window(i) for i in figures.COMPACT_LABELS]
    assert {w.period for w in windows} == {None, 1, 2, 3}
    for trace, window in zip(bars, windows):
        assert list(trace.base) == [figures.pdt(window.start).isoformat()]
        assert round(trace.x[0]) == round(_ms(window.duration))
    labels = [n.text for n in compact.layout.annotations if n.xref == "paper"]
    assert "Trigger: DynamoDB's DNS record empty<br>11:48 PM – 2:25 AM, 2 h 37 min" in labels
    assert "Whole event<br>11:48 PM – 2:20 PM, 14 h 32 min" in labels


def test_compact_marks_when_dns_was_restored(compact):
    (line,) = compact.layout.shapes
    assert line.x0 == line.x1 == "2025-10-20T02:25:00"
    assert any(n.text == "2:25 AM: DNS restored" for n in compact.layout.annotations)


# --------------------------------------------------------------------------------------------
# The dependency graph


def _boxes(fig):
    return [n for n in fig.layout.annotations if not n.showarrow]


def _arrows(fig):
    return [n for n in fig.layout.annotations if n.showarrow]


def test_graph_draws_every_node_once_and_every_edge_once(dependency, graph):
    assert sorted(n.text for n in _boxes(dependency)) == sorted(figures.node_label(n) for n in graph.nodes)
    assert len(_arrows(dependency)) == len(graph.edges)
    diamonds = sum(len(t.x) for t in dependency.data if t.type == "scatter")
    assert diamonds == len(graph.edges)


def test_arrows_end_on_top_of_their_target_and_point_down(dependency, graph):
    centre = {n.text: (n.x, n.y) for n in _boxes(dependency)}
    for arrow, edge in zip(_arrows(dependency), graph.edges):
        target = centre[figures.node_label(graph.node(edge.target))]
        assert arrow.x == target[0] and arrow.y == target[1] - figures._BOX_H_PX / 2
        assert arrow.ay < arrow.y


def test_edges_that_skip_rows_are_routed_from_their_origin(dependency, graph):
    layout = figures.graph_layout(graph)
    paths = iter(dependency.layout.shapes)
    for edge in graph.edges:
        points = figures.edge_path(edge, layout)
        assert (len(points) > 2) == (layout.row[edge.target] - layout.row[edge.origin] > 1)
        if len(points) > 2:
            shape = next(paths)
            first = shape.path.split(" L ")[0].removeprefix("M ")
            assert first == f"{layout.x[edge.origin]:.1f},{points[0][1]:.1f}"
    assert next(paths, None) is None


def test_no_line_crosses_a_box_it_does_not_join_at_phone_width(graph):
    layout = figures.graph_layout(graph)
    assert max(layout.x.values()) + figures._BOX_W_PX / 2 <= figures._PLOT_W_PX
    assert min(layout.x.values()) - figures._BOX_W_PX / 2 >= 0
    for edge in graph.edges:
        points = figures.edge_path(edge, layout)
        for p, q in zip(points, points[1:]):
            for node in graph.nodes:
                if node.id in (edge.origin, edge.target):
                    continue
                centre = (layout.x[node.id], layout.row[node.id] * figures._ROW_PX)
                assert not figures.segment_hits_box(p, q, centre, clearance=2), (edge.id, node.id)


def test_node_labels_fit_their_boxes_and_boxes_do_not_touch(dependency, graph):
    for box in _boxes(dependency):
        assert all(len(line) <= 11 for line in box.text.split("<br>")), box.text
        assert contrast_ratio(box.bgcolor, box.font.color) >= 4.5
    layout = figures.graph_layout(graph)
    for a, b in itertools.combinations(graph.nodes, 2):
        if layout.row[a.id] == layout.row[b.id]:
            assert abs(layout.x[a.id] - layout.x[b.id]) >= figures._BOX_W_PX + figures._CLEAR_PX, (a.id, b.id)


def test_edge_hover_names_the_mechanism_and_its_source(dependency, graph):
    hovers = [h.replace("<br>", " ") for t in dependency.data if t.type == "scatter" for h in t.hovertext]
    assert len(hovers) == len(graph.edges)
    assert all("source: AWS summary," in h for h in hovers)
    assert sum("a link the summary implies" in h for h in hovers) == sum(
        e.basis == "inferred" for e in graph.edges) == 1
    lambda_first = next(h for h in hovers if h.startswith("<b>DynamoDB → Lambda"))
    assert "11:51 PM PDT, 19 Oct – 2:24 AM PDT, 20 Oct" in lambda_first
    assert "“Other AWS Services” section" in lambda_first


def test_node_hover_lists_windows_with_clock_times(dependency):
    lambda_box = next(n for n in _boxes(dependency) if n.text == "Lambda")
    assert "Lambda errors and latency: 11:51 PM PDT, 19 Oct – 2:15 PM PDT, 20 Oct" in lambda_box.hovertext.replace("<br>", " ")


def test_graph_has_no_axes_and_fixed_layout(dependency):
    assert dependency.layout.xaxis.visible is False and dependency.layout.yaxis.visible is False
    assert dependency.layout.width is None


# --------------------------------------------------------------------------------------------
# The notebooks


def _figure_cells(name: str):
    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY in data:
                assert '<div class="plotly-figure"' in data["text/html"]
                found.append(tuple(cell.metadata.get("tags", [])))
    return found


def test_dependency_notebook_draws_the_graph_once():
    assert _figure_cells("dependencies") == [("figure:dependency-graph",)]


def test_impact_windows_notebook_draws_the_full_and_the_compact_chart():
    assert _figure_cells("timeline") == [("figure:impact-windows",), ("figure:impact-compact",)]


@pytest.mark.parametrize("name", ["timeline", "dependencies"])
def test_notebooks_draw_with_one_line_and_need_no_renderer_import(name):
    source = (ROOT / "notebooks" / f"{name}.py").read_text(encoding="utf-8")
    assert "outage.site.renderer" not in source
    assert "update_layout" not in source and "go.Figure" not in source
    assert len(re.findall(r"\.show\(\)", source)) == len(_figure_cells(name))


def test_impact_windows_notebook_is_titled_impact_windows():
    source = (ROOT / "notebooks" / "timeline.py").read_text(encoding="utf-8")
    assert "\n# # Impact windows\n" in source
    assert "timeline notebook" not in source.lower()
