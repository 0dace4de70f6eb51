"""NLB health-check flapping: slow network propagation turns into lost load-balancer capacity.

Claim: targets whose network state has not arrived fail health checks at random although
they are healthy; the alternating results multiply the checker's work until checks run late;
late checks trigger automatic AZ DNS failover, which withdraws healthy capacity until what is
left cannot carry the load. Disabling automatic failover (9:36 AM) ends the errors at once;
capping the capacity health checks may remove (velocity control) keeps them from starting.

    NM latency --Little's law--> unpropagated targets u --random fails--> flapping
        flapping --extra checks--> checker utilisation rho > 1 --> checks run late
        lateness --AZ failover--> x of capacity withdrawn --> capacity < load --> errors

Fluid state: the failover-withdrawn fraction x of a typical multi-AZ NLB (Assumption: one
representative NLB; AWS gives no count of NLBs affected). Lateness has no memory: a check that
cannot run on time is superseded by the next one (Assumption), so at utilisation rho > 1 each
target is checked every rho intervals and checks run (rho - 1) intervals late.
"""

from dataclasses import dataclass

import numpy as np

from outage.cascade.records import NetmgrRecord, NlbRecord
from outage.cascade.solver import integrate


@dataclass(frozen=True)
class NlbParams:
    """The health-check subsystem and one NLB's load. All fractions are of full capacity."""

    # Assumption: 30% of targets per hour are new instances during recovery (replacing
    # instances terminated during the event); by Little's law the unpropagated fraction is
    # this rate times Network Manager's latency.
    new_targets_per_h: float = 0.3
    # Assumption: a check of an unpropagated target fails half the time ("sometimes").
    unpropagated_fail_prob: float = 0.5
    # Assumption: each change of a target's check result costs as much checker work as 50
    # routine checks: the target leaves or re-enters DNS on every NLB node of its zone, and
    # confirming re-checks follow.
    flap_cost_checks: float = 50.0
    # Assumption: the checker has 50% headroom over its routine load.
    checker_headroom: float = 1.5
    # Assumption: targets are checked every 30 s (NLB's default health-check interval).
    health_check_interval_s: float = 30.0
    # Assumption: AZ failover withdraws AZs in proportion to lateness, all it may withdraw
    # once checks run 60 s late.
    failover_full_lateness_s: float = 60.0
    # Assumption: failover can withdraw at most 2 of an NLB's 3 AZs.
    failover_max_fraction: float = 2 / 3
    # Assumption: DNS failover takes effect over about 2 minutes (TTL and re-checks).
    failover_response_s: float = 120.0
    # Assumption: the NLB's load is 55% of its full capacity, so losing one AZ of three
    # is survivable but losing more is not.
    load_fraction: float = 0.55
    # Assumption: errors count when more than 0.1% of connections fail.
    error_threshold: float = 0.001

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("unpropagated_fail_prob", "failover_max_fraction", "load_fraction", "error_threshold"):
            if not getattr(self, name) < 1:
                raise ValueError(f"{name} must be below 1")
        if not self.checker_headroom > 1:
            raise ValueError("checker_headroom must exceed 1 (a checker that cannot keep up when healthy)")


@dataclass(frozen=True)
class NlbControls:
    """Inputs: when operators disable automatic failover, and the velocity-control cap."""

    failover_disabled_from_s: float | None = None
    # Counterfactual (AWS remediation): health checks may remove at most this fraction of an
    # NLB's capacity; None means no cap.
    velocity_cap_fraction: float | None = None

    def __post_init__(self) -> None:
        if self.velocity_cap_fraction is not None and not 0 < self.velocity_cap_fraction < 1:
            raise ValueError("velocity_cap_fraction must be in (0, 1)")
        if self.failover_disabled_from_s is not None and not self.failover_disabled_from_s >= 0:
            raise ValueError("failover_disabled_from_s must be None or >= 0")


def unpropagated(p: NlbParams, latency_s: float | np.ndarray) -> float | np.ndarray:
    """Fraction of targets still waiting for network state (Little's law, capped at 1)."""
    return np.minimum(1.0, p.new_targets_per_h / 3600 * np.asarray(latency_s))


def checker_utilisation(p: NlbParams, u: float | np.ndarray) -> float | np.ndarray:
    """Offered health-check work over checker capacity. A target failing with probability q
    independently changes result with probability 2q(1-q) per check."""
    q = p.unpropagated_fail_prob
    return (1.0 + p.flap_cost_checks * u * 2 * q * (1 - q)) / p.checker_headroom


def lateness_s(p: NlbParams, rho: float | np.ndarray) -> float | np.ndarray:
    """How late checks run at checker utilisation `rho` (superseded checks do not queue)."""
    return p.health_check_interval_s * np.maximum(0.0, np.asarray(rho) - 1.0)


def rhs(t: float, y: np.ndarray, p: NlbParams, c: NlbControls, nm: NetmgrRecord) -> np.ndarray:
    """d/dt of [failover-withdrawn fraction x]. Pure."""
    rho = checker_utilisation(p, unpropagated(p, np.interp(t, nm.t_s, nm.latency_s)))
    enabled = c.failover_disabled_from_s is None or t < c.failover_disabled_from_s
    target = p.failover_max_fraction * min(1.0, lateness_s(p, rho) / p.failover_full_lateness_s)
    return np.array([((target if enabled else 0.0) - y[0]) / p.failover_response_s])


def capacity_fraction(p: NlbParams, c: NlbControls, t_s: np.ndarray, u: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """Capacity in service: targets failing their latest check are out of DNS, and failover
    withdraws whole AZs; disabling failover returns every healthy node; the velocity cap
    bounds what health checks may remove."""
    enabled = np.ones_like(t_s, dtype=bool)
    if c.failover_disabled_from_s is not None:
        enabled = t_s < c.failover_disabled_from_s
    taken = 1.0 - (1.0 - removed) * (1.0 - u * p.unpropagated_fail_prob)
    taken = np.where(enabled, taken, 0.0)
    if c.velocity_cap_fraction is not None:
        taken = np.minimum(taken, c.velocity_cap_fraction)
    return 1.0 - taken


def simulate(p: NlbParams, c: NlbControls, nm: NetmgrRecord, dt_s: float = 30.0) -> NlbRecord:
    """Run the health-check model on Network Manager's time grid. Cost O(horizon / dt_s)."""
    record_every_s = float(nm.t_s[1] - nm.t_s[0])
    t_s, rows = integrate(
        lambda t, y: rhs(t, y, p, c, nm), np.zeros(1), float(nm.t_s[-1]), min(dt_s, record_every_s), record_every_s
    )
    u = unpropagated(p, nm.latency_s)
    rho = checker_utilisation(p, u)
    capacity = capacity_fraction(p, c, t_s, u, rows[:, 0])
    return NlbRecord(
        t_s=t_s,
        unpropagated_fraction=u,
        checker_utilisation=rho,
        check_lateness_s=lateness_s(p, rho),
        failover_removed_fraction=rows[:, 0],
        capacity_fraction=capacity,
        load_fraction=p.load_fraction,
        error_fraction=np.maximum(0.0, 1.0 - capacity / p.load_fraction),
    )
