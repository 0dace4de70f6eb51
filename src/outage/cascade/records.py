"""Tidy records the models return: plain arrays sampled on one time grid, no simulator
objects. Measurement (milestones) and figures take these, nothing else."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DwfmRecord:
    """Fleet-wide DWFM state sampled every `t_s[1] - t_s[0]` seconds of model time.

    Rates are averages over the interval ending at each sample (0 at the first sample).
    """

    t_s: np.ndarray
    fleet_droplets: int
    leased: np.ndarray  # droplets holding a lease
    queued: np.ndarray  # lease attempts waiting or in service, fleet total
    queue_wait_s: np.ndarray  # wait a new attempt would see, mean over hosts
    congested_hosts: np.ndarray  # hosts whose queue wait is past the attempt timeout
    established_per_s: np.ndarray  # leases established per second
    renewed_per_s: np.ndarray  # leases renewed per second
    timeouts_per_s: np.ndarray  # attempts that timed out (and were re-queued) per second
    workers: int  # DWFM workers, fleet total
    busy_workers: np.ndarray  # workers doing an attempt
    admission_limit_per_s: np.ndarray  # operators' cap on admitted work per second (inf: none)

    @property
    def leased_fraction(self) -> np.ndarray:
        return self.leased / self.fleet_droplets

    @property
    def goodput_per_s(self) -> np.ndarray:
        """Lease attempts that completed in time, per second."""
        return self.established_per_s + self.renewed_per_s

    @property
    def idle_workers(self) -> np.ndarray:
        return self.workers - self.busy_workers


@dataclass(frozen=True)
class NetmgrRecord:
    """Network Manager's propagation queue, sampled on the DWFM record's grid."""

    t_s: np.ndarray
    held: np.ndarray  # propagations held back on droplets without a lease
    ready: np.ndarray  # held propagations whose droplet has a lease again, waiting for DWFM
    backlog: np.ndarray  # propagations queued at Network Manager
    latency_s: np.ndarray  # wait a propagation queued now would see
    arrivals_per_s: np.ndarray  # propagations reaching Network Manager per second


@dataclass(frozen=True)
class NlbRecord:
    """The NLB health-check subsystem and the capacity it leaves in service."""

    t_s: np.ndarray
    unpropagated_fraction: np.ndarray  # targets whose network state has not arrived yet
    checker_utilisation: np.ndarray  # offered health-check work / checker capacity
    check_lateness_s: np.ndarray  # how late health checks run
    failover_removed_fraction: np.ndarray  # capacity withdrawn by automatic AZ failover
    capacity_fraction: np.ndarray  # capacity left in service (1 = all)
    load_fraction: float  # offered load as a fraction of full capacity
    error_fraction: np.ndarray  # connections that fail because capacity < load


def rates(cumulative: np.ndarray, t_s: np.ndarray) -> np.ndarray:
    """Per-second rates from a cumulative count sampled at `t_s`; 0 at the first sample."""
    out = np.zeros_like(cumulative, dtype=float)
    out[1:] = np.diff(cumulative) / np.diff(t_s)
    return out
