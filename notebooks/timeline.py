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
# # Impact windows, hour by hour
#
# The outage was not one event but a chain of overlapping impact windows.
# DynamoDB's DNS record was empty from 11:48 PM PDT on 19 October until 2:25 AM PDT on 20 October,
# yet EC2 launches kept failing until 10:36 AM, and load balancers dropped connections until 9:36 AM.
# This notebook draws every window that AWS's post-event summary states, from the project's
# timeline data (`data/timeline.yaml`), so you can see how the trouble moved from service to service.
#
# Every bar comes from two events in the data, each with its source section; hover over a bar to see
# them. Windows marked *derived* join two times that the summary states separately.

# %%
import datetime as dt

import plotly.graph_objects as go

import outage.site.renderer  # noqa: F401  (figures as data plus site-ready HTML)
from outage.timeline import PDT, load_timeline

timeline = load_timeline()
print(f"{len(timeline.events)} events, {len(timeline.windows)} impact windows")

# %% [markdown]
# ## The windows
#
# Each service gets one colour; its sub-windows sit under it, indented.
# The three primary periods of the summary's opening are drawn with a heavy outline:
# period 1 (DynamoDB API errors), period 2 (NLB connection errors) and period 3 (EC2 launch failures).

# %%
def pdt(moment: dt.datetime) -> dt.datetime:
    """A UTC moment as naive PDT wall-clock time, the axis the figure uses."""
    return moment.astimezone(PDT).replace(tzinfo=None)


def depth(window) -> int:
    """How far a window sits below its service's top-level window."""
    level = 0
    while window.parent not in (None, "event"):
        window = timeline.window(window.parent)
        level += 1
    return level


def clock(moment: dt.datetime) -> str:
    local = pdt(moment)
    return f"{local:%I:%M %p}".lstrip("0") + f" PDT {local.day} Oct ({moment:%H:%M} UTC)"


def hover(window) -> str:
    start, end = timeline.event(window.start_event), timeline.event(window.end_event)
    hours, minutes = divmod(int(window.duration.total_seconds() // 60), 60)
    lines = [
        f"<b>{window.label}</b>",
        f"{clock(window.start)} → {clock(window.end)}",
        f"{hours} h {minutes:02d} min" + (" (derived from two stated times)" if window.derived else ""),
        f"start: {start.id}, {start.source}",
        f"end: {end.id}, {end.source}",
    ]
    return "<br>".join(lines)


def row_label(window, width: int = 44) -> str:
    """The bar's row name: short enough to leave room for the bars; hover shows it in full."""
    text = window.label if len(window.label) <= width else window.label[: width - 1] + "…"
    return "· " * depth(window) + text


services = list(dict.fromkeys(w.service for w in timeline.windows))
rows = [row_label(w) for w in timeline.windows]

fig = go.Figure()
for index, service in enumerate(services):
    windows = [w for w in timeline.windows if w.service == service]
    fig.add_trace(
        go.Bar(
            name=service,
            orientation="h",
            y=[rows[timeline.windows.index(w)] for w in windows],
            base=[pdt(w.start).isoformat() for w in windows],
            x=[w.duration.total_seconds() * 1000 for w in windows],
            marker=dict(
                line=dict(width=[3 if w.period else 0 for w in windows], color="#7f7f7f"),
                opacity=[1.0 if depth(w) == 0 or w.period else 0.75 for w in windows],
            ),
            hovertext=[hover(w) for w in windows],
            hoverinfo="text",
        )
    )

fig.update_layout(
    title=dict(text="Impact windows of the us-east-1 outage, 19–20 October 2025 (PDT, UTC−7)", y=0.995),
    barmode="overlay",
    height=1180,
    margin=dict(t=170, l=20, b=40),
    legend=dict(orientation="h", y=-0.04, yanchor="top"),
    xaxis=dict(
        type="date",
        range=["2025-10-19T23:15:00", "2025-10-20T15:00:00"],
        tickformat="%-I %p",
    ),
    yaxis=dict(
        autorange="reversed", categoryorder="array", categoryarray=rows,
        tickfont=dict(size=11), dtick=1,
    ),
)

MILESTONES = {
    "T05": "Trigger: record empty",
    "T21": "DNS restored",
    "T28": "DWFM throttle + restarts",
    "T31": "All leases held",
    "T41": "NLB failover off",
    "T43": "Network state normal",
    "T52": "Event ends",
}
for number, (event_id, text) in enumerate(MILESTONES.items()):
    moment = pdt(timeline.event(event_id).utc).isoformat()
    fig.add_vline(x=moment, line=dict(width=1, dash="dot", color="#888"))
    # Alternate heights so that neighbouring labels (4:14 and 5:28 AM) do not overlap.
    fig.add_annotation(
        x=moment, y=1.0 + 0.035 * (number % 2), yref="paper", text=text, showarrow=False,
        textangle=-30, xanchor="left", yanchor="bottom", font=dict(size=11),
    )

# %% tags=["figure:impact-windows"]
fig.show()

# %% [markdown]
# Redshift's impaired clusters run off the right edge: the last of them was restored at 4:05 AM PDT
# on 21 October. Zoom out (double-click the plot) to see the whole bar.
#
# ## What this shows
#
# * The DNS trigger lasted 2 h 37 min, but the event lasted 14 h 32 min: most of the outage
#   happened *after* the DNS record was repaired.
# * The windows line up as a chain. EC2's lease collapse starts the minute DNS comes back (2:25 AM),
#   Network Manager's backlog starts the minute the leases are back (5:28 AM), and NLB's
#   connection errors start two minutes later (5:30 AM).
# * A second wave reaches Lambda, STS and Connect from 7:04 AM through NLB health checks —
#   services that had already recovered from the DynamoDB phase.
#
# The numbers behind this chain are computed below from the same data.

# %%
def span(window_id: str) -> str:
    window = timeline.window(window_id)
    hours, minutes = divmod(int(window.duration.total_seconds() // 60), 60)
    return f"{window.label}: {hours} h {minutes:02d} min"


for window_id in ("event", "ddb-dns-empty", "p1-ddb", "dwfm-releasing", "p3-launch", "p2-nlb"):
    print(span(window_id))
