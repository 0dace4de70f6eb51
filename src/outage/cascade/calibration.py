"""The calibration ledger, `data/calibration.yaml`, as data: which parameters were fitted to
which of AWS's times, the fits themselves (re-runnable), and the kind of every milestone.

Claim: exactly two numbers of the cascade models were set to make a model time equal one of
AWS's, each by bisection on one parameter of the as-happened run:

    throttle_establish_per_host_per_s --fit to--> all_leases_restored     = 5:28 AM PDT
    held_per_unleased_droplet_h       --fit to--> network_backlog_cleared = 10:36 AM PDT

Every milestone compared with an AWS time is one of three kinds, the same words on every page:
`input` (an action time fed in, or a value that follows from an input by construction),
`fitted` (a parameter above was chosen to make it agree) or `predicted` (nothing was set to
make it agree; the difference is the model's error). Only predicted milestones test the model.

The fits run on one DWFM host of 1,000 droplets, which has exactly the per-host dynamics of the
default 100,000-droplet fleet (the milestones' thresholds are shares, not counts). The fits use
the milestones exactly as `outage.cascade.milestones` finds them, interpolated between samples,
so a fitted time is a smooth function of the parameter. Nothing runs at import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from outage.cascade import clock, dwfm_fluid, milestones, netmgr, scenarios
from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.netmgr import NetmgrParams
from outage.cascade.records import DwfmRecord

LEDGER_PATH = Path(__file__).resolve().parents[3] / "data" / "calibration.yaml"

KINDS = ("input", "fitted", "predicted")

#: The scenario every fit is made on, and the fleet it is made at (see the module docstring).
FIT_SCENARIO = "as-happened"
FIT_FLEET = scenarios.with_fleet(DwfmParams(), 1000)

#: Which stage's controls each milestone depends on, with every stage upstream of it.
_STAGES = {
    "dynamodb_restored": ("dwfm",),
    "dwfm_congested": ("dwfm",),
    "all_leases_restored": ("dwfm",),
    "propagation_latency_elevated": ("dwfm", "netmgr"),
    "network_backlog_cleared": ("dwfm", "netmgr"),
    "nlb_errors_start": ("dwfm", "netmgr", "nlb"),
    "nlb_errors_end": ("dwfm", "netmgr", "nlb"),
}


class LedgerError(ValueError):
    """A malformed calibration ledger; the message names the entry and the field."""


@dataclass(frozen=True)
class Fit:
    """One fitted parameter: the AWS time it was fitted to, how, and the value used."""

    parameter: str
    model: str
    milestone: str
    aws_time: str  # PDT "HH:MM" on 20 Oct
    event: str  # the timeline entry of that time
    method: str
    bracket: tuple[float, float]
    value: float
    unit: str

    @property
    def target_s(self) -> float:
        return clock.at(self.aws_time)


@dataclass(frozen=True)
class Comparison:
    """One milestone of the as-happened run and how its comparison with AWS is to be read."""

    milestone: str
    kind: str
    aws_time: str | None  # None: AWS gives no time to compare with
    event: str | None
    why: str
    control: str | None  # for an input: the control whose value it equals


@dataclass(frozen=True)
class Ledger:
    kinds: dict[str, str]
    fits: tuple[Fit, ...]
    milestones: dict[str, Comparison]
    others: dict[str, Comparison]  # comparisons of other models (the DNS tail)

    def fit_of(self, parameter: str) -> Fit:
        for fit in self.fits:
            if fit.parameter == parameter:
                return fit
        raise KeyError(parameter)


def _need(entry: dict, field: str, where: str):
    if field not in entry or entry[field] is None or entry[field] == "":
        raise LedgerError(f"{where}: missing {field}")
    return entry[field]


def _comparison(name: str, entry: dict, where: str) -> Comparison:
    kind = _need(entry, "kind", where)
    if kind not in KINDS:
        raise LedgerError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    aws_time = entry.get("aws_time")
    if aws_time is not None:
        clock.at(str(aws_time))
    control = entry.get("control")
    if kind == "input" and name in _STAGES and not control:
        raise LedgerError(f"{where}: an input milestone names the control it equals")
    return Comparison(name, kind, None if aws_time is None else str(aws_time), entry.get("event"),
                      _need(entry, "why", where), control)


def load_ledger(path: Path = LEDGER_PATH) -> Ledger:
    """The ledger, validated: every kind defined, every fit complete, every cascade milestone
    present once with a kind, every fitted milestone backed by exactly one fit."""
    data = yaml.safe_load(path.read_text())
    kinds = data.get("kinds") or {}
    if tuple(kinds) != KINDS:
        raise LedgerError(f"kinds must be {', '.join(KINDS)} in that order")
    fits = []
    for i, entry in enumerate(data.get("fits") or []):
        where = f"fits[{i}]"
        lo, hi = (float(v) for v in _need(entry, "bracket", where))
        fits.append(Fit(
            parameter=_need(entry, "parameter", where), model=_need(entry, "model", where),
            milestone=_need(entry, "milestone", where), aws_time=str(_need(entry, "aws_time", where)),
            event=_need(entry, "event", where), method=_need(entry, "method", where),
            bracket=(lo, hi), value=float(_need(entry, "value", where)), unit=_need(entry, "unit", where),
        ))
        if not lo < fits[-1].value < hi:
            raise LedgerError(f"{where}: value {fits[-1].value} is outside its bracket")
    found = {name: _comparison(name, entry, f"milestones.{name}")
             for name, entry in (data.get("milestones") or {}).items()}
    if set(found) != set(_STAGES):
        raise LedgerError(f"milestones must be exactly {', '.join(sorted(_STAGES))}")
    fitted = sorted(name for name, c in found.items() if c.kind == "fitted")
    if fitted != sorted(f.milestone for f in fits):
        raise LedgerError("each fitted milestone needs exactly one fit, and each fit a fitted milestone")
    for fit in fits:
        if found[fit.milestone].aws_time != fit.aws_time:
            raise LedgerError(f"fit of {fit.parameter}: aws_time differs from milestones.{fit.milestone}")
    others = {name: _comparison(name, entry, f"others.{name}") for name, entry in (data.get("others") or {}).items()}
    return Ledger(dict(kinds), tuple(fits), found, others)


def milestone_kinds(name: str, found: dict[str, float | None], ledger: Ledger | None = None) -> dict[str, str]:
    """The kind of every milestone of scenario `name` whose milestones are `found`.

    The ledger describes the as-happened run. In another scenario an input milestone stays an
    input only while it still equals its control's value there (the NLB errors end at 9:36
    AM only if failover is disabled then), and a fitted one stays fitted only while the
    controls of its stage and every stage before it are those of the as-happened run; any
    other milestone is a prediction (of a counterfactual, with no AWS time to test it)."""
    ledger = load_ledger() if ledger is None else ledger
    scenario = scenarios.scenario_named(name)
    reference = scenarios.SCENARIOS[FIT_SCENARIO]
    kinds = {}
    for milestone in found:
        c = ledger.milestones[milestone]
        kind = c.kind
        if kind == "input":
            control = _control_value(scenario, c.control)
            if control is None or found[milestone] is None or abs(found[milestone] - control) > 60.0:
                kind = "predicted"
        elif kind == "fitted":
            if any(getattr(scenario, stage) != getattr(reference, stage) for stage in _STAGES[milestone]):
                kind = "predicted"
        kinds[milestone] = kind
    return kinds


def _control_value(scenario: scenarios.Scenario, control: str) -> float | None:
    for stage in ("dwfm", "netmgr", "nlb"):
        controls = getattr(scenario, stage)
        if hasattr(controls, control):
            value = getattr(controls, control)
            return None if value is None else float(value)
    raise LedgerError(f"no control named {control}")


# --- Fits -------------------------------------------------------------------------------------


def leases_restored_s(record: DwfmRecord) -> float | None:
    """The `all_leases_restored` milestone of a DWFM record of the fit scenario."""
    return milestones.dwfm_milestones(record, clock.DYNAMODB_DNS_RESTORED_S)["all_leases_restored"]


def backlog_cleared_s(record, p: NetmgrParams = NetmgrParams()) -> float | None:
    """The `network_backlog_cleared` milestone of a Network Manager record."""
    return milestones.netmgr_milestones(record, p.latency_elevated_s, p.latency_normal_s)["network_backlog_cleared"]


def _dwfm_runs(rates: Sequence[float], horizon_s: float, p: DwfmParams = FIT_FLEET) -> list[DwfmRecord]:
    base = scenarios.SCENARIOS[FIT_SCENARIO].dwfm
    return dwfm_fluid.simulate_many(
        p, [replace(base, throttle_establish_per_host_per_s=float(r)) for r in rates], horizon_s)


def _netmgr(record: DwfmRecord, held: float) -> float | None:
    p = replace(NetmgrParams(), held_per_unleased_droplet_h=held)
    return backlog_cleared_s(netmgr.simulate(p, scenarios.SCENARIOS[FIT_SCENARIO].netmgr, record), p)


def k_section(times_of: Callable[[np.ndarray], np.ndarray], target_s: float, bracket: tuple[float, float],
              points: int = 8, rounds: int = 3) -> float:
    """The parameter in `bracket` at which the model time equals `target_s`, for a time that
    falls as the parameter rises (never reached = +inf). Bisection generalised to `points`
    trial values per round, so that one round is one vectorised run: each round keeps the
    sub-interval whose ends straddle the target, and the last is interpolated linearly.
    `times_of(values)` returns the model time of every value. The bracket shrinks by a factor
    points - 1 per round. Raises ValueError if the bracket does not straddle the target."""
    lo, hi = bracket
    for _ in range(rounds):
        values = np.linspace(lo, hi, points)
        times = np.asarray(times_of(values), float)
        if not (times[0] >= target_s >= times[-1]):
            raise ValueError(f"the bracket {lo:.4g}-{hi:.4g} gives {clock.pdt(times[0])}-"
                             f"{clock.pdt(times[-1])}, which does not contain {clock.pdt(target_s)}")
        i = int(np.nonzero(times <= target_s)[0][0])  # first value early enough
        lo, hi = values[i - 1], values[i]
        t_lo, t_hi = times[i - 1], times[i]
    if not np.isfinite(t_lo):
        return float(hi)
    return float(lo + (t_lo - target_s) / (t_lo - t_hi) * (hi - lo))


def bisect(time_of: Callable[[float], float | None], target_s: float, bracket: tuple[float, float],
           tolerance: float = 1e-4) -> float:
    """Bisection for a model time that rises with the parameter (None = never, treated as
    +inf): the parameter in `bracket` at which it equals `target_s`, to `tolerance`
    (relative to the bracket). O(log(1 / tolerance)) runs."""
    lo, hi = bracket

    def t(x: float) -> float:
        found = time_of(x)
        return np.inf if found is None else found

    if not (t(lo) <= target_s <= t(hi)):
        raise ValueError(f"the bracket {lo:.4g}-{hi:.4g} does not contain {clock.pdt(target_s)}")
    while hi - lo > tolerance * (bracket[1] - bracket[0]):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t(mid) < target_s else (lo, mid)
    return (lo + hi) / 2


#: Long enough for every throttle in the bracket to bring the leases back.
_LEASE_HORIZON_S = clock.at("09:00")


def fit_throttle_to_leases(target_s: float, bracket: tuple[float, float]) -> float:
    """Throttle level (establishments per host per second) at which 99.9% of droplets hold a
    lease at `target_s`. Cost: 3 vectorised runs of 8 one-host DWFM models to 9:00 AM."""

    def times(rates):
        return [np.inf if (t := leases_restored_s(r)) is None else t for r in _dwfm_runs(rates, _LEASE_HORIZON_S)]

    return k_section(times, target_s, bracket)


def fit_held_to_backlog(target_s: float, bracket: tuple[float, float], throttle: float) -> float:
    """Held propagations per unleased droplet-hour at which Network Manager's latency is back
    to normal at `target_s`, with the DWFM throttle at `throttle`. Cost: one DWFM run and
    about 14 Network Manager runs."""
    (record,) = _dwfm_runs([throttle], clock.HORIZON_S)
    return bisect(lambda held: _netmgr(record, held), target_s, bracket)


def fit_throttle_to_backlog(target_s: float, bracket: tuple[float, float], held: float) -> float:
    """Throttle level at which Network Manager's latency is back to normal at `target_s`,
    with `held` held propagations per unleased droplet-hour. Cost: 3 vectorised runs of 8
    DWFM models over the full horizon, and a Network Manager run for each."""

    def times(rates):
        return [np.inf if (t := _netmgr(r, held)) is None else t for r in _dwfm_runs(rates, clock.HORIZON_S)]

    return k_section(times, target_s, bracket)


def refit(ledger: Ledger | None = None) -> dict[str, float]:
    """Re-run every fit of the ledger, in its order (the held-propagation fit uses the
    throttle's fitted value as the ledger records it). Returns parameter -> fitted value."""
    ledger = load_ledger() if ledger is None else ledger
    throttle = ledger.fit_of("throttle_establish_per_host_per_s")
    held = ledger.fit_of("held_per_unleased_droplet_h")
    return {
        throttle.parameter: fit_throttle_to_leases(throttle.target_s, throttle.bracket),
        held.parameter: fit_held_to_backlog(held.target_s, held.bracket, throttle.value),
    }


def code_values() -> dict[str, float]:
    """The code's default of every parameter the ledger can name."""
    return {
        "throttle_establish_per_host_per_s": DwfmControls().throttle_establish_per_host_per_s,
        "held_per_unleased_droplet_h": NetmgrParams().held_per_unleased_droplet_h,
    }
