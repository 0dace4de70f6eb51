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
# # Impact windows
#
# The outage was not one event but a chain of overlapping impact windows.
# DynamoDB's DNS record was empty from 11:48 PM PDT on 19 October until 2:25 AM PDT on 20 October,
# yet EC2 launches kept failing until 10:36 AM, and some load balancers had extra connection errors until 9:36 AM.
# This notebook draws every window that AWS's post-event summary states, from the project's
# timeline data (`data/timeline.yaml`), so you can see how the trouble moved from service to service.
#
# Every bar comes from two events in the data, each with its source section; hover over a bar to see
# them. Windows marked *derived* join two times that the summary states separately.

# %%
from outage import incident_figures as figures
from outage.timeline import load_timeline

timeline = load_timeline()
print(f"{len(timeline.events)} events, {len(timeline.windows)} impact windows")

# %% [markdown]
# ## The windows
#
# Each service gets one colour and a heading; its windows follow, each labelled above its bar, and sub-windows are indented under the window they belong to.
# The three primary periods of the summary's opening have a grey outline:
# period 1 (DynamoDB API errors), period 2 (NLB connection errors) and period 3 (EC2 launch failures).
# The figure function is `outage.incident_figures.impact_windows`.

# %% tags=["figure:impact-windows"]
figures.impact_windows(timeline).show()

# %% [markdown]
# *Figure 1 — Every impact window the summary states, one bar each, in PDT.
# The dotted lines mark, from left to right: the trigger (11:48 PM, 19 October), DynamoDB's DNS restored (2:25 AM), DWFM throttled and restarted (4:14 AM), every droplet leased (5:28 AM), NLB failover switched off (9:36 AM), network propagation normal (10:36 AM) and the end of the event (2:20 PM).
# Hover over a bar for its clock times, its length and the summary sections that state its ends.*
#
# Redshift's impaired clusters run past the right edge, marked by an arrow: the last of them was restored at 4:05 AM PDT on 21 October.
#
# ## The same story in five bars
#
# The home page and the overview show a compact version: the trigger, the three primary periods in the order they began, and the whole event, each with its clock times.

# %% tags=["figure:impact-compact"]
figures.impact_compact(timeline).show()

# %% [markdown]
# *Figure 2 — The trigger (2 h 37 min) and the event it started (14 h 32 min), in PDT; the dotted line marks 2:25 AM, when DynamoDB's DNS was restored.*
#
# ## What this shows
#
# * The DNS trigger lasted 2 h 37 min, but the event lasted 14 h 32 min: most of the outage
#   happened *after* the DNS record was repaired.
# * The windows line up as a chain. DWFM starts re-leasing the fleet, and soon collapses, the minute DNS comes back (2:25 AM),
#   Network Manager starts on its backlog the minute the leases are back (5:28 AM), and NLB's
#   connection errors start two minutes later (5:30 AM).
# * A second wave reaches Lambda and Connect from 7:04 AM, and STS from 8:31 AM, through NLB health checks —
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

# %% [markdown]
# ## Exercises
#
# **1.** How much of the event came after DynamoDB's DNS was restored at 2:25 AM PDT, in hours and minutes and as a share of the whole event?

# %%
dns_restored = timeline.event("T21").utc
event = timeline.window("event")
after = event.end - dns_restored
hours, minutes = divmod(int(after.total_seconds() // 60), 60)
share = after / event.duration
print(f"{hours} h {minutes:02d} min after the fix, {share:.0%} of the event")
assert (hours, minutes) == (11, 55) and round(share * 100) == 82

# %% [markdown]
# **2.** Which impact windows had already closed before DNS was restored at 2:25 AM PDT, and which services do they belong to?

# %%
closed = [w for w in timeline.windows if w.end < dns_restored]
for window in closed:
    print(f"{window.service}: {window.label}")
assert {w.service for w in closed} == {
    "Amazon DynamoDB", "Amazon EC2", "AWS Lambda", "AWS STS", "Console sign-in", "Amazon Redshift"}
