"""Milestones: the moments a reader compares with the AWS timeline, found in model records.

Every milestone is a threshold crossing in a record (DWFM's and Network Manager's interpolated
between samples, so that they move smoothly with a parameter); a milestone the model does not reach
within its horizon is None (JSON null). Thresholds are fractions or durations that do not change
with fleet size, so a milestone is the same at 1,000 droplets on one host as at 100,000 on 100.
Some milestones still equal an input by construction (DynamoDB's restore, the end of the NLB
errors when failover is disabled); `data/calibration.yaml` says which are inputs, which were
fitted and which are predicted, and `outage.cascade.calibration.milestone_kinds` applies it.
"""

import numpy as np

from outage.cascade.records import DwfmRecord, NetmgrRecord, NlbRecord


def first_time(t_s: np.ndarray, condition: np.ndarray, after_s: float = -np.inf) -> float | None:
    """Earliest sample time at or after `after_s` where `condition` holds, else None."""
    hits = np.nonzero(condition & (t_s >= after_s))[0]
    return float(t_s[hits[0]]) if len(hits) else None


def crossing_s(t_s: np.ndarray, y: np.ndarray, level: float, after_s: float = -np.inf,
               rising: bool = True) -> float | None:
    """First time at or after `after_s` that `y` reaches `level` (from below if `rising`, else
    from above), interpolated linearly between the samples around it, so that a milestone
    moves smoothly with a parameter rather than in whole sampling steps; None if it never
    does. O(samples)."""
    reached = (y >= level) if rising else (y <= level)
    hits = np.nonzero(reached & (t_s >= after_s))[0]
    if not len(hits):
        return None
    i = int(hits[0])
    if i == 0 or t_s[i - 1] < after_s or reached[i - 1]:
        return float(t_s[i])
    share = (level - y[i - 1]) / (y[i] - y[i - 1])
    return float(t_s[i - 1] + share * (t_s[i] - t_s[i - 1]))


# AWS: "DWFM held leases on every droplet" at 5:28 AM. A fluid model approaches "every" only in
# the limit, and a count ("fewer than half a droplet unleased") moves with fleet size (5:21 AM at
# 1,000 droplets, 5:32 AM at 10 million); a share does not. 99.9% is also the phase diagram's
# "healed" (phase.HEALED_FRACTION).
ALL_LEASED_FRACTION = 0.999


def dwfm_milestones(r: DwfmRecord, dynamodb_restored_s: float) -> dict[str, float | None]:
    """`dwfm_congested`: first time after DynamoDB returns that attempts time out faster than
    leases are established; `all_leases_restored`: first time after that at least
    `ALL_LEASED_FRACTION` (99.9%) of droplets hold a lease."""
    congested = first_time(r.t_s, r.timeouts_per_s > np.maximum(r.goodput_per_s, 1e-9), dynamodb_restored_s)
    return {
        "dwfm_congested": congested,
        "all_leases_restored": crossing_s(r.t_s, r.leased_fraction, ALL_LEASED_FRACTION, dynamodb_restored_s),
    }


def netmgr_milestones(
    r: NetmgrRecord, elevated_s: float, normal_s: float
) -> dict[str, float | None]:
    """`propagation_latency_elevated`: latency first above `elevated_s`;
    `network_backlog_cleared`: latency back at or below `normal_s` after its peak."""
    elevated = crossing_s(r.t_s, r.latency_s, elevated_s)
    peak_s = float(r.t_s[np.argmax(r.latency_s)])
    cleared = None if elevated is None else crossing_s(r.t_s, r.latency_s, normal_s, peak_s, rising=False)
    return {"propagation_latency_elevated": elevated, "network_backlog_cleared": cleared}


def nlb_milestones(r: NlbRecord, error_threshold: float) -> dict[str, float | None]:
    """`nlb_errors_start` / `nlb_errors_end`: the first stretch in which more than
    `error_threshold` of connections fail (end None if it lasts past the horizon). At whole
    samples, not interpolated: the errors stop in one step when failover is switched off, and
    that step must land on the input time."""
    erroring = r.error_fraction > error_threshold
    start = first_time(r.t_s, erroring)
    end = None if start is None else first_time(r.t_s, ~erroring, start)
    return {"nlb_errors_start": start, "nlb_errors_end": end}
