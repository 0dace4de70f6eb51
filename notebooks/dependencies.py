# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The cascade as a dependency graph
#
# ## Overview
#
# The DNS record of DynamoDB's regional endpoint was empty for 2 h 37 min, yet the event lasted 14 h 32 min.
# The gap is a chain of dependencies: each service in it failed because something it relied on had failed, and some of them failed again after they had recovered.
# This notebook draws that chain from the project's dependency data (`data/dependencies.yaml`), in which every edge is a mechanism that AWS's post-event summary states, with its section and the timeline events that evidence it.
#
# You will see one graph: services as nodes, dependencies as arrows from the failing service to the one it hurt.
# Colour shows when the impact window began, from the trigger at 11:48 PM PDT on 19 October to the network phase that started at 5:28 AM PDT on 20 October.
# Hover over a node to see its windows, and over the middle of an arrow to see the mechanism and its source.

# %%
import datetime as dt

import plotly.colors as pc
import plotly.graph_objects as go

import outage.site.renderer  # noqa: F401  (figures as data plus site-ready HTML)
from outage.dependencies import load_dependencies
from outage.timeline import PDT, load_timeline

timeline = load_timeline()
graph = load_dependencies(timeline=timeline)
print(f"{len(graph.nodes)} nodes, {len(graph.edges)} edges "
      f"({sum(e.basis == 'inferred' for e in graph.edges)} inferred, the rest stated in the summary)")

# %% [markdown]
# ## The data
#
# An edge `A → B` says that B depended on A and that A's impairment hurt B.
# Its `window` is the impact window of B that the dependency explains; for example, DynamoDB → Lambda explains Lambda's first phase (11:51 PM to 2:24 AM PDT), and NLB → Lambda its second (7:04 to 11:27 AM PDT).
# The table lists every edge in the order of the data.

# %%
def clock(moment: dt.datetime) -> str:
    local = moment.astimezone(PDT)
    return f"{local:%I:%M %p}".lstrip("0") + f" PDT {local.day} Oct"


def span(window_id: str) -> str:
    window = timeline.window(window_id)
    return f"{clock(window.start)} – {clock(window.end)}"


for edge in graph.edges:
    when = span(edge.window) if edge.window else "no times given"
    print(f"{edge.origin:>16} → {edge.target:<10} [{edge.basis}] {when}")

# %% [markdown]
# ## Implementation
#
# Nodes sit in rows by their longest path from the DNS automation, so every arrow points down.
# A node that nothing in the graph feeds (the IAM API, the account-metadata subsystem) is placed one row above the first node it affects.
# Colour is the start of the node's main window (or the edge's window), in hours after 11:00 PM PDT on 19 October; grey means the summary gives no time.

# %%
ORIGIN = dt.datetime(2025, 10, 19, 23, 0, tzinfo=PDT)
COLORSCALE = [[0.0, "#4e79a7"], [0.35, "#59a14f"], [0.7, "#f28e2b"], [1.0, "#e15759"]]
NO_TIME = "#9a9a9a"
HOURS_MAX = 8.0  # 7:00 AM PDT: the last window to open (7:04 AM) is clipped to the end colour


def hours_after_origin(window_id: str | None) -> float | None:
    if window_id is None:
        return None
    return (timeline.window(window_id).start - ORIGIN).total_seconds() / 3600


def colour(hours: float | None) -> str:
    if hours is None:
        return NO_TIME
    return pc.sample_colorscale(COLORSCALE, [min(max(hours / HOURS_MAX, 0.0), 1.0)])[0]


layer = graph.layers()
for node in graph.nodes:
    if not graph.upstream(node.id) and node.id != "ddb-dns":
        layer[node.id] = min(layer[e.target] for e in graph.downstream(node.id)) - 1

# Rows top to bottom by layer; within a row, order nodes by the mean position of the nodes
# they depend on (barycentre), which keeps arrows short and crossings few.
rows: dict[int, list[str]] = {}
for node in graph.nodes:
    rows.setdefault(layer[node.id], []).append(node.id)
WIDTH = 4.0
position: dict[str, tuple[float, float]] = {}
for y in sorted(rows):
    ids = rows[y]
    if y > 0:
        def barycentre(node_id: str) -> float:
            xs = [position[e.origin][0] for e in graph.upstream(node_id) if e.origin in position]
            return sum(xs) / len(xs) if xs else WIDTH
        # "Others" goes last: its arrows come from four rows and would cross every node.
        ids = sorted(ids, key=lambda n: (n == "others", barycentre(n)))
    step = WIDTH / max(len(ids), 1)
    for k, node_id in enumerate(ids):
        # Odd rows shift right a little, so that an arrow skipping rows does not run through
        # the nodes it passes.
        position[node_id] = (-WIDTH / 2 + step * (k + 0.5) + 0.35 * (y % 2), -float(y))


def node_hover(node) -> str:
    lines = [f"<b>{node.label}</b>"]
    for window_id in node.windows:
        window = timeline.window(window_id)
        lines.append(f"{window.label}: {span(window_id)} ({window.source})")
    if not node.windows:
        lines.append("no impact window stated in the summary")
    if node.note:
        lines.append(node.note)
    return "<br>".join(lines)


def edge_hover(edge) -> str:
    origin, target = graph.node(edge.origin), graph.node(edge.target)
    lines = [f"<b>{origin.label} → {target.label}</b>", edge.how]
    if edge.window:
        lines.append(f"window: {timeline.window(edge.window).label}, {span(edge.window)}")
    lines.append(f"source: AWS summary, {edge.source}" + (" (inferred link)" if edge.basis == "inferred" else ""))
    if edge.events:
        lines.append("timeline events: " + ", ".join(edge.events))
    return "<br>".join(lines)


fig = go.Figure()
for edge in graph.edges:
    (x0, y0), (x1, y1) = position[edge.origin], position[edge.target]
    fig.add_annotation(
        x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
        showarrow=True, arrowhead=3, arrowsize=1.2, arrowwidth=2 if edge.basis == "stated" else 1,
        arrowcolor=colour(hours_after_origin(edge.window)), standoff=12, startstandoff=12, text="",
    )
fig.add_trace(
    go.Scatter(
        x=[(position[e.origin][0] + position[e.target][0]) / 2 for e in graph.edges],
        y=[(position[e.origin][1] + position[e.target][1]) / 2 for e in graph.edges],
        mode="markers",
        marker=dict(size=9, symbol="diamond", color=[colour(hours_after_origin(e.window)) for e in graph.edges],
                    line=dict(width=[0 if e.basis == "stated" else 2 for e in graph.edges], color=NO_TIME)),
        hovertext=[edge_hover(e) for e in graph.edges],
        hoverinfo="text",
        name="dependency (hover for the mechanism)",
    )
)
main_window = {n.id: (n.windows[0] if n.windows else None) for n in graph.nodes}
timed = [n for n in graph.nodes if main_window[n.id]]
untimed = [n for n in graph.nodes if not main_window[n.id]]
fig.add_trace(
    go.Scatter(
        x=[position[n.id][0] for n in timed],
        y=[position[n.id][1] for n in timed],
        mode="markers+text",
        text=[n.tag for n in timed],
        textposition="middle right",
        marker=dict(
            size=20,
            color=[hours_after_origin(main_window[n.id]) for n in timed],
            colorscale=COLORSCALE, cmin=0, cmax=HOURS_MAX,
            colorbar=dict(
                title=dict(text="window opens (PDT)", side="top"),
                orientation="h", x=0.5, y=-0.04, yanchor="top", thickness=10, len=0.7,
                tickvals=[0.8, 3.42, 6.47, 8.0],
                ticktext=["11:48 PM", "2:25 AM", "5:28 AM", "7:00 AM+"],
            ),
        ),
        hovertext=[node_hover(n) for n in timed],
        hoverinfo="text",
        name="service with an impact window",
    )
)
fig.add_trace(
    go.Scatter(
        x=[position[n.id][0] for n in untimed],
        y=[position[n.id][1] for n in untimed],
        mode="markers+text",
        text=[n.tag for n in untimed],
        textposition="middle right",
        marker=dict(size=20, color=NO_TIME, symbol="circle-open", line=dict(width=3)),
        hovertext=[node_hover(n) for n in untimed],
        hoverinfo="text",
        name="no times in the summary",
    )
)
fig.update_layout(
    title="Who hurt whom, coloured by when each impact window opened",
    height=780,
    showlegend=True,
    legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
    xaxis=dict(visible=False, range=[-WIDTH / 2 - 0.1, WIDTH / 2 + 0.6]),
    yaxis=dict(visible=False, range=[-max(rows) - 0.4, 0.4]),
    margin=dict(l=10, r=10, t=100, b=90),
)

# %% tags=["figure:dependency-graph"]
fig.show()

# %% [markdown]
# Arrows run from the failing service to the one it hurt; thin arrows and outlined diamonds mark the one link the summary implies without explaining (EC2 → ECS/EKS/Fargate).
# Grey nodes are parts the summary names without giving them times.
#
# ## What this shows
#
# * Two paths leave DynamoDB: a short one to services that only needed DynamoDB (sign-in, STS's first window, Connect's first wave, Redshift queries), which recovered with DNS, and a long one through DWFM and Network Manager.
# * The long path reaches NLB at 5:30 AM PDT, and through NLB it hits Lambda, STS and Connect a second time, hours after their DynamoDB phase had ended.
# * The deepest node, Amazon Connect, is hurt through three neighbours (DynamoDB, NLB and Lambda), which add up to six distinct paths from the DNS automation.
#
# The next cell counts the paths that lead from the DNS automation to each service.

# %%
def paths_from(origin: str) -> dict[str, int]:
    counts = {n.id: 0 for n in graph.nodes}
    counts[origin] = 1
    for node_id in sorted(counts, key=lambda n: layer[n]):  # parents before children
        for edge in graph.downstream(node_id):
            counts[edge.target] += counts[node_id]
    return counts


for node_id, count in paths_from("ddb-dns").items():
    if count and node_id != "ddb-dns":
        print(f"{graph.node(node_id).label}: {count} path(s) from the DNS automation")

# %% [markdown]
# ## Exercises
#
# 1. How many distinct dependency paths lead from the DynamoDB DNS automation to Amazon Connect?
#
# The answer is computed from the data and checked.

# %%
answer = paths_from("ddb-dns")["connect"]
assert answer == 6, answer
print(f"{answer} paths lead from the DNS automation to Amazon Connect")

# %% [markdown]
# 2. Which services had an impact window that opened only after DynamoDB's DNS had been restored at 2:25 AM PDT, and were hurt only through EC2's lease and network phases?

# %%
restored = timeline.event("T21").utc
late = sorted(
    n.label for n in graph.nodes
    if n.windows and timeline.window(n.windows[0]).start >= restored
)
assert late == ["Network Load Balancer", "Network Manager"], late
print(", ".join(late))
