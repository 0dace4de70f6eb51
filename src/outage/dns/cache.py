"""Cache rules for one DNS name, shared by recursive resolvers and client caches.

Claim: the recovery tail after 2:25 AM PDT is set by *negative* cache entries, and each rule
below decides whether a stale, empty or failed answer can outlive the fix.

    authoritative --(Response)--> NameCache.store() --> Entry --> NameCache.cached_reply()
                                                          |
                  kinds: positive | negative (empty NOERROR/NODATA) | failure (RFC 9520)

Rules, each a small pure function or one method of `NameCache`:

- positive and negative entries are fresh while `now < fetched_at + ttl` (RFC 1035, RFC 2308);
- the negative TTL is min(SOA TTL, SOA MINIMUM) (RFC 2308 section 5), capped by the cache;
- serve-stale (RFC 8767) answers with expired positive data only when the authority *failed*
  (timeout or SERVFAIL), never when it answered, and an empty NOERROR is an answer;
- "last known good" refuses to replace a working address with an empty answer;
- failure caching (RFC 9520) remembers a resolution failure for a while, backing off.

Times are seconds on one simulation clock; TTLs are seconds.
"""

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple, Optional


class Kind(str, Enum):
    """What an authoritative server, a cache or a resolver can hand back."""

    ADDRESS = "address"  # NOERROR with records
    EMPTY = "empty"  # NOERROR with no records (NODATA): what clients saw on 20 Oct
    TIMEOUT = "timeout"  # no response at all
    SERVFAIL = "servfail"  # the resolver gave up


FAILURES = (Kind.TIMEOUT, Kind.SERVFAIL)


class Response(NamedTuple):
    """One answer as seen by the layer below: its kind and the TTL it carries (s, >= 0).

    For EMPTY the TTL is the negative TTL derived from the SOA; for failures it is 0. A tuple,
    not a validated dataclass: the simulations make millions of these, and every TTL in them
    comes from a validated parameter or a remaining lifetime, never from outside.
    """

    kind: Kind
    ttl_s: float = 0.0


class Entry(NamedTuple):
    """A cached response: fresh on [fetched_at_s, fetched_at_s + ttl_s)."""

    kind: Kind
    fetched_at_s: float
    ttl_s: float

    @property
    def expires_at_s(self) -> float:
        return self.fetched_at_s + self.ttl_s


def negative_ttl_s(soa_ttl_s: float, soa_minimum_s: float, cap_s: Optional[float] = None) -> float:
    """Negative-caching TTL of an empty answer (RFC 2308 section 5), in seconds.

    It is min(SOA record TTL, SOA MINIMUM field), further limited by a cache's own cap
    (Unbound `cache-max-negative-ttl`, BIND `max-ncache-ttl`) when `cap_s` is given. O(1).
    """
    values = [soa_ttl_s, soa_minimum_s] + ([] if cap_s is None else [cap_s])
    if any(v < 0 for v in values):
        raise ValueError(f"TTLs must be >= 0, got {values}")
    return float(min(values))


def is_fresh(entry: Optional[Entry], now_s: float) -> bool:
    """True while a cached entry may be served without asking upstream. O(1)."""
    return entry is not None and now_s < entry.expires_at_s


def remaining_ttl_s(entry: Entry, now_s: float) -> float:
    """TTL a cache passes downstream for a fresh entry: what is left of its own (s). O(1)."""
    return max(0.0, entry.expires_at_s - now_s)


@dataclass(frozen=True)
class CachePolicy:
    """How one cache layer treats what it receives.

    `positive_ttl_s` / `negative_ttl_s` set to a number replace the TTL carried by the answer,
    as the JVM's `networkaddress.cache.ttl` and `.negative.ttl` do; None keeps the DNS TTL.
    `max_negative_ttl_s` caps a DNS-derived negative TTL (0 disables negative caching).
    """

    positive_ttl_s: Optional[float] = None
    negative_ttl_s: Optional[float] = None
    max_negative_ttl_s: float = 3600.0
    serve_stale: bool = False
    max_stale_s: float = 86400.0  # RFC 8767 suggests 1 to 3 days
    stale_answer_ttl_s: float = 30.0  # RFC 8767 recommends 30 s
    failure_recheck_s: float = 30.0  # RFC 8767: wait before retrying a failing authority
    last_known_good: bool = False
    failure_caching: bool = False
    failure_ttl_initial_s: float = 5.0  # RFC 9520 example starting value
    failure_ttl_max_s: float = 300.0  # RFC 9520 example cap on the back-off

    def __post_init__(self) -> None:
        for name in ("positive_ttl_s", "negative_ttl_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0, got {value}")
        for name in ("max_negative_ttl_s", "max_stale_s", "stale_answer_ttl_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.failure_recheck_s <= 0:
            raise ValueError(f"failure_recheck_s must be > 0, got {self.failure_recheck_s}")
        if not 0 < self.failure_ttl_initial_s <= self.failure_ttl_max_s:
            raise ValueError("need 0 < failure_ttl_initial_s <= failure_ttl_max_s")


def next_failure_ttl_s(previous_ttl_s: Optional[float], policy: CachePolicy) -> float:
    """RFC 9520 back-off: how long to cache a failure given the previous failure TTL (s).

    Starts at `failure_ttl_initial_s` and doubles up to `failure_ttl_max_s`. O(1).
    """
    if previous_ttl_s is None:
        return policy.failure_ttl_initial_s
    return min(policy.failure_ttl_max_s, 2.0 * previous_ttl_s)


def ttl_to_store_s(response: Response, policy: CachePolicy) -> float:
    """TTL this cache gives an entry made from `response` (s); failures are handled apart. O(1)."""
    if response.kind is Kind.ADDRESS:
        return response.ttl_s if policy.positive_ttl_s is None else policy.positive_ttl_s
    if response.kind is Kind.EMPTY:
        if policy.negative_ttl_s is not None:
            return policy.negative_ttl_s
        return min(response.ttl_s, policy.max_negative_ttl_s)
    raise ValueError(f"no stored TTL for a {response.kind.value} response")


class NameCache:
    """The cache state for one name in one cache (a resolver, or a client's JVM).

    Holds the current entry, the last working address (for serve-stale and last-known-good)
    and the failure back-off. `cached_reply` answers without upstream or returns None;
    `store` takes an upstream response and returns what this layer hands downstream.
    """

    def __init__(self, policy: CachePolicy) -> None:
        self.policy = policy
        self.entry: Optional[Entry] = None
        self.last_good: Optional[Entry] = None
        self._failure_ttl_s: Optional[float] = None
        self._recheck_until_s: float = float("-inf")

    def cached_reply(self, now_s: float) -> Optional[Response]:
        """The reply from cache alone, or None when upstream must be asked. O(1).

        A fresh entry is served with its remaining TTL. During a serve-stale failure-recheck
        window (set by `store` after a failed refresh) the last good address is served.
        """
        entry = self.entry
        # is_fresh and remaining_ttl_s, inlined: this is the simulations' innermost call.
        if entry is not None and now_s < entry.fetched_at_s + entry.ttl_s:
            if entry.kind is Kind.SERVFAIL:
                return Response(Kind.SERVFAIL)
            return Response(entry.kind, entry.fetched_at_s + entry.ttl_s - now_s)
        if now_s < self._recheck_until_s and self._stale_usable(now_s):
            return Response(Kind.ADDRESS, self.policy.stale_answer_ttl_s)
        return None

    def store(self, now_s: float, response: Response) -> Response:
        """Apply an upstream response at `now_s`; return the reply passed downstream. O(1)."""
        if response.kind in FAILURES:
            return self._store_failure(now_s)
        self._failure_ttl_s = None
        self._recheck_until_s = float("-inf")
        if response.kind is Kind.EMPTY and self.policy.last_known_good and self.last_good:
            # Never replace a working address with an empty one: re-arm the old address
            # for its own TTL, so the cache keeps checking the authority at the normal pace.
            self.last_good = self.last_good._replace(fetched_at_s=now_s)
            self.entry = self.last_good
            return Response(Kind.ADDRESS, self.entry.ttl_s)
        ttl_s = ttl_to_store_s(response, self.policy)
        self.entry = Entry(response.kind, now_s, ttl_s)
        if response.kind is Kind.ADDRESS:
            self.last_good = self.entry
        return Response(response.kind, ttl_s)

    def _stale_usable(self, now_s: float) -> bool:
        return (
            self.policy.serve_stale
            and self.last_good is not None
            and now_s < self.last_good.expires_at_s + self.policy.max_stale_s
        )

    def _store_failure(self, now_s: float) -> Response:
        # Serve-stale applies only here: the authority failed, so an expired address may do.
        if self._stale_usable(now_s):
            self._recheck_until_s = now_s + self.policy.failure_recheck_s
            return Response(Kind.ADDRESS, self.policy.stale_answer_ttl_s)
        if self.policy.failure_caching:
            self._failure_ttl_s = next_failure_ttl_s(self._failure_ttl_s, self.policy)
            self.entry = Entry(Kind.SERVFAIL, now_s, self._failure_ttl_s)
        else:
            self.entry = None
        return Response(Kind.SERVFAIL)

    def age_entry(self, now_s: float, age_s: float) -> None:
        """Re-time the current entry so that it is `age_s` old at `now_s`.

        Used only to set up a population whose entries have spread-out ages (an assumption
        of the population model); the entry's kind and TTL are kept. O(1).
        """
        if self.entry is None:
            return
        if not 0 <= age_s <= self.entry.ttl_s:
            raise ValueError(f"age_s must be in [0, {self.entry.ttl_s}], got {age_s}")
        self.entry = self.entry._replace(fetched_at_s=now_s - age_s)
        if self.entry.kind is Kind.ADDRESS and self.policy.last_known_good:
            self.last_good = self.entry

    @property
    def refresh_due_s(self) -> float:
        """Earliest time this cache will next need upstream (s); -inf if it needs it now."""
        times = []
        if self.entry is not None:
            times.append(self.entry.expires_at_s)
        if self._recheck_until_s != float("-inf"):
            times.append(self._recheck_until_s)
        return max(times) if times else float("-inf")
