"""What-if grid: every combination of four DNS knobs, run once, for a chart the reader turns by
hand.

Claim: the recovery tail after 2:25 AM PDT is set by what the authority answered, and each knob
acts only through it. With the empty answer that happened, the tail is one negative TTL long and
serve-stale and failure caching change nothing (the authority answered); with an authority
that times out, the negative TTL changes nothing, serve-stale hides the outage and failure
caching trades a longer tail for less load. The grid runs every combination through the same
`population.simulate`, with one seed for all (common random numbers: a difference between two
combinations is the knob's, not the draw's), so a page can show any of them without running
anything.

    knob answer (2)  x  knob negative TTL (4)  x  knob serve-stale (2)  x  knob failure caching (2)
      = 32 runs of 300 clients behind 20 resolver caches, plus one healthy run for normal load

A knob is named data: its control label (naming the unit of its values), the `Params` field it
sets, and choices that each say whether the value is stated by AWS's summary or talk
("source") or is this site's choice ("assumption"). Only the empty answer is a source: no TTL
and no resolver feature involved is public.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import _quantile, normal_qps, outage_qps, recovery_times_s
from outage.dns.resolution import AnswerMode

#: Where a choice's value comes from: stated by the AWS summary or the DAT453 talk, or chosen by
#: this site (a default nobody has published, or a counterfactual).
SOURCES = ("source", "assumption")


@dataclass(frozen=True)
class Choice:
    """One value of a knob: what the control shows, where the value comes from, and the value
    of the knob's `Params` field it stands for."""

    label: str
    source: str
    value: Any

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")


@dataclass(frozen=True)
class Knob:
    """A control: its label (naming the unit of its values), the `Params` field it sets, and its
    choices; `as_observed` is the index of the choice of the default assumptions.

    Every choice must say where its value comes from, in its own label or, when all choices
    share one source, once in the knob's label."""

    label: str
    unit: str
    field: str
    choices: tuple[Choice, ...]
    as_observed: int = 0

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError("a knob needs at least one choice")
        if not 0 <= self.as_observed < len(self.choices):
            raise ValueError("as_observed must index a choice")
        if self.unit not in self.label:
            raise ValueError(f"knob label {self.label!r} must name its unit {self.unit!r}")
        if self.field not in Params.__dataclass_fields__:
            raise ValueError(f"{self.field!r} is not a field of Params")
        if len({c.label for c in self.choices}) != len(self.choices):
            raise ValueError("choice labels must differ")
        for choice in self.choices:
            if not self.states_source(choice):
                raise ValueError(f"choice {choice.label!r} of {self.label!r} must say its source "
                                 f"({choice.source}) in its label or the knob's")

    def states_source(self, choice: Choice) -> bool:
        """True when the control tells the reader where `choice`'s value comes from."""
        shared = len({c.source for c in self.choices}) == 1
        return choice.source in choice.label or (shared and choice.source in self.label)


ANSWER_KNOB = Knob(
    label="What the authority answered (DNS reply)",
    unit="DNS reply",
    field="answer",
    choices=(
        # DAT453: NOERROR with an empty answer section, for A and AAAA alike.
        Choice("empty (source)", "source", AnswerMode.EMPTY),
        # Counterfactual: an unreachable authority sends nothing at all.
        Choice("time-out (assumption)", "assumption", AnswerMode.TIMEOUT),
    ),
)

#: The resolvers' negative TTL, set through the SOA TTL (RFC 2308 takes min(SOA TTL, SOA
#: MINIMUM) and the MINIMUM stays at Route 53's default 86400 s; the resolver cap is 3600 s).
#: 900 s is Route 53's default SOA TTL, the model's default; none of the values is public.
NEGATIVE_TTL_KNOB = Knob(
    label="Resolvers' negative TTL (s), assumption",
    unit="s",
    field="soa_ttl_s",
    choices=tuple(Choice(f"{v} s", "assumption", float(v)) for v in (60, 300, 900, 3600)),
    as_observed=2,
)

#: RFC 8767: answer from expired data when the authority fails (not when it answers).
SERVE_STALE_KNOB = Knob(
    label="Serve-stale (on/off), assumption",
    unit="on/off",
    field="serve_stale",
    choices=(Choice("off", "assumption", False), Choice("on", "assumption", True)),
)

#: RFC 9520: remember a resolution failure for a while (5 s doubling to 300 s).
FAILURE_CACHING_KNOB = Knob(
    label="Failure caching (on/off), assumption",
    unit="on/off",
    field="failure_caching",
    choices=(Choice("off", "assumption", False), Choice("on", "assumption", True)),
)

#: The population every run of the grid shares: the default assumptions at half the size
#: (300 clients, 20 resolver caches: still 15 clients per cache, so load ratios keep their
#: scale) and 5 simulated minutes of outage before the fix, so the 32 runs take a few seconds.
GRID_BASE = Params(n_clients=300, n_resolvers=20, warmup_s=300.0)


@dataclass(frozen=True)
class GridSpec:
    """The knobs of the grid (slowest-varying first), the parameters every run shares, the
    seed of every run, and the step of the sampled curves (s)."""

    answer: Knob = ANSWER_KNOB
    negative_ttl: Knob = NEGATIVE_TTL_KNOB
    serve_stale: Knob = SERVE_STALE_KNOB
    failure_caching: Knob = FAILURE_CACHING_KNOB
    base: Params = GRID_BASE
    seed: int = 0
    step_s: float = 10.0

    def __post_init__(self) -> None:
        if self.step_s <= 0:
            raise ValueError(f"step_s must be > 0, got {self.step_s}")
        fields = [k.field for k in self.knobs]
        if len(set(fields)) != len(fields):
            raise ValueError(f"two knobs set the same field: {fields}")

    @property
    def knobs(self) -> tuple[Knob, Knob, Knob, Knob]:
        return (self.answer, self.negative_ttl, self.serve_stale, self.failure_caching)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(k.choices) for k in self.knobs)

    @property
    def as_observed(self) -> tuple[int, ...]:
        return tuple(k.as_observed for k in self.knobs)

    def combinations(self) -> Iterator[tuple[int, ...]]:
        """Every combination of choice indices, the answer slowest, failure caching fastest."""
        return itertools.product(*(range(n) for n in self.shape))

    def params(self, choice: tuple[int, ...]) -> Params:
        """The model parameters of one combination of choice indices."""
        return replace(self.base, **{k.field: k.choices[i].value for k, i in zip(self.knobs, choice)})

    def labels(self, choice: tuple[int, ...]) -> tuple[str, ...]:
        """Each knob's chosen label, in knob order."""
        return tuple(k.choices[i].label for k, i in zip(self.knobs, choice))


#: The grid the notebook runs: 2 x 4 x 2 x 2 = 32 combinations.
GRID = GridSpec()


@dataclass(frozen=True)
class WhatIfRun:
    """One combination's outcome. Times are seconds after the fix (2:25 AM PDT); None when some
    client was still failing at the end of the run. `share_recovered` is sampled on the grid's
    `t_s`; `half_share` is the share back at `half_back_s` (at least a half, more when several
    clients came back together); `load_ratio` is the authority's load during the simulated
    outage over normal."""

    choice: tuple[int, ...]
    params: Params
    share_recovered: np.ndarray
    half_back_s: Optional[float]
    half_share: float
    all_back_s: Optional[float]
    load_ratio: float


@dataclass(frozen=True)
class WhatIfGrid:
    """Every combination of `spec`'s knobs, run: `runs[i].choice` is the i-th of
    `spec.combinations()`. `t_s` are the curves' sample times (s after the fix)."""

    spec: GridSpec
    t_s: np.ndarray
    runs: tuple[WhatIfRun, ...]
    normal_authoritative_qps: float

    def run(self, choice: tuple[int, ...]) -> WhatIfRun:
        """The run of one combination of choice indices. O(1)."""
        index = int(np.ravel_multi_index(tuple(choice), self.spec.shape))
        found = self.runs[index]
        assert found.choice == tuple(choice)
        return found

    @property
    def as_observed(self) -> WhatIfRun:
        return self.run(self.spec.as_observed)


def horizon_s(spec: GridSpec) -> float:
    """Where every curve of the grid ends (s after the fix): past the longest TTL chain of any
    combination by at least two minutes, rounded up to whole 5 minutes. O(runs)."""
    longest = max(recovery_bound_s(spec.params(c)) for c in spec.combinations())
    return float(np.ceil((longest + 120.0) / 300.0) * 300.0)


def run_grid(spec: GridSpec = GRID) -> WhatIfGrid:
    """Run every combination of `spec`'s knobs with `spec.seed`, and the healthy baseline once.

    A run ends at its own TTL chain plus two minutes (`simulate`'s default); after that no
    client changes state, so its curve is sampled flat to the common `horizon_s`. The normal
    load does not depend on the knobs (with the record present every answer is an address, so
    neither the answer mode, the negative TTL nor the failure features come into play) and is
    measured once, on `spec.base`. Deterministic. Cost: 33 runs, a few seconds at 300 clients,
    dominated by the longest negative TTL."""
    end_s = horizon_s(spec)
    t_s = np.arange(0.0, end_s + spec.step_s / 2, spec.step_s)
    normal = normal_qps(spec.base, spec.seed)
    runs = []
    for choice in spec.combinations():
        p = spec.params(choice)
        run = simulate(p, spec.seed)
        times = np.sort(recovery_times_s(run))
        share = np.searchsorted(times, t_s, side="right") / len(times)
        half = _quantile(times, 0.5)
        half_share = 0.0 if half is None else float(np.searchsorted(times, half, side="right") / len(times))
        runs.append(WhatIfRun(tuple(choice), p, share, half, half_share, _quantile(times, 1.0),
                              outage_qps(run) / normal))
    return WhatIfGrid(spec, t_s, tuple(runs), normal)


def when(t_s: Optional[float]) -> str:
    """Seconds after the fix as the site writes times, to the nearest minute: '2:40 AM';
    'not within the run' for None."""
    if t_s is None:
        return "not within the run"
    from outage.dns.figures import FIX_PDT
    from outage.plotstyle import clock

    return clock(FIX_PDT + dt.timedelta(seconds=round(float(t_s) / 60.0) * 60.0))


def after(t_s: Optional[float]) -> str:
    """Seconds after the fix as minutes and seconds: '14 min 56 s', '34 s'; '–' for None."""
    if t_s is None:
        return "–"
    minutes, seconds = divmod(int(round(float(t_s))), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def milestone_table(grid: WhatIfGrid) -> list[dict[str, str]]:
    """One row per combination, in grid order: each knob's chosen value, when half and when the
    last client is back (PDT clock, to the minute), how long after the fix the last one took,
    and the authority's load during the outage (× normal, two significant digits)."""
    rows = []
    names = ("answer", "negative TTL", "serve-stale", "failure caching")
    for run in grid.runs:
        row = dict(zip(names, grid.spec.labels(run.choice)))
        row |= {"half back": when(run.half_back_s), "all back": when(run.all_back_s),
                "last after fix": after(run.all_back_s), "load (× normal)": f"{run.load_ratio:.2g}"}
        rows.append(row)
    return rows
