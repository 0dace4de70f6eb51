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
