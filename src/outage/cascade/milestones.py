"""Milestones: the moments a reader compares with the AWS timeline, found in model records.

Every milestone is a threshold crossing in a record, never an input time copied through; a
milestone the model does not reach within its horizon is None (JSON null).
"""

import numpy as np

from outage.cascade.records import DwfmRecord, NetmgrRecord, NlbRecord


def first_time(t_s: np.ndarray, condition: np.ndarray, after_s: float = -np.inf) -> float | None:
    """Earliest sample time at or after `after_s` where `condition` holds, else None."""
    hits = np.nonzero(condition & (t_s >= after_s))[0]
    return float(t_s[hits[0]]) if len(hits) else None


def dwfm_milestones(r: DwfmRecord, dynamodb_restored_s: float) -> dict[str, float | None]:
    """`dwfm_congested`: first time after DynamoDB returns that attempts time out faster than
    leases are established; `all_leases_restored`: first time after that fewer than one
    droplet lacks a lease."""
    congested = first_time(r.t_s, r.timeouts_per_s > np.maximum(r.goodput_per_s, 1e-9), dynamodb_restored_s)
    return {
        "dwfm_congested": congested,
        "all_leases_restored": first_time(r.t_s, r.leased > r.fleet_droplets - 0.5, dynamodb_restored_s),
    }


def netmgr_milestones(
    r: NetmgrRecord, elevated_s: float, normal_s: float
) -> dict[str, float | None]:
    """`propagation_latency_elevated`: latency first above `elevated_s`;
    `network_backlog_cleared`: latency back at or below `normal_s` after its peak."""
    elevated = first_time(r.t_s, r.latency_s > elevated_s)
    peak_s = float(r.t_s[np.argmax(r.latency_s)])
    cleared = None if elevated is None else first_time(r.t_s, r.latency_s <= normal_s, peak_s)
    return {"propagation_latency_elevated": elevated, "network_backlog_cleared": cleared}


def nlb_milestones(r: NlbRecord, error_threshold: float) -> dict[str, float | None]:
    """`nlb_errors_start` / `nlb_errors_end`: the first stretch in which more than
    `error_threshold` of connections fail (end None if it lasts past the horizon)."""
    erroring = r.error_fraction > error_threshold
    start = first_time(r.t_s, erroring)
    end = None if start is None else first_time(r.t_s, ~erroring, start)
    return {"nlb_errors_start": start, "nlb_errors_end": end}
