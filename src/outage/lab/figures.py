"""Figures of the live lab, drawn from its measurements (the JSON `python -m outage lab` prints).

Each function takes a lab result (committed in `data/lab/` or fresh from a run) and returns a
`plotly.graph_objects.Figure` that follows the site's figure rules (`outage.plotting`). Nothing
here starts a server: the lab notebook draws the committed measurements on every machine.

    race_chart(race)                     the regional endpoint's plan through the replay
    tail_chart(tail, predictions)        clients back after the fix: Unbound against the model
    load_chart(tail)                     queries sent and queries reaching named (log scale)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from outage.dns.recovery import RecoveryPrediction
from outage.plotting import text_colour_on, wrap  # registers the site's template and renderer
from outage.site.renderer import COLORWAY

#: The replays drawn by default, with their names in the legend.
RACE_VARIANTS: dict[str, str] = {
    "incident": "incident (unconditional write)",
    "conditional-write": "fix (conditional write)",
}


def race_chart(race: dict, variants: Mapping[str, str] = RACE_VARIANTS,
               endpoint: int = 0) -> go.Figure:
    """The plan generation `named` holds for one endpoint (default: the regional one) after
    each step of the replays in `variants` (variant name -> legend label), as steps; a cross
    where the endpoint answered NOERROR with no addresses through Unbound. Hover gives each
    step's action and the answer a client got."""
    by_name = {v["variant"]: v for v in race["variants"]}
    fig = go.Figure()
    empty_x, empty_y, empty_hover = [], [], []
    for index, (name, label) in enumerate(variants.items()):
        steps = by_name[name]["steps"]
        hover = [f"step {s['n']}: {s['action']}<br>named: {s['lab']}<br>"
                 f"through Unbound: {s['resolver'][endpoint]}" for s in steps]
        fig.add_trace(go.Scatter(
            x=[s["n"] for s in steps], y=[s["generations"][endpoint] for s in steps],
            mode="lines+markers", name=label,
            line=dict(dash="solid" if index == 0 else "dash", shape="hv",
                      color=COLORWAY[index], width=3 if index == 0 else 2),
            hovertext=hover, hovertemplate="%{hovertext}<extra>" + label + "</extra>"))
        for s, text in zip(steps, hover):
            if s["empty"][endpoint]:
                empty_x.append(s["n"])
                empty_y.append(s["generations"][endpoint])
                empty_hover.append(text)
    if empty_x:
        fig.add_trace(go.Scatter(
            x=empty_x, y=empty_y, mode="markers+text", name="empty answer through Unbound",
            marker=dict(symbol="x", size=14, color=COLORWAY[2]),
            text=["empty"] * len(empty_x), textposition="top center",
            hovertext=empty_hover, hovertemplate="%{hovertext}<extra></extra>"))
    generations = [s["generations"][endpoint] for name in variants
                   for s in by_name[name]["steps"]]
    fig.update_layout(
        xaxis=dict(title=dict(text="step of the model's shortest trace"), dtick=1),
        yaxis=dict(title=dict(text="plan at the endpoint (generation)"), dtick=1,
                   range=[min(generations) - 0.3, max(generations) + 0.6]),
        hovermode="closest")
    return fig


def tail_chart(tail: dict, predictions: Mapping[int, RecoveryPrediction]) -> go.Figure:
    """Share of clients resolving again after the fix, per negative TTL: the DNS model's curve
    (a line; `predictions` maps the lab negative TTL in s to `model_prediction`'s result, in
    real seconds) and each measured client behind its own Unbound (a marker), in lab seconds.
    One colour per TTL, labelled above where its curve reaches 100 %; the legend says which
    mark is the model and which the measurement."""
    scale = tail["scale"]
    fig = go.Figure()
    for index, row in enumerate(tail["settings"]):
        colour = COLORWAY[index % len(COLORWAY)]
        n_lab = row["neg_ttl_lab_s"]
        ttl = f"negative TTL {row['neg_ttl_real_s']} s"
        pred = predictions[n_lab]
        fig.add_trace(go.Scatter(
            x=[p.t_s / scale for p in pred.curve], y=[p.share_recovered for p in pred.curve],
            mode="lines", name=f"model, {ttl}", showlegend=False, legendgroup=str(n_lab),
            line=dict(color=colour, width=2),
            hovertemplate=f"model, {ttl}<br>%{{y:.0%}} back %{{x:.2f}} lab s after the fix"
                          "<extra></extra>"))
        clients = sorted(row["clients"], key=lambda c: c["recovered_s"])
        fig.add_trace(go.Scatter(
            x=[c["recovered_s"] for c in clients],
            y=[(i + 1) / len(clients) for i in range(len(clients))],
            mode="markers", name=f"Unbound, {ttl}", showlegend=False, legendgroup=str(n_lab),
            marker=dict(color=colour, size=9, line=dict(width=1, color="#ffffff")),
            hovertext=[f"Unbound cache {c['resolver'] + 1}, {ttl}<br>back "
                       f"{c['recovered_s']:.2f} lab s after the fix (Unbound's rule: "
                       f"{c['unbound_rule_s']:.2f} s)" for c in clients],
            hovertemplate="%{hovertext}<extra></extra>"))
        # In the page's text colour (coloured text would be too faint on the dark scheme):
        # the label sits right above the point where its curve reaches 100 %.
        fig.add_annotation(x=n_lab, y=1.0, yanchor="bottom", xanchor="center", yshift=4,
                           text=f"{row['neg_ttl_real_s']} s", showarrow=False)
    # Legend keys only (no data): which mark is which, whatever the colour.
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="DNS model",
                             line=dict(color="#888888", width=2), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Unbound (measured)",
                             marker=dict(color="#888888", size=9), hoverinfo="skip"))
    fig.update_layout(
        xaxis=dict(title=dict(text=f"lab s after the fix (× {scale:g} = real s)"),
                   rangemode="tozero"),
        yaxis=dict(title=dict(text="clients resolving again (%)"), range=[0, 1.12],
                   tickformat=".0%"),
        hovermode="closest")
    return fig


def _log_range(values: Sequence[float], low: float = 1.0, pad: float = 0.3) -> list[float]:
    """A log axis range in log10 units (as Plotly takes it), from `low` to above the values."""
    return [math.log10(low), math.log10(max(values)) + pad]


_LOAD_COLOURS = (COLORWAY[0], COLORWAY[1])


def load_chart(tail: dict) -> go.Figure:
    """Queries the clients sent and queries that reached `named` while the record was empty,
    with and without negative caching in Unbound (`tail["load"]`), as grouped bars on a log
    scale with the counts written on them."""
    load = tail["load"]
    groups = (("with negative caching", load["cached"]),
              ("without negative caching", load["uncached"]))
    categories = [wrap(g, 16) for g, _ in groups]
    fig = go.Figure()
    for colour, (key, label) in zip(_LOAD_COLOURS, (("client_queries", "queries clients sent"),
                                                   ("authoritative_queries",
                                                    "queries that reached named"))):
        counts = [d[key] for _, d in groups]
        fig.add_trace(go.Bar(
            x=categories, y=counts, name=label, marker=dict(color=colour),
            text=[f"{c:,}" for c in counts], textposition="inside", insidetextanchor="end",
            textfont=dict(color=text_colour_on(colour)),
            hovertext=[f"{g}: {c:,} {label} ({d['resolvers']} Unbound caches, "
                       f"{load['window_lab_s']:g} lab s)" for (g, d), c in zip(groups, counts)],
            hovertemplate="%{hovertext}<extra></extra>"))
    counts = [d[k] for _, d in groups for k in ("client_queries", "authoritative_queries")]
    fig.update_layout(
        barmode="group",
        xaxis=dict(title=dict(text=f"Unbound set-up ({load['cached']['resolvers']} caches each)")),
        yaxis=dict(type="log", range=_log_range(counts), dtick=1,
                   title=dict(text="queries (count, log scale)")),
        hovermode="closest")
    return fig
