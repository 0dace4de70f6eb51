"""What-if grid: every combination of four operator and design knobs, run once, for a chart the
reader turns by hand.

Claim: the cascade's outcome is set by a few decisions, and each moves a different stage.
What DWFM does at 4:14 AM (both halves of the action, one, or neither) and whether it admits
work by queue size (AWS's remediation, applied here to DWFM) decide whether and when leases
return; when Network Manager's load is cut decides how long its backlog lasts; whether NLB's
automatic failover is disabled at 9:36 AM decides when the connection errors end. The grid runs
every combination through the same chain as `scenarios.run` (DWFM -> Network Manager -> NLB),
so a page can show any of them without running anything.

    DWFM action (4) x queue-size admission (2) x Network Manager cut (5) x NLB failover (2) = 80 runs
           8 DWFM runs          40 Network Manager runs         80 NLB runs (each reuses the run above)

A knob is named data: its control label (with its unit), an optional note, and choices that
each say whether the value is AWS's ("AWS"), this site's assumption ("assumed") or a
counterfactual ("what-if").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from outage.cascade import clock, dwfm_fluid, milestones, netmgr, nlb, scenarios
from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.netmgr import NetmgrControls, NetmgrParams
from outage.cascade.nlb import NlbControls, NlbParams

#: Where a choice's value comes from: the AWS summary, this site's assumption, or neither (a
#: counterfactual the reader may try).
SOURCES = ("AWS", "assumed", "what-if")


@dataclass(frozen=True)
class Choice:
    """One value of a knob: what the control shows, where the value comes from, and the model
    input it stands for (a `DwfmControls`, a bool for queue-size admission, `NetmgrControls`
    or `NlbControls`)."""

    label: str
    source: str
    controls: Any

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        if f"({self.source})" not in self.label and f", {self.source}" not in self.label:
            raise ValueError(f"choice label {self.label!r} must say its source ({self.source})")


@dataclass(frozen=True)
class Knob:
    """A control: its label (naming the unit of its values), its choices, and a `note` a page
    prints under the label (what the values rest on, when the choices cannot say it);
    `as_happened` is the index of the choice that the as-happened scenario uses."""

    label: str
    unit: str
    choices: tuple[Choice, ...]
    as_happened: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        if not self.choices:
            raise ValueError("a knob needs at least one choice")
        if not 0 <= self.as_happened < len(self.choices):
            raise ValueError("as_happened must index a choice")
        if self.unit not in self.label:
            raise ValueError(f"knob label {self.label!r} must name its unit {self.unit!r}")
        if len({c.label for c in self.choices}) != len(self.choices):
            raise ValueError("choice labels must differ")


_ACTION_S = clock.DWFM_THROTTLE_AND_RESTART_S
_AS_HAPPENED = scenarios.SCENARIOS["as-happened"]


def _cut(hhmm: str, source: str) -> Choice:
    at_s = clock.at(hhmm)
    label = f"{int(hhmm[:2]) % 12 or 12}:{hhmm[3:]} AM, {source}"
    return Choice(label, source, NetmgrControls(load_reduction_from_s=at_s))


#: The DWFM action knob: the 4:14 AM action's halves. The throttle level is the fitted
#: assumption of `DwfmControls` (establishments per host per second; AWS gives none).
DWFM_KNOB = Knob(
    label="DWFM action at 4:14 AM PDT (AWS)",
    unit="PDT",
    choices=(
        Choice("throttle + restart (AWS)", "AWS", _AS_HAPPENED.dwfm),
        Choice("restart only (what-if)", "what-if", DwfmControls(restart_at_s=_ACTION_S)),
        Choice("throttle only (what-if)", "what-if", DwfmControls(throttle_from_s=_ACTION_S)),
        Choice("neither (what-if)", "what-if", DwfmControls()),
    ),
)

_QUEUE_WAIT_S = DwfmControls().queue_admission_wait_s

#: The queue-size admission knob: DWFM admits new lease work with probability
#: 1 - wait/limit, on from the start of the run, on top of whatever the action knob does. AWS
#: plans this rule for EC2's data-propagation systems (remediation R6); applying it to DWFM is
#: this site's reading, and the limit (a 60 s queue wait) is assumed.
ADMISSION_KNOB = Knob(
    label=f"DWFM queue-size admission ({_QUEUE_WAIT_S:.0f} s cap)",
    unit="s",
    choices=(
        Choice("off — as it was (AWS)", "AWS", False),
        Choice("on (what-if)", "what-if", True),
    ),
    note=("AWS's remediation for EC2, here on DWFM<br>"
          f"(this site's reading); the {_QUEUE_WAIT_S:.0f} s cap is assumed"),
)

#: When Network Manager's normal load is halved (the halving itself is assumed): AWS says only
#: that engineers reduced the load; this site assumes 7:00 AM.
NETMGR_KNOB = Knob(
    label="Network Manager load halved (PDT)",
    unit="PDT",
    choices=(
        Choice("never (what-if)", "what-if", NetmgrControls()),
        _cut("06:00", "what-if"),
        _cut("07:00", "assumed"),
        _cut("08:00", "what-if"),
        _cut("09:00", "what-if"),
    ),
    as_happened=2,
)

#: NLB's automatic AZ failover: disabled at 9:36 AM (AWS), or left on.
NLB_KNOB = Knob(
    label="NLB automatic failover (PDT)",
    unit="PDT",
    choices=(
        Choice("off at 9:36 AM (AWS)", "AWS", _AS_HAPPENED.nlb),
        Choice("kept on (what-if)", "what-if", NlbControls()),
    ),
)

#: A combination: one choice index per knob, in `GridSpec.knobs` order.
Combination = tuple[int, int, int, int]


@dataclass(frozen=True)
class GridSpec:
    """The knobs of the grid, in the order they feed the chain (the two DWFM knobs, Network
    Manager, NLB), and the model parameters every run shares."""

    dwfm: Knob = DWFM_KNOB
    admission: Knob = ADMISSION_KNOB
    netmgr: Knob = NETMGR_KNOB
    nlb: Knob = NLB_KNOB
    dwfm_params: DwfmParams = field(default_factory=DwfmParams)
    netmgr_params: NetmgrParams = field(default_factory=NetmgrParams)
    nlb_params: NlbParams = field(default_factory=NlbParams)
    horizon_s: float = clock.HORIZON_S

    @property
    def knobs(self) -> tuple[Knob, Knob, Knob, Knob]:
        return (self.dwfm, self.admission, self.netmgr, self.nlb)

    @property
    def shape(self) -> Combination:
        return tuple(len(k.choices) for k in self.knobs)  # type: ignore[return-value]

    @property
    def as_happened(self) -> Combination:
        return tuple(k.as_happened for k in self.knobs)  # type: ignore[return-value]

    def combinations(self) -> Iterator[Combination]:
        """Every combination of choice indices, the DWFM action slowest, NLB fastest."""
        return itertools.product(*(range(n) for n in self.shape))  # type: ignore[return-value]

    def dwfm_controls(self, action: int, admission: int) -> DwfmControls:
        """DWFM's inputs for an action choice and a queue-size admission choice."""
        return replace(self.dwfm.choices[action].controls,
                       queue_admission=bool(self.admission.choices[admission].controls))


#: The grid the notebook runs: 4 x 2 x 5 x 2 = 80 combinations at the default 100,000 droplets.
GRID = GridSpec()


@dataclass(frozen=True)
class WhatIfRun:
    """One combination's curves (sampled on the grid's `t_s`) and its milestones (model seconds
    since the trigger, None when not reached within the horizon)."""

    choice: Combination  # index of the chosen value of each knob
    leased_fraction: np.ndarray  # share of droplets holding a lease
    latency_s: np.ndarray  # Network Manager's propagation latency
    error_fraction: np.ndarray  # share of one NLB's connections that fail
    milestones: dict[str, float | None]


@dataclass(frozen=True)
class WhatIfGrid:
    """Every combination of `spec`'s knobs, run: `runs[i]` has `runs[i].choice` equal to the
    i-th of `spec.combinations()`."""

    spec: GridSpec
    t_s: np.ndarray
    runs: tuple[WhatIfRun, ...]

    def run(self, choice: Combination) -> WhatIfRun:
        """The run of one combination of choice indices."""
        found = self.runs[int(np.ravel_multi_index(tuple(choice), self.spec.shape))]
        assert found.choice == tuple(choice)
        return found

    @property
    def as_happened(self) -> WhatIfRun:
        return self.run(self.spec.as_happened)


def run_grid(spec: GridSpec = GRID, reuse: Iterable[scenarios.CascadeResult] = ()) -> WhatIfGrid:
    """Run every combination of `spec`'s knobs. DWFM runs once per pair of DWFM choices (all
    in one integration), Network Manager once per DWFM pair and Network Manager choice, NLB
    once per combination. `reuse` takes fluid `scenarios.run` results made with the same DWFM
    parameters and horizon: a DWFM pair whose controls one of them used takes its record
    instead of running again (the named scenarios cover 5 of the 8 pairs). Deterministic.
    Cost at 100,000 droplets over 15 h: about 10 s for the 3 DWFM runs no scenario has, 0.3 s
    per Network Manager and 0.2 s per NLB run; under a minute for the 80 combinations."""
    known = {}
    for result in reuse:
        controls = scenarios.SCENARIOS[result.scenario].dwfm
        if len(result.dwfm.t_s) and result.dwfm.t_s[-1] == spec.horizon_s \
                and result.dwfm.fleet_droplets == spec.dwfm_params.fleet_droplets:
            known[controls] = result.dwfm
    pairs = list(itertools.product(*(range(n) for n in spec.shape[:2])))
    controls_of = {pair: spec.dwfm_controls(*pair) for pair in pairs}
    missing = list(dict.fromkeys(c for c in controls_of.values() if c not in known))
    if missing:
        known |= dict(zip(missing, dwfm_fluid.simulate_many(spec.dwfm_params, missing, spec.horizon_s)))
    t_s = known[controls_of[pairs[0]]].t_s
    runs = []
    for pair in pairs:
        controls = controls_of[pair]
        record = known[controls]
        restored_s = float(controls.dynamodb_restored_s)
        dwfm_found = milestones.dwfm_milestones(record, restored_s)
        for b, netmgr_choice in enumerate(spec.netmgr.choices):
            nm = netmgr.simulate(spec.netmgr_params, netmgr_choice.controls, record)
            nm_found = milestones.netmgr_milestones(
                nm, spec.netmgr_params.latency_elevated_s, spec.netmgr_params.latency_normal_s)
            for c, nlb_choice in enumerate(spec.nlb.choices):
                lb = nlb.simulate(spec.nlb_params, nlb_choice.controls, nm)
                found = {"dynamodb_restored": restored_s} | dwfm_found | nm_found
                found |= milestones.nlb_milestones(lb, spec.nlb_params.error_threshold)
                runs.append(WhatIfRun((*pair, b, c), record.leased_fraction, nm.latency_s, lb.error_fraction,
                                      found))
    return WhatIfGrid(spec, t_s, tuple(runs))


def milestone_table(grid: WhatIfGrid) -> list[dict[str, str]]:
    """One row per DWFM action, queue-size admission and Network Manager choice, with the key
    milestones as PDT clock times: all leases back; propagation latency up (over 10 minutes)
    and normal again (at most 2 minutes; "–" when it never rose); and NLB's connection errors
    (from–to) for each failover choice. "never" is a milestone not reached by the end of the
    runs, "none" errors that never start."""
    from outage.cascade.figures import wall_clock

    def span(start: float | None, end: float | None) -> str:
        return "none" if start is None else f"{wall_clock(start)}–{wall_clock(end)}"

    spec = grid.spec
    rows = []
    for a, q, b in itertools.product(*(range(n) for n in spec.shape[:3])):
        first = grid.run((a, q, b, 0)).milestones
        row = {"DWFM at 4:14 AM": spec.dwfm.choices[a].label,
               "queue-size admission": spec.admission.choices[q].label,
               "Network Manager": spec.netmgr.choices[b].label,
               "all leases back": wall_clock(first["all_leases_restored"]),
               "latency up": wall_clock(first["propagation_latency_elevated"]),
               "latency normal": ("–" if first["propagation_latency_elevated"] is None
                                  else wall_clock(first["network_backlog_cleared"]))}
        for c, choice in enumerate(spec.nlb.choices):
            m = grid.run((a, q, b, c)).milestones
            row[f"NLB errors, failover {choice.label}"] = span(m["nlb_errors_start"], m["nlb_errors_end"])
        rows.append(row)
    return rows
