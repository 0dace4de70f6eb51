"""Figures of the DNS caching model, drawn from its records.

Each function takes what the model returns (recovery curves, sweep points, amplification
points) and returns a `plotly.graph_objects.Figure` that follows the site's figure rules
(`outage.plotting`): clock times as "2:25 AM" on PDT axes, the legend above the plot, no
internal names in hover text. The DNS caching notebook draws them, and the chapters include
the same figures exported from it.

    recovery_chart(seed_curves, contrast)       clients recovered after 2:25 AM PDT, per seed
    ttl_sensitivity_chart(points)               when the last client is back, one TTL varied
    amplification_chart(points, references)     load on the authority during the outage (log)
    feature_chart(curves, labels)               recovery by resolver feature and answer mode
    what_if_chart(grid)                         recovery for every combination of four knobs, chosen
                                                in the page with buttons and a slider
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from outage.dns.amplification import REFERENCE_POINTS, AmplificationPoint, ReferencePoint
from outage.dns.recovery import TAIL_TOLERANCE_S, CurvePoint, SweepPoint, scenario_params
from outage.dns.resolution import OBSERVED_TAIL_S, AnswerMode
from outage.plotting import time_axis  # registers the site's template and renderer
from outage.site.renderer import COLORWAY

#: When all of DynamoDB's DNS information was restored (AWS summary, section DynamoDB): the
#: moment the model's time 0 stands for. PDT wall clock, naive, as on every time axis.
FIX_PDT = dt.datetime(2025, 10, 20, 2, 25)

#: The three TTLs of the sweep, in readers' words.
KNOB_LABELS: dict[str, str] = {
    "soa_ttl_s": "SOA TTL (negative TTL)",
    "client_negative_ttl_s": "client negative TTL",
    "record_ttl_s": "record (positive) TTL",
}

#: The client retry policies (outage.dns.resolution.RETRY_POLICIES), in readers' words.
RETRY_LABELS: dict[str, str] = {
    "fixed": "every 1 s, no backoff",
    "backoff": "exponential backoff",
    "backoff_jitter": "backoff, full jitter",
}

_RECOVERED_AXIS = dict(title=dict(text="clients recovered (%)"), range=[0, 1.05],
                       tickformat=".0%")


def _clock(t_s: float) -> str:
    """Seconds after the fix as a naive PDT ISO datetime (what a time axis takes)."""
    return (FIX_PDT + dt.timedelta(seconds=float(t_s))).isoformat()


_FIX_MS = (FIX_PDT - dt.datetime(1970, 1, 1)).total_seconds() * 1000.0


def clock_ms(t_s) -> np.ndarray:
    """Seconds after the fix as positions on a PDT time axis: Plotly reads a number on a date
    axis as milliseconds since 1970-01-01 on the axis's own (here PDT) clock. Curves use
    these rather than ISO strings, which would make each figure several times larger."""
    return _FIX_MS + np.asarray(t_s, dtype=float) * 1000.0


def _clock_axis() -> dict:
    return time_axis("time (PDT, 20 Oct)")


def _event_line(fig: go.Figure, t_s: float, text: str, *, top: bool, left: bool) -> None:
    """A dotted vertical line at `t_s` after the fix, with a short label inside the plot."""
    x = _clock(t_s)
    fig.add_shape(type="line", xref="x", x0=x, x1=x, yref="paper", y0=0, y1=1,
                  line=dict(dash="dot", width=1, color="#888888"))
    if not text:
        return
    fig.add_annotation(xref="x", x=x, yref="paper", y=0.98 if top else 0.02,
                       yanchor="top" if top else "bottom",
                       xanchor="right" if left else "left", xshift=-4 if left else 4,
                       text=text, showarrow=False)


def _event_lines(fig: go.Figure, *, label_fix: bool = True) -> None:
    """Lines at the fix (2:25 AM PDT) and at the end of DynamoDB's errors (2:40 AM PDT)."""
    _event_line(fig, 0.0, "records restored" if label_fix else "", top=True, left=False)
    _event_line(fig, OBSERVED_TAIL_S, "DynamoDB<br>errors end", top=False, left=True)


def _curve_trace(curve: Sequence[CurvePoint], **style) -> go.Scatter:
    return go.Scatter(x=clock_ms([p.t_s for p in curve]),
                      y=np.array([p.share_recovered for p in curve]), mode="lines", **style)


def _hover(label: str) -> str:
    return f"{label}<br>%{{y:.0%}} back by %{{x|%-I:%M:%S %p}} PDT<extra></extra>"


def recovery_chart(seed_curves: Sequence[Sequence[CurvePoint]],
                   contrast: Sequence[CurvePoint] | None = None) -> go.Figure:
    """Share of clients resolving the name again after 2:25 AM PDT: one thin line per seed
    (same colour, one legend entry: the spread is the point) and an optional dashed contrast
    (caches in lock-step). `seed_curves[i]` is the curve of seed i (`recovery_curve`)."""
    fig = go.Figure()
    n = len(seed_curves)
    for seed, curve in enumerate(seed_curves):
        fig.add_trace(_curve_trace(
            curve, name=f"default assumptions, {n} seeds" if n > 1 else "default assumptions",
            legendgroup="seeds", showlegend=seed == 0, line=dict(width=1.5, color=COLORWAY[0]),
            hovertemplate=_hover(f"default assumptions, seed {seed}")))
    if contrast is not None:
        fig.add_trace(_curve_trace(
            contrast, name="caches in lock-step (contrast)",
            line=dict(width=2, dash="dash", color=COLORWAY[1]),
            hovertemplate=_hover("caches in lock-step")))
    _event_lines(fig)
    fig.update_layout(xaxis=_clock_axis(), yaxis=_RECOVERED_AXIS, hovermode="closest")
    return fig


def _mean_last_s(points: Sequence[SweepPoint]) -> float | None:
    """Mean time until the last client is back over seeds; None if some run never got there."""
    values = [p.all_recovered_s for p in points]
    if not values or any(v is None for v in values):
        return None
    return float(np.mean(values))


def ttl_sensitivity_chart(points: Sequence[SweepPoint],
                          tolerance_s: float = TAIL_TOLERANCE_S) -> go.Figure:
    """When the last client is back (mean over seeds, minutes after the fix) as each TTL of
    the sweep changes alone (`ttl_sweep` points); a band marks the observed 15 minutes ±
    `tolerance_s`. Both axes in minutes, so a tail equal to the TTL lies on the diagonal."""
    fig = go.Figure()
    tail_min = OBSERVED_TAIL_S / 60.0
    band = tolerance_s / 60.0
    fig.add_shape(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=tail_min - band,
                  y1=tail_min + band, fillcolor="#888888", opacity=0.2, line_width=0,
                  layer="below")
    fig.add_annotation(xref="paper", x=1, xanchor="right", yref="y", y=tail_min + band,
                       yanchor="bottom", text=f"observed: {tail_min:.0f} min ± {band:.0f}",
                       showarrow=False)
    knobs = list(dict.fromkeys(p.knob for p in points))
    for knob in knobs:
        label = KNOB_LABELS.get(knob, knob)
        values = sorted({p.value for p in points if p.knob == knob})
        xs, ys, hover = [], [], []
        for value in values:
            runs = [p for p in points if p.knob == knob and p.value == value]
            last = _mean_last_s(runs)
            spread = [p.all_recovered_s for p in runs if p.all_recovered_s is not None]
            xs.append(value / 60.0)
            ys.append(None if last is None else last / 60.0)
            hover.append(f"{label} {value:g} s<br>last client back after "
                         + ("(not within the run)" if last is None else
                            f"{last:.0f} s (seeds: {min(spread):.0f}-{max(spread):.0f} s)"))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=label,
                                 hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(
        xaxis=dict(title=dict(text="TTL (minutes)"), rangemode="tozero"),
        yaxis=dict(title=dict(text="last client back (min after 2:25 AM PDT)"),
                   rangemode="tozero"),
        hovermode="closest")
    return fig


def _log_range(values: Sequence[float], pad: float = 0.25) -> list[float]:
    """A log axis range (log10 units, as Plotly takes it) holding every value with padding."""
    logs = [math.log10(v) for v in values if v > 0]
    return [min(logs) - pad, max(logs) + pad]


#: Room above the first group of bars for the reference lines' labels (in category bands).
_HEADER_BANDS = 0.35


def amplification_chart(points: Sequence[AmplificationPoint],
                        references: Sequence[ReferencePoint] = REFERENCE_POINTS) -> go.Figure:
    """Authoritative load during the outage over normal load, one horizontal bar per resolver
    set-up and client retry policy (`amplification_grid` points, log axis), with normal load
    and the published `references` as vertical lines (context, not targets).

    Each set-up's name is written above its group of bars rather than beside the axis, so the
    bars keep the figure's width on a phone. Reference lines are scatter traces on an overlaid
    axis running 0-1 down the plot, so they and their labels sit at the data value itself. On a
    log axis Plotly reads a shape's position as a data value but an annotation's as log10 of
    it: `add_hline(y=8, annotation_text=...)` draws the line at 8 and its label at 10^8, and
    the axis stretches to hold the label."""
    fig = go.Figure()
    setups = list(dict.fromkeys(p.setup for p in points))
    retries = list(dict.fromkeys(p.retry for p in points))
    for retry in retries:
        rows = {p.setup: p for p in points if p.retry == retry}
        shown = [s for s in setups if s in rows]
        label = RETRY_LABELS.get(retry, retry)
        fig.add_trace(go.Bar(
            y=shown, x=[rows[s].ratio for s in shown], orientation="h", name=label,
            hovertext=[f"{s}<br>clients retry {label}<br>{rows[s].ratio:.3g}× normal load"
                       for s in shown],
            hovertemplate="%{hovertext}<extra></extra>"))
    for index, setup in enumerate(setups):
        fig.add_annotation(xref="paper", x=0, xanchor="left", yref="y", y=index - 0.5,
                           yanchor="top", text=setup, showarrow=False, font=dict(size=12))
    lines = [(1.0, "normal", "normal load (the record present)")] + [
        (ref.ratio, f"{ref.ratio:g}×", f"{ref.label}: {ref.source}") for ref in references]
    for value, text, hover in lines:
        fig.add_trace(go.Scatter(
            x=[value, value], y=[0, 1], yaxis="y2", mode="lines+text", showlegend=False,
            name=text, line=dict(dash="dot" if value == 1.0 else "dash", width=1,
                                 color="#888888"),
            text=["", text], textposition="bottom left",
            hovertext=[hover, hover], hovertemplate="%{hovertext}<extra></extra>"))
    ratios = [p.ratio for p in points] + [value for value, _, _ in lines]
    fig.update_layout(
        barmode="group", bargap=0.5,
        xaxis=dict(type="log", range=_log_range(ratios), dtick=1,
                   title=dict(text="load (× normal, log scale)")),
        # Categories top to bottom in the order given, with a header band for the labels.
        yaxis=dict(type="category", categoryorder="array", categoryarray=setups,
                   range=[len(setups) - 0.5, -0.5 - _HEADER_BANDS], showticklabels=False,
                   ticks=""),
        yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True),
        hovermode="closest", height=540, margin=dict(l=16))
    return fig


def _feature(name: str) -> str:
    p = scenario_params(name)
    if p.last_known_good:
        return "last known good"
    if p.serve_stale:
        return "serve-stale"
    if p.failure_caching:
        return "failure caching"
    return "none"


_FEATURE_COLOURS = {"none": COLORWAY[0], "serve-stale": COLORWAY[1],
                    "last known good": COLORWAY[3], "failure caching": COLORWAY[4]}


def feature_chart(curves: Mapping[str, Sequence[CurvePoint]],
                  labels: Mapping[str, str] | None = None) -> go.Figure:
    """Share of clients recovered after 2:25 AM PDT for named scenarios (keys of
    `outage.dns.recovery.SCENARIOS`): colour by resolver feature, solid for the empty answer
    that happened, dashed for an authority that times out. Curves without a feature are drawn
    wide and pale, so a feature's curve lying exactly on them stays visible."""
    labels = labels or {}
    fig = go.Figure()
    for name, curve in curves.items():
        feature = _feature(name)
        timeout = scenario_params(name).answer is AnswerMode.TIMEOUT
        label = labels.get(name, name.replace("_", " "))
        plain = feature == "none"
        fig.add_trace(_curve_trace(
            curve, name=label, opacity=0.45 if plain else 1.0,
            line=dict(color=_FEATURE_COLOURS[feature], width=6 if plain else 2,
                      dash="dash" if timeout else "solid"),
            hovertemplate=_hover(label)))
    # Several curves run along 100 % from the start: the fix's line goes unlabelled (the
    # axis starts there), and the legend's rows get room of their own.
    _event_lines(fig, label_fix=False)
    fig.update_layout(xaxis=_clock_axis(), yaxis=_RECOVERED_AXIS, hovermode="closest",
                      height=500)
    return fig


# --- What-if chart: every combination of the grid's four knobs, switched by its controls ------
#
# Each knob moves one attribute of the traces that belong to a combination, so that the four
# controls combine in any order without knowing each other's state: a trace is drawn only when
# all four attributes are at home. Answer: `visible`. Negative TTL (the slider): `x0`, moved
# far before the axis range. Serve-stale: `yaxis`, moved to a hidden overlay axis whose range
# the data never reach. Failure caching: `xaxis`, likewise (a date axis set a century later,
# so parked text lies off to the left, like the x0-parked). The axes' ranges are fixed (no
# zoom), so a parked trace can never come into view.

#: Where a parked trace starts: far before the axis range. Every x0 is a date string: restyling
#: x0 makes plotly.js guess the axis type again from the data, and a number would turn the
#: clock axis into a linear one.
WHAT_IF_PARKED_X0 = "2000-01-01 00:00:00"
#: Figure height and top margin (the four controls, their labels and the legend sit in it).
WHAT_IF_HEIGHT_PX = 690
WHAT_IF_TOP_PX = 300
_WHAT_IF_BOTTOM_PX = 60
_WHAT_IF_ROW_PX = {"buttons": 58, "slider": 72}  # a control: label line, control, air
_WHAT_IF_BAND = 0.24  # share of the plot's height above 100 %, kept for the printed milestones
# Controls keep their own light fill and dark text in both colour schemes (figures.js re-colours
# the page's text, which would vanish on the fill). A chosen button is marked with a filled
# radio dot in its label as well as plotly.js's own (faint) active fill.
_MENU_FILL, _MENU_INK, _MENU_EDGE = "#e4e7eb", "#1a1a1a", "#8c8c8c"
_CHOSEN, _NOT_CHOSEN = "● ", "○ "
_WHAT_IF_COLOUR = COLORWAY[0]


def _clock_text(t_s: float) -> str:
    """Seconds after the fix as a PDT date string to the millisecond (what x0 takes here)."""
    moment = FIX_PDT + dt.timedelta(milliseconds=round(float(t_s) * 1000.0))
    return moment.isoformat(sep=" ", timespec="milliseconds")


def _what_if_readout(run, end_s: float) -> str:
    """The milestones of one run, as printed at the top of the plot (three lines, each fits a
    phone): when half and when the last client is back, how long the last one took, and the
    load on the authority during the outage."""
    from outage.dns.whatif import after, when

    if run.all_back_s == 0.0:
        back = "no client failing at 2:25 AM<br>(each one was served the old address)"
    elif run.all_back_s is None:
        back = f"half back {when(run.half_back_s)}<br>some not back by {when(end_s)}"
    else:
        back = (f"half back {when(run.half_back_s)} · all back {when(run.all_back_s)}"
                f"<br>the last one {after(run.all_back_s)} after the fix")
    return f"{back}<br>load on the authority: {run.load_ratio:.2g}× normal"


def _choice_text(spec, choice) -> str:
    """A combination in readers' words, for hover text."""
    answer, ttl, stale, failure = spec.labels(choice)
    return (f"{answer.split(' (')[0]} answer, negative TTL {ttl}, serve-stale {stale}, "
            f"failure caching {failure}")


def what_if_chart(grid) -> go.Figure:
    """Share of clients recovered after 2:25 AM PDT for every combination of `grid`'s four
    knobs (a `outage.dns.whatif.WhatIfGrid`): buttons for the authority's answer, serve-stale and
    failure caching, a slider for the negative TTL. The chosen combination's curve, its
    half-back and all-back markers and its printed milestones follow the controls; the grey
    curve stays as observed (the default assumptions) for comparison. Trace `meta` holds each
    trace's `kind` and `choice` (one index per knob); the grey curve and the legend's key have
    `reference`."""
    spec = grid.spec
    t_s = np.asarray(grid.t_s, float)
    end_s = float(t_s[-1])
    step_ms = float(t_s[1] - t_s[0]) * 1000.0
    home = _clock_text(t_s[0])
    top = 1.0 / (1.0 - _WHAT_IF_BAND)
    start_s = -60.0
    text_x = _clock_text(0.04 * (end_s - start_s))  # clear of the fix's dotted line

    fig = go.Figure()
    happened = grid.as_observed
    fig.add_trace(go.Scatter(
        x0=home, dx=step_ms, y=np.round(happened.share_recovered, 3).tolist(), mode="lines",
        name="as observed (defaults)", line=dict(width=1.5, color="#8c8c8c"),
        hovertemplate=_hover("as observed"), meta=dict(reference=True)))
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="lines+markers", name="your choice", hoverinfo="skip",
        line=dict(width=2.5, color=_WHAT_IF_COLOUR), marker=dict(size=8), meta=dict(reference=True)))

    homes = []  # each combination trace's own x0
    for run in grid.runs:
        label = _choice_text(spec, run.choice)
        meta = dict(choice=list(run.choice))
        fig.add_trace(go.Scatter(
            x0=home, dx=step_ms, y=np.round(run.share_recovered, 3).tolist(), mode="lines",
            name=label, showlegend=False, line=dict(width=2.5, color=_WHAT_IF_COLOUR),
            hovertemplate=_hover(label), meta=dict(meta, kind="curve")))
        homes.append(home)
        if run.all_back_s is not None:
            fig.add_trace(go.Scatter(
                x0=_clock_text(run.half_back_s), dx=round((run.all_back_s - run.half_back_s) * 1000.0),
                y=[run.half_share, 1.0],
                mode="markers", name=label, showlegend=False,
                marker=dict(size=9, color=_WHAT_IF_COLOUR, line=dict(width=1.5, color="#ffffff")),
                hovertext=["half back", "all back"],
                hovertemplate="%{hovertext} %{x|%-I:%M:%S %p} PDT<extra></extra>",
                meta=dict(meta, kind="milestones")))
            homes.append(_clock_text(run.half_back_s))
        fig.add_trace(go.Scatter(
            x0=text_x, dx=0, y=[top * (1 - _WHAT_IF_BAND / 2)], mode="text",
            text=[_what_if_readout(run, end_s)], textposition="middle right", hoverinfo="skip",
            showlegend=False, name=label, textfont=dict(size=12), meta=dict(meta, kind="readout")))
        homes.append(text_x)

    movable = [i for i, trace in enumerate(fig.data) if not trace.meta.get("reference")]
    metas = [fig.data[i].meta for i in movable]
    knob_attribute = ("visible", "x0", "yaxis", "xaxis")

    def values(k: int, v: int) -> list:
        """What knob `k` set to choice `v` gives each movable trace's attribute."""
        on = [m["choice"][k] == v for m in metas]
        if k == 0:
            return on
        if k == 1:
            return [h if o else WHAT_IF_PARKED_X0 for h, o in zip(homes, on)]
        if k == 2:
            return ["y" if o else "y2" for o in on]
        return ["x" if o else "x2" for o in on]

    for k, v in enumerate(spec.as_observed):
        for i, value in zip(movable, values(k, v)):
            fig.data[i][knob_attribute[k]] = value

    plot_px = WHAT_IF_HEIGHT_PX - WHAT_IF_TOP_PX - _WHAT_IF_BOTTOM_PX

    def above(px: float) -> float:
        """Paper y of a point `px` pixels above the plot area."""
        return 1 + px / plot_px

    # Top to bottom, in knob order: answer, negative TTL (the slider), serve-stale, failure
    # caching; each control starts below the one before it, by that one's height.
    menus, labels, sliders = [], [], []
    top_px = WHAT_IF_TOP_PX - 6
    for k, knob in enumerate(spec.knobs):
        if k:
            top_px -= _WHAT_IF_ROW_PX["slider" if k - 1 == 1 else "buttons"]
        labels.append(dict(
            text=f"<b>{knob.label}</b>", x=0, xref="paper", xanchor="left", y=above(top_px),
            yref="paper", yanchor="top", showarrow=False, font=dict(size=12), align="left"))
        if k == 1:
            sliders.append(dict(
                active=knob.as_observed, x=0, xanchor="left", len=1.0, y=above(top_px - 18),
                yanchor="top", pad=dict(t=0, b=0, l=0, r=0), currentvalue=dict(visible=False),
                font=dict(size=12), ticklen=4, minorticklen=0,
                steps=[dict(label=c.label, method="restyle", args=[{"x0": values(1, v)}, movable])
                       for v, c in enumerate(knob.choices)]))
            continue
        menu = len(menus)

        def marked(v: int, chosen: int, knob=knob) -> str:
            return (_CHOSEN if v == chosen else _NOT_CHOSEN) + knob.choices[v].label

        buttons = []
        for v, choice in enumerate(knob.choices):
            relabel = {f"updatemenus[{menu}].buttons[{j}].label": marked(j, v)
                       for j in range(len(knob.choices))}
            buttons.append(dict(label=marked(v, knob.as_observed), method="update",
                                args=[{knob_attribute[k]: values(k, v)}, relabel, movable]))
        menus.append(dict(
            type="buttons", direction="right", x=0, xanchor="left", y=above(top_px - 18),
            yanchor="top", active=knob.as_observed, showactive=True, pad=dict(l=0, r=0, t=0, b=0),
            font=dict(size=11, color=_MENU_INK), bgcolor=_MENU_FILL, bordercolor=_MENU_EDGE,
            buttons=buttons))

    _event_lines(fig, label_fix=False)
    fig.update_layout(
        updatemenus=menus, sliders=sliders, annotations=list(fig.layout.annotations) + labels,
        height=WHAT_IF_HEIGHT_PX, margin=dict(t=WHAT_IF_TOP_PX, b=_WHAT_IF_BOTTOM_PX),
        hovermode="closest", legend=dict(y=1.0, yanchor="bottom"),
        xaxis=_clock_axis() | dict(range=[_clock(start_s), _clock(end_s)], fixedrange=True),
        yaxis=_RECOVERED_AXIS | dict(range=[0, top], tickvals=[0, 0.25, 0.5, 0.75, 1],
                                     fixedrange=True),
        # Parked traces lie to the left of (before) this axis's range, never to the right,
        # where their text would widen the page.
        xaxis2=dict(overlaying="x", anchor="y", visible=False, type="date", fixedrange=True,
                    range=["2100-01-01 00:00:00", "2100-01-02 00:00:00"]),
        yaxis2=dict(overlaying="y", anchor="x", visible=False, range=[10, 11], fixedrange=True),
        modebar=dict(remove=["zoom", "pan", "select", "lasso", "zoomIn", "zoomOut", "autoScale",
                             "resetScale"]))
    return fig
