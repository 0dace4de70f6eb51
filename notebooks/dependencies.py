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
# This notebook draws that chain from the project's dependency data (`data/dependencies.yaml`), in which every edge but one is a mechanism that AWS's post-event summary states, with its section and the timeline events that evidence it; the one the project inferred is marked.
#
# You will see one graph: services as nodes, dependencies as arrows from the failing service to the one it hurt.
# Colour shows when the impact window began, from the trigger at 11:48 PM PDT on 19 October to Network Manager's phase that started at 5:28 AM PDT on 20 October.
# Hover over a box to see its windows, and over the diamond near the head of an arrow to see the mechanism and its source.

# %%
from outage import incident_figures as figures
from outage.dependencies import load_dependencies
from outage.timeline import load_timeline

timeline = load_timeline()
graph = load_dependencies(timeline=timeline)
print(f"{len(graph.nodes)} nodes, {len(graph.edges)} edges "
      f"({sum(e.basis == 'inferred' for e in graph.edges)} inferred, the rest stated in the summary)")

# %% [markdown]
# ## The data
#
# An edge `A → B` says that B depended on A and that A's impairment hurt B.
# Its `window` is the impact window of B that the dependency explains; for example, DynamoDB → Lambda explains Lambda's first phase (11:51 PM to 2:24 AM PDT), and NLB → Lambda its second (7:04 AM to 11:27 AM PDT).
# The table lists every edge in the order of the data.

# %%
for edge in graph.edges:
    when = figures.window_span(edge.window, timeline) if edge.window else "no times given"
    print(f"{edge.origin:>16} → {edge.target:<10} [{edge.basis}] {when}")

# %% [markdown]
# ## Implementation
#
# Nodes sit in rows by their longest path from the DNS automation, so every arrow points down.
# A node that nothing in the graph feeds (the IAM API, the account-metadata subsystem) is placed one row above the first node it affects.
# An arrow that skips rows runs straight down through a gap of its own in each row it passes (arrows from the same service share it), so no arrow crosses a box; rows are ordered to keep crossings few.
# Colour is the start of the node's main window (or the edge's window), in hours after 11:00 PM PDT on 19 October; grey means the summary gives no time.
# The figure function is `outage.incident_figures.dependency_graph`; `graph_layers` gives the rows.

# %% tags=["figure:dependency-graph"]
figures.dependency_graph(graph, timeline).show()

# %% [markdown]
# *Figure 1 — Who hurt whom: each arrow runs from the failing service to the one it hurt, coloured by when the window it explains opened (PDT).
# Hover over a box for its impact windows, over the diamond near an arrow's head for the mechanism and its source section.*
#
# A thin dashed arrow and an outlined diamond mark the one link the summary implies without explaining (EC2 → ECS/EKS/Fargate).
# Grey boxes are parts the summary names without giving them times.
#
# ## What this shows
#
# * Two paths leave DynamoDB: a short one to services that only needed DynamoDB (sign-in, STS's first window, Connect's first wave, Redshift queries), which recovered once DynamoDB was reachable again (Connect's chats last, at 5:00 AM PDT), and a long one through DWFM and Network Manager.
# * The long path reaches NLB at 5:30 AM PDT, and through NLB it hits Lambda, STS and Connect a second time, hours after their DynamoDB phase had ended.
# * The deepest node, Amazon Connect, is hurt through three neighbours (DynamoDB, NLB and Lambda), which add up to six distinct paths from the DNS automation.
#
# The next cell counts the paths that lead from the DNS automation to each service.

# %%
layer = figures.graph_layers(graph)


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
