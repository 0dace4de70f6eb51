"""The resolution path: authoritative server, client retry policies, and the layer policies.

Claim: what a client sees after the records come back depends on every layer between it and
the authority, and on how often it asks again.

    client app --retry policy--> client cache (JVM-like) --> recursive resolver --> authoritative
       (attempts)                 fixed TTLs: 30 s / 10 s      DNS TTLs, RFC 2308     ADDRESS before
                                                                                     and after; EMPTY
                                                                                     or TIMEOUT between

Times are seconds relative to the fix (2:25 AM PDT = 0 s); the outage starts at
`-outage_s` (11:48 PM PDT on 19 Oct, 2 h 37 m = 9420 s earlier).
"""

from dataclasses import dataclass
from enum import Enum

import numpy as np

from outage.dns.cache import CachePolicy, Kind, Response, negative_ttl_s

# 11:48 PM PDT (19 Oct) to 2:25 AM PDT (20 Oct): the regional record was empty (AWS summary).
OUTAGE_S = 9420.0
# 2:25 AM to 2:40 AM PDT: clients recovered as cached records expired (AWS summary).
OBSERVED_TAIL_S = 900.0


class AnswerMode(str, Enum):
    """What the authoritative server returned while the record was broken."""

    EMPTY = "empty"  # NOERROR, zero answers: what happened (DAT453)
    TIMEOUT = "timeout"  # no response: the counterfactual where the authority is unreachable


@dataclass(frozen=True)
class Authoritative:
    """The authoritative server for the endpoint name, as a function of time.

    Answers with the address before `-outage_s` and from 0 s (the fix) on; in between it
    answers per `mode`. An empty answer carries the negative TTL of RFC 2308 from its SOA.
    """

    mode: AnswerMode = AnswerMode.EMPTY
    record_ttl_s: float = 5.0
    soa_ttl_s: float = 900.0
    soa_minimum_s: float = 86400.0
    outage_s: float = OUTAGE_S

    def __post_init__(self) -> None:
        if self.record_ttl_s <= 0:
            raise ValueError(f"record_ttl_s must be > 0, got {self.record_ttl_s}")
        if self.outage_s < 0:
            raise ValueError(f"outage_s must be >= 0 (0 = no outage), got {self.outage_s}")
        negative_ttl_s(self.soa_ttl_s, self.soa_minimum_s)  # validates both

    def in_outage(self, now_s: float) -> bool:
        return -self.outage_s <= now_s < 0.0

    def respond(self, now_s: float) -> Response:
        """The answer to one query at `now_s` (s). O(1)."""
        if not self.in_outage(now_s):
            return Response(Kind.ADDRESS, self.record_ttl_s)
        if self.mode is AnswerMode.EMPTY:
            return Response(Kind.EMPTY, negative_ttl_s(self.soa_ttl_s, self.soa_minimum_s))
        return Response(Kind.TIMEOUT)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a client waits before its next lookup after `failures` failures in a row.

    Delay = min(cap, base * 2**(failures - 1)) when `exponential`, else `base_s`; with
    `jitter` the delay is drawn uniformly from [0, delay] ("full jitter").
    """

    name: str
    base_s: float
    cap_s: float
    exponential: bool
    jitter: bool

    def __post_init__(self) -> None:
        if not 0 < self.base_s <= self.cap_s:
            raise ValueError(f"retry policy {self.name}: need 0 < base_s <= cap_s")

    def delay_s(self, failures: int, rng: np.random.Generator) -> float:
        """Seconds until the next attempt after `failures` >= 1 consecutive failures. O(1)."""
        if failures < 1:
            raise ValueError(f"failures must be >= 1, got {failures}")
        if self.exponential:
            ceiling = min(self.cap_s, self.base_s * 2.0 ** min(failures - 1, 60))
        else:
            ceiling = self.base_s
        # ceiling * random() is uniform(0, ceiling) from the same draw, at a third of the cost.
        return ceiling * rng.random() if self.jitter else ceiling

    @property
    def steady_delay_s(self) -> float:
        """The largest delay, reached after many failures (s)."""
        return self.cap_s if self.exponential else self.base_s


# Assumption: "no backoff" clients retry once a second; backing-off clients follow the AWS SDK
# "standard" retry mode's shape (1 s base, doubling, 20 s cap). Real applications vary widely.
RETRY_POLICIES: dict[str, RetryPolicy] = {
    "fixed": RetryPolicy("fixed", base_s=1.0, cap_s=1.0, exponential=False, jitter=False),
    "backoff": RetryPolicy("backoff", base_s=1.0, cap_s=20.0, exponential=True, jitter=False),
    "backoff_jitter": RetryPolicy(
        "backoff_jitter", base_s=1.0, cap_s=20.0, exponential=True, jitter=True
    ),
}


def resolver_policy(
    *,
    max_negative_ttl_s: float = 3600.0,
    serve_stale: bool = False,
    last_known_good: bool = False,
    failure_caching: bool = False,
) -> CachePolicy:
    """Cache policy of a recursive resolver: honours DNS TTLs, caps the negative TTL.

    `max_negative_ttl_s` = 3600 s is Unbound's default `cache-max-negative-ttl`; 0 turns
    negative caching off.
    """
    return CachePolicy(
        max_negative_ttl_s=max_negative_ttl_s,
        serve_stale=serve_stale,
        last_known_good=last_known_good,
        failure_caching=failure_caching,
    )


def jvm_policy(positive_ttl_s: float = 30.0, negative_ttl_s: float = 10.0) -> CachePolicy:
    """A JVM-like client cache: fixed TTLs whatever the DNS TTL says.

    Defaults are the JDK's `networkaddress.cache.ttl` (30 s without a security manager) and
    `networkaddress.cache.negative.ttl` (10 s). The JVM caches a failed lookup like an empty
    one, so failures are cached for the negative TTL too.
    """
    if negative_ttl_s <= 0:
        # Failure caching needs a positive TTL; a client without negative caching is
        # modelled as one with no client cache at all for failures.
        return CachePolicy(positive_ttl_s=positive_ttl_s, negative_ttl_s=0.0)
    return CachePolicy(
        positive_ttl_s=positive_ttl_s,
        negative_ttl_s=negative_ttl_s,
        failure_caching=True,
        failure_ttl_initial_s=negative_ttl_s,
        failure_ttl_max_s=negative_ttl_s,
    )
