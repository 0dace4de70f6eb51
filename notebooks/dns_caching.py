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
# # DNS caching and the recovery tail
#
# ## Overview
#
# AWS restored all of DynamoDB's DNS information at 2:25 AM PDT on 20 October, yet clients reconnected only "as cached DNS records expired", until 2:40 AM PDT (AWS summary, section *DynamoDB*).
# The DAT453 talk adds two facts: during the outage lookups returned NOERROR with no records (not NXDOMAIN, not SERVFAIL), and those negative answers stayed cached longer than positive ones.
#
# This notebook asks where the 15 minutes come from.
# It builds a small population of clients behind recursive resolvers, applies the standard cache rules, replays the outage, and watches clients come back after the fix.
# No TTL involved is public, so every one is a named assumption, and the tail must come out of the rules rather than be put in.
#
# You will see: the share of clients resolving the name again after 2:25 AM PDT; which TTLs give a 15-minute tail; how much load reaches the authoritative servers during a DNS outage and what multiplies it; and which resolver features would have helped.

# %% [markdown]
# ## The model
#
# Four layers sit between an application and the record:
#
# | Layer | State | Rule | Source |
# |---|---|---|---|
# | Authoritative (Route 53) | the record | address before 11:48 PM PDT and from 2:25 AM PDT; in between an empty NOERROR answer (`empty`), or no answer (`timeout`, a counterfactual) | summary, DAT453 |
# | Recursive resolver | one cache entry per name | positive TTL from the record; negative TTL $= \min(\text{SOA TTL}, \text{SOA MINIMUM})$, capped by the resolver (RFC 2308); optional serve-stale (RFC 8767), last known good, failure caching (RFC 9520) | RFCs |
# | Client cache (JVM-like) | one entry | fixed TTLs: `networkaddress.cache.ttl` = 30 s, `.negative.ttl` = 10 s, whatever DNS says | JDK defaults |
# | Application | failures in a row $k$ | next lookup after $d_k = \min(\text{cap}, \text{base}\cdot 2^{k-1})$, drawn from $[0, d_k]$ with jitter | assumption |
#
# A cache that honours DNS TTLs passes on what is *left* of its entry, so such layers never add up; a layer with fixed TTLs (the JVM) adds its own.
# A client recovers at its first lookup after both its own negative entry and its resolver's have expired, so recovery time $\le$ resolver negative TTL + client negative TTL + one retry delay (the "TTL chain"; a test checks it).
#
# The population: $N$ clients share $R$ resolver caches; half the clients have a JVM-like cache and half none.
# Resolver entries at the start of the run have ages spread evenly over their TTL (the *entry-age assumption*): many independent caches, refreshed at moments unrelated to the fix.
# Before the run starts, each resolver's cache is replayed through the whole 2 h 37 min outage by the same rules, so back-off, stale data and last-known-good state come from the rules.
# Every value is listed in the assumptions table at the end, from the same file the methodology page shows.

# %% [markdown]
# ## Implementation
#
# `outage.dns.population.simulate(params, seed)` runs a heap-ordered event loop of client lookups from 10 minutes before the fix and returns one record per client plus the times of queries that reached the authority.

# %%
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go

import outage.site.renderer  # noqa: F401  (figures as data plus site-ready HTML)
from outage.dns.amplification import REFERENCE_POINTS, amplification_grid
from outage.dns.assumptions import load_assumptions
from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import (TTL_SWEEP, recovery_curve, scenario_params, summarize,
                                 ttl_sweep)
from outage.dns.resolution import OBSERVED_TAIL_S, OUTAGE_S

defaults = Params()
run = simulate(defaults, seed=0)
s = summarize(run)
print(f"resolver negative TTL {defaults.resolver_negative_ttl_s:.0f} s; "
      f"p50 {s.p50_recovery_s:.0f} s, p99 {s.p99_recovery_s:.0f} s, all {s.all_recovered_s:.0f} s "
      f"(bound {recovery_bound_s(defaults):.0f} s); authority load {s.authoritative_qps_ratio:.3f}x normal")

# %% [markdown]
# ## Experiment 1: the recovery curve after 2:25 AM PDT
#
# The knob is the seed: five runs with seeds 0 to 4 under the default assumptions, plus the contrast in which every resolver refetched the empty answer in lock-step since 11:48 PM PDT.
# Expect a ramp over one negative TTL, 900 s, ending near 2:40 AM PDT.

# %%
SEEDS = range(5)
grid_s = np.arange(0.0, 1081.0, 5.0)


def minutes(seconds):
    return np.asarray(seconds) / 60.0


def add_markers(fig):
    fig.add_vline(x=0.0, line_dash="dot", annotation_text="2:25 AM PDT: records restored",
                  annotation_position="top left")
    fig.add_vline(x=minutes(OBSERVED_TAIL_S), line_dash="dot",
                  annotation_text="2:40 AM PDT: period 1 ends", annotation_position="bottom right")


fig = go.Figure()
finals = []
for seed in SEEDS:
    seeded = simulate(defaults, seed)
    curve = recovery_curve(seeded, grid_s)
    finals.append(summarize(seeded, normal_authoritative_qps=1.0))
    fig.add_trace(go.Scatter(x=minutes([p.t_s for p in curve]), y=[p.share_recovered for p in curve],
                             mode="lines", name=f"seed {seed}", legendgroup="uniform",
                             line=dict(width=1.5)))
lockstep = simulate(scenario_params("synchronized_caches"), 0)
curve = recovery_curve(lockstep, grid_s)
fig.add_trace(go.Scatter(x=minutes([p.t_s for p in curve]), y=[p.share_recovered for p in curve],
                         mode="lines", name="lock-step caches (contrast)", line=dict(dash="dash")))
add_markers(fig)
fig.update_layout(title="Share of clients resolving DynamoDB again after the fix",
                  xaxis_title="minutes after 2:25 AM PDT (20 Oct)",
                  yaxis_title="share of clients recovered", yaxis_range=[0, 1.05])
last = np.array([f.all_recovered_s for f in finals])
half = np.array([f.p50_recovery_s for f in finals])
print(f"all recovered: mean {last.mean():.0f} s, range {last.min():.0f}-{last.max():.0f} s; "
      f"p50: mean {half.mean():.0f} s, range {half.min():.0f}-{half.max():.0f} s")

# %% tags=["figure:dns-recovery-curve"]
fig.show()

# %% [markdown]
# *Figure 1. Share of simulated clients that resolve the endpoint again, by minutes after 2:25 AM PDT; one line per seed, and a dashed lock-step contrast. Assumed TTLs: record 5 s, SOA TTL 900 s, SOA MINIMUM 86400 s (Route 53 defaults), JVM 30 s / 10 s.*
#
# The curves climb in steps, one per resolver cache, and the last client is back just after 15 minutes, at about 2:40 AM PDT.
# Nothing was fitted: 900 s is Route 53's default SOA TTL, which RFC 2308 makes the negative TTL because the SOA MINIMUM (86400 s) is larger.
# The lock-step contrast is a cliff, not a ramp: resolvers that refetched every 900 s since 11:48 PM PDT share one phase, $900 - (9420 \bmod 900) = 480$ s after the fix.
# The observed gradual return is what spread-out cache ages give.

# %% [markdown]
# ## Experiment 2: which TTLs give a 15-minute tail
#
# The knob is one TTL at a time, around the defaults: the SOA TTL (which sets the resolvers' negative TTL), the client's fixed negative TTL, and the records' positive TTL; two seeds each, in a smaller population (300 clients, 30 caches).
# A run "gives the tail" when its last client is back within 120 s of 900 s.

# %%
sweep_base = Params(n_clients=300, n_resolvers=30, warmup_s=300.0)
points = ttl_sweep(sweep_base, base_seed=0, n_seeds=2)
fig = go.Figure()
for knob, label in [("soa_ttl_s", "SOA TTL (resolver negative TTL)"),
                    ("client_negative_ttl_s", "client (JVM) negative TTL"),
                    ("record_ttl_s", "record (positive) TTL")]:
    values = TTL_SWEEP[knob]
    mean_last = [np.mean([p.all_recovered_s for p in points if p.knob == knob and p.value == v])
                 for v in values]
    fig.add_trace(go.Scatter(x=values, y=minutes(mean_last), mode="lines+markers", name=label))
fig.add_hrect(y0=minutes(OBSERVED_TAIL_S - 120), y1=minutes(OBSERVED_TAIL_S + 120), opacity=0.15,
              line_width=0, annotation_text="observed tail, 2:25 to 2:40 AM PDT (±2 min)")
fig.update_layout(title="Time until the last client is back, one TTL varied at a time",
                  xaxis_title="TTL value (s, log scale)", xaxis_type="log",
                  yaxis_title="minutes after 2:25 AM PDT")
tail_values = {knob: sorted({p.value for p in points if p.knob == knob and p.reproduces_tail})
               for knob in TTL_SWEEP}
print(tail_values)

# %% tags=["figure:dns-ttl-sensitivity"]
fig.show()

# %% [markdown]
# *Figure 2. Mean time until every simulated client is back (two seeds), as one TTL changes and the others keep their defaults. The band is the observed 15 minutes ± 2.*
#
# Only an SOA TTL (negative TTL) of 900 s lands in the band; the tail is the negative TTL plus a few tens of seconds of client cache and retry.
# The positive TTL is flat: no positive entry survives 2 h 37 min of empty answers, so it cannot shape the tail.
# A fixed client negative TTL adds to the resolver's: a JVM configured to cache failures for 15 minutes would alone double the tail.

# %% [markdown]
# ## Experiment 3: load on the authoritative servers during the outage
#
# The knob is the resolver set-up (answer mode and features) crossed with the client retry policy; the measure is queries per second reaching the authority in the 10 simulated minutes before the fix, divided by the same population's load with the record present.
# Published reference points are drawn beside it as context only: they come from different systems and were not fitted.

# %%
load_base = Params(n_clients=300, n_resolvers=20)
amp = amplification_grid(load_base)
fig = go.Figure()
for retry in ("fixed", "backoff", "backoff_jitter"):
    rows = [p for p in amp if p.retry == retry]
    fig.add_trace(go.Bar(x=[p.setup for p in rows], y=[p.ratio for p in rows], name=f"retry: {retry}"))
fig.add_hline(y=1.0, line_dash="dot", annotation_text="normal load")
for ref in REFERENCE_POINTS:
    fig.add_hline(y=ref.ratio, line_dash="dash", annotation_text=f"{ref.label}: {ref.ratio:.0f}x (context)",
                  annotation_position="top left")
fig.update_layout(title="Authoritative load during the outage, relative to normal",
                  yaxis_type="log", yaxis_title="outage / normal queries per second (log)",
                  barmode="group")
for p in amp:
    print(f"{p.setup:38s} {p.retry:15s} {p.ratio:9.3f}x")

# %% tags=["figure:dns-amplification"]
fig.show()

# %% [markdown]
# *Figure 3. Queries per second reaching the authority during the outage over normal, for five resolver set-ups and three client retry policies (300 clients, 20 caches). Dashed lines: Moura et al. (IMC 2018, up to about 8x) and the October 2021 Facebook outage (more than 100x at .com/.net, per Cloudflare), for context.*
#
# What happened on 20 October is the leftmost group: a cached empty answer makes the authority *quieter*, one query per cache per 900 s instead of one per 5 s.
# Amplification needs something to defeat caching: resolvers that do not cache the empty answer, or an authority that times out so that every miss costs several tries.
# Retrying once a second without backoff multiplies that by an order of magnitude; backoff brings it down, and full jitter, which halves the mean wait, costs a little more load than plain backoff while spreading retries out.
# Failure caching (RFC 9520) and serve-stale (RFC 8767) both pull a timing-out authority's load below normal.
# The ratios scale with clients per cache (here 15), which is an assumption.

# %% [markdown]
# ## Experiment 4: which resolver features would have helped
#
# The knob is the resolver feature, under each answer mode: the empty answer that happened, and an unreachable authority for contrast.

# %%
CONTRASTS = [("as_observed", "empty answer, no feature"),
             ("empty_serve_stale", "empty answer, serve-stale"),
             ("empty_last_known_good", "empty answer, last known good"),
             ("timeout", "timeout, no feature"),
             ("timeout_serve_stale", "timeout, serve-stale"),
             ("timeout_failure_caching", "timeout, failure caching")]
fig = go.Figure()
contrast_summary = {}
for name, label in CONTRASTS:
    scenario_run = simulate(scenario_params(name), 0)
    curve = recovery_curve(scenario_run, grid_s)
    contrast_summary[name] = summarize(scenario_run, normal_authoritative_qps=1.0)
    fig.add_trace(go.Scatter(x=minutes([p.t_s for p in curve]), y=[p.share_recovered for p in curve],
                             mode="lines", name=label,
                             line=dict(dash="solid" if name.startswith(("as", "empty")) else "dash")))
add_markers(fig)
fig.update_layout(title="Recovery after the fix, by resolver feature and answer mode",
                  xaxis_title="minutes after 2:25 AM PDT (20 Oct)",
                  yaxis_title="share of clients recovered", yaxis_range=[0, 1.05])
for name, label in CONTRASTS:
    print(f"{label:32s} all back after {contrast_summary[name].all_recovered_s:6.0f} s")

# %% tags=["figure:dns-contrasts"]
fig.show()

# %% [markdown]
# *Figure 4. Share of clients recovered after 2:25 AM PDT, seed 0, default assumptions; solid lines for the empty answer that happened, dashed for an authority that times out.*
#
# Serve-stale changes nothing for the empty answer: the authority answered, so RFC 8767 does not apply, and the curve lies exactly on the plain one.
# Against a timing-out authority the same feature hides the outage completely: clients get the old address throughout.
# "Last known good", a resolver that refuses to replace a working address with an empty one, would have hidden the empty answer too; its cost is that it would also hide a deliberate removal, such as evacuating an AZ, which must take effect fast.
# Failure caching lengthens recovery from a timeout to at most its 300 s cap, the price of the load it saves in Experiment 3.

# %% [markdown]
# ## What this shows
#
# - The 15-minute tail is one negative TTL: with Route 53's default SOA, RFC 2308 gives $\min(900, 86400) = 900$ s, and clients return one resolver cache at a time over it.
#   This is a consistent explanation, not a measurement: AWS has not published the SOA or any TTL.
# - The gradual return needs cache entries of spread-out ages; caches in lock-step would have come back at once, 8 minutes after the fix.
# - The positive TTL is irrelevant to the tail; negative TTLs at every layer that fixes its own (the JVM) add up.
# - A cached empty answer lowers load on the authority. Load amplification comes from not caching, from timeouts, and from retries without backoff.
# - Serve-stale cannot mask an empty answer; last known good could, at the cost of hiding deliberate removals.

# %% [markdown]
# ## Assumptions
#
# Every value the model uses and why, from `data/assumptions/dns.yaml` (a test checks it matches the code).

# %%
print(f"{'name':30s} {'value':>16s}  unit")
for a in load_assumptions():
    print(f"{a['name']:30s} {str(a['value']):>16s}  {a['unit']}")

# %% [markdown]
# ## Exercises
#
# **1.** Keep every default but lower the SOA TTL to 300 s. When is the last client back, and is it within the TTL chain (300 + 10 + 20 s)?

# %%
short = summarize(simulate(replace(defaults, soa_ttl_s=300.0), 0), normal_authoritative_qps=1.0)
print(f"{short.all_recovered_s:.0f} s")
assert 250.0 < short.all_recovered_s <= 300.0 + 10.0 + 20.0

# %% [markdown]
# **2.** If every resolver had refetched the empty answer the instant its entry expired, from 11:48 PM PDT, at what time after the fix would the clients come back? Derive it from the outage length and check it against the model.

# %%
cliff_s = OBSERVED_TAIL_S - OUTAGE_S % defaults.resolver_negative_ttl_s
lock = summarize(lockstep, normal_authoritative_qps=1.0)
print(f"predicted {cliff_s:.0f} s; simulated p50 {lock.p50_recovery_s:.0f} s, all {lock.all_recovered_s:.0f} s")
assert cliff_s == 480.0
assert cliff_s <= lock.p50_recovery_s <= lock.all_recovered_s <= cliff_s + 40.0

# %% [markdown]
# **3.** Which single resolver feature would have removed the tail of the empty answer, and which would not?

# %%
assert contrast_summary["empty_last_known_good"].all_recovered_s == 0.0
assert (contrast_summary["empty_serve_stale"].all_recovered_s
        == contrast_summary["as_observed"].all_recovered_s)
print("last known good removes it; serve-stale does not")

# %% [markdown]
# **4.** Without negative caching at the resolvers and with clients retrying every second, does the load on the authority exceed the roughly 8x Moura et al. saw? What does negative caching turn it into?

# %%
no_neg = next(p for p in amp if p.setup == "empty, no negative caching" and p.retry == "fixed")
with_neg = next(p for p in amp if p.setup == "empty, negative caching" and p.retry == "fixed")
print(f"without: {no_neg.ratio:.1f}x, with: {with_neg.ratio:.3f}x")
assert no_neg.ratio > 8.0 > 1.0 > with_neg.ratio
