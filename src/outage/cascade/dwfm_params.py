"""Parameters and operator inputs of the DWFM lease model, shared by the fluid model and the
discrete-event simulation so that the two are checked on exactly the same assumptions.

Every number AWS did not publish is an `Assumption:` here and in data/assumptions/cascade.yaml
(a test keeps the two equal). Times are seconds, work is worker-seconds.
"""

import math
from dataclasses import dataclass

import numpy as np

from outage.cascade import clock


@dataclass(frozen=True)
class DwfmParams:
    """The fleet and the DWFM hosts. Validated on construction."""

    # Assumption: AWS gives no droplet count ("a large number"); 100,000 is the fleet-scale
    # target. In the mean-field model only droplets per host matters.
    fleet_droplets: int = 100_000
    # Assumption: 100 DWFM hosts, 1,000 droplets each; the host count is not public.
    dwfm_hosts: int = 100
    # Assumption: "every few minutes" (AWS summary, Amazon EC2) read as 5 minutes on average.
    check_interval_s: float = 300.0
    # Assumption: check intervals jitter as an Erlang(6) law (spread 41% of the mean), which
    # keeps checks desynchronised and lets the fluid model track them with 6 stages.
    check_interval_stages: int = 6
    # Assumption: once its checks fail, a lease lapses after an exponential time with mean 2 h.
    # AWS gives no timeout but says leases timed out gradually from 11:48 PM to 2:24 AM, so
    # lifetimes must spread over hours; the memoryless law makes the fluid model exact.
    lease_mean_ttl_s: float = 7200.0
    # Assumption: a lease attempt that has not completed 120 s after it was queued times out;
    # the host has still done (and wasted) its work, and the attempt is queued again.
    attempt_timeout_s: float = 120.0
    # Assumption: a renewal (state check on a leased droplet) costs 5 worker-seconds.
    renew_work_s: float = 5.0
    # Assumption: establishing a lease costs 8x a renewal (40 worker-seconds): the host must
    # reconcile the droplet's full state after hours without contact.
    establish_work_s: float = 40.0
    # Assumption: each DWFM host works 32 attempts at a time; healthy load is then 52%.
    workers_per_host: int = 32

    def __post_init__(self) -> None:
        positive = {
            "fleet_droplets": self.fleet_droplets,
            "dwfm_hosts": self.dwfm_hosts,
            "check_interval_s": self.check_interval_s,
            "check_interval_stages": self.check_interval_stages,
            "lease_mean_ttl_s": self.lease_mean_ttl_s,
            "attempt_timeout_s": self.attempt_timeout_s,
            "renew_work_s": self.renew_work_s,
            "establish_work_s": self.establish_work_s,
            "workers_per_host": self.workers_per_host,
        }
        for name, value in positive.items():
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if self.dwfm_hosts > self.fleet_droplets:
            raise ValueError("dwfm_hosts must not exceed fleet_droplets")
        if self.establish_work_s >= self.attempt_timeout_s:
            raise ValueError("establish_work_s must be below attempt_timeout_s")

    def droplets_per_host(self) -> np.ndarray:
        """Droplets of each host: the fleet split as evenly as whole droplets allow
        (Assumption: no host is favoured). O(hosts)."""
        base, extra = divmod(self.fleet_droplets, self.dwfm_hosts)
        return np.array([base + (h < extra) for h in range(self.dwfm_hosts)], dtype=float)

    def healthy_utilisation(self) -> float:
        """Fraction of a host's workers busy with renewals when every lease is held."""
        per_host = self.fleet_droplets / self.dwfm_hosts
        return per_host * self.renew_work_s / (self.check_interval_s * self.workers_per_host)


@dataclass(frozen=True)
class DwfmControls:
    """Inputs: when DynamoDB is back, and what the operators (or a design change) do.

    None means "never". The 4:14 AM action of the as-happened scenario is two of these:
    `restart_at_s` and `throttle_from_s`.
    """

    # Fact: DynamoDB unreachable from the trigger until its DNS was restored at 2:25 AM.
    # A per-host array is allowed (the phase sweep gives every column its own outage).
    dynamodb_restored_s: float | np.ndarray = clock.DYNAMODB_DNS_RESTORED_S
    # Input: restart the hosts whose queue wait is past the timeout (Assumption: "selected
    # hosts" means the congested ones), emptying their queues.
    restart_at_s: float | None = None
    # Input: cap lease-establishment attempts admitted per host from this time.
    throttle_from_s: float | None = None
    # Assumption: the EC2 throttles were relaxed from 11:23 AM (AWS summary); the DWFM throttle
    # is taken to end then too.
    throttle_until_s: float = clock.EC2_THROTTLE_RELAXATION_S
    # Assumption, fitted to AWS's 5:28 AM (data/calibration.yaml): 0.209 establishments per
    # host per second (26% of a host's workers); AWS gives no throttle level.
    throttle_establish_per_host_per_s: float = 0.209
    # Assumption: the throttle is a token bucket 10 establishments deep (discrete-event model
    # only; the fluid model's min(demand, rate) is the deep-bucket limit).
    throttle_bucket_tokens: float = 10.0
    # Counterfactual (AWS remediation): admit new establishment work with probability
    # 1 - wait/limit, where wait is the host's queued work per worker.
    queue_admission: bool = False
    # Assumption: admit nothing once queued work would make a new attempt wait 60 s, half
    # the attempt timeout.
    queue_admission_wait_s: float = 60.0

    def __post_init__(self) -> None:
        restored = np.asarray(self.dynamodb_restored_s, dtype=float)
        if not np.all(np.isfinite(restored)) or np.any(restored < 0):
            raise ValueError("dynamodb_restored_s must be finite and >= 0")
        for name in ("restart_at_s", "throttle_from_s"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be None or a time >= 0 s, got {value!r}")
        if not self.throttle_establish_per_host_per_s > 0:
            raise ValueError("throttle_establish_per_host_per_s must be > 0")
        if not self.throttle_bucket_tokens >= 1:
            raise ValueError("throttle_bucket_tokens must be >= 1")
        if not self.queue_admission_wait_s > 0:
            raise ValueError("queue_admission_wait_s must be > 0")

    def throttled(self, t_s: float) -> bool:
        """Whether the establishment throttle is on at model time `t_s`."""
        return self.throttle_from_s is not None and self.throttle_from_s <= t_s < self.throttle_until_s
