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
# # The race: model-checking DynamoDB's DNS Planner and Enactors
#
# ## Overview
#
# At 11:48 PM PDT on 19 October, the DNS record of `dynamodb.us-east-1.amazonaws.com` became empty.
# The AWS summary (section *DynamoDB*) explains it as a race between two of the three DNS Enactors: a delayed Enactor wrote a far older plan onto the regional endpoint just as a faster Enactor, having applied a much newer plan, started its clean-up; the clean-up deleted the old plan, which was by then the active one.
# The summary adds that the system was left in an inconsistent state that stopped any Enactor from applying later plans, so operators had to step in.
#
# This notebook turns that paragraph into a model that a checker explores exhaustively.
# You will see: the rules as code you can edit; the shortest interleaving that empties the record, step by step; which of three fixes protects which property; and, from a timed simulation of the same rules, how often the race would strike per day under assumed timings.

# %% [markdown]
# ## The model
#
# **Actors.** A Planner publishes plan generations 1, 2, 3, … (one regional plan each); plan 0 is active everywhere at the start.
# $N$ Enactors (three, one per AZ [S]) each loop: *take* the newest plan and check **once** that it is newer than the last plan it applied; *write* it to endpoint 1, …, $E$, one Route 53 transaction per endpoint, with any other step free to happen between two writes; then *clean up*: delete every plan more than $K$ generations older than the plan just applied.
#
# **Endpoints.** Each endpoint has a top alias pointing at the active plan's record tree.
# Each write builds the plan's tree, moves the alias, and points a rollback record at the tree it replaces, all in one transaction (talk DAT453).
# In the talk, once the active tree had been deleted, the Enactor's code had to point the rollback record at a tree that no longer existed and could not handle that (talk DAT453).
# The model represents this as a rejected write: Route 53 rejects a transaction whose rollback record would point at a deleted tree.
#
# | Action | Enabled when | Effect |
# |---|---|---|
# | Planner publishes $g+1$ | $g <$ `plans` | newest $:= g+1$ |
# | Enactor $i$ takes plan $n$ | idle, $n$ = newest $>$ its last applied | writing $n$, next endpoint 1 |
# | Enactor $i$ wins endpoint $e$'s lock (option) | lock free | holder $:= i$ |
# | Enactor $i$ writes plan $n$ to endpoint $e$ | the active tree of $e$ exists (the rollback record must point at it) | active$_e := n$, its tree exists |
# | Enactor $i$ cleans up after $n$ | written every endpoint | delete every plan $< n - K$ and its trees everywhere |
#
# Nothing in these rules says "empty" or "stuck".
# An endpoint's record is empty when its active tree has been deleted; after that, no write to the endpoint can succeed, because its rollback record would have to point at a tree that no longer exists (the talk's explanation of the "inconsistent state").
#
# **Properties.** *Record never empty*; *active plan never deleted*; *no regression* (an endpoint never moves to an older generation); *progress* (from every reachable state, the newest plan can still reach every endpoint: CTL $AG\,EF$).
# Each comes with `sometimes` witnesses, so that a "holds" cannot come from a model in which nothing happens.
#
# **Fixes**, each one changed guard: *conditional write* (each transaction checks that the endpoint's plan is not newer); *clean-up guard* (never delete a plan active on any endpoint); *fencing token* (issued when a run starts; an endpoint rejects a token older than one it has accepted).
# Parameters that no source gives ($K$, the number of endpoints, the plan bound, every timing) are assumptions, listed at the end.

# %% [markdown]
# ## Implementation
#
# `outage.race.model` holds the rules as data (`Params`, `State`, `actions`, `step`, `properties`); `outage.checker.explore` visits every reachable state breadth-first, so each counterexample it returns is a shortest one.

# %%
import inspect
from unittest import mock

import yaml
from IPython.display import Markdown, display

from outage.checker import explore, replay
from outage.race import figures, manifest
from outage.race import model as race
from outage.race.montecarlo import CADENCES_S as CADENCES, SimParams, estimate, sweep
from outage.race.report import property_checks, readable_trace
from outage.race.table import fix_table, format_table

p = race.Params()  # 3 Enactors, plans 1-5, 2 endpoints, keep 1, no fix
result = explore(race.model(p))
print(f"{p.label}: {result.states:,} distinct states, verdict {result.verdict}")
for r in result.results:
    print(f"  {r.name:<40} {r.verdict:<9} shortest trace: {r.trace_length}")

# %% [markdown]
# The rules are ordinary Python.
# Here are the two that matter most: what Route 53 does with a write, and which plans a clean-up deletes.

# %%
print(inspect.getsource(race.write_outcome))
print(inspect.getsource(race.doomed_plans))

# %% [markdown]
# Edit a rule and re-run the checker.
# The cell below replaces `write_outcome` with a copy of its conditional-write branch, always on.
# Delete the marked line, and the checker finds the race again.

# %%
def my_write_outcome(p, s, i):
    e = s.enactors[i]
    ep = s.endpoints[e.at]
    if ep.active > e.plan:  # the conditional write: delete this line and the next
        return race.STALE
    return race.APPLIED if ep.live else race.BLOCKED


with mock.patch.object(race, "write_outcome", my_write_outcome):
    edited = explore(race.model(p))
print(f"with the edited rule: {edited.verdict}, {edited.states:,} states")

# %% [markdown]
# ## Experiment 1: the shortest way to an empty record
#
# The knob is the interleaving; the checker picks the shortest one that empties a record.
# Expect the summary's story with the smallest numbers that make it work: the stale plan must be more than $K = 1$ generations older than the newer one.

# %%
empty = result.result(race.RECORD_NEVER_EMPTY)
for n, line in enumerate(readable_trace(p, result, empty.trace), 1):
    print(f"{n:>2}. {line}")

# %% [markdown]
# The step-through below draws each state of that trace: the plan store (alive, deleted, not yet published), the newest plan the Planner has published, each endpoint's active plan, and each Enactor with the plan it holds and what it does next.
# Above the plot, the text says what the step did and which of the four properties still hold in that state (✗ marks a broken one; progress is checked by searching forward from the state).
# Hover over a mark for the full sentence.

# %% tags=["figure:race-step-through"]
figures.step_through(p, empty.trace).show()

# %% [markdown]
# *Figure 1 — The shortest interleaving that empties a record (3 Enactors, plans 1–5, 2 endpoints, $K = 1$). Drag the slider through the ten states. Squares are plans (green alive, dark red deleted, grey not yet published), the triangle marks the Planner's newest plan, diamonds each endpoint's active plan, circles the Enactors at the plan they hold ("→ regional": the endpoint it writes next); the actor of the step is in bold. Look at state 7, where "no regression" breaks, and state 9, where the regional diamond turns red and the other three properties fail together.*
#
# Enactor A takes plan 1 and is then delayed; the Planner publishes plans 2 and 3; Enactor B takes plan 3 and writes the regional endpoint; A, whose check passed long ago, writes plan 1 over it; B writes the IPv6 endpoint and cleans up, deleting plans 0 and 1.
# Plan 1 is the regional endpoint's active plan, so its record is empty, and in that same state progress is lost: no Enactor can write the regional endpoint again.
# The no-regression property broke two steps earlier, at A's stale write; that write alone would have been a short, self-healing step back.

# %% [markdown]
# ## Experiment 2: which fix protects which property
#
# The knob is the set of fixes: every combination, at the size above.
# Each row is one complete exploration; "violated (n steps)" gives the shortest counterexample.
# The table is computed here and checked against the project's committed manifest, which the tests also check.

# %%
rows = fix_table(p.enactors, p.plans, p.endpoints, p.keep)
committed = {e["id"]: e for e in manifest.load()["entries"]}
for row in rows:
    entry = committed[f"incident/{row.fixes}"]
    assert entry["states"] == row.states
    assert all(entry["properties"][name]["verdict"] == verdict
               and entry["properties"][name]["trace_length"] == length
               for name, (verdict, length) in row.cells.items())
display(Markdown(format_table(rows)))

# %% [markdown]
# The conditional write and the fencing token each protect all four properties on their own: the stale write is rejected, so nothing old is ever active when a clean-up runs.
# The clean-up guard keeps every record non-empty and keeps progress, but an endpoint can still go back to an older plan, and a stale Enactor can reinstate a plan that a clean-up has already deleted from the store, so "active plan never deleted" still fails.
# Combinations add nothing beyond the write-side fixes at this size.

# %% [markdown]
# The clean-up guard's verdict rests on our reading of a detail the sources leave open: a write of a plan that clean-up has already deleted rebuilds its records from the Enactor's own copy.
# The model has a switch for the other reading, in which such a write leaves the endpoint with no records (`write_deleted="empty"`); under it the guard alone no longer keeps the record, and the race chapter's table gives every fix under every reading.

# %%
guard_empty = explore(race.model(race.Params(fixes=frozenset({race.CLEANUP_GUARD}), write_deleted="empty")))
for name in (race.RECORD_NEVER_EMPTY, race.PROGRESS):
    r = guard_empty.result(name)
    print(f"{name:<20} {r.verdict:<9} shortest trace: {r.trace_length}")

# %% [markdown]
# Try another size or another combination here: the panel runs this notebook's model and checker in your browser, and draws a violation as the same step-through as Figure 1.
#
# <!-- live-check race -->

# %% [markdown]
# ## Experiment 3: the DAT453 lock does not prevent the race
#
# The knob is the per-endpoint lock of the talk: an Enactor must win an endpoint's lock before its transaction.
# Expect the same race, three lock steps longer.

# %%
locked = explore(race.model(race.Params(lock=True)))
lock_trace = locked.result(race.RECORD_NEVER_EMPTY)
print(f"with the lock: {locked.states:,} states, verdict {locked.verdict}, "
      f"shortest empty record in {lock_trace.trace_length} steps")
for n, line in enumerate(readable_trace(race.Params(lock=True), locked, lock_trace.trace), 1):
    print(f"{n:>2}. {line}")

# %% [markdown]
# The lock serialises transactions on one endpoint, but the delayed Enactor's stale plan passed its check long before it won the lock, and it held a perfectly valid lock when it wrote.
# This is the talk's account: the delayed Enactor lost the lock several times in a row, backed off, and then installed a plan far older than anyone had considered.

# %% [markdown]
# ## Experiment 4: how likely is it per day?
#
# The knobs are the tail of the lock back-off (Pareto tail index; smaller is heavier) and the Planner's cadence (mean seconds between plans).
# The simulation drives the same `actions` and `step`, with the lock, and draws *when* each actor moves: Poisson plans, exponential transaction times, Pareto back-offs after a lost lock.
# Clean-up here keeps 5 generations.
# Every number below is an assumption (see the table at the end); the shape of the curves is the result, not the levels.
# Each point is 16 simulated days (seeds 0–15), with a 95 % Wilson interval.

# %%
DAYS = 16
points = sweep(SimParams(), DAYS, seed=0)
for e in points:
    print(f"tail {e.params.tail_index:g}, cadence {e.params.cadence_s:g} s: "
          f"{e.failed_days}/{e.days} days, 95 % interval [{e.low:.2f}, {e.high:.2f}], "
          f"most generations behind {max(r.max_lag for r in e.results)}")
slow_planner = [e for e in points if e.params.cadence_s == 120.0]
assert all(e.failed_days == 0 for e in slow_planner)
# Same seeds at every point: a heavier tail never fails on fewer days at the same cadence.
assert all(a.failed_days >= b.failed_days for a, b in zip(points, points[len(CADENCES):]))

# %% tags=["figure:race-montecarlo"]
figures.montecarlo(points).show()

# %% [markdown]
# *Figure 2 — Share of simulated days with an empty record, by back-off tail index and Planner cadence (16 days per point, bars are 95 % Wilson intervals; keep 5 generations, every timing assumed; the three lines are drawn slightly apart so that equal points stay visible). Look at how the 30-s and 60-s lines rise towards the heavier tails on the left while the 120-s line stays at zero, and how the lines sit higher the faster the Planner publishes.*
#
# Heavier back-off tails and faster Planners both make the race likelier: an Enactor must fall more than $K$ generations behind, which needs a back-off longer than about $K$ plan intervals, and then its stale write must land between a newer run's write of that endpoint and that run's clean-up.
# With a plan every 120 s no simulated day failed at any tail (the cell above asserts it), and at 60 s only the heaviest tail did: consistent with a defect that lay dormant until an unusual delay, and with the talk's remark that with fewer plans the race would not have been exposed.
# Stepping back a few generations is common in these runs; stepping back more than $K$ is what is rare.

# %% [markdown]
# ## What this shows
#
# - The empty record and the stuck automation both follow from two rules in the summary and the talk: a newer-than check made once before the writes, and a clean-up relative to the plan just applied, plus the rollback record that must point at the active tree.
# - The shortest path to the outage needs only two Enactors, three plan generations and nine steps; the third Enactor never moves.
# - A check inside each transaction (or a fencing token per run) protects all four properties; a guard on clean-up alone prevents the empty record but not the step back to an old plan; the per-endpoint lock alone prevents nothing.
# - How often the race strikes depends on numbers AWS has not published; the simulation shows the direction of each effect, not the real rate.

# %% [markdown]
# ## Assumptions
#
# Every value below is a choice, not a fact from AWS; the methodology page shows the same list.

# %%
assumptions = yaml.safe_load((manifest.DEFAULT_PATH.parent / "assumptions" / "race.yaml").read_text())
display(Markdown("| name | value | unit | why |\n|---|---|---|---|\n" + "\n".join(
    f"| `{a['name']}` | {a['value']} | {a['unit']} | {a['why']} |" for a in assumptions["assumptions"])))

# %% [markdown]
# ## Exercises
#
# **1.** Keep everything else but let clean-up keep $K = 3$ generations. How many steps does the shortest empty-record trace take now, and why?

# %%
k3 = explore(race.model(race.Params(keep=3))).result(race.RECORD_NEVER_EMPTY)
print(k3.trace_length)
assert k3.trace_length == 11  # two more Planner steps: the newer plan must be 5, not 3

# %% [markdown]
# **2.** Which single fix keeps every record non-empty but still lets an endpoint go back to an older plan?

# %%
only = {row.fixes: row.cells for row in rows if "," not in row.fixes}
answer = [name for name, cells in only.items()
          if cells[race.RECORD_NEVER_EMPTY][0] == "holds" and cells[race.NO_REGRESSION][0] == "violated"]
print(answer)
assert answer == ["cleanup-guard"]

# %% [markdown]
# **3.** Can the race happen with a single Enactor? Check it with 1 Enactor, plans 1–5, 2 endpoints.

# %%
single = explore(race.model(race.Params(enactors=1)))
print(single.verdict)
assert single.verdict == "holds"

# %% [markdown]
# **4.** In the simulation, what does the conditional write do to the daily probability with the heaviest tail and fastest Planner above, and to the number of stale writes?

# %%
fixed = estimate(SimParams(tail_index=1.2, cadence_s=30.0, fixes={race.CONDITIONAL_WRITE}), 4, seed=0)
print(fixed.failed_days, sum(r.stale_writes for r in fixed.results))
assert fixed.failed_days == 0 and all(r.stale_writes == 0 for r in fixed.results)

# %% [markdown]
# **5.** In the shortest trace of Experiment 1 (Figure 1), after which step does each property first fail?

# %%
checks = property_checks(p, replay(race.model(p), empty.trace, result.initial[0]), empty.trace)
first_failure = {name: next(k for k, c in enumerate(checks) if not c[name]) for name in race.SAFETY}
print(first_failure)
assert first_failure == {race.RECORD_NEVER_EMPTY: 9, race.ACTIVE_NEVER_DELETED: 9,
                         race.NO_REGRESSION: 7, race.PROGRESS: 9}
