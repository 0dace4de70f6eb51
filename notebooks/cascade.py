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
# # The cascade: DWFM lease collapse, Network Manager backlog, NLB flapping
#
# ## Overview
#
# DynamoDB's DNS record was whole again at 2:25 AM PDT on 20 October, yet EC2 could not launch instances until 10:36 AM PDT.
# The AWS summary (section *Amazon EC2*) says why: DWFM, the system that holds a lease on every physical server ("droplet"), had lost many leases while DynamoDB was unreachable; when it tried to re-establish them across the fleet, the work of many attempts could not be completed before they timed out, they were queued again, and DWFM fell into "congestive collapse".
# It recovered only after engineers throttled incoming work and restarted selected DWFM hosts at 4:14 AM PDT, emptying the queues; every lease was back at 5:28 AM PDT.
# Network Manager then worked through a backlog of network-state propagations until 10:36 AM PDT, and new instances without propagated state made NLB health checks flap; disabling automatic failover at 9:36 AM PDT ended NLB's extra connection errors, while propagation was back to normal only at 10:36 AM PDT.
#
# This project reads it as a *metastable failure* (the summary's words are "congestive collapse"): a state that outlives its trigger and needs outside help to leave (Bronson et al., HotOS 2021; Huang et al., OSDI 2022).
# This notebook builds the smallest models in which that behaviour comes out of the mechanism, with the operators' actions as inputs and every unpublished number a named assumption.
#
# You will see: leases, queues and goodput through the night against the real milestones; that each half of the 4:14 AM action fails on its own; a discrete-event simulation agreeing with the fleet-scale fluid model; the Network Manager tail and the NLB capacity loss; AWS's two remediations as counterfactuals; a phase diagram of outage length against fleet size; a chart whose knobs you turn yourself; and, last, which of AWS's times the model was fitted to and how far it misses the others.

Every comparison with one of AWS's times is one of three kinds, named the same way here, in the chapters and by `python -m outage cascade run`: **input** (an action time fed in, or a time that equals one by construction), **fitted** (a parameter was fitted to it) or **predicted** (nothing was set to make it agree).
Two parameters are fitted, each to one time: the 4:14 AM throttle level to 5:28 AM and the held network changes to 10:36 AM; the calibration ledger, `data/calibration.yaml`, records both.

# %% [markdown]
# ## The model
#
# **DWFM** (`outage.cascade.dwfm_fluid`, `dwfm_des`).
# Each of $H$ hosts looks after $D$ droplets and has $K$ workers serving one first-in first-out queue.
#
# | Symbol | Code name | Meaning | Value | Source |
# |---|---|---|---|---|
# | $c$ | `check_interval_s` | mean time between state checks of a droplet (Erlang, 6 stages) | 300 s | "every few minutes" [S], value assumed |
# | $\bar T$ | `lease_mean_ttl_s` | mean life of a lease whose checks fail | 2 h | assumed; "timed out gradually" [S] |
# | $\tau$ | `attempt_timeout_s` | an attempt not done $\tau$ after it was queued times out | 120 s | assumed |
# | $w_r, w_e$ | `renew_work_s`, `establish_work_s` | worker-seconds to renew / establish a lease | 5 s, 40 s | assumed |
# | $K$ | `workers_per_host` | attempts a host works at once | 32 | assumed |
# | $D$ | fleet / hosts | droplets per host | 1,000 | assumed |
#
# Rules: a check while DynamoDB is down fails at once, and a held lease starts to lapse at rate $1/\bar T$.
# With DynamoDB up, a check queues a renewal (leased droplet) or an establishment (no lease).
# An attempt waits for the work ahead of it, $W/K$; if it completes more than $\tau$ after it was queued, its work was wasted and it goes to the back of the queue again.
# Each droplet has at most one attempt outstanding.
#
# The fluid model tracks, per host, the idle droplets by lease class and check-timer stage, the queued attempts by class, and the wait $S$ seen by the attempts completing now (the current wait delayed by one sojourn, through a first-order lag).
# Class-$x$ attempts complete at rate $Q_x \min(K/W, 1/w_x)$ and succeed when $S + w_x \le \tau$.
# The discrete-event model simulates every droplet, attempt and worker.
#
# **Inputs**: DynamoDB unreachable 11:48 PM–2:25 AM PDT [S]; at 4:14 AM PDT the hosts whose wait exceeds $\tau$ restart (queues emptied) and establishments are throttled to $r$ per host per second [S; $r$ fitted to AWS's 5:28 AM, Experiment 8].
#
# **Network Manager** (`outage.cascade.netmgr`): a droplet without a lease accrues held propagations. When its lease returns they are ready, but DWFM issues them only with what its lease work leaves over: idle workers, and tokens of the 4:14 AM throttle that establishments do not use. So they reach Network Manager when re-leasing is nearly done, the moment the summary gives for launches succeeding again. With normal load at 62.5% of capacity, the backlog drains with the spare 37.5%.
# **NLB** (`outage.cascade.nlb`): Little's law turns Network Manager's latency into a share $u$ of targets whose state has not arrived; they fail checks half the time; each result change costs 50 checks; at checker utilisation $\rho > 1$ checks run $(\rho - 1)$ intervals late; lateness triggers AZ failover, withdrawing up to two AZs of three; errors when capacity falls below the load (55%).
#
# Milestones are threshold crossings in the records: "all leases back" is the first time 99.9% of droplets hold a lease, a share, so it is the same for any fleet size.

Every value is in the assumptions table at the end, read from the file the methodology page shows.

# %% [markdown]
# ## Implementation
#
# `scenarios.run(name)` runs the fluid DWFM model, feeds its record to Network Manager and NLB, and finds the milestones as threshold crossings; the scenarios are named data in `scenarios.SCENARIOS`.

# %%
from dataclasses import replace

import numpy as np

from outage.cascade import (calibration, clock, dwfm_des, dwfm_fluid, figures, milestones, netmgr, nlb, phase,
                            scenarios, validation)
from outage.cascade.assumptions import load_assumptions
from outage.cascade.dwfm_params import DwfmParams
from outage.cascade.figures import wall_clock

results = scenarios.run_all()
for name in ("as-happened", "no-intervention", "queue-admission", "velocity-control"):
    found = {k: wall_clock(v) for k, v in results[name].milestones.items()}
    print(f"{name:17s}", ", ".join(f"{k} {v}" for k, v in found.items()))
kinds = calibration.milestone_kinds("as-happened", results["as-happened"].milestones)
print("kinds (as happened):", ", ".join(f"{k} {v}" for k, v in kinds.items()))

# %% [markdown]
# The figures come from `outage.cascade.figures`, which draws the records `scenarios.run` returns.
# On every time axis the dotted lines are the times AWS reports, each labelled with its PDT clock time; hover over a label to read what happened then.

# %% [markdown]
# ## Experiment 1: the night as it happened, and without the 4:14 AM action
#
# The knob is the operators' 4:14 AM action: on (as happened) or off (no intervention).
# 100,000 droplets on 100 hosts.

# %%
happened = results["as-happened"]
print(f"lowest share leased {happened.dwfm.leased_fraction.min():.1%}; "
      f"all leases back {wall_clock(happened.milestones['all_leases_restored'])} (AWS 5:28 AM, fitted); "
      f"no intervention at 2:48 PM: {results['no-intervention'].dwfm.leased_fraction[-1]:.1%} leased")

# %% tags=["figure:cascade-dwfm"]
figures.dwfm_chart(happened.dwfm, results["no-intervention"].dwfm, DwfmParams().attempt_timeout_s).show()

# %% [markdown]
# *Figure 1 — Top to bottom: share of droplets holding a lease, queued work per worker (dotted line: the 120 s attempt timeout), and attempts completed in time per second; solid as happened, dashed without the 4:14 AM action. Dotted verticals: DynamoDB back (2:25 AM), throttle and restart (4:14 AM), all leases back (5:28 AM PDT), as AWS reports them.*
#
# While DynamoDB is down the share of leases decays; at 2:25 AM PDT checks queue establishments costing 8 times a renewal, the queue passes the timeout within minutes, and goodput drops to zero.
# It stays there: with nobody acting, the queue stays full for the rest of the day and even the leases that survived lapse, because their renewals time out too.
# After the 4:14 AM restart the queues are empty, the throttle keeps them short, and 99.9% of the fleet is re-leased at 5:28 AM PDT; that time is fitted, not predicted, because the throttle level was fitted to it (Experiment 8).

# %% [markdown]
# ## Experiment 2: each half of the 4:14 AM action alone
#
# The knob: restart only, throttle only, both.

# %%
for name in ("restart-only", "throttle-only"):
    print(f"{name}: all leases back {wall_clock(results[name].milestones['all_leases_restored'])}")

# %% tags=["figure:cascade-halves"]
figures.halves_chart(*(results[name].dwfm for name in
                       ("as-happened", "restart-only", "throttle-only", "no-intervention"))).show()

# %% [markdown]
# *Figure 2 — Share of droplets leased under each half of the 4:14 AM action: restart and throttle both (as happened), restart only, throttle only, and neither. Restart and throttle are both needed.*
#
# Restarting without a throttle empties the queues, but every unleased droplet queues an establishment within one check interval, the queue passes the timeout again and the fleet re-collapses.
# Throttling without a restart changes nothing: the queues are already full of attempts that time out and re-queue.
# In this project's reading, this is the signature of a metastable state: the sustaining loop (timeouts, wasted work, retries) has to be cut and the load kept below the tipping point.

# %% [markdown]
# ## Experiment 3: does the fluid model agree with a discrete-event simulation?
#
# The knob is the implementation: the mean-field model against six seeded discrete-event runs (seeds 100–105) of 2,000 droplets on 2 hosts, as happened.

# %%
small = DwfmParams(fleet_droplets=2000, dwfm_hosts=2)
controls = scenarios.SCENARIOS["as-happened"].dwfm
horizon_s = clock.at("06:30")
fluid = dwfm_fluid.simulate(small, controls, horizon_s)
des = [dwfm_des.simulate(small, controls, horizon_s, seed=100 + i) for i in range(6)]
des_fraction = np.array([r.leased_fraction for r in des])
gap = np.abs(des_fraction.mean(axis=0) - fluid.leased_fraction)
restore = [milestones.dwfm_milestones(r, clock.DYNAMODB_DNS_RESTORED_S)["all_leases_restored"] for r in des]
fluid_restore = milestones.dwfm_milestones(fluid, clock.DYNAMODB_DNS_RESTORED_S)["all_leases_restored"]
print(f"largest gap {gap.max():.3f}, rms {np.sqrt(np.mean(gap**2)):.3f}; spread across seeds up to "
      f"{des_fraction.std(axis=0).max():.3f}; all leases back: fluid {wall_clock(fluid_restore)}, "
      f"discrete-event {wall_clock(min(restore))}–{wall_clock(max(restore))}")

# %% tags=["figure:cascade-agreement"]
figures.agreement_chart(fluid, des).show()

# %% [markdown]
# *Figure 3 — Share leased, 2,000 droplets: six discrete-event replications (thin) and the fluid model (thick).*
#
# The curves agree within the tolerance the tests state (largest gap 0.06, root-mean-square 0.03, all-leased time within 10 minutes).
# The largest gap is just after 2:25 AM PDT, where the fluid model's lagged wait decides when timeouts start; the discrete-event queues keep succeeding a minute or so longer.

# %% [markdown]
# ## Experiment 4: Network Manager's backlog and NLB's lost capacity
#
# The knobs: Network Manager relief (on at an assumed 7:00 AM PDT, or never) and NLB automatic failover (disabled at 9:36 AM PDT, or kept).

# %%
for name in ("as-happened", "no-netmgr-relief", "failover-kept"):
    m = results[name].milestones
    print(f"{name:17s} latency elevated {wall_clock(m['propagation_latency_elevated'])}, backlog cleared "
          f"{wall_clock(m['network_backlog_cleared'])}, NLB errors {wall_clock(m['nlb_errors_start'])}–"
          f"{wall_clock(m['nlb_errors_end'])}, lowest capacity {results[name].nlb_min_capacity_fraction:.0%}")
print(f"largest share of NLB targets without network state: {happened.nlb.unpropagated_fraction.max():.0%}")

# %% tags=["figure:cascade-netmgr-nlb"]
figures.netmgr_nlb_chart(happened, results["no-netmgr-relief"], results["failover-kept"]).show()

# %% [markdown]
# *Figure 4 — From 4:00 AM PDT. Top: Network Manager's propagation latency, with the assumed 7:00 AM PDT load reduction (solid) and without (dashed). Bottom: a typical multi-AZ NLB's capacity in service, with automatic failover disabled at 9:36 AM (solid) and kept (dashed); dotted line: its load (55%). Dotted verticals: all leases back (5:28 AM), latency rising (6:21 AM), failover disabled (9:36 AM) and latency normal (10:36 AM PDT), as AWS reports them.*
#
# While leases return after 4:14 AM PDT the throttle's tokens all go to lease establishments, so the changes that were held back stay in DWFM; they reach Network Manager in a burst as the last leases return, and the backlog then drains with Network Manager's spare capacity only, ending five hours after the last lease. Without the load reduction it would run into the early afternoon.
# While the latency is over an hour, Little's law puts up to 40% of the targets without network state; their checks flap, the checker falls behind, and failover withdraws two AZs: capacity falls well below the load.
# Disabling failover at 9:36 AM PDT returns every healthy node at once; kept, failover goes on withdrawing capacity for more than half an hour longer, until the latency has fallen.
# Against the record (Experiment 8 has the numbers): the end of the backlog at 10:36 AM is fitted, and the end of the errors at 9:36 AM is an input. The two times the model predicts both miss: its latency passes 10 minutes about 40 minutes before AWS reports it rising at 6:21 AM, and its NLB errors start about half an hour after AWS's 5:30 AM. In a single queue the latency that breaks NLB checks must come first, while the summary reports NLB errors 51 minutes before the latency rise.

# %% [markdown]
# ## Experiment 5: AWS's remediations as counterfactuals
#
# The knobs: DWFM admitting new work by the size of its waiting queue (AWS states the remediation "rate limit incoming work based on the size of the waiting queue" for EC2's data-propagation systems; applying it to DWFM is this project's reading), and a velocity control capping the capacity health checks may remove (one AZ of three, assumed).

# %%
qa = results["queue-admission"]
print(f"queue admission: all leases back {wall_clock(qa.milestones['all_leases_restored'])}, no host congested: "
      f"{qa.dwfm.congested_hosts.max() == 0}; backlog cleared {wall_clock(qa.milestones['network_backlog_cleared'])}; "
      f"NLB errors {wall_clock(qa.milestones['nlb_errors_start'])}–{wall_clock(qa.milestones['nlb_errors_end'])}")
print(f"velocity control: lowest capacity {results['velocity-control'].nlb_min_capacity_fraction:.0%} "
      f"against a load of {nlb.NlbParams().load_fraction:.0%}")

# %% tags=["figure:cascade-remediations"]
figures.remediations_chart(happened, qa, results["failover-kept"], results["velocity-control"]).show()

# %% [markdown]
# *Figure 5 — Top: share leased as happened and with queue-based admission (no restart, no throttle). Bottom: NLB capacity with automatic failover kept, without and with the velocity control; dotted line: the load (55%).*
#
# Admitting establishment work only while the queue is short keeps every attempt inside its timeout, so DWFM never collapses and 99.9% of the fleet is re-leased by 3:01 AM PDT, without any operator action.
# The same change pulls Network Manager's backlog, and with it the NLB trouble, three hours or more earlier (errors 2:43–5:05 AM PDT); on its own it shortens the cascade rather than removing its later stages.
# The velocity control keeps at least two thirds of capacity in service, above the load, so the flapping never becomes connection errors.

# %% [markdown]
# ## Experiment 6: phase diagram, outage length against fleet size
#
# The knobs: how long DynamoDB is unreachable (0–5 h) and droplets per DWFM host (200–3,000, a fleet of 20,000–300,000 on 100 hosts), with no operator action; a point "heals" if 99.9% of leases are held 6 hours after DynamoDB returns.

# %%
diagram = phase.sweep()
row = list(diagram.droplets_per_host).index(1000)
print("default fleet heals after outages of up to",
      max(h for h, r in zip(diagram.outage_hours, diagram.region[row]) if r == phase.HEALS), "h")

# %% tags=["figure:cascade-phase"]
figures.phase_map(diagram, DwfmParams(), incident_outage_s=clock.DYNAMODB_DNS_RESTORED_S).show()

# %% [markdown]
# *Figure 6 — Where DWFM heals by itself (green), needs help (amber) or is overloaded (red), for each pair of outage length and fleet size without intervention. Dashed: the open-loop estimate of where re-lease work first exceeds a check interval's capacity. Dotted: the fleet beyond which even the healthy state collapses. Cross: the incident (11:48 PM–2:25 AM PDT) under the default assumptions.*
#
# Three regions, as in the metastability literature: small fleets heal from any outage in the range; above a load threshold the fleet is *vulnerable*, and an outage longer than a threshold that falls as the fleet grows tips it into a collapse it cannot leave; beyond about 266,000 droplets it fails even with no outage.
# Under these assumptions the incident sits deep in the needs-help region: any outage over about half an hour would have left DWFM collapsed.
# The simulated boundary lies to the right of the open-loop estimate because a droplet waits for its attempt before its next check, which slows arrivals as queues grow.
# The thresholds move with every assumption (lease life, work per attempt, workers); the shape does not.

# %% [markdown]
# ## Experiment 7: turn the knobs yourself
#
# The knobs, together: what DWFM does at 4:14 AM PDT (both halves of the action, one or neither), whether DWFM admits new work by the size of its waiting queue (a what-if: this project's reading of AWS's remediation for EC2), when Network Manager's load is halved (never, or 6:00–9:00 AM PDT; this site assumes 7:00 AM), and whether NLB's automatic failover is disabled at 9:36 AM PDT or kept on.
# Every one of the 4 × 2 × 5 × 2 = 80 combinations is run here, at the default 100,000 droplets and the fluid model's 5-second step; the DWFM runs of the named scenarios above are reused, so the grid adds 3 DWFM, 40 Network Manager and 80 NLB runs.
# Each choice says where its value comes from: AWS, assumed, or what-if.

# %%
from outage.cascade import whatif  # noqa: E402

for knob in whatif.GRID.knobs:
    print(f"{knob.label}: " + " | ".join(choice.label for choice in knob.choices))
grid = whatif.run_grid(whatif.GRID, reuse=results.values())
table = whatif.milestone_table(grid)
print()
print(" | ".join(table[0]))
for row in table:
    print(" | ".join(row.values()))

# %% tags=["figure:cascade-what-if"]
figures.what_if_chart(grid).show()

# %% [markdown]
# *Figure 7 — Choose what DWFM does at 4:14 AM PDT, whether it admits work by queue size, when Network Manager's load is halved, and whether NLB's automatic failover is disabled at 9:36 AM PDT; the coloured curves and the milestone printed above each panel follow the choice, the grey curves stay as happened. Top to bottom: share of droplets holding a lease, Network Manager's propagation latency, and the share of one NLB's connections that fail. Dotted verticals: when each chosen action happens, in the panel it acts on (4:14 AM PDT, the Network Manager cut, failover off at 9:36 AM PDT). The throttle level (0.209 lease establishments per host per second, fitted to 5:28 AM) and the size of the Network Manager cut (half its normal load) are assumptions whatever the choice. All 80 combinations were run when the notebook was executed (100,000 droplets, curves drawn every 3 minutes); nothing runs in the page.*
#
# Try the DWFM controls first: in the model, only "throttle + restart" or queue-size admission brings the leases back, and with either half alone nothing downstream happens at all, because the held network changes never reach Network Manager.
# With the leases back, the Network Manager control moves the end of the latency by about half an hour per hour of delay (6:00 AM gives 10:09 AM, never gives 1:36 PM), while the start stays at the burst.
# The failover control matters only while the latency is high: kept on, the errors last until the backlog has drained (10:13 AM with the assumed 7:00 AM cut), disabled they end at 9:36 AM at the latest; with an early cut at 6:00 AM, keeping failover costs only 10 minutes.
# In the model, queue-size admission moves the whole cascade two to three hours earlier and makes the other three controls irrelevant: the leases are back before 4:14 AM, so neither half of the action changes anything, and the burst, the latency and the errors are over before 6:00 AM.

# %% [markdown]
# ## Experiment 8: what the model was fitted to, and what it predicts
#
# The knob is which of AWS's times the model may use. The calibration ledger lists the two parameters fitted to AWS's times; each fit is a function (bisection on one parameter) and runs again here.
# Then every milestone is set beside AWS's time with its kind, and the two fitted times are left out in turn: with the held network changes at their unfitted value (a droplet without a lease gathers changes at the normal rate of a leased one, 0.5 an hour), the throttle is fitted to one of 5:28 AM and 10:36 AM and the other is predicted.

# %%
ledger = calibration.load_ledger()
refitted = calibration.refit(ledger)
for fit in ledger.fits:
    print(f"{fit.parameter} = {fit.value} {fit.unit}: fitted to {fit.milestone} at {wall_clock(fit.target_s)} "
          f"({fit.event}); refitted now {refitted[fit.parameter]:.4f}")
print()
checks = validation.comparisons(happened, ledger)
print(f"{'AWS':>8s}  {'milestone':28s} {'kind':9s} {'model':>8s}  model - AWS")
for c in checks:
    print(f"{wall_clock(clock.at(c.aws_time)):>8s}  {c.milestone:28s} {c.kind:9s} {wall_clock(c.model_s):>8s}  "
          f"{c.error_min:+5.0f} min")
print()
folds = validation.leave_one_out(ledger=ledger)
for f in folds:
    if f.throttle is None:
        print(f"fit to {f.fitted_to} only: no throttle level from {validation.LOO_RATES[0]} to "
              f"{validation.LOO_RATES[-1]} meets {wall_clock(f.target_s)}")
    else:
        print(f"fit to {f.fitted_to} only: throttle {f.throttle:.3f}; predicts {f.predicted} at "
              f"{wall_clock(f.predicted_s)}, AWS {wall_clock(f.aws_s)}: {f.error_min:+.0f} min")

# %% tags=["figure:cascade-validation"]
figures.validation_chart(checks, folds).show()

# %% [markdown]
# *Figure 8 — Model minus AWS, in minutes, for each time AWS reports that the model has a milestone for: grey squares are inputs, orange circles fitted times, blue diamonds predictions; the open diamond is 10:36 AM predicted from a throttle fitted to 5:28 AM only; fitted to 10:36 AM only, no throttle level fits, so 5:28 AM gets no prediction.*
#
# Inputs and fitted times sit on zero by construction; they are not evidence that the model is right.
# The two predictions miss by about half an hour each, in opposite directions: the model's Network Manager latency rises about 40 minutes too early, and its NLB errors start about 30 minutes too late.
# Both follow from one structural choice: in the model the NLB trouble is caused by the latency, so errors must follow it, where AWS reports the errors first.
# That suggests the NLB health checks were hurt by something that came before the backlog's latency rise, such as the first new instances launched after 5:28 AM, which a single Network Manager queue cannot represent.
# Leaving one fitted time out shows that the two fits are not redundant: fitted to 5:28 AM alone, the model puts the end of the backlog almost two hours early; fitted to 10:36 AM alone, no throttle level meets it at all: with the unfitted held load the backlog is too small to last until 10:36 AM, unless the throttle is so slow that the held changes wait for it to be lifted at 11:23 AM, and then the backlog ends after noon.
# So neither fitted time supports the other, and the model's timing evidence is the two predictions, both missed by about half an hour.

# %% [markdown]
# ## What this shows
#
# - A DWFM host with a FIFO queue, timeouts that do not stop the work, and retries has a healthy and a collapsed state at the same load; the DynamoDB outage only moves it from one to the other (Figure 1).
# - Nothing recovers on its own after 2:25 AM PDT; recovery needs the queues emptied *and* the new work limited (Figure 2), as at 4:14 AM PDT. With the throttle level fitted to it, 99.9% of leases return at 5:28 AM PDT.
# - The fleet-scale fluid model agrees with a discrete-event simulation of every droplet within a stated tolerance (Figure 3).
# - Held network changes wait for DWFM to finish its lease work, so they reach Network Manager in a burst as the last leases return; the tail is a queue draining with its spare capacity only. NLB lost capacity because failover withdrew healthy AZs, and disabling failover ends the errors at once (Figure 4). The model's latency rises 39 minutes before AWS reports it, a prediction that misses.
# - Queue-based admission removes the collapse; a velocity cap removes the connection errors (Figure 5).
# - Whether a fleet heals itself depends on both the outage length and the load per host (Figure 6).
# - Each operator decision moves one stage: DWFM's decides whether anything recovers, Network Manager's when the latency ends, NLB's failover when the errors end (Figure 7).
- Two parameters are fitted, to 5:28 AM and 10:36 AM; the times the model predicts without a fit, the latency rise and the start of the NLB errors, miss by about half an hour each, in the order the model cannot produce (Figure 8).

# %% [markdown]
# ## Assumptions
#
# Every value the models use and why, from `data/assumptions/cascade.yaml` (a test checks it matches the code).

# %%
print(f"{'name':35s} {'value':>10s}  unit")
for a in load_assumptions():
    print(f"{a['name']:35s} {str(a['value']):>10s}  {a['unit']}")

# %% [markdown]
# ## Exercises
#
# **1.** Halve the 4:14 AM PDT throttle (0.12 establishments per host per second). When are all leases back, and how does the time from 4:14 AM compare with the fitted throttle's?

# %%
half = replace(scenarios.SCENARIOS["as-happened"].dwfm, throttle_establish_per_host_per_s=0.12)
slow = milestones.dwfm_milestones(dwfm_fluid.simulate(DwfmParams(), half, clock.at("09:00")),
                                  clock.DYNAMODB_DNS_RESTORED_S)["all_leases_restored"]
base = happened.milestones["all_leases_restored"]
ratio = (slow - clock.at("04:14")) / (base - clock.at("04:14"))
print(f"all leases back {wall_clock(slow)}; {ratio:.2f}x as long after 4:14 AM")
assert 1.6 < ratio < 2.2

# %% [markdown]
# **2.** DynamoDB's DNS state was identified as the cause at 12:38 AM PDT. Had it been fixed then (a 50-minute outage), would DWFM have healed by itself? What is the longest outage the default fleet survives, to the minute?

# %%
from outage.cascade.dwfm_params import DwfmControls  # noqa: E402

# One column per whole minute of outage, 0-50, in a single vectorised run (as the phase sweep does).
minutes = np.arange(51)
final = dwfm_fluid.final_leased_fraction(
    scenarios.with_fleet(DwfmParams(), 1000), DwfmControls(dynamodb_restored_s=minutes * 60.0),
    minutes[-1] * 60.0 + 6 * 3600.0, np.full(len(minutes), 1000.0),
)
healed = final >= phase.HEALED_FRACTION
longest = int(minutes[healed].max())
print(f"a 50-minute outage heals: {healed[-1]}; the longest that does is {longest} minutes")
assert healed[: longest + 1].all() and not healed[longest + 1:].any()  # one threshold, no islands
assert 30 <= longest < 50

# %% [markdown]
# **3.** The velocity control keeps at least $1 - \text{cap}$ of capacity. What is the largest cap that still avoids connection errors at a 55% load? Check just below and just above it.

# %%
limit = 1 - nlb.NlbParams().load_fraction
nm_happened = results["failover-kept"].netmgr
errors = {cap: nlb.simulate(nlb.NlbParams(), nlb.NlbControls(velocity_cap_fraction=cap), nm_happened).error_fraction.max()
          for cap in (limit - 0.01, limit + 0.01)}
print(f"largest safe cap {limit:.2f}; worst error share just below {errors[limit - 0.01]:.3f}, just above {errors[limit + 0.01]:.3f}")
assert errors[limit - 0.01] == 0 < errors[limit + 0.01]

# %% [markdown]
# **4.** With no outage at all, at how many droplets per host does DWFM collapse? Derive it from the closed loop (each droplet has one attempt outstanding, so the wait at saturation is $D w_r / K - c$) and compare with the phase diagram.

# %%
edge = phase.overload_droplets_per_host(DwfmParams())
first_overloaded = diagram.droplets_per_host[(diagram.region == phase.OVERLOADED).all(axis=1)].min()
print(f"derived {edge:.0f} droplets per host; the sweep's first overloaded row {first_overloaded:.0f}")
assert edge == 32 * (300 + 120 - 5) / 5
assert first_overloaded - 100 <= edge <= first_overloaded

# %% [markdown]
# **5.** Network Manager's burst waits for DWFM's lease work because the held changes share the 4:14 AM throttle with lease establishments. Suppose the throttle had admitted held changes without limit, so that only idle DWFM workers held them back. When would propagation latency have become elevated, and would the backlog have cleared sooner?

# %%
unthrottled = replace(happened.dwfm, admission_limit_per_s=np.full_like(happened.dwfm.t_s, np.inf))
params = netmgr.NetmgrParams()
early = netmgr.simulate(params, scenarios.SCENARIOS["as-happened"].netmgr, unthrottled)
found = milestones.netmgr_milestones(early, params.latency_elevated_s, params.latency_normal_s)
print(f"latency elevated {wall_clock(found['propagation_latency_elevated'])} "
      f"(as happened {wall_clock(happened.milestones['propagation_latency_elevated'])}); backlog cleared "
      f"{wall_clock(found['network_backlog_cleared'])} (as happened {wall_clock(happened.milestones['network_backlog_cleared'])})")
assert found["propagation_latency_elevated"] < clock.at("05:00") < happened.milestones["propagation_latency_elevated"]
# Earlier, and sooner: Network Manager starts on the backlog while leases are still returning.
assert found["network_backlog_cleared"] < happened.milestones["network_backlog_cleared"] - 30 * 60
print(f"peak latency {early.latency_s.max() / 60:.0f} min (as happened {happened.netmgr.latency_s.max() / 60:.0f} min)")
