"""Network Manager's backlog: propagations held back by the DWFM collapse drain slowly.

Claim: network changes (launches, terminations) made while droplets had no lease wait twice:
for their droplet's lease, then for DWFM to issue them, which it does only with the admission
its lease work leaves over. So they reach Network Manager in a burst once re-leasing is nearly
done, not as each lease returns; a queue that normally runs at 62% of its capacity drains that
burst with only its spare 38%, which keeps its latency high for hours after the last lease
returns, and cutting its normal load shortens that tail. Nothing here knows the incident's
times: the burst's size and timing come from the DWFM record.

    droplet without lease --accrues--> held --its lease returns--> ready
    ready --DWFM: idle workers and throttle tokens left by lease work--> +
    leased droplets: launches and network changes (part deferred by operators) -> + --> [ queue ]
                                                          capacity mu, latency = backlog / mu

Fluid state (fleet totals): held items H, ready items R, queued items B, and a cumulative
arrival count. With U unleased droplets and E leases established per second, H gains
held_per_unleased_droplet_h * U / 3600 per second and passes H * E / U to R (a returning
droplet carries the average held load). DWFM issues R at min(R / base_latency_s, idle
workers / issue_work_s, throttle limit - E): lease work comes first.
"""

from dataclasses import dataclass

import numpy as np

from outage.cascade.records import DwfmRecord, NetmgrRecord, rates
from outage.cascade.solver import integrate


@dataclass(frozen=True)
class NetmgrParams:
    """Network Manager's load and capacity, per droplet so they scale with the fleet."""

    # Assumption, fitted to AWS's 10:36 AM (data/calibration.yaml): each droplet without a
    # lease accrues 0.833 propagations per hour that must wait for its lease (launches,
    # terminations and changes during the event); AWS says only "significant".
    held_per_unleased_droplet_h: float = 0.833
    # Assumption: issuing one held change costs a DWFM worker 5 s, as much as a lease renewal.
    issue_work_s: float = 5.0
    # Assumption: normal launches and network changes, 0.5 per leased droplet per hour.
    changes_per_leased_droplet_h: float = 0.5
    # Assumption: capacity 0.8 propagations per droplet per hour, so normal load is 62.5%.
    capacity_per_droplet_h: float = 0.8
    # Assumption: with no backlog a propagation takes about a minute (the queue serves
    # min(1, B / (mu * base_latency_s)) of its capacity).
    base_latency_s: float = 60.0
    # Assumption: latency above 10 minutes is "elevated" (new instances visibly lack
    # connectivity); at or below 2 minutes it is "back to normal".
    latency_elevated_s: float = 600.0
    latency_normal_s: float = 120.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if self.changes_per_leased_droplet_h >= self.capacity_per_droplet_h:
            raise ValueError("normal load must stay below Network Manager's capacity")
        if self.latency_normal_s >= self.latency_elevated_s:
            raise ValueError("latency_normal_s must be below latency_elevated_s")

    def normal_utilisation(self) -> float:
        return self.changes_per_leased_droplet_h / self.capacity_per_droplet_h


@dataclass(frozen=True)
class NetmgrControls:
    """Operators' input: defer part of the normal load from a time (None: never)."""

    load_reduction_from_s: float | None = None
    # Assumption: the reduction defers half of the normal launch and change load until after
    # the horizon; AWS says only that engineers "reduced the load on Network Manager".
    load_reduction_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.load_reduction_fraction < 1:
            raise ValueError("load_reduction_fraction must be in [0, 1)")
        if self.load_reduction_from_s is not None and not self.load_reduction_from_s >= 0:
            raise ValueError("load_reduction_from_s must be None or >= 0")


def issue_capacity_per_s(p: NetmgrParams, dwfm: DwfmRecord) -> np.ndarray:
    """Held changes DWFM can issue per second: what its idle workers can do, within the
    operators' admission limit less the lease establishments that use it first."""
    tokens_left = np.maximum(0.0, dwfm.admission_limit_per_s - dwfm.established_per_s)
    return np.minimum(dwfm.idle_workers / p.issue_work_s, tokens_left)


def rhs(
    t: float, y: np.ndarray, p: NetmgrParams, c: NetmgrControls, dwfm: DwfmRecord, issue_per_s: np.ndarray
) -> np.ndarray:
    """d/dt of [held, ready, backlog, cumulative arrivals]. Pure; DWFM inputs are interpolated
    from its record, `issue_per_s` from `issue_capacity_per_s`."""
    held, ready, backlog = y[0], y[1], y[2]
    leased = np.interp(t, dwfm.t_s, dwfm.leased)
    unleased = dwfm.fleet_droplets - leased
    returning = np.interp(t, dwfm.t_s, dwfm.established_per_s)
    released = held * min(1.0, returning / unleased) if unleased > 1e-9 else held / p.base_latency_s
    issued = min(ready / p.base_latency_s, np.interp(t, dwfm.t_s, issue_per_s))
    reduced = c.load_reduction_from_s is not None and t >= c.load_reduction_from_s
    changes = leased * p.changes_per_leased_droplet_h / 3600 * (1 - c.load_reduction_fraction * reduced)
    capacity = dwfm.fleet_droplets * p.capacity_per_droplet_h / 3600
    served = capacity * min(1.0, backlog / (capacity * p.base_latency_s))
    arrivals = issued + changes
    return np.array([
        p.held_per_unleased_droplet_h * unleased / 3600 - released,
        released - issued,
        arrivals - served,
        arrivals,
    ])


def simulate(p: NetmgrParams, c: NetmgrControls, dwfm: DwfmRecord, dt_s: float = 20.0) -> NetmgrRecord:
    """Run Network Manager on the time grid of `dwfm` (which must start at the trigger).
    Starts in the normal steady state. Cost O(horizon / dt_s)."""
    record_every_s = float(dwfm.t_s[1] - dwfm.t_s[0])
    capacity = dwfm.fleet_droplets * p.capacity_per_droplet_h / 3600
    normal = dwfm.leased[0] * p.changes_per_leased_droplet_h / 3600
    y0 = np.array([0.0, 0.0, normal * p.base_latency_s, 0.0])
    issue_per_s = issue_capacity_per_s(p, dwfm)
    t_s, rows = integrate(
        lambda t, y: rhs(t, y, p, c, dwfm, issue_per_s), y0, float(dwfm.t_s[-1]), min(dt_s, record_every_s), record_every_s
    )
    return NetmgrRecord(
        t_s=t_s,
        held=rows[:, 0],
        ready=rows[:, 1],
        backlog=rows[:, 2],
        latency_s=rows[:, 2] / capacity,
        arrivals_per_s=rates(rows[:, 3], t_s),
    )
