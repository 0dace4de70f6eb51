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
# You will see: the share of clients resolving the name again after 2:25 AM PDT; which TTLs give a 15-minute tail; how much load reaches the authoritative servers during a DNS outage and what multiplies it; which resolver features would have helped; and a figure whose four knobs you turn yourself.

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

from outage.dns import figures
from outage.dns.amplification import amplification_grid
from outage.dns.assumptions import load_assumptions
from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import recovery_curve, scenario_params, summarize, ttl_sweep
from outage.dns.resolution import OBSERVED_TAIL_S, OUTAGE_S

defaults = Params()
run = simulate(defaults, seed=0)
s = summarize(run)
print(f"resolver negative TTL {defaults.resolver_negative_ttl_s:.0f} s; "
      f"p50 {s.p50_recovery_s:.0f} s, p99 {s.p99_recovery_s:.0f} s, all {s.all_recovered_s:.0f} s "
      f"(bound {recovery_bound_s(defaults):.0f} s); authority load {s.authoritative_qps_ratio:.3f}x normal")

# %% [markdown]
# ## Experiment 1: clients' recovery curve after 2:25 AM PDT
#
# The knob is the seed: five runs with seeds 0 to 4 under the default assumptions, plus the contrast in which every resolver refetched the empty answer in lock-step since 11:48 PM PDT.
# Expect a ramp over one negative TTL, 900 s, ending near 2:40 AM PDT.

# %%
SEEDS = range(5)
grid_s = np.arange(0.0, 1081.0, 5.0)  # s after the fix, to 2:43 AM PDT

seed_runs = [simulate(defaults, seed) for seed in SEEDS]
seed_curves = [recovery_curve(r, grid_s) for r in seed_runs]
finals = [summarize(r, normal_authoritative_qps=1.0) for r in seed_runs]
lockstep = simulate(scenario_params("synchronized_caches"), 0)
lockstep_curve = recovery_curve(lockstep, grid_s)
last = np.array([f.all_recovered_s for f in finals])
half = np.array([f.p50_recovery_s for f in finals])
print(f"all recovered: mean {last.mean():.0f} s, range {last.min():.0f}-{last.max():.0f} s; "
      f"p50: mean {half.mean():.0f} s, range {half.min():.0f}-{half.max():.0f} s")

# %% tags=["figure:dns-recovery-curve"]
figures.recovery_chart(seed_curves, contrast=lockstep_curve).show()

# %% [markdown]
# *Figure 1 — share of simulated clients that resolve the endpoint again after the records return at 2:25 AM PDT: one thin line per seed, all reaching 100 % near 2:40 AM PDT, and the dashed lock-step contrast rising at once about 2:33 AM. Assumed TTLs: record 5 s, SOA TTL 900 s, SOA MINIMUM 86400 s (Route 53 defaults), JVM 30 s / 10 s.*
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
tail_values = {knob: sorted({p.value for p in points if p.knob == knob and p.ends_near_observed_tail})
               for knob in dict.fromkeys(p.knob for p in points)}
print(tail_values)

# %% tags=["figure:dns-ttl-sensitivity"]
figures.ttl_sensitivity_chart(points).show()

# %% [markdown]
# *Figure 2 — mean time until every simulated client is back (two seeds; hover for each value's range), as one TTL changes and the others keep their defaults; both axes in minutes. The grey band is the observed 15 minutes ± 2.*
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
for p in amp:
    print(f"{p.setup:38s} {p.retry:15s} {p.ratio:9.3f}x")

# %% tags=["figure:dns-amplification"]
figures.amplification_chart(amp).show()

# %% [markdown]
# *Figure 3 — queries per second reaching the authority during the outage over normal, on a log scale, for five resolver set-ups (one group each) and three client retry policies (300 clients, 20 caches). Dotted line: normal load. Dashed lines: Moura et al. (IMC 2018, up to about 8x) and the October 2021 Facebook outage (more than 100x at .com/.net, per Cloudflare), for context.*
#
# The empty answer of 20 October is the top group: in the model, a cached empty answer makes the authority *quieter*, one query per cache per 900 s instead of one per 5 s.
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
contrast_runs = {name: simulate(scenario_params(name), 0) for name, _ in CONTRASTS}
contrast_curves = {name: recovery_curve(r, grid_s) for name, r in contrast_runs.items()}
contrast_summary = {name: summarize(r, normal_authoritative_qps=1.0)
                    for name, r in contrast_runs.items()}
for name, label in CONTRASTS:
    print(f"{label:32s} all back after {contrast_summary[name].all_recovered_s:6.0f} s")

# %% tags=["figure:dns-contrasts"]
figures.feature_chart(contrast_curves, labels=dict(CONTRASTS)).show()

# %% [markdown]
# *Figure 4 — share of clients recovered after 2:25 AM PDT, seed 0, default assumptions; solid lines for the empty answer that happened, dashed for an authority that times out; one colour per resolver feature, the wide pale lines without one.*
#
# Serve-stale changes nothing for the empty answer: the authority answered, so RFC 8767 does not apply, and the curve lies exactly on the plain one.
# Against a timing-out authority the same feature hides the outage completely: clients get the old address throughout.
# "Last known good", a resolver that refuses to replace a working address with an empty one, would have hidden the empty answer too; its cost is that it would also hide a deliberate removal, such as evacuating an AZ, which must take effect fast.
# Failure caching lengthens recovery from a timeout to at most its 300 s cap, the price of the load it saves in Experiment 3.

# %% [markdown]
# ## Experiment 5: turn the knobs yourself
#
# The knobs, together: what the authority answered between 11:48 PM and 2:25 AM PDT (the empty answer that happened, or a time-out), the resolvers' negative TTL (60, 300, 900 or 3600 s; 900 s is Route 53's default SOA TTL and the default here), and whether resolvers serve stale data (RFC 8767) or cache failures (RFC 9520).
# Every one of the 2 × 4 × 2 × 2 = 32 combinations is run here, all with seed 0 so that a difference between two of them is the knobs' and not the draw's, in a population of 300 clients behind 20 resolver caches (15 per cache, as in the defaults); one more run with the record present gives the normal load.
# Each value says where it comes from: "source" when AWS's summary or talk states it (only the empty answer does), "assumption" otherwise.

# %%
from outage.dns import whatif  # noqa: E402

for knob in whatif.GRID.knobs:
    print(f"{knob.label}: " + " | ".join(choice.label for choice in knob.choices))
knob_grid = whatif.run_grid(whatif.GRID)
table = whatif.milestone_table(knob_grid)
widths = {key: max(len(key), *(len(row[key]) for row in table)) for key in table[0]}
print()
print("  ".join(key.ljust(width) for key, width in widths.items()))
for row in table:
    print("  ".join(row[key].ljust(width) for key, width in widths.items()))

# %% tags=["figure:dns-what-if"]
figures.what_if_chart(knob_grid).show()

# %% [markdown]
# *Figure 5 — Choose what the authority answered, the resolvers' negative TTL, and whether resolvers serve stale data or cache failures: the blue curve (share of clients resolving the name again), its two dots (half and all of them back) and the three lines printed above it follow the choice, while the grey curve stays as observed (empty answer, 900 s, both features off). Dotted lines: 2:25 AM PDT (records restored) and 2:40 AM PDT (DynamoDB's errors end). "source": stated in AWS's summary or talk; "assumption": this site's choice. All 32 combinations were run when the notebook was executed (300 clients, 20 resolver caches, seed 0, curves sampled every 10 s); nothing runs in the page.*
#
# Start with the slider: with the empty answer the last client is back one negative TTL after the fix, 1 min 16 s for 60 s, 5 min 16 s for 300 s, 14 min 25 s (2:39 AM PDT) for 900 s and 59 min 8 s (3:24 AM PDT) for 3600 s.
# The two resolver features change nothing while the answer is empty: the authority answered, so there was no failure to serve stale data for or to cache.
# Switch to a time-out and the roles turn round: the negative TTL no longer matters (there is no negative answer to cache), every client is back 24 s after the fix, but the authority takes 20 times its normal load during the outage.
# Serve-stale then hides the outage completely (nobody is failing at 2:25 AM PDT); failure caching cuts the load to 0.057 times normal and, at its 300-s cap, brings the tail back exactly as a 300-s negative TTL would (5 min 16 s).

# %% [markdown]
# ## What this shows
#
# - The 15-minute tail is one negative TTL: with Route 53's default SOA, RFC 2308 gives $\min(900, 86400) = 900$ s, and clients return one resolver cache at a time over it.
#   This is a consistent explanation, not a measurement: AWS has not published the SOA or any TTL.
# - The gradual return needs cache entries of spread-out ages; caches in lock-step would have come back at once, 8 minutes after the fix.
# - The positive TTL is irrelevant to the tail; negative TTLs at every layer that fixes its own (the JVM) add up.
# - A cached empty answer lowers load on the authority. Load amplification comes from not caching, from timeouts, and from retries without backoff.
# - Serve-stale cannot mask an empty answer; last known good could, at the cost of hiding deliberate removals.
# - Every knob acts through what the authority answered: with the empty answer only the negative TTL moves the tail; with a time-out only the resolver features do (Figure 5).

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
