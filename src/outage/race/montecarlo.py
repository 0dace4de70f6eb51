"""How likely is the race? A seeded, timed simulation of the same mechanism.

Claim: the race needs one Enactor to fall more than ``keep`` plan generations behind and then
write its stale plan inside the short window between a newer run's write of that endpoint and
that run's clean-up. How often that happens per day depends on how heavy the tail of the
lock back-off is and on how fast the Planner publishes.

The simulation does not re-implement the mechanism: it drives the checked model's own
``enactor_action`` (one Enactor's part of ``actions``) and ``step`` (``outage.race.model``,
with the per-endpoint lock of talk DAT453) and only decides *when* each actor takes its next
step:

    Planner:  publish ── Exp(cadence_s) ── publish ── ...
    Enactor:  notices a new plan within U(0, poll_s) ─ take ─┬─ lock free? ─ lock ─ Exp(write_s) ─ write ─┐
                                                             └─ lock held: back off Pareto(backoff_s, tail_index), retry
              after the last endpoint: clean-up (cleanup_s), then the next plan if there is one

A day (``horizon_s``) counts as failed at the first step after which some endpoint's record is
empty. Every random number comes from the ``numpy.random.Generator`` passed in; replication
``i`` of a sweep point uses ``seed + i``.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported when a simulation runs, not by `python -m outage`
    import numpy as np

from outage.race.model import (
    IDLE,
    CleanUp,
    Lock,
    Params,
    Publish,
    Take,
    Write,
    enactor_action,
    init_states,
    record_never_empty,
    step,
)

PLANNER = -1


@dataclass(frozen=True)
class SimParams:
    """Timing of the simulated system; every default is an assumption (none is public)."""

    enactors: int = 3  # one per AZ [S]
    endpoints: int = 2  # Assumption, as in the model checker
    keep: int = 5  # Assumption: "significantly older" read as more than 5 generations
    cadence_s: float = 60.0  # Assumption: mean time between plans (Poisson Planner)
    write_s: float = 2.0  # Assumption: mean duration of one Route 53 transaction (exponential)
    cleanup_s: float = 1.0  # Assumption: one clean-up pass
    poll_s: float = 5.0  # Assumption: an idle Enactor notices a new plan within U(0, poll_s)
    backoff_s: float = 1.0  # Assumption: scale (minimum) of one back-off after losing a lock
    tail_index: float = 1.5  # Assumption: Pareto tail index of a back-off; smaller = heavier
    horizon_s: float = 86_400.0  # one day
    fixes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("cadence_s", "write_s", "cleanup_s", "poll_s", "backoff_s", "tail_index",
                     "horizon_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        object.__setattr__(self, "fixes", frozenset(self.fixes))
        # Validates enactors, endpoints, keep and fixes the same way as the model checker.
        self.model_params()

    def max_plans(self) -> int:
        """Plan bound for the model: the Poisson count of a day plus 10 standard deviations."""
        mean = self.horizon_s / self.cadence_s
        return int(mean + 10 * math.sqrt(mean) + self.keep + 10)

    def model_params(self) -> Params:
        return Params(self.enactors, self.max_plans(), self.endpoints, self.keep, self.fixes,
                      lock=True)


@dataclass(frozen=True)
class DayResult:
    """One simulated day: when (if ever) a record went empty, and what led there."""

    seed: int
    empty_at_s: float | None  # time of the first empty record, None if it never happened
    plans: int  # plans published
    stale_writes: int  # writes that moved an endpoint to an older plan
    max_lag: int  # most generations a write was behind the newest plan
    longest_backoff_s: float
    steps: int  # model steps taken


def simulate_day(sp: SimParams, rng: np.random.Generator, seed: int = 0) -> DayResult:
    """Simulate one horizon of the mechanism with timings drawn from ``rng``.

    Complexity: O(S·(N + E)) time for S model steps (about (2E + 2)·N per plan plus
    back-offs) with N Enactors and E endpoints; O(N) memory besides the state.
    """
    p = sp.model_params()
    s = init_states(p)[0]
    heap: list[tuple[float, int, int]] = []
    seq = 0
    u = _uniforms(rng)

    def at(t: float, who: int) -> None:
        nonlocal seq
        heapq.heappush(heap, (t, seq, who))
        seq += 1

    waiting = set(range(sp.enactors))  # idle Enactors with no wake-up scheduled
    at(-sp.cadence_s * math.log(1.0 - next(u)), PLANNER)
    steps = stale = max_lag = 0
    longest = 0.0
    while heap:
        t, _, who = heapq.heappop(heap)
        if t > sp.horizon_s:
            break
        if who == PLANNER:
            s = step(p, s, Publish(s.newest + 1))
            steps += 1
            if s.newest < p.plans:
                at(t - sp.cadence_s * math.log(1.0 - next(u)), PLANNER)
            for i in sorted(waiting):
                at(t + sp.poll_s * next(u), i)
            waiting.clear()
            continue
        a = enactor_action(p, s, who)
        if a is None:
            if s.enactors[who].phase == IDLE:
                waiting.add(who)  # nothing newer than its last plan: wait for the Planner
            else:
                # Lock held by another Enactor (or the transaction is rejected): back off.
                pause = sp.backoff_s * (1.0 - next(u)) ** (-1.0 / sp.tail_index)
                longest = max(longest, pause)
                at(t + pause, who)
            continue
        s2 = step(p, s, a)
        steps += 1
        if isinstance(a, Write):
            max_lag = max(max_lag, s.newest - a.plan)
            stale += s2.endpoints[a.endpoint].active < s.endpoints[a.endpoint].active
        s = s2
        # Only a clean-up deletes records (an applied write rebuilds its tree).
        if isinstance(a, CleanUp) and not record_never_empty(s):
            return DayResult(seed, t, s.newest, stale, max_lag, longest, steps)
        if isinstance(a, Lock):
            # The lock is held while the transaction runs; its duration varies, and that
            # variation is what opens the window between a run's last write and its clean-up.
            at(t - sp.write_s * math.log(1.0 - next(u)), who)
        elif isinstance(a, (Take, Write)):
            at(t, who)  # straight on to the next lock or to clean-up
        elif isinstance(a, CleanUp):
            if s.newest > a.plan:
                at(t + sp.cleanup_s + sp.poll_s * next(u), who)
            else:
                waiting.add(who)
    return DayResult(seed, None, s.newest, stale, max_lag, longest, steps)


def _uniforms(rng: np.random.Generator, batch: int = 4096):
    """Uniform draws on [0, 1) from ``rng``, fetched in batches (scalar calls are slow);
    every distribution above is an inverse-CDF transform of one draw."""
    while True:
        yield from rng.random(batch).tolist()


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (default 95 %). O(1)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    phat = successes / n
    denom = 1 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes one bound is exactly 0 or 1; rounding must not move it.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Estimate:
    """Probability that a day sees an empty record, over ``days`` independent days."""

    params: SimParams
    days: int
    failed_days: int
    p: float
    low: float  # 95 % Wilson interval
    high: float
    results: tuple[DayResult, ...]


def estimate(sp: SimParams, days: int, seed: int = 0) -> Estimate:
    """Simulate ``days`` days with seeds ``seed``, ``seed + 1``, ... and estimate the daily
    probability of an empty record with a 95 % Wilson interval. Cost: ``days`` ×
    :func:`simulate_day`."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    import numpy as np

    results = tuple(simulate_day(sp, np.random.default_rng(seed + i), seed + i)
                    for i in range(days))
    failed = sum(r.empty_at_s is not None for r in results)
    low, high = wilson(failed, days)
    return Estimate(sp, days, failed, failed / days, low, high, results)


# The sweep of the notebook and the CLI: back-off tail × Planner cadence, written once.
TAIL_INDICES = (1.2, 1.5, 2.0)
CADENCES_S = (30.0, 60.0, 120.0)


def sweep(base: SimParams, days: int, seed: int = 0, tail_indices=TAIL_INDICES,
          cadences_s=CADENCES_S) -> list[Estimate]:
    """One :func:`estimate` per (tail index, cadence), all with the same seeds (common
    random numbers make neighbouring points comparable)."""
    return [estimate(replace(base, tail_index=a, cadence_s=c), days, seed)
            for a in tail_indices for c in cadences_s]
