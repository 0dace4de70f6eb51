"""Figures of the cascade notebook, drawn from the models' records.

Every function takes records (`DwfmRecord`, `CascadeResult` from `scenarios.run`, the
`PhaseDiagram` of `phase.sweep`) and returns a `plotly.graph_objects.Figure` that follows the
site's conventions (`outage.plotting`): no title (the notebook's caption says what to look at),
the legend above the plot, times on a PDT wall-clock axis, and AWS's reported times as dotted
lines labelled with their clock time (what happened at each is in the label's hover text).

Model time is seconds since the trigger, 11:48 PM PDT on 19 Oct (`outage.cascade.clock`); the
figures turn it into naive PDT datetimes, the form `plotting.time_axis` expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from outage import plotting
from outage.cascade import clock, phase
from outage.cascade.dwfm_params import DwfmParams
from outage.cascade.phase import PhaseDiagram
from outage.cascade.records import DwfmRecord
from outage.cascade.scenarios import CascadeResult
from outage.cascade.whatif import WhatIfGrid, WhatIfRun
from outage.site.renderer import COLORWAY

#: Axis title of every time axis here: the runs start at 11:48 PM on 19 Oct.
TIME_TITLE = "time (PDT, 19–20 Oct)"

#: A time AWS reports, drawn as a dotted line: (model seconds, what happened, in readers' words).
Mark = tuple[float, str]

DYNAMODB_BACK: Mark = (clock.DYNAMODB_DNS_RESTORED_S, "DynamoDB's DNS record restored")
THROTTLE_AND_RESTART: Mark = (clock.DWFM_THROTTLE_AND_RESTART_S, "DWFM work throttled and hosts restarted")
ALL_LEASES: Mark = (clock.ALL_LEASES_RESTORED_OBSERVED_S, "all leases re-established")
LATENCY_RISING: Mark = (clock.NETMGR_LATENCY_RISING_OBSERVED_S, "Network Manager propagation latency rising")
FAILOVER_OFF: Mark = (clock.NLB_FAILOVER_DISABLED_S, "NLB automatic failover disabled")
NETMGR_NORMAL: Mark = (clock.NETMGR_BACKLOG_CLEARED_OBSERVED_S, "Network Manager latency back to normal")

DWFM_MARKS: tuple[Mark, ...] = (DYNAMODB_BACK, THROTTLE_AND_RESTART, ALL_LEASES)
NETMGR_MARKS: tuple[Mark, ...] = (ALL_LEASES, LATENCY_RISING, FAILOVER_OFF, NETMGR_NORMAL)
REMEDIATION_MARKS: tuple[Mark, ...] = (DYNAMODB_BACK, THROTTLE_AND_RESTART, ALL_LEASES, FAILOVER_OFF)

#: Fills of the phase map's regions; the text on them takes `plotting.text_colour_on`.
REGION_COLOURS = {phase.HEALS: "#7fbf7f", phase.NEEDS_HELP: "#f2c46d", phase.OVERLOADED: "#d46a6a"}

_START = clock.TRIGGER.replace(tzinfo=None)
_BLUE, _ORANGE, _RED, _GREEN = COLORWAY[:4]


def moment(t_s: float) -> datetime:
    """Naive PDT datetime of model time `t_s` (seconds since 11:48 PM PDT, 19 Oct)."""
    return _START + timedelta(seconds=float(t_s))


def wall_clock(t_s: float | None) -> str:
    """Model time as the site writes times, to the nearest minute: '5:27 AM'; 'never' for None
    (a milestone the run does not reach)."""
    if t_s is None:
        return "never"
    return plotting.clock(moment(round(float(t_s) / 60.0) * 60.0))


def _iso(t_s: float) -> str:
    return moment(t_s).isoformat(sep=" ")


def _time_x(t_s: np.ndarray) -> dict:
    """x of a trace on a time axis: start and step for an even grid (what the records use,
    and far smaller than one datetime per sample), else every sample's datetime."""
    t = np.asarray(t_s, float)
    steps = np.diff(t)
    if len(t) > 1 and np.allclose(steps, steps[0]):
        return dict(x0=_iso(t[0]), dx=float(steps[0]) * 1000.0)  # dx in milliseconds on a date axis
    return dict(x=[_iso(v) for v in t])


def _line(t_s, y, name: str, colour: str, hover: str, dash: str = "solid", **extra) -> go.Scatter:
    return go.Scatter(
        **_time_x(t_s), y=y, name=name, mode="lines", line=dict(color=colour, dash=dash),
        hovertemplate=f"%{{x}}: {hover}<extra>{name}</extra>", **extra,
    )


def _time_axes(fig: go.Figure, rows: int, start_s: float | None = None, end_s: float | None = None) -> None:
    axis = plotting.time_axis(TIME_TITLE)
    if start_s is not None and end_s is not None:
        axis["range"] = [_iso(start_s), _iso(end_s)]
    title = axis.pop("title")
    fig.update_xaxes(**axis)
    fig.update_xaxes(title=title, row=rows, col=1)


_LABEL_PX = 54  # width of a label like "10:36 AM" at 11 px, with a little air
_PHONE_PLOT_PX = 270  # plot width at 358 px, the narrowest the site shows


def mark_labels(times_s: Sequence[float], start_s: float, end_s: float) -> list[tuple[int, str]]:
    """Where each mark's label goes: its row (0 the top one) and its side of the line
    ("left": the label starts at the line; "right": it ends there, for a mark too near the
    end of the axis). A label takes the highest row where it cannot touch another at phone
    width, where the axis's span fills about 270 px."""
    gap_s = _LABEL_PX / _PHONE_PLOT_PX * (end_s - start_s)
    taken: list[list[tuple[float, float]]] = []
    placed = []
    for t in times_s:
        anchor = "left" if t + gap_s <= end_s else "right"
        span = (t, t + gap_s) if anchor == "left" else (t - gap_s, t)
        level = next((k for k, spans in enumerate(taken)
                      if all(span[1] <= lo or span[0] >= hi for lo, hi in spans)), len(taken))
        if level == len(taken):
            taken.append([])
        taken[level].append(span)
        placed.append((level, anchor))
    return placed


def _add_marks(fig: go.Figure, marks: Sequence[Mark], rows: int, start_s: float, end_s: float) -> float:
    """Dotted lines at AWS's times in every row; in the top row's headroom each carries its
    clock time, staggered so that neighbouring labels do not collide on a phone. What
    happened then is in the label's hover text (and the caption). Returns the factor by which
    the top row's axis must reach beyond its data to leave room for the labels."""
    marks = sorted(m for m in marks if start_s <= m[0] <= end_s)
    placed = mark_labels([t for t, _ in marks], start_s, end_s)
    for (t_s, what), (level, anchor) in zip(marks, placed):
        when = plotting.clock(moment(t_s))
        for row in range(1, rows + 1):
            fig.add_vline(x=_iso(t_s), line=dict(dash="dot", width=1, color="#8c8c8c"), row=row, col=1)
        fig.add_annotation(
            x=_iso(t_s), xref="x", y=1, yref="y domain", yshift=-2 - 14 * level, text=when,
            hovertext=f"{when} PDT: {what} (AWS)", showarrow=False, xanchor=anchor, yanchor="top",
            xshift=2 if anchor == "left" else -2, font=dict(size=11),
        )
    levels = 1 + max((level for level, _ in placed), default=-1)
    height = fig.layout.height or 420
    row_px = (height - 170) / rows  # legend, axis titles and gaps take about 170 px on a phone
    return 1 / (1 - min(0.5, (6 + 14 * levels) / row_px)) if levels else 1.05


def _share_axis(fig: go.Figure, title: str, row: int, top: float = 1.05) -> None:
    """A 0-100 % axis reaching to `top` (the top row: headroom above 100 % for the labels)."""
    fig.update_yaxes(title_text=title, tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     range=[0, top], row=row, col=1)


def dwfm_chart(as_happened: DwfmRecord, no_intervention: DwfmRecord, attempt_timeout_s: float,
               marks: Sequence[Mark] = DWFM_MARKS) -> go.Figure:
    """Leases held, queue wait and goodput through the night, with the 4:14 AM action (solid)
    and without (dashed); the attempt timeout as a dotted line on the queue wait."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05)
    for record, name, dash in ((as_happened, "as happened", "solid"), (no_intervention, "no action", "dash")):
        colour = _BLUE if dash == "solid" else _ORANGE
        common = dict(dash=dash, legendgroup=name)
        fig.add_trace(_line(record.t_s, record.leased_fraction, name, colour, "%{y:.1%} of droplets leased",
                            **common), row=1, col=1)
        fig.add_trace(_line(record.t_s, record.queue_wait_s, name, colour, "queue wait %{y:.0f} s",
                            showlegend=False, **common), row=2, col=1)
        fig.add_trace(_line(record.t_s, record.goodput_per_s, name, colour, "%{y:.0f} attempts done in time per s",
                            showlegend=False, **common), row=3, col=1)
    fig.add_hline(y=attempt_timeout_s, line=dict(dash="dot", width=1.5, color="#8c8c8c"), row=2, col=1,
                  annotation=dict(text=f"timeout {attempt_timeout_s:.0f} s", font_size=11),
                  annotation_position="bottom right")
    fig.update_layout(height=720)
    fig.update_yaxes(title_text="queue wait (s)", rangemode="tozero", row=2, col=1)
    fig.update_yaxes(title_text="goodput (per s)", rangemode="tozero", row=3, col=1)
    _time_axes(fig, rows=3)
    headroom = _add_marks(fig, marks, rows=3, start_s=as_happened.t_s[0], end_s=as_happened.t_s[-1])
    _share_axis(fig, "leases held (%)", row=1, top=headroom)
    return fig


def halves_chart(both: DwfmRecord, restart_only: DwfmRecord, throttle_only: DwfmRecord, neither: DwfmRecord,
                 marks: Sequence[Mark] = DWFM_MARKS) -> go.Figure:
    """Share of droplets leased under each half of the 4:14 AM action, both and neither."""
    fig = make_subplots(rows=1, cols=1)
    runs = ((both, "restart and throttle (as happened)", _BLUE, "solid"),
            (restart_only, "restart only", _GREEN, "solid"),
            (throttle_only, "throttle only", _RED, "solid"),
            (neither, "neither", _ORANGE, "dash"))
    for record, name, colour, dash in runs:
        fig.add_trace(_line(record.t_s, record.leased_fraction, name, colour, "%{y:.1%} of droplets leased",
                            dash=dash))
    _time_axes(fig, rows=1)
    headroom = _add_marks(fig, marks, rows=1, start_s=both.t_s[0], end_s=both.t_s[-1])
    _share_axis(fig, "leases held (%)", row=1, top=headroom)
    return fig


def agreement_chart(fluid: DwfmRecord, discrete_event: Sequence[DwfmRecord],
                    marks: Sequence[Mark] = DWFM_MARKS) -> go.Figure:
    """The fluid model's share leased (thick) over the discrete-event replications (thin)."""
    fig = make_subplots(rows=1, cols=1)
    for i, record in enumerate(discrete_event):
        fig.add_trace(_line(record.t_s, record.leased_fraction, "discrete-event runs", _ORANGE,
                            f"%{{y:.1%}} leased (replication {i + 1})", showlegend=i == 0,
                            legendgroup="discrete-event", opacity=0.6))
        fig.data[-1].line.width = 1
    fig.add_trace(_line(fluid.t_s, fluid.leased_fraction, "fluid model", _BLUE, "%{y:.1%} leased"))
    fig.data[-1].line.width = 3
    _time_axes(fig, rows=1)
    headroom = _add_marks(fig, marks, rows=1, start_s=fluid.t_s[0], end_s=fluid.t_s[-1])
    _share_axis(fig, "leases held (%)", row=1, top=headroom)
    return fig


def netmgr_nlb_chart(as_happened: CascadeResult, no_relief: CascadeResult, failover_kept: CascadeResult,
                     marks: Sequence[Mark] = NETMGR_MARKS, start_s: float = clock.at("04:00")) -> go.Figure:
    """Network Manager's propagation latency (top) and one NLB's capacity in service (bottom,
    with its load dotted), from `start_s` (before it both are quiet) to the end of the runs."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    names = {id(as_happened): ("as happened", _BLUE, "solid"),
             id(no_relief): ("no Network Manager relief", _ORANGE, "dash"),
             id(failover_kept): ("failover kept", _RED, "dash")}
    shown = set()
    for result, row in ((as_happened, 1), (no_relief, 1), (as_happened, 2), (failover_kept, 2)):
        name, colour, dash = names[id(result)]
        if row == 1:
            nm = result.netmgr
            trace = _line(nm.t_s, nm.latency_s / 60, name, colour, "propagation latency %{y:.0f} min", dash=dash,
                          legendgroup=name, showlegend=name not in shown)
        else:
            lb = result.nlb
            trace = _line(lb.t_s, lb.capacity_fraction, name, colour, "%{y:.0%} of capacity in service", dash=dash,
                          legendgroup=name, showlegend=name not in shown)
        shown.add(name)
        fig.add_trace(trace, row=row, col=1)
    load = as_happened.nlb.load_fraction
    fig.add_hline(y=load, line=dict(dash="dot", width=1.5, color="#8c8c8c"), row=2, col=1,
                  annotation=dict(text=f"load {load:.0%}", font_size=11), annotation_position="bottom right")
    fig.update_layout(height=600)
    _share_axis(fig, "NLB capacity (%)", row=2)
    end_s = float(as_happened.nlb.t_s[-1])
    _time_axes(fig, rows=2, start_s=start_s, end_s=end_s)
    headroom = _add_marks(fig, marks, rows=2, start_s=start_s, end_s=end_s)
    peak_min = max(float(r.netmgr.latency_s.max()) for r in (as_happened, no_relief)) / 60
    fig.update_yaxes(title_text="latency (min)", range=[0, max(peak_min, 1.0) * headroom], row=1, col=1)
    return fig


def remediations_chart(as_happened: CascadeResult, queue_admission: CascadeResult,
                       failover_kept: CascadeResult, velocity_control: CascadeResult,
                       marks: Sequence[Mark] = REMEDIATION_MARKS) -> go.Figure:
    """Share leased as happened and with queue-based admission (top); NLB capacity with
    automatic failover kept, without and with the velocity control (bottom, load dotted)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    for result, name, colour, dash in ((as_happened, "as happened", _BLUE, "solid"),
                                       (queue_admission, "queue-based admission", _GREEN, "solid")):
        fig.add_trace(_line(result.dwfm.t_s, result.dwfm.leased_fraction, name, colour,
                            "%{y:.1%} of droplets leased", dash=dash), row=1, col=1)
    for result, name, colour, dash in ((failover_kept, "failover kept", _RED, "dash"),
                                       (velocity_control, "failover kept + velocity control", COLORWAY[4], "solid")):
        fig.add_trace(_line(result.nlb.t_s, result.nlb.capacity_fraction, name, colour,
                            "%{y:.0%} of capacity in service", dash=dash), row=2, col=1)
    load = as_happened.nlb.load_fraction
    fig.add_hline(y=load, line=dict(dash="dot", width=1.5, color="#8c8c8c"), row=2, col=1,
                  annotation=dict(text=f"load {load:.0%}", font_size=11), annotation_position="bottom right")
    fig.update_layout(height=600)
    _share_axis(fig, "NLB capacity (%)", row=2)
    _time_axes(fig, rows=2)
    headroom = _add_marks(fig, marks, rows=2, start_s=as_happened.dwfm.t_s[0], end_s=as_happened.dwfm.t_s[-1])
    _share_axis(fig, "leases held (%)", row=1, top=headroom)
    return fig


def _runs(row: np.ndarray) -> list[tuple[int, int, str]]:
    """Maximal stretches [start, end] of equal regions along one row of the phase grid."""
    runs, start = [], 0
    for j in range(1, len(row) + 1):
        if j == len(row) or row[j] != row[start]:
            runs.append((start, j - 1, str(row[start])))
            start = j
    return runs


def region_at(diagram: PhaseDiagram, outage_h: float, fleet_droplets: float) -> str:
    """The region of the grid cell nearest to (outage_h, fleet_droplets)."""
    j = int(np.argmin(np.abs(np.asarray(diagram.outage_hours, float) - outage_h)))
    i = int(np.argmin(np.abs(np.asarray(diagram.fleet_droplets, float) - fleet_droplets)))
    return str(diagram.region[i, j])


def _ink(diagram: PhaseDiagram, outage_h: float, fleet_k: float) -> str:
    """Text colour for a label drawn at (outage_h, fleet_k): the one that reads on that cell."""
    return plotting.text_colour_on(REGION_COLOURS[region_at(diagram, outage_h, fleet_k * 1000)])


def phase_map(diagram: PhaseDiagram, params: DwfmParams = DwfmParams(),
              incident_outage_s: float = clock.DYNAMODB_DNS_RESTORED_S) -> go.Figure:
    """Where DWFM heals by itself, needs help, or is overloaded, over outage length and fleet.

    Each row of the grid is drawn as horizontal bar segments, one per stretch of equal outcome
    (bars fill the plot at any width, where square markers leave gaps or overlap); each region
    is named on its longest stretch. Over it: the open-loop capacity estimate (dashed), the
    fleet beyond which even the healthy state collapses (dotted), and the incident (cross) at
    `params`' fleet size. Everything is labelled on the map itself, no legend; every text
    takes the colour that reads on the cell under it (`plotting.text_colour_on`), so it reads
    in light and dark mode alike.
    """
    hours = np.asarray(diagram.outage_hours, float)
    cell_h = float(hours[1] - hours[0]) if len(hours) > 1 else 0.25
    fleet_k = np.asarray(diagram.fleet_droplets, float) / 1000
    row_k = float(fleet_k[1] - fleet_k[0]) if len(fleet_k) > 1 else 10.0
    x_range = [hours[0] - cell_h / 2, hours[-1] + cell_h / 2]
    segments: dict[str, list[tuple[float, float, float, str]]] = {region: [] for region in REGION_COLOURS}
    for i, row in enumerate(diagram.region):
        per_host = int(diagram.droplets_per_host[i])
        for start, end, region in _runs(row):
            span = (f"{hours[start]:g} h" if start == end else f"{hours[start]:g}–{hours[end]:g} h")
            hover = f"{fleet_k[i] * 1000:,.0f} droplets ({per_host:,} per host), outage {span}: {region}"
            segments[region].append((fleet_k[i], hours[start] - cell_h / 2, hours[end] - hours[start] + cell_h, hover))
    fig = go.Figure()
    for region, colour in REGION_COLOURS.items():
        cells = segments[region]
        if not cells:
            continue
        # Named on its longest stretch; among equals, the one deepest inside the region (the
        # bottom row for "heals", the top one for "overloaded", the middle one otherwise).
        prefer = {phase.HEALS: lambda k: -k, phase.OVERLOADED: lambda k: k}.get(
            region, lambda k: -abs(k - (len(cells) - 1) / 2))
        longest = max(range(len(cells)), key=lambda k: (round(cells[k][2], 6), prefer(k)))
        fig.add_trace(go.Bar(
            orientation="h", y=[c[0] for c in cells], base=[c[1] for c in cells], x=[c[2] for c in cells],
            width=row_k, name=region, marker=dict(color=colour, line=dict(width=0)),
            text=[region if k == longest else "" for k in range(len(cells))], textposition="inside",
            insidetextanchor="middle", constraintext="none",
            textfont=dict(color=plotting.text_colour_on(colour), size=12),
            hovertext=[c[3] for c in cells], hovertemplate="%{hovertext}<extra></extra>",
        ))
    # The open-loop estimate, named beside its upper part (where it is finite and on the map).
    estimate = phase.capacity_boundary_hours(params, diagram.droplets_per_host)
    finite = np.flatnonzero(np.isfinite(estimate) & (estimate <= hours[-1]))
    dashed = plotting.text_colour_on(REGION_COLOURS[phase.NEEDS_HELP])
    fig.add_trace(go.Scatter(
        x=estimate, y=fleet_k, mode="lines", name="open-loop estimate", line=dict(dash="dash", color=dashed, width=2),
        hovertemplate="open-loop estimate: %{x:.2f} h at %{y:.0f} thousand droplets<extra></extra>",
    ))
    if len(finite):
        k = finite[int(len(finite) * 0.6)]
        x, y = float(estimate[k]) + 0.15, float(fleet_k[k])
        fig.add_trace(go.Scatter(
            x=[x], y=[y], mode="text", text=["open-loop estimate"], textposition="middle right",
            textfont=dict(color=_ink(diagram, x + 0.6, y), size=12), hoverinfo="skip", name="estimate label",
        ))
    edge_k = phase.overload_droplets_per_host(params) * diagram.hosts / 1000
    fig.add_trace(go.Scatter(
        x=x_range, y=[edge_k, edge_k], mode="lines", name="collapses with no outage",
        line=dict(dash="dot", color=plotting.text_colour_on(REGION_COLOURS[phase.OVERLOADED]), width=2),
        hovertemplate=(f"beyond {edge_k:,.0f} thousand droplets the fleet collapses even with no outage"
                       "<extra></extra>"),
    ))
    outage_h, incident_k = incident_outage_s / 3600, params.fleet_droplets / 1000
    ink = _ink(diagram, outage_h, incident_k)
    fig.add_trace(go.Scatter(
        x=[outage_h], y=[incident_k], mode="markers+text", name="the incident", text=["the incident"],
        textposition="middle right", textfont=dict(color=_ink(diagram, outage_h + 0.6, incident_k), size=12),
        marker=dict(symbol="x", size=13, color=ink, line=dict(color=plotting.text_colour_on(ink), width=1)),
        hovertemplate=(f"the incident: DynamoDB unreachable 11:48 PM–{wall_clock(incident_outage_s)} PDT "
                       f"({outage_h:.2f} h), {params.fleet_droplets:,} droplets<extra></extra>"),
    ))
    fig.update_layout(
        barmode="overlay", bargap=0, height=620, showlegend=False,
        xaxis=dict(title_text="DynamoDB outage (hours)", range=x_range),
        yaxis=dict(title_text="fleet (thousand droplets)", range=[fleet_k[0] - row_k / 2, fleet_k[-1] + row_k / 2]),
    )
    return fig


# --- What-if chart: every combination drawn once, four controls that combine ----------------
#
# Plotly's controls cannot read each other's state, so a control that set `visible` for "its
# value with the others' current values" would need to know them. Instead each knob owns one
# trace attribute that hides a trace on its own, and a trace shows only when all four let it:
#   DWFM action knob     -> `visible` (every trace but the grey ones belongs to one action)
#   queue admission knob -> `xaxis` of rows 1-3: home, or a hidden overlay x axis of the same
#                           row whose range (2100) no trace reaches
#   Network Manager knob -> `x0` of rows 2-3: home at the trigger, or parked years off the axis
#   NLB failover knob    -> `yaxis` of row 3: home, or a hidden overlay axis whose range the
#                           data never reach
# Each row has its own parked x axis, overlaying the row's own: a trace moved to another row's
# overlay would take the hover of its row's plot area. The axes' ranges are fixed (no zoom), so
# a parked trace can never come into view, and what is out of range takes no hover.

#: Where a parked trace starts: far before any axis range of the figure.
PARKED_X0 = "2000-01-01 00:00:00"
#: The hidden overlay axis of row 3 that a trace of a failover choice not shown is moved to.
PARKED_YAXIS = "y4"
#: Each row's x axis and the hidden overlay x axis a trace of a queue admission choice not
#: shown is moved to; its range is long after the runs (and `PARKED_X0`), so that what it
#: parks lies to the left of the figure, never sticking out on the right.
PARKED_XAXES = {"x": "x4", "x2": "x5", "x3": "x6"}
PARKED_XRANGE = ["2100-01-01 00:00:00", "2100-01-02 00:00:00"]
#: Figure height and top margin (the four controls and their labels sit in the margin).
WHAT_IF_HEIGHT_PX = 1000
WHAT_IF_TOP_PX = 296
_CONTROL_ROW_PX = 62  # label line plus dropdown, per control
_NOTE_LINE_PX = 15  # each line of a knob's note, between its label and its dropdown
_BAND = 0.22  # share of each row's height above its data, kept for the milestone line
# A control keeps its own light fill and dark text in both colour schemes (figures.js re-colours
# the page's text, which would vanish on the fill), and is opaque where its list opens.
_MENU_FILL, _MENU_INK = "#f4f4f4", "#1a1a1a"


def _what_if_milestones(run: WhatIfRun, end_s: float) -> tuple[str, str, str]:
    """The three milestone lines of one run, as printed in its rows (each fits a phone)."""
    m = run.milestones
    by = f"by {wall_clock(end_s)}"
    leases = (f"all leases back {wall_clock(m['all_leases_restored'])}" if m["all_leases_restored"] is not None
              else f"leases not all back {by}")
    if m["propagation_latency_elevated"] is None:
        latency = "latency never over 10 min"
    else:
        up = wall_clock(m["propagation_latency_elevated"])
        latency = (f"latency up {up}, not normal {by}" if m["network_backlog_cleared"] is None
                   else f"latency up {up}, normal {wall_clock(m['network_backlog_cleared'])}")
    if m["nlb_errors_start"] is None:
        errors = "no NLB connection errors"
    else:
        start = wall_clock(m["nlb_errors_start"])
        errors = (f"NLB errors from {start}, still {by}" if m["nlb_errors_end"] is None
                  else f"NLB errors {start}–{wall_clock(m['nlb_errors_end'])}")
    return leases, latency, errors


def what_if_chart(grid: WhatIfGrid, stride: int = 3) -> go.Figure:
    """Leases held (top), Network Manager's propagation latency (middle) and one NLB's
    connection errors (bottom) for every combination of `grid`'s four knobs, with one
    dropdown per knob (stacked, each under its label and note); the as-happened run stays in
    grey for comparison, and each row prints its milestone for the chosen combination, and a
    dotted vertical where the chosen action of the knob acting on it happens. Curves are drawn
    every `stride` samples of the grid's records. Trace `meta` holds each trace's `row` and
    `choice` (one entry per knob: its choice index, or None where the trace does not depend
    on that knob)."""
    spec = grid.spec
    n_knobs = len(spec.knobs)
    t_s = np.asarray(grid.t_s, float)[::stride]
    start, end = float(grid.t_s[0]), float(grid.t_s[-1])
    x = _time_x(t_s)
    home = x["x0"]
    latency_top = max(float(r.latency_s.max()) for r in grid.runs) / 60
    errors_top = max(0.05, max(float(r.error_fraction.max()) for r in grid.runs))
    tops = {1: 1.0 / (1 - _BAND), 2: latency_top / (1 - _BAND), 3: errors_top / (1 - _BAND)}

    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05)
    rows = {1: ("leased_fraction", 1.0, 3, _BLUE, "%{y:.1%} of droplets leased"),
            2: ("latency_s", 1 / 60, 1, _ORANGE, "propagation latency %{y:.0f} min"),
            3: ("error_fraction", 1.0, 3, _RED, "%{y:.1%} of connections fail")}
    # The knobs each row depends on: both DWFM knobs for the leases, Network Manager's cut too
    # for the latency, and NLB's failover too for the errors.
    row_knobs = {1: 2, 2: 3, 3: 4}

    def depends(row: int, choice: tuple[int, ...]) -> tuple[int | None, ...]:
        return tuple(v if k < row_knobs[row] else None for k, v in enumerate(choice))

    def curve(run, row: int, name: str, colour: str, **extra) -> go.Scatter:
        attribute, scale, digits, _, hover = rows[row]
        y = [round(float(v) * scale, digits) for v in getattr(run, attribute)[::stride]]
        return _line(t_s, y, name, colour, hover, showlegend=False, **extra)

    # As happened, in grey and always shown, so every choice reads against it.
    happened = grid.as_happened
    for row in (1, 2, 3):
        trace = curve(happened, row, "as happened", "#8c8c8c", meta=dict(row=row, reference=True))
        trace.line.width = 1.5
        fig.add_trace(trace, row=row, col=1)
    # One curve and one milestone line per row and combination the row depends on.
    seen = set()
    for run in grid.runs:
        lines = _what_if_milestones(run, end)
        labels = [k.choices[i].label for k, i in zip(spec.knobs, run.choice)]
        for row in (1, 2, 3):
            knobs = depends(row, run.choice)
            if (row, knobs) in seen:
                continue
            seen.add((row, knobs))
            name = " · ".join(label for label, k in zip(labels, knobs) if k is not None)
            meta = dict(row=row, choice=list(knobs))
            fig.add_trace(curve(run, row, name, rows[row][3], meta=meta), row=row, col=1)
            fig.add_trace(go.Scatter(
                x0=home, dx=0, y=[tops[row] * (1 - _BAND / 2)], mode="text", text=[lines[row - 1]],
                textposition="middle right", hoverinfo="skip", showlegend=False, name=name,
                textfont=dict(size=12), meta=dict(meta, milestone=True),
            ), row=row, col=1)

    # Where a knob acts at a time: a dotted vertical at its chosen time, in the row it acts on.
    # (Queue-size admission is a design, on from the start: it has no line.)
    acts = (
        (0, 1, lambda c: c.restart_at_s if c.restart_at_s is not None else c.throttle_from_s),
        (2, 2, lambda c: c.load_reduction_from_s),
        (3, 3, lambda c: c.failover_disabled_from_s),
    )
    for k, row, time_of in acts:
        knob = spec.knobs[k]
        for v, choice in enumerate(knob.choices):
            at_s = time_of(choice.controls)
            if at_s is None:
                continue
            knobs = [None] * n_knobs
            knobs[k] = v
            fig.add_trace(go.Scatter(
                x0=_iso(at_s), dx=0, y=[0, tops[row] * (1 - _BAND)], mode="lines", hoverinfo="skip",
                line=dict(dash="dot", width=1, color="#8c8c8c"), showlegend=False,
                name=f"{knob.label}: {choice.label}", meta=dict(row=row, choice=knobs, action=True),
            ), row=row, col=1)

    metas = [trace.meta for trace in fig.data]
    homes = [trace.x0 for trace in fig.data]
    home_x = [trace.xaxis or "x" for trace in fig.data]
    home_y = [trace.yaxis or "y" for trace in fig.data]

    def depends_on(i: int, k: int) -> bool:
        return not metas[i].get("reference") and metas[i]["choice"][k] is not None

    # What knob k's choice v gives each trace that depends on it, attribute by attribute.
    attribute = ("visible", "xaxis", "x0", "yaxis")
    parked = (lambda i: False, lambda i: PARKED_XAXES[home_x[i]], lambda i: PARKED_X0, lambda i: PARKED_YAXIS)
    at_home = (lambda i: True, lambda i: home_x[i], lambda i: homes[i], lambda i: home_y[i])
    moved = [[i for i in range(len(metas)) if depends_on(i, k)] for k in range(n_knobs)]

    def values(k: int, v: int) -> list:
        return [at_home[k](i) if metas[i]["choice"][k] == v else parked[k](i) for i in moved[k]]

    # The starting state: as happened.
    for k, v in enumerate(spec.as_happened):
        for i, value in zip(moved[k], values(k, v)):
            fig.data[i][attribute[k]] = value

    plot_px = WHAT_IF_HEIGHT_PX - WHAT_IF_TOP_PX - 60

    def above(px: float) -> float:
        return 1 + px / plot_px

    menus, labels = [], []
    top_px = WHAT_IF_TOP_PX - 8
    for k, knob in enumerate(spec.knobs):
        labels.append(dict(
            text=f"<b>{knob.label}</b>", x=0, xref="paper", xanchor="left", y=above(top_px), yref="paper",
            yanchor="top", showarrow=False, font=dict(size=12), align="left",
        ))
        note_px = 0
        if knob.note:
            note_px = _NOTE_LINE_PX * (knob.note.count("<br>") + 1)
            labels.append(dict(
                text=knob.note, x=0, xref="paper", xanchor="left", y=above(top_px - 17), yref="paper",
                yanchor="top", showarrow=False, font=dict(size=11), align="left",
            ))
        menus.append(dict(
            type="dropdown", direction="down", x=0, xanchor="left", y=above(top_px - 18 - note_px),
            yanchor="top", active=knob.as_happened, showactive=True, pad=dict(l=0, r=0, t=0, b=0),
            font=dict(size=12, color=_MENU_INK), bgcolor=_MENU_FILL, bordercolor="#8c8c8c",
            buttons=[dict(label=choice.label, method="restyle", args=[{attribute[k]: values(k, v)}, moved[k]])
                     for v, choice in enumerate(knob.choices)],
        ))
        top_px -= _CONTROL_ROW_PX + note_px
    # Menus drawn later sit on top: the first control's list must open over the others.
    fig.update_layout(updatemenus=menus[::-1], annotations=list(fig.layout.annotations) + labels,
                      height=WHAT_IF_HEIGHT_PX, margin=dict(t=WHAT_IF_TOP_PX), showlegend=False,
                      hovermode="closest",
                      modebar=dict(remove=["zoom", "pan", "select", "lasso", "zoomIn", "zoomOut",
                                           "autoScale", "resetScale"]))
    fig.update_layout(yaxis4=dict(overlaying="y3", anchor="x3", visible=False, range=[10, 11], fixedrange=True))
    _time_axes(fig, rows=3, start_s=start, end_s=end)
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    fig.update_yaxes(title_text="leases held (%)", tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     range=[0, tops[1]], row=1, col=1)
    fig.update_yaxes(title_text="latency (min)", range=[0, tops[2]], row=2, col=1)
    fig.update_yaxes(title_text="NLB errors (%)", tickformat=".0%", range=[0, tops[3]], row=3, col=1)
    # The queue admission knob's parked x axes, one per row, added last so that the time axes'
    # settings above leave them alone.
    for axis, hidden in PARKED_XAXES.items():
        row_y = "y" + axis[1:]
        fig.update_layout({"xaxis" + hidden[1:]: dict(
            overlaying=axis, anchor=row_y, visible=False, type="date", range=PARKED_XRANGE, fixedrange=True)})
    return fig


#: Readers' words for the milestones compared with AWS's times.
MILESTONE_WORDS = {
    "dynamodb_restored": "DynamoDB back",
    "all_leases_restored": "all leases back",
    "nlb_errors_start": "NLB errors start",
    "propagation_latency_elevated": "latency rising",
    "nlb_errors_end": "NLB errors stop",
    "network_backlog_cleared": "latency normal",
}

#: Colour and symbol of each kind of comparison (data/calibration.yaml).
KIND_STYLE = {
    "input": ("#8c8c8c", "square"),
    "fitted": (_ORANGE, "circle"),
    "predicted": (_BLUE, "diamond"),
}


def validation_chart(comparisons: Sequence, folds: Sequence = ()) -> go.Figure:
    """Model minus AWS, in minutes, for every milestone with an AWS time (`validation.
    comparisons`), one row each in AWS's order, coloured by kind: inputs and fitted times sit
    on zero by construction, predicted ones show the model's error. Each leave-one-out fold
    (`validation.leave_one_out`) adds an open marker on the row it predicts; a fold whose fit
    no parameter value can meet says so in words on that row instead. Each row is named above
    its markers, inside the plot, so that on a phone the plot keeps most of the width."""
    rows = [f"{MILESTONE_WORDS[c.milestone]}<br>{plotting.clock(moment(clock.at(c.aws_time)))}" for c in comparisons]
    row_of = {c.milestone: row for c, row in zip(comparisons, rows)}
    fig = go.Figure()
    for kind, (colour, symbol) in KIND_STYLE.items():
        chosen = [(c, row) for c, row in zip(comparisons, rows) if c.kind == kind and c.error_min is not None]
        fig.add_trace(go.Scatter(
            x=[round(c.error_min, 1) for c, _ in chosen], y=[row for _, row in chosen], mode="markers",
            name=kind, marker=dict(color=colour, symbol=symbol, size=12),
            hovertemplate=f"AWS %{{y}}: model %{{x:+.0f}} min ({kind})<extra></extra>",
        ))
    for fold in folds:
        if fold.error_min is None:
            fig.add_annotation(
                x=0, y=row_of[fold.predicted], text=f"from {plotting.clock(moment(fold.target_s))}: no fit",
                hovertext=f"fitted to {plotting.clock(moment(fold.target_s))} alone, no throttle level meets it, "
                          "so there is no prediction", showarrow=False,
                xanchor="right", xshift=-10, font=dict(size=11),
            )
    predicted = [f for f in folds if f.error_min is not None]
    fig.add_trace(go.Scatter(
        x=[round(f.error_min, 1) for f in predicted], y=[row_of[f.predicted] for f in predicted], mode="markers",
        name="left out, predicted", marker=dict(color=_BLUE, symbol="diamond-open", size=12, line=dict(width=2)),
        hovertemplate="AWS %{y}: model %{x:+.0f} min, fitted to the other time only<extra></extra>",
    ))
    fig.add_vline(x=0, line=dict(dash="dot", width=1, color="#8c8c8c"))
    fig.update_xaxes(title_text="model minus AWS's time (min)", zeroline=False)
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array",
                     categoryarray=rows, showticklabels=False)
    for row in rows:
        words, time = row.split("<br>")
        fig.add_annotation(xref="paper", x=0, y=row, text=f"{words}: AWS {time}", showarrow=False,
                           xanchor="left", yanchor="bottom", yshift=8, font=dict(size=11))
    fig.update_layout(height=420)
    return fig
