"""Phase diagram: which (outage length, fleet size) pairs heal by themselves, which need help.

Claim, in the style of the metastability literature (Bronson et al., HotOS 2021; Huang et al.,
OSDI 2022): DWFM has three regions. Below a load threshold it is stable: any outage heals once
DynamoDB returns. Above it, with the healthy state still able to carry its load, it is
vulnerable: a long enough outage (the trigger) tips it into a collapse that outlives the
trigger, and only help (emptying queues, throttling) brings it back. Beyond the healthy
capacity it is overloaded: it fails even without an outage. Fleet size enters as droplets per
DWFM host (the host count stays fixed, Assumption), so a growing fleet lowers the outage it
can survive.

The sweep is one integration of the fluid model with one column per grid point, each with its
own droplet count and its own DynamoDB restore time, and no operator action.
"""

from dataclasses import dataclass

import numpy as np

from outage.cascade.dwfm_fluid import final_leased_fraction
from outage.cascade.dwfm_params import DwfmControls, DwfmParams

HEALS, NEEDS_HELP, OVERLOADED = "heals by itself", "needs help", "overloaded"

# The one sweep grid: outage 0-5 h in 15-minute steps; 200-3,000 droplets per host, which with
# the default 100 hosts is a fleet of 20,000-300,000 droplets.
OUTAGE_HOURS = tuple(float(h) for h in np.round(np.arange(0, 5.01, 0.25), 2))
DROPLETS_PER_HOST = tuple(range(200, 3001, 100))
# How long after DynamoDB returns a point has to heal.
SETTLE_S = 6 * 3600.0
# Healed means at least 99.9% of droplets leased at the end.
HEALED_FRACTION = 0.999


@dataclass(frozen=True)
class PhaseDiagram:
    """Outcome per (droplets per host, outage length): `region[i, j]` for
    droplets_per_host[i] and outage_hours[j]; `final_leased[i, j]` behind it."""

    outage_hours: np.ndarray
    droplets_per_host: np.ndarray
    hosts: int
    final_leased: np.ndarray
    region: np.ndarray

    @property
    def fleet_droplets(self) -> np.ndarray:
        return self.droplets_per_host * self.hosts


def sweep(
    p: DwfmParams = DwfmParams(),
    outage_hours: tuple[float, ...] = OUTAGE_HOURS,
    droplets_per_host: tuple[int, ...] = DROPLETS_PER_HOST,
) -> PhaseDiagram:
    """Run every grid point without intervention and classify it. A point heals if it ends
    with at least 99.9% of leases held; one that does not heals neither is `needs help` when
    the same fleet survives a zero-length outage, else `overloaded`. The zero-length outage
    must be on the grid. Cost: one integration over len(grid) columns, O(columns * hours)."""
    hours = np.asarray(outage_hours, float)
    sizes = np.asarray(droplets_per_host, float)
    if hours.min() != 0 or np.any(hours < 0) or np.any(sizes < 1):
        raise ValueError("outage hours must start at 0 and be >= 0; droplets per host >= 1")
    size_grid, hour_grid = np.meshgrid(sizes, hours, indexing="ij")
    restored_s = hour_grid.ravel() * 3600.0
    horizon_s = float(hours.max() * 3600.0 + SETTLE_S)
    final = final_leased_fraction(
        p, DwfmControls(dynamodb_restored_s=restored_s), horizon_s, size_grid.ravel()
    ).reshape(size_grid.shape)
    healed = final >= HEALED_FRACTION
    survives_no_outage = healed[:, hours == 0][:, 0]
    region = np.where(healed, HEALS, np.where(survives_no_outage[:, None], NEEDS_HELP, OVERLOADED))
    return PhaseDiagram(hours, sizes, p.dwfm_hosts, final, region)


def capacity_boundary_hours(p: DwfmParams, droplets_per_host: np.ndarray) -> np.ndarray:
    """Back-of-envelope boundary to compare with the sweep: the outage after which one check
    interval's worth of re-lease and renewal work exceeds what the host's workers can do in
    that interval, with the unleased share after T hours 1 - exp(-(T - c/2) / ttl). It treats
    checks as open-loop arrivals; in the model a droplet waits for its attempt before its next
    check, which slows arrivals as the queue grows, so the true boundary lies at or beyond
    this one. NaN where the healthy load alone exceeds the open-loop capacity; inf where even
    a fully unleased fleet fits."""
    d = np.asarray(droplets_per_host, float)
    capacity = p.workers_per_host * p.check_interval_s
    unleased = (capacity - d * p.renew_work_s) / (p.establish_work_s - p.renew_work_s)
    share = unleased / d
    with np.errstate(invalid="ignore", divide="ignore"):
        hours = (-p.lease_mean_ttl_s * np.log1p(-np.minimum(share, 1.0)) + p.check_interval_s / 2) / 3600
    return np.where(share < 0, np.nan, np.where(share >= 1, np.inf, hours))


def overload_droplets_per_host(p: DwfmParams) -> float:
    """Droplets per host beyond which even the healthy fleet collapses. Each droplet has at
    most one attempt outstanding, so at saturation the check cycle stretches to
    D * renew_work / K and an attempt waits D * renew_work / K - interval; collapse starts
    when that wait leaves no room for the attempt's own work within the timeout."""
    return p.workers_per_host * (p.check_interval_s + p.attempt_timeout_s - p.renew_work_s) / p.renew_work_s
