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
# # The live lab: the outage's DNS halves on real BIND 9 and Unbound
#
# ## Overview
#
# The race model and the DNS caching model are small, and small models convince the people who wrote them.
# This notebook asks whether real DNS software does what they say.
# The lab starts BIND 9 (`named`, standing in for Route 53) and Unbound (standing in for client resolvers) from Debian on loopback, and drives them with Enactor processes that write RFC 2136 DNS UPDATEs.
#
# It tests two lines of the AWS summary (section *DynamoDB*): that a delayed Enactor's stale plan, then another Enactor's clean-up, left the regional endpoint with an empty DNS record; and that after the records were restored at 2:25 AM PDT, clients came back only "as cached DNS records expired", until 2:40 AM PDT.
#
# You will see: the race model's shortest trace replayed against `named`, with the endpoint's answer going empty through Unbound, then the same replay with a conditional write (refused with NXRRSET, never empty) and with the talk DAT453's TXT lock; then the recovery tail measured through independent Unbound caches at three negative TTLs, laid over the DNS model's prediction; then how many queries reach the authoritative server with and without negative caching.
#
# The figures and tables show the measurements committed in `data/lab/` from a real run, so they are the same on every machine.
# The next cell runs the lab again when `named` and `unbound` are installed, and checks the fresh run against those measurements.

# %% [markdown]
# ## The lab
#
# | Part | Real software | Stands in for | Set-up |
# |---|---|---|---|
# | Authoritative server | BIND 9 `named`, foreground | Route 53 | one zone per endpoint (the talk: one hosted zone each), dynamic updates accepted only when signed with a TSIG key made for the run, query log on |
# | Recursive resolver | Unbound, foreground | client resolvers | each on its own 127.0.0.x address; stub zone pointing at `named`, negative caching on (`cache-max-negative-ttl` 3600 s, or 0 to turn it off), everything else refused |
# | Planner | Python, writes plan files | the DNS Planner | a plan store directory (the S3 stand-in); plan `g` lists two addresses per endpoint |
# | Enactors | three Python processes | the DNS Enactors, one per AZ | take the newest plan with a one-time newer-than check; write each endpoint as one UPDATE; clean up plans more than `keep` = 1 generations older |
#
# In each endpoint's zone the apex holds the active plan's addresses, `p<g>` holds plan `g`'s record tree, `_generation` (TXT) the active generation and `_lock` (TXT) the talk's lock.
# Assumption: BIND has no alias records, so the apex keeps a copy of the active tree's addresses, and deleting a plan deletes its records wherever they are — as deleting an alias's target leaves the alias answering nothing.
#
# Three write variants, each one swap in the Enactor:
#
# - **incident**: the write is unconditional.
# - **conditional-write** (the fix): the UPDATE carries an RFC 2136 prerequisite that `_generation` still holds the value the Enactor saw when it checked its plan; if not, the server refuses the whole UPDATE with NXRRSET, the Enactor rereads the generation and drops the endpoint if it is already newer.
# - **lock** (talk DAT453): the Enactor first wins the endpoint's TXT lock by an UPDATE that deletes the exact value it read and adds its own; its write deletes its own exact value and adds "free" in the same UPDATE.
#
# The tail experiment scales time 1:100 (900 s becomes 9 s).
# Each Unbound cache fetches the empty answer at its own moment, spread evenly over one negative TTL before the fix: the DNS model's uniform entry-age assumption, made deterministic.
# One client per cache retries every 1 s (scaled: 10 ms), with no cache of its own.

# %% [markdown]
# ## Implementation
#
# `outage.lab.race.run()` explores the race model, takes its shortest counterexample to "record never empty" and replays it step by step, comparing the servers with the model's state after every step; `outage.lab.tail.run()` measures the tail and calls `outage.dns.recovery.predict_recovery` for the same settings.
# Both are also commands: `python -m outage lab race` and `python -m outage lab tail`.

# %%
import math

from outage.lab import figures
from outage.lab.config import MissingTool, find_tool
from outage.lab.report import load_committed, race_account, replay_outline, tail_account
from outage.lab.tail import TailSettings, model_prediction

race = load_committed("race")
tail = load_committed("tail")
print("committed measurements from a real run:")
print(f"  named:   {race['software']['named']}")
print(f"  unbound: {race['software']['unbound']}")

# %% [markdown]
# ### Running the lab here
#
# When both tools are installed this cell runs the race and a short tail (negative TTLs of 200 and 300 s, four caches, about 20 s).
# The race's steps must equal the committed ones exactly (they carry no timings), and the tail's query counts must pass the same comparison as `python -m outage lab tail` (see Experiment 3); the tail's timings are printed here and checked by the lab's tests.
# Without the tools it says so, and everything below still shows the committed measurements.
# Its output differs between machines, so the notebook tests do not compare it, and the site's build does not run it (`OUTAGE_SITE_BUILD=1`): the published page is the same on every build.
#
# To run the lab on your own machine (Debian; installing the packages needs root), from a clone of the repository:
#
# ```sh
# scripts/setup --system                # .venv, plus the Debian packages bind9, unbound (and chromium)
# .venv/bin/python -m outage lab race   # the race replay, a few seconds
# .venv/bin/python -m outage lab tail   # the recovery tail, under a minute
# ```
#
# Add `--json` for the results as data; `.venv/bin/python -m outage lab tail --help` lists the tail's knobs (`--neg-ttl`, `--scale`, `--resolvers`, each with its bounds) and the exit codes: 0 the measurements agree with the model, 1 they disagree, 2 a bad parameter, 3 a missing or failing server (one line, with the server's own error text).
# To run this cell instead, open the notebook in JupyterLab: `.venv/bin/python -m pip install jupyterlab`, then `.venv/bin/jupyter lab notebooks/lab.ipynb`, and run all cells.
# (`python -m outage.site.notebooks execute lab` builds the site's copy, so it skips this cell.)
#
# Whatever this cell does, the tables and figures below show the measurements committed in `data/lab/`: `race.json` and `tail.json`, the output of `python -m outage lab race --json` and `python -m outage lab tail --json` from one real run.

# %% tags=["nbval-ignore-output"]
import os

try:
    find_tool("named")
    find_tool("unbound")
    tools = True
except MissingTool as error:
    tools = False
    print(f"{error}; showing the committed measurements only.")

if os.environ.get("OUTAGE_SITE_BUILD") == "1":
    print("Built for the site: the live run is skipped here (the commands above run it on your "
          "machine). Below: the committed measurements from data/lab/.")
elif tools:
    from outage.lab import race as race_lab
    from outage.lab import tail as tail_lab

    fresh_race = race_lab.run()
    same = replay_outline(fresh_race) == replay_outline(race)
    print(f"race: fresh run ({fresh_race['software']['named']}) equals the committed "
          f"measurements step for step: {same}")
    fresh_tail = tail_lab.run(TailSettings(neg_ttls_real_s=(200, 300), resolvers=4))
    print(tail_account(fresh_tail))
    assert same and fresh_tail["load"]["agrees"]

# %% [markdown]
# ## Experiment 1: the race, replayed on `named`
#
# The knob is the Enactor's write: unconditional (the incident), then conditional.
# The replay follows the race model's shortest counterexample at 3 Enactors × 3 plans × 2 endpoints, keep 1 (9 steps; 12 with the lock).
# Expect the regional endpoint to go back from plan 3 to plan 1 at step 7 and to answer NOERROR with no addresses after the clean-up at step 9; with the conditional write, step 7 is refused and the answer stays plan 3.

# %%
print(race_account(race))

# %%
variants = {v["variant"]: v for v in race["variants"]}
figures.race_chart(race).show()

# %% [markdown]
# *Figure 1 — the plan generation `named` holds for the regional endpoint after each step of the replay (hover for the step and the answer a client got), and the cross where Unbound's answer is empty.*
#
# In the incident replay Enactor A's stale write takes the endpoint back from plan 3 to plan 1 at step 7, and Enactor B's clean-up at step 9 deletes plan 1 while it is active: the generation record still says 1, but the endpoint answers NOERROR with no addresses.
# With the conditional write the same step 7 is refused (NXRRSET) and the endpoint stays on plan 3.
#
# The lock replay shows that the talk's TXT lock works as a lock — a rival that read "free" just before Enactor B won it is refused with NXRRSET — and still does not stop the race: Enactor A waits its turn, wins the lock and writes its stale plan.
# The lock is a compare-and-set on who writes; the conditional-write fix tested here is a compare-and-set on what is written (AWS has not described the fix it made).

# %% [markdown]
# ## Experiment 2: the recovery tail through Unbound
#
# The knob is the negative TTL, min(SOA TTL, SOA MINIMUM): 300, 600 and 900 s, scaled to 3, 6 and 9 s.
# Expect every client back within one negative TTL of the fix, plus up to one second: Unbound keeps time in whole seconds, so an entry with TTL N answers for N to N + 1 s (100 s at this scale, under 1 % at full scale).

# %%
print(tail_account(tail))

# %%
settings = TailSettings(scale=tail["scale"], resolvers=tail["resolvers"])
predictions = {row["neg_ttl_lab_s"]: model_prediction(settings, row["neg_ttl_lab_s"])
               for row in tail["settings"]}
figures.tail_chart(tail, predictions).show()

# %% [markdown]
# *Figure 2 — share of clients resolving the name again after the fix, one colour per negative TTL (300, 600 and 900 s, labelled where they reach 100 %), in lab seconds (× 100 for real seconds).*
#
# Lines: the DNS model for the same negative TTLs (one client per resolver cache, no client cache, a fixed 1 s retry; times divided by 100).
# Markers: the eight measured clients, each behind its own Unbound.
# The measured points follow the model's ramps to within about one second: Unbound's whole-second clock puts each client 0 to 1 s after its entry's nominal expiry, and the model's entry ages are random where the lab's are evenly spaced.
# The last client is back one negative TTL after the fix, as the model says, so a 15-minute tail is what a 900 s negative TTL gives on real resolver software.

# %% [markdown]
# ## Experiment 3: what reaches the authoritative server
#
# The knob is negative caching in Unbound: on (`cache-max-negative-ttl` 3600 s) or off (0).
# Two caches of each kind, one client each asking every 10 ms (1 s at full scale) while the record is empty.
# Expect a handful of queries at `named` with caching, one per cache per negative TTL, and every client query without it.
#
# The count is of client questions, not of lines in `named`'s query log.
# Unbound asks `named` again when an answer takes longer than its retransmit timeout, which on loopback falls to its floor of 50 ms; on a machine busy with disk writes `named` or Unbound now and then stalls that long, and `named` logs the same question twice or more.
# So each Unbound has its own address, and each client question spells the name in its own mix of upper and lower case (question 5 of `load-uncached.tail.lab.test` is `LoAd-uncached.tail.lab.test`).
# DNS names match whatever their case, so answers and caching are unchanged, but Unbound passes the client's spelling on and `named` logs it: each logged query names the question it served.
# Further copies of a spelling count as re-sends, and a spelling no client used makes the comparison fail.
# (The times in `named`'s log cannot do this: its clock runs a few milliseconds behind, more on a busy machine, and a client asks again 10 ms after its last answer.)

# %%
load = tail["load"]
print(f"record empty for {load['window_lab_s']:.1f} lab s, negative TTL {load['neg_ttl_lab_s']} lab s")
figures.load_chart(tail).show()

# %% [markdown]
# *Figure 3 — queries sent by the clients and queries that reached `named`, counted from its query log, for two Unbound caches of each kind, on a log scale.*
# With negative caching the authoritative server sees one query per cache each time the empty answer expires; without it, it sees every client query.
# An empty answer cached for a long time makes the authority quieter, not busier; it is the lack of negative caching that multiplies its load (compare the amplification experiment of the DNS caching notebook).

# %% [markdown]
# ## What this shows
#
# - On real BIND 9, the race model's shortest interleaving is enough: each step does what the model says, and the regional endpoint answers NOERROR with no addresses through a real Unbound — the empty answer of the talk, not NXDOMAIN.
# - An RFC 2136 prerequisite on a generation record turns the one-time check into a compare-and-set: the stale write is refused with NXRRSET and the record never empties. The talk's TXT lock uses the same mechanism on the wrong question, so on its own it does not help.
# - Through real Unbound, clients come back one negative TTL after the fix, spread over that TTL as the DNS model predicts; a 900 s negative TTL gives the 15-minute tail.
# - What the lab does not show: Route 53's alias records and change batches are emulated with BIND zones and UPDATEs, the rollback record and the stuck state after the deletion are not reproduced, and Unbound's whole-second clock makes time scaling coarser than the real event.

# %% [markdown]
# ## Exercises
#
# **1.** In the incident replay, which step empties the regional endpoint, and what does a client get then?

# %%
incident = variants["incident"]
first_empty = next(s for s in incident["steps"] if s["empty"][0])
print(f"step {first_empty['n']}: {first_empty['action']} -> {first_empty['resolver'][0]}")
assert first_empty["action"] == "Enactor B cleans up after plan 3"
assert first_empty["resolver"][0] == "NOERROR, 0 answers (EMPTY)"

# %% [markdown]
# **2.** With the conditional write, what rcode refuses Enactor A's stale write, and which plan does the endpoint keep?

# %%
fixed = variants["conditional-write"]
refused = next(s for s in fixed["steps"] if "NXRRSET" in s["rcodes"])
print(f"{refused['action']}: {refused['rcodes']}; the endpoint ends on plan "
      f"{fixed['steps'][-1]['generations'][0]}")
assert refused["rcodes"] == ["NXRRSET"] and fixed["steps"][-1]["generations"][0] == 3

# %% [markdown]
# **3.** From the measurements, how far is each client's recovery from Unbound's rule (the entry answers until its whole-second clock passes fetch time + N + 1), and how late, at most, is the last client compared with one negative TTL?

# %%
gap = max(abs(c["recovered_s"] - c["unbound_rule_s"]) for r in tail["settings"] for c in r["clients"])
late = max(r["measured"]["all_s"] - r["neg_ttl_lab_s"] for r in tail["settings"])
print(f"largest gap to the rule: {gap:.2f} s; last client at most {late:.2f} s after one TTL")
assert gap < 0.2 and 0.0 <= late <= 1.0 + 2 * tail["poll_lab_s"]

# %% [markdown]
# **4.** How many times fewer queries reached `named` with negative caching than without, over the same outage window?

# %%
ratio = load["uncached"]["authoritative_queries"] / load["cached"]["authoritative_queries"]
print(f"{ratio:.0f} times fewer")
assert ratio > 100 and math.isfinite(ratio)

# %% [markdown]
# **5.** In the replay with the talk's TXT lock, does the lock refuse a rival holding an out-of-date view of it, and does the regional endpoint still go empty? At which step?

# %%
locked = variants["lock"]
probe = locked["lock_probe"]
emptied = next(s for s in locked["steps"] if s["empty"][0])
print(f"{probe['label']}: {probe['rcode']}; the endpoint goes empty at step {emptied['n']}: "
      f"{emptied['action']}")
assert probe["refused"] and probe["rcode"] == "NXRRSET"
assert emptied["n"] == len(locked["steps"]) == 12
