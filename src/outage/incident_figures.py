"""Figures of the incident itself, drawn from the timeline and the dependency data.

Each function takes the loaded records (`outage.timeline.Timeline`, `outage.dependencies.Graph`)
and returns a `plotly.graph_objects.Figure` that follows the site's figure rules
(`outage.plotting`): clock times as "2:25 AM" PDT, labels that fit a 358-px column, hover text in
readers' words with no internal ids. The "Impact windows" and dependency-graph notebooks draw
them; the chapters include the same figures exported from those notebooks.

    impact_windows(timeline)            every impact window, one labelled bar each (tall)
    impact_compact(timeline)            the trigger, the three primary periods and the whole event
    dependency_graph(graph, timeline)   who hurt whom, coloured by when each window opened

The impact charts draw on a y axis measured in pixels: each row's label sits on its own line
above its bar (the y axis has no tick labels), so every bar gets the full width of the figure,
and the figure's height is the sum of its rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.colors as pc
import plotly.graph_objects as go

from outage.dependencies import Edge, Graph, Node
from outage.plotting import clock, text_colour_on, time_axis, wrap
from outage.site.renderer import COLORWAY
from outage.timeline import PDT, TALK, Timeline, Window

# --------------------------------------------------------------------------------------------
# Shared wording

#: Where the impact charts' time axis starts and ends (PDT wall clock). Windows that run past the
#: end (Redshift's impaired clusters, until 4:05 AM PDT on 21 October) get an arrow and a note.
AXIS_START = dt.datetime(2025, 10, 19, 23, 30)
AXIS_END = dt.datetime(2025, 10, 20, 15, 30)
TIME_TITLE = "time (PDT, 19–20 Oct)"

#: Moments drawn as dotted vertical lines on the full chart: timeline event ids and what happened,
#: in a few words. Their clock times label the lines; the caption and hover say what they are.
MILESTONES: dict[str, str] = {
    "T05": "trigger: DynamoDB's DNS record left empty",
    "T21": "DynamoDB's DNS information restored",
    "T28": "engineers throttle DWFM and restart its hosts",
    "T31": "DWFM holds a lease on every droplet",
    "T41": "NLB automatic failover switched off",
    "T43": "network propagation back to normal",
    "T52": "the event ends",
}

_SECTION_WORDS = {
    "opening": "opening",
    "closing remediations": "closing section on remediations",
}


def pdt(moment: dt.datetime) -> dt.datetime:
    """A timezone-aware moment as naive PDT wall-clock time, what the time axes take."""
    return moment.astimezone(PDT).replace(tzinfo=None)


def source_words(source: str) -> str:
    """A timeline `source` ("opening; DynamoDB") in readers' words."""
    parts = [part.strip() for part in source.split(";")]
    if TALK in parts:
        return "AWS re:Invent 2025 talk DAT453"
    words = [_SECTION_WORDS.get(part, f"“{part}” section") for part in parts]
    return "AWS summary, " + " and ".join(words)


def duration_words(delta: dt.timedelta) -> str:
    """'2 h 37 min', '45 min'."""
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def _readable_note(text: str, timeline: Timeline) -> str:
    """A data note with window ids, "(window nlb-errors)", replaced by the window's label."""

    def label(match: re.Match) -> str:
        try:
            return f"(row “{timeline.window(match.group(1)).label}”)"
        except KeyError:
            return ""

    return re.sub(r"\s*\(window ([A-Za-z0-9_-]+)\)", lambda m: " " + label(m), text).strip()


def window_hover(window: Window, timeline: Timeline) -> str:
    """Hover text of one window: its label, clock times, length and where each end is stated."""
    start, end = timeline.event(window.start_event), timeline.event(window.end_event)
    lines = [
        f"<b>{wrap(window.label, 44)}</b>",
        f"{start.pdt_label()} → {end.pdt_label()}",
        duration_words(window.duration)
        + (" (joins two times the summary states separately)" if window.derived else ""),
        wrap(f"start: {source_words(start.source)}", 48),
        wrap(f"end: {source_words(end.source)}", 48),
    ]
    if window.note:
        lines.append(wrap(_readable_note(window.note, timeline), 48))
    return "<br>".join(lines)


# --------------------------------------------------------------------------------------------
# Impact charts: rows measured in pixels

_LINE_PX = 15  # one line of label text (font 12)
_BAR_PX = 12
_GAP_PX = 9  # between one row's bar and the next row's label
_HEADER_PX = 22
_BAND_PX = 44  # the band at the top that holds the milestones' clock labels
_LABEL_CHARS = 44  # wraps the longest label to two lines that fit a 358-px column
_INDENT_PX = 10


@dataclass(frozen=True)
class _Row:
    window: Window
    label: str  # with <br> where it wraps
    y: float  # the bar's centre, in pixels from the top of the plot area
    depth: int
    colour: str


class _Canvas:
    """A figure under construction: traces go straight in, annotations and shapes are collected
    and set once (adding them one by one re-validates every earlier one)."""

    def __init__(self) -> None:
        self.fig = go.Figure()
        self.notes: list[dict] = []
        self.shapes: list[dict] = []

    def finish(self) -> go.Figure:
        self.fig.update_layout(annotations=self.notes, shapes=self.shapes)
        return self.fig


def _depth(window: Window, timeline: Timeline) -> int:
    """How far a window sits below its service's top-level window."""
    level = 0
    while window.parent not in (None, "event"):
        window = timeline.window(window.parent)
        level += 1
    return level


def service_colours(timeline: Timeline) -> dict[str, str]:
    """One colour per service, in the order services first appear in the data."""
    services = list(dict.fromkeys(w.service for w in timeline.windows))
    return {service: COLORWAY[i % len(COLORWAY)] for i, service in enumerate(services)}


def runs_past_axis(window: Window) -> bool:
    """True for a window that ends after the impact charts' axis end."""
    return pdt(window.end) > AXIS_END


def _continuation(window: Window) -> str:
    end = pdt(window.end)
    return f"continues to {clock(end)}, {end.day} {end:%b} ▸"


def _bars(canvas: _Canvas, rows: Sequence[_Row], timeline: Timeline, *, by: str) -> None:
    """One bar trace per group (`by` = "service" or "row"), then one ▸ marker at the axis end
    for each window that runs past it."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        key = row.window.service if by == "service" else row.window.id
        groups.setdefault(key, []).append(row)
    for members in groups.values():
        canvas.fig.add_trace(go.Bar(
            name=members[0].window.service if by == "service" else members[0].window.label,
            orientation="h",
            y=[row.y for row in members],
            base=[pdt(row.window.start).isoformat() for row in members],
            x=[row.window.duration.total_seconds() * 1000 for row in members],
            width=[_BAR_PX if row.depth == 0 or row.window.period else _BAR_PX - 3 for row in members],
            marker=dict(
                color=members[0].colour,
                line=dict(width=[2 if row.window.period else 0 for row in members], color="#7f7f7f"),
            ),
            hovertext=[window_hover(row.window, timeline) for row in members],
            hoverinfo="text",
            showlegend=False,
        ))
    past = [row for row in rows if runs_past_axis(row.window)]
    if past:
        canvas.fig.add_trace(go.Scatter(
            name="runs past the axis end",
            x=[AXIS_END.isoformat()] * len(past),
            y=[row.y for row in past],
            mode="markers",
            marker=dict(symbol="triangle-right", size=13, color=[row.colour for row in past],
                        line=dict(width=1, color="#7f7f7f")),
            cliponaxis=False,
            hovertext=[window_hover(row.window, timeline) for row in past],
            hoverinfo="text",
            showlegend=False,
        ))


def _label(canvas: _Canvas, row: _Row) -> None:
    canvas.notes.append(dict(
        xref="paper", x=0, xanchor="left", xshift=_INDENT_PX * row.depth,
        yref="y", y=row.y - _BAR_PX / 2 - 1, yanchor="bottom", align="left",
        text=row.label, showarrow=False, font=dict(size=12),
    ))


def _header(canvas: _Canvas, text: str, y_bottom: float) -> None:
    canvas.notes.append(dict(
        xref="paper", x=0, xanchor="left", yref="y", y=y_bottom, yanchor="bottom", align="left",
        text=f"<b>{text}</b>", showarrow=False, font=dict(size=13),
    ))


def _vline(canvas: _Canvas, moment: str, top: float, bottom: float) -> None:
    canvas.shapes.append(dict(type="line", xref="x", x0=moment, x1=moment, yref="y", y0=top,
                              y1=bottom, layer="below", line=dict(width=1, dash="dot", color="#888888")))


def _anchor(moment: dt.datetime) -> str:
    """Labels near an end of the axis lean inwards, so they stay inside the figure."""
    if moment - AXIS_START < dt.timedelta(hours=1.5):
        return "left"
    if AXIS_END - moment < dt.timedelta(hours=1.5):
        return "right"
    return "center"


def _milestones(canvas: _Canvas, timeline: Timeline, marks: dict[str, str], bottom: float) -> None:
    """Dotted lines at each milestone, labelled with the clock time only. Neighbouring labels
    alternate between two heights in the top band, so they never overlap: at phone width the
    closest pair (9:36 and 10:36 AM) is about 20 px apart, a label about 50 px wide."""
    for number, (event_id, text) in enumerate(marks.items()):
        event = timeline.event(event_id)
        assert event.utc is not None
        moment = pdt(event.utc)
        _vline(canvas, moment.isoformat(), _BAND_PX - 2, bottom)
        canvas.notes.append(dict(
            xref="x", x=moment.isoformat(), yref="y", y=_BAND_PX - 3 - 16 * (1 - number % 2),
            yanchor="bottom", xanchor=_anchor(moment), text=clock(moment), showarrow=False,
            font=dict(size=11), hovertext=f"{event.pdt_label()}: {text}",
        ))


def _time_ticks() -> dict:
    """Ticks every three hours from midnight, the same at every width."""
    return dict(tick0="2025-10-20T00:00:00", dtick=3 * 3600 * 1000, tickfont=dict(size=11))


def _layout(canvas: _Canvas, height_px: float, *, top_axis: bool, margin_t: int) -> None:
    margin_b = 58
    canvas.fig.update_layout(
        height=int(height_px + margin_t + margin_b),
        barmode="overlay",
        showlegend=False,
        hovermode="closest",
        margin=dict(l=8, r=12, t=margin_t, b=margin_b),
        xaxis=time_axis(TIME_TITLE, range=[AXIS_START.isoformat(), AXIS_END.isoformat()],
                        automargin=False, showgrid=True, **_time_ticks()),
        yaxis=dict(range=[height_px, 0], visible=False, fixedrange=True),
    )
    if top_axis:
        # The same clock on top, for a chart taller than a phone's screen. An axis is drawn only
        # with a trace on it: an invisible one.
        top = time_axis("time (PDT)", matches="x", overlaying="x", side="top", showgrid=False,
                        automargin=False, range=[AXIS_START.isoformat(), AXIS_END.isoformat()],
                        **_time_ticks())
        top["title"].update(font=dict(size=11), standoff=0)
        canvas.fig.update_layout(xaxis2=top)
        canvas.fig.add_trace(go.Scatter(
            x=[AXIS_START.isoformat()], y=[height_px], xaxis="x2", mode="markers",
            marker=dict(opacity=0), hoverinfo="skip", showlegend=False, name="time axis at the top"))


def impact_windows(timeline: Timeline) -> go.Figure:
    """Every impact window of the timeline, one labelled bar per window, grouped by service.

    One bar trace per service, coloured per service (`service_colours`); each service's rows
    follow a bold header with its name; sub-windows are indented under their parent; the three
    primary periods have a grey outline. Milestones (`MILESTONES`) are dotted lines labelled
    with their clock time. A window that ends after `AXIS_END` gets a ▸ marker at the axis end
    and its label says where it ends. Height grows with the number of windows (about 50 px a
    window at most).
    """
    colours = service_colours(timeline)
    canvas = _Canvas()
    y = float(_BAND_PX) + 4
    rows: list[_Row] = []
    last_service = None
    for window in timeline.windows:
        if window.service != last_service and window.service != "All":
            _header(canvas, window.service, y + _HEADER_PX - 4)
            y += _HEADER_PX
        last_service = window.service
        depth = _depth(window, timeline)
        text = window.label
        if runs_past_axis(window):
            text += " — " + _continuation(window)
        label = wrap(text, _LABEL_CHARS - 2 * depth)
        centre = y + (label.count("<br>") + 1) * _LINE_PX + _BAR_PX / 2 + 1
        row = _Row(window, label, centre, depth, colours[window.service])
        rows.append(row)
        _label(canvas, row)
        y = centre + _BAR_PX / 2 + _GAP_PX
    _bars(canvas, rows, timeline, by="service")
    _milestones(canvas, timeline, MILESTONES, y)
    _layout(canvas, y, top_axis=True, margin_t=40)
    return canvas.finish()


#: The compact chart's rows: the trigger, the three primary periods in the order they began, and
#: the whole event, with the short names the home page uses.
COMPACT_LABELS = {
    "ddb-dns-empty": "Trigger: DynamoDB's DNS record empty",
    "p1-ddb": "Period 1: DynamoDB API errors",
    "p3-launch": "Period 3: new EC2 launches fail",
    "p2-nlb": "Period 2: NLB connection errors",
    "event": "Whole event",
}


def impact_compact(timeline: Timeline) -> go.Figure:
    """The trigger, the three primary periods and the whole event: five bars, under 360 px tall.

    Each row's label names the window and gives its clock times and length, so the chart reads
    without hover; one dotted line marks 2:25 AM, when DynamoDB's DNS was restored.
    """
    colours = service_colours(timeline)
    canvas = _Canvas()
    y = 22.0  # room for the 2:25 AM line's label above the first row
    rows: list[_Row] = []
    for window_id, text in COMPACT_LABELS.items():
        window = timeline.window(window_id)
        start, end = pdt(window.start), pdt(window.end)
        times = f"{clock(start)} – {clock(end)}, {duration_words(window.duration)}"
        centre = y + 2 * _LINE_PX + (_BAR_PX + 2) / 2 + 1
        row = _Row(window, f"{text}<br>{times}", centre, 0, colours[window.service])
        rows.append(row)
        _label(canvas, row)
        y = centre + _BAR_PX / 2 + _GAP_PX - 2
    _bars(canvas, rows, timeline, by="row")
    restored = timeline.event("T21")
    assert restored.utc is not None
    moment = pdt(restored.utc)
    _vline(canvas, moment.isoformat(), 0, y)
    canvas.notes.append(dict(
        xref="x", x=moment.isoformat(), yref="paper", y=1, yanchor="bottom", xanchor="left",
        text=f"{clock(moment)}: DNS restored", showarrow=False, font=dict(size=11),
        hovertext=f"{restored.pdt_label()}: {MILESTONES['T21']}"))
    _layout(canvas, y, top_axis=False, margin_t=22)
    return canvas.finish()


# --------------------------------------------------------------------------------------------
# The dependency graph

#: Colour of a dependency by when the window it explains opened, in hours after 11:00 PM PDT
#: on 19 October; HOURS_MAX (7:00 AM PDT) and later take the end colour.
GRAPH_ORIGIN = dt.datetime(2025, 10, 19, 23, 0)
COLORSCALE = [[0.0, "#4e79a7"], [0.35, "#59a14f"], [0.7, "#f28e2b"], [1.0, "#e15759"]]
NO_TIME = "#9a9a9a"
HOURS_MAX = 8.0

#: Geometry of the graph in pixels at phone width (a 358-px column, 350 px of plot). Wider
#: screens stretch it sideways only, so every clearance found here holds there too.
_PLOT_W_PX = 346.0
_ROW_PX = 84.0  # row pitch, the same at every width
_BOX_W_PX, _BOX_H_PX = 72.0, 34.0
_CLEAR_PX = 8.0  # least room between a box and a passing line, or between two lines
_NODE_CHARS = 10


def _hours(window_id: str | None, timeline: Timeline) -> float | None:
    if window_id is None:
        return None
    return (pdt(timeline.window(window_id).start) - GRAPH_ORIGIN).total_seconds() / 3600


def _colour(hours: float | None) -> str:
    if hours is None:
        return NO_TIME
    rgb = pc.sample_colorscale(COLORSCALE, [min(max(hours / HOURS_MAX, 0.0), 1.0)])[0]
    return "#{:02x}{:02x}{:02x}".format(*(round(float(v)) for v in re.findall(r"[\d.]+", rgb)[:3]))


def graph_layers(graph: Graph) -> dict[str, int]:
    """Each node's row: its longest path from the roots, except that a node nothing feeds (the
    IAM API, the account-metadata subsystem) sits one row above the first node it affects."""
    layer = graph.layers()
    for node in graph.nodes:
        if not graph.upstream(node.id) and graph.downstream(node.id):
            first = min(layer[e.target] for e in graph.downstream(node.id))
            if first - 1 > layer[node.id]:
                layer[node.id] = first - 1
    return layer


@dataclass(frozen=True)
class GraphLayout:
    """Where the dependency graph draws: node centres, and each edge's route.

    `x` is in pixels at phone width (0 … `_PLOT_W_PX`), `row` counts down from 0. An edge that
    skips rows passes each row between its ends at a waypoint of its own, shared only with edges
    from the same origin (they leave together, as one trunk), so that no line crosses a box.
    """

    x: dict[str, float]
    row: dict[str, int]
    routes: dict[str, tuple[tuple[float, int], ...]]  # edge id -> waypoints between its ends


def _waypoint(origin: str, row: int) -> str:
    return f"{origin}@{row}"


def _half_width(item: str, nodes: set[str]) -> float:
    return _BOX_W_PX / 2 if item in nodes else 0.0


def _pack(order: list[str], want: dict[str, float], nodes: set[str]) -> dict[str, float]:
    """Positions as close to `want` as the row allows: boxes and lines keep `_CLEAR_PX` apart and
    everything stays inside the plot."""
    def room(a: str, b: str) -> float:
        return _half_width(a, nodes) + _half_width(b, nodes) + _CLEAR_PX

    x = [want[i] for i in order]
    x[0] = max(x[0], _half_width(order[0], nodes))
    for k in range(1, len(order)):
        x[k] = max(x[k], x[k - 1] + room(order[k - 1], order[k]))
    x[-1] = min(x[-1], _PLOT_W_PX - _half_width(order[-1], nodes))
    for k in range(len(order) - 2, -1, -1):
        x[k] = min(x[k], x[k + 1] - room(order[k], order[k + 1]))
    x[0] = max(x[0], _half_width(order[0], nodes))
    for k in range(1, len(order)):
        x[k] = max(x[k], x[k - 1] + room(order[k - 1], order[k]))
    if x[-1] > _PLOT_W_PX - _half_width(order[-1], nodes) + 1e-6:
        raise ValueError(f"row {order} is wider than a phone")
    return dict(zip(order, x))


def _crossings(upper: list[str], lower: list[str], links: set[tuple[str, str]]) -> int:
    position = {item: k for k, item in enumerate(upper)} | {item: k for k, item in enumerate(lower)}
    pairs = sorted((position[a], position[b]) for a, b in links if a in upper and b in lower)
    return sum(1 for (a1, b1), (a2, b2) in itertools.combinations(pairs, 2)
               if (a1 - a2) * (b1 - b2) < 0)


@functools.lru_cache(maxsize=4)
def graph_layout(graph: Graph) -> GraphLayout:
    """A layered drawing (Sugiyama's method, small): rows from `graph_layers`, a waypoint for
    each edge in every row it skips, rows ordered by barycentre sweeps and then by swapping
    neighbours while that removes crossings, and positions that pull each box or waypoint
    towards the items it links to. Deterministic; a few milliseconds for this graph."""
    layer = graph_layers(graph)
    nodes = {n.id for n in graph.nodes}
    rows: dict[int, list[str]] = {}
    for node in graph.nodes:
        rows.setdefault(layer[node.id], []).append(node.id)
    chains: dict[str, list[str]] = {}
    for edge in graph.edges:
        chain = [edge.origin]
        for r in range(layer[edge.origin] + 1, layer[edge.target]):
            point = _waypoint(edge.origin, r)
            if point not in rows[r]:
                rows[r].append(point)
            chain.append(point)
        chains[edge.id] = chain + [edge.target]
    links = {(a, b) for chain in chains.values() for a, b in zip(chain, chain[1:])}
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for a, b in sorted(links):
        down.setdefault(a, []).append(b)
        up.setdefault(b, []).append(a)
    depth = sorted(rows)

    # Order: barycentre sweeps, down then up, four times; then neighbour swaps.
    index = {item: k for r in depth for k, item in enumerate(rows[r])}
    for _ in range(4):
        for sweep, neighbours in ((depth[1:], up), (depth[-2::-1], down)):
            for r in sweep:
                def centre(item: str) -> float:
                    near = neighbours.get(item, [])
                    return sum(index[n] for n in near) / len(near) if near else index[item]
                rows[r].sort(key=lambda item: (centre(item), index[item]))
                index.update({item: k for k, item in enumerate(rows[r])})
    improved = True
    while improved:
        improved = False
        for r in depth:
            for k in range(len(rows[r]) - 1):
                def around(order: list[str]) -> int:
                    total = 0
                    if r - 1 in rows:
                        total += _crossings(rows[r - 1], order, links)
                    if r + 1 in rows:
                        total += _crossings(order, rows[r + 1], links)
                    return total
                swapped = rows[r][:k] + [rows[r][k + 1], rows[r][k]] + rows[r][k + 2:]
                if around(swapped) < around(rows[r]):
                    rows[r] = swapped
                    improved = True

    # Positions: start evenly spread, then pull each item towards what it links to.
    x: dict[str, float] = {}
    for r in depth:
        step = _PLOT_W_PX / len(rows[r])
        x.update(_pack(rows[r], {item: step * (k + 0.5) for k, item in enumerate(rows[r])}, nodes))
    for _ in range(8):
        for sweep in (depth[1:], depth[-2::-1]):
            for r in sweep:
                want = {}
                for item in rows[r]:
                    near = up.get(item, []) + down.get(item, [])
                    want[item] = (x[item] + sum(x[n] for n in near)) / (1 + len(near))
                x.update(_pack(rows[r], want, nodes))
    routes = {edge_id: tuple((x[p], int(p.rsplit("@", 1)[1])) for p in chain[1:-1])
              for edge_id, chain in chains.items()}
    return GraphLayout({n: x[n] for n in nodes}, dict(layer), routes)


def edge_path(edge: Edge, layout: GraphLayout) -> list[tuple[float, float]]:
    """The points an edge's line runs through, in pixels (y down): from the bottom of its origin's
    box, straight down through each row it skips (past its boxes), to the top of its target's box."""
    half = _BOX_H_PX / 2
    points = [(layout.x[edge.origin], layout.row[edge.origin] * _ROW_PX + half)]
    for x, row in layout.routes[edge.id]:
        # Straight down past the boxes of the row, with room to spare, before turning.
        points += [(x, row * _ROW_PX - half - _CLEAR_PX), (x, row * _ROW_PX + half + _CLEAR_PX)]
    points.append((layout.x[edge.target], layout.row[edge.target] * _ROW_PX - half))
    return points


def segment_hits_box(p: tuple[float, float], q: tuple[float, float],
                     centre: tuple[float, float], clearance: float = 0.0) -> bool:
    """Does the segment p→q pass through the box (grown by `clearance`) around `centre`?
    Liang–Barsky clipping; pixels."""
    (x0, y0), (x1, y1) = p, q
    cx, cy = centre
    left, right = cx - _BOX_W_PX / 2 - clearance, cx + _BOX_W_PX / 2 + clearance
    top, bottom = cy - _BOX_H_PX / 2 - clearance, cy + _BOX_H_PX / 2 + clearance
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for pk, qk in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if pk == 0:
            if qk < 0:
                return False
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def node_label(node: Node) -> str:
    """The node's short name on at most two lines ("ECS/EKS/<br>Fargate")."""
    return wrap(node.tag.replace("/", "/ "), _NODE_CHARS).replace("/ ", "/")


def window_span(window_id: str, timeline: Timeline) -> str:
    """'11:51 PM PDT, 19 Oct – 2:24 AM PDT, 20 Oct'."""
    window = timeline.window(window_id)
    return f"{timeline.event(window.start_event).pdt_label()} – {timeline.event(window.end_event).pdt_label()}"


def node_hover(node: Node, timeline: Timeline) -> str:
    lines = [f"<b>{node.label}</b>"]
    for window_id in node.windows:
        window = timeline.window(window_id)
        lines.append(wrap(f"{window.label}: {window_span(window_id, timeline)}", 48))
    if not node.windows:
        lines.append("no impact window stated in the summary")
    if node.note:
        lines.append(wrap(" ".join(node.note.split()), 48))
    return "<br>".join(lines)


def edge_hover(edge: Edge, graph: Graph, timeline: Timeline) -> str:
    origin, target = graph.node(edge.origin), graph.node(edge.target)
    lines = [f"<b>{wrap(f'{origin.tag} → {target.tag}', 44)}</b>", wrap(" ".join(edge.how.split()), 48)]
    if edge.window:
        lines.append(wrap(f"{timeline.window(edge.window).label}: {window_span(edge.window, timeline)}", 48))
    source = source_words(edge.source)
    lines.append(wrap(f"source: {source}" + (" (a link the summary implies, not explains)"
                                            if edge.basis == "inferred" else ""), 48))
    return "<br>".join(lines)


def dependency_graph(graph: Graph, timeline: Timeline) -> go.Figure:
    """Services as labelled boxes in rows, dependencies as arrows from the failing service down
    to the one it hurt (`graph_layout`: no line crosses a box). A box's colour is when its main
    impact window opened, an arrow's when the window it explains opened; grey means the summary
    gives no time. Hover a box for its windows, the diamond near an arrow's head for the
    mechanism and its source. A dashed, thin arrow with an outlined diamond marks a link the
    summary implies without explaining it.
    """
    layout = graph_layout(graph)
    n_rows = max(layout.row.values()) + 1
    canvas = _Canvas()
    edge_hours = [_hours(e.window, timeline) for e in graph.edges]
    heads = []
    for edge, hours in zip(graph.edges, edge_hours):
        points = edge_path(edge, layout)
        colour = _colour(hours)
        width = 2 if edge.basis == "stated" else 1.5
        if len(points) > 2:
            canvas.shapes.append(dict(
                type="path", xref="x", yref="y", layer="below",
                path="M " + " L ".join(f"{x:.1f},{y:.1f}" for x, y in points[:-1]),
                line=dict(color=colour, width=width, dash="solid" if edge.basis == "stated" else "dash"),
            ))
        (ax, ay), (x, y) = points[-2], points[-1]
        canvas.notes.append(dict(
            x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", text="",
            showarrow=True, arrowhead=2, arrowsize=1.1, arrowwidth=width, arrowcolor=colour,
            standoff=1, startstandoff=0,
        ))
        heads.append(((ax + x) / 2, (ay + y) / 2))
    timed = [k for k, h in enumerate(edge_hours) if h is not None]
    untimed = [k for k, h in enumerate(edge_hours) if h is None]
    for name, members, colour in (("dependency", timed, None), ("dependency without a time", untimed, NO_TIME)):
        marker = dict(size=10, symbol="diamond",
                      line=dict(width=[0 if graph.edges[k].basis == "stated" else 2 for k in members],
                                color="#7f7f7f"))
        if colour is None:
            marker.update(
                color=[edge_hours[k] for k in members], colorscale=COLORSCALE, cmin=0, cmax=HOURS_MAX,
                colorbar=dict(
                    title=dict(text="window opens (PDT)", side="top"),
                    orientation="h", x=0.5, xanchor="center", y=-0.01, yanchor="top",
                    thickness=10, len=0.9,
                    tickvals=[0.8, 3.42, 6.47, 8.0],
                    ticktext=["11:48 PM", "2:25 AM", "5:28 AM", "7 AM+"],
                ),
            )
        else:
            marker.update(color=colour)
        canvas.fig.add_trace(go.Scatter(
            name=name, x=[heads[k][0] for k in members], y=[heads[k][1] for k in members],
            mode="markers", marker=marker,
            hovertext=[edge_hover(graph.edges[k], graph, timeline) for k in members],
            hoverinfo="text", showlegend=False,
        ))
    for node in graph.nodes:
        main = node.windows[0] if node.windows else None
        fill = _colour(_hours(main, timeline))
        canvas.notes.append(dict(
            x=layout.x[node.id], y=layout.row[node.id] * _ROW_PX, xref="x", yref="y",
            showarrow=False, text=node_label(node), font=dict(size=11, color=text_colour_on(fill)),
            bgcolor=fill, bordercolor="#7f7f7f", borderwidth=1 if main else 2, borderpad=3,
            width=_BOX_W_PX - 8, height=_BOX_H_PX - 6,
            hovertext=node_hover(node, timeline),
        ))
    top, bottom = -_BOX_H_PX / 2 - 6, (n_rows - 1) * _ROW_PX + _BOX_H_PX / 2 + 6
    canvas.fig.update_layout(
        height=int(bottom - top) + 10 + 80,
        showlegend=False,
        hovermode="closest",
        margin=dict(l=4, r=4, t=10, b=80),
        xaxis=dict(visible=False, range=[-2, _PLOT_W_PX + 2], fixedrange=True),
        yaxis=dict(visible=False, range=[bottom, top], fixedrange=True),
    )
    return canvas.finish()
