"""A seeded population of clients behind recursive resolvers, around the 2:25 AM PDT fix.

Claim: with an empty NOERROR answer cached for min(SOA TTL, SOA MINIMUM) at each resolver,
and resolver entries of spread-out ages, clients come back one resolver at a time over one
negative TTL after the fix. With Route 53's default SOA (TTL 900 s, MINIMUM 86400 s) that is
15 minutes: 2:25 to 2:40 AM PDT. Nothing here is fitted to 900 s; the tail comes from the rules.

    clients (N)            resolvers (R)                 authoritative
    [app + retry]--+
    [JVM cache]    +---->  [NameCache: positive,   ---->  ADDRESS | EMPTY | TIMEOUT
    [no cache]  ---+        negative, failure,            (by time; see resolution.py)
                            stale, last-known-good]

The event loop holds one kind of event, "client c looks the name up now", in a heap keyed
(time, seq, client). Caches expire lazily, so they need no events of their own. The run starts
`warmup_s` before the fix with resolver caches replayed through the whole outage by the same
cache rules, so failure back-off, stale data and last-known-good state are produced, not set.

Assumption: lookups take no time. Real timeouts take seconds, which would delay clients a
little in the timeout counterfactual; it does not change the 15-minute scale.
"""

import copy
import heapq
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

import numpy as np

from outage.dns.cache import Kind, NameCache, is_fresh, negative_ttl_s
from outage.dns.resolution import (
    OUTAGE_S,
    RETRY_POLICIES,
    AnswerMode,
    Authoritative,
    RetryPolicy,
    jvm_policy,
    resolver_policy,
)

# A client that has failed this many times in a row has long reached its back-off cap;
# after 2.6 hours of outage every client is there. Assumption: clients start saturated.
_SATURATED_FAILURES = 64


class EntryAges(str, Enum):
    """How old each resolver's cache entry is when the simulation starts."""

    # Assumption (default): ages uniform over the entry's TTL, as when many independent
    # resolver caches (per-node caches, restarts, evictions, separate A/AAAA entries) were
    # refreshed at times unrelated to the moment of the fix.
    UNIFORM = "uniform"
    # Contrast: every resolver refetched the empty answer the instant its entry expired,
    # in lock-step since 11:48 PM PDT, so all entries share one phase.
    SYNCHRONIZED = "synchronized"


@dataclass(frozen=True)
class Params:
    """Every knob of the population model; the defaults are the stated assumptions.

    Each default is listed, with its reason, in the project's DNS assumptions file.
    """

    answer: AnswerMode = AnswerMode.EMPTY
    record_ttl_s: float = 5.0  # Assumption: TTL of the endpoint's address records
    soa_ttl_s: float = 900.0  # Assumption: Route 53's default SOA record TTL
    soa_minimum_s: float = 86400.0  # Assumption: Route 53's default SOA MINIMUM field
    resolver_max_negative_ttl_s: float = 3600.0  # Assumption: Unbound's default cap
    serve_stale: bool = False
    last_known_good: bool = False
    failure_caching: bool = False
    resolver_tries_on_timeout: int = 3  # Assumption: queries a resolver sends per timed-out miss
    jvm_share: float = 0.5  # Assumption: share of clients with a JVM-like cache
    client_positive_ttl_s: float = 30.0  # JDK default networkaddress.cache.ttl
    client_negative_ttl_s: float = 10.0  # JDK default networkaddress.cache.negative.ttl
    retry: str = "backoff_jitter"  # Assumption: key of RETRY_POLICIES
    lookup_rate_per_s: float = 0.2  # Assumption: a healthy client's lookups per second
    n_clients: int = 600
    n_resolvers: int = 40  # Assumption: 15 clients share each resolver cache
    entry_ages: EntryAges = EntryAges.UNIFORM
    outage_s: float = OUTAGE_S
    warmup_s: float = 600.0  # simulated time before the fix; outage load is measured here
    horizon_s: Optional[float] = None  # simulated time after the fix; None = bound + margin

    def __post_init__(self) -> None:
        object.__setattr__(self, "answer", AnswerMode(self.answer))
        object.__setattr__(self, "entry_ages", EntryAges(self.entry_ages))
        if self.retry not in RETRY_POLICIES:
            raise ValueError(f"retry must be one of {sorted(RETRY_POLICIES)}, got {self.retry!r}")
        if not 0.0 <= self.jvm_share <= 1.0:
            raise ValueError(f"jvm_share must be in [0, 1], got {self.jvm_share}")
        for name in ("n_clients", "n_resolvers", "resolver_tries_on_timeout"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("client_positive_ttl_s", "client_negative_ttl_s", "outage_s",
                     "resolver_max_negative_ttl_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in ("lookup_rate_per_s", "warmup_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if 0 < self.outage_s <= self.warmup_s:
            # The run must start inside the outage for the entry-age assumption to apply.
            raise ValueError(f"warmup_s ({self.warmup_s}) must be shorter than outage_s "
                             f"({self.outage_s})")
        if self.horizon_s is not None and self.horizon_s < 0:
            raise ValueError(f"horizon_s must be >= 0, got {self.horizon_s}")
        self.authoritative()  # validates the TTLs and the SOA

    def authoritative(self) -> Authoritative:
        return Authoritative(self.answer, self.record_ttl_s, self.soa_ttl_s,
                             self.soa_minimum_s, self.outage_s)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RETRY_POLICIES[self.retry]

    @property
    def resolver_negative_ttl_s(self) -> float:
        """The negative TTL resolvers actually use: RFC 2308's min, under the resolver cap (s)."""
        return negative_ttl_s(self.soa_ttl_s, self.soa_minimum_s, self.resolver_max_negative_ttl_s)


def recovery_bound_s(p: Params) -> float:
    """Upper bound on any client's recovery time after the fix (s): the TTL chain.

    The longest resolver entry that can outlive the fix, plus the client's negative TTL
    (refreshed from that entry at worst just before it expires), plus one retry delay.
    Holds when resolution latency is zero, as in this model. O(1).
    """
    if p.answer is AnswerMode.EMPTY:
        resolver_s = p.resolver_negative_ttl_s
    else:
        resolver_s = resolver_policy().failure_ttl_max_s if p.failure_caching else 0.0
    if p.serve_stale or p.last_known_good:
        resolver_s = max(resolver_s, resolver_policy().failure_recheck_s, p.record_ttl_s)
    return resolver_s + p.client_negative_ttl_s + p.retry_policy.steady_delay_s


@dataclass(frozen=True)
class ClientRecord:
    """One client's outcome. `recovered_at_s` is seconds after the fix (0 = never saw the
    outage end, because it was not failing then); None = still failing when the run ended."""

    client_id: int
    resolver_id: int
    client_cache: str  # "jvm" or "none"
    recovered_at_s: Optional[float]
    lookups: int


@dataclass(frozen=True)
class RecoveryRun:
    """Tidy output of one simulation: per-client records and authoritative query times."""

    params: Params
    seed: int
    start_s: float
    end_s: float
    clients: tuple[ClientRecord, ...]
    authoritative_query_times_s: np.ndarray = field(repr=False)

    def queries_between(self, t0_s: float, t1_s: float) -> int:
        """Queries that reached the authoritative in [t0_s, t1_s). O(log n)."""
        times = self.authoritative_query_times_s
        return int(np.searchsorted(times, t1_s) - np.searchsorted(times, t0_s))


def _prime_resolver(cache: NameCache, auth: Authoritative, start_s: float,
                    ages: EntryAges, rng: np.random.Generator) -> None:
    """Replay one resolver's history up to `start_s` with the cache rules themselves.

    The resolver last fetched the address just before the outage (or the run) began, then
    refetched the moment each entry expired (a busy resolver). O(outage_s / shortest TTL).
    """
    now_s = min(-auth.outage_s, start_s) - rng.uniform(0.0, auth.record_ttl_s)
    cache.store(now_s, auth.respond(now_s))
    while True:
        due_s = cache.refresh_due_s
        if due_s <= now_s or due_s >= start_s:
            break
        now_s = due_s
        if cache.cached_reply(now_s) is None:
            cache.store(now_s, auth.respond(now_s))
    if ages is EntryAges.UNIFORM and is_fresh(cache.entry, start_s):
        cache.age_entry(start_s, rng.uniform(0.0, cache.entry.ttl_s))


def _prime_client(cache: NameCache, resolver: NameCache, auth: Authoritative, start_s: float,
                  rng: np.random.Generator) -> None:
    """Give a client cache the reply its resolver gives at `start_s`, aged uniformly.

    Assumption: client entries have ages spread evenly over their own TTL, whatever the
    resolvers do (each client last looked up at its own moment). The resolver is copied so
    that priming leaves no trace in it. O(1).
    """
    reply = resolver.cached_reply(start_s)
    if reply is None:
        reply = copy.deepcopy(resolver).store(start_s, auth.respond(start_s))
    cache.store(start_s, reply)
    if is_fresh(cache.entry, start_s):
        cache.age_entry(start_s, rng.uniform(0.0, cache.entry.ttl_s))


def simulate(p: Params, seed: int, *, end_s: Optional[float] = None,
             healthy: bool = False) -> RecoveryRun:
    """Run the population from `-p.warmup_s` to `end_s` (s after the fix) and record it.

    `healthy=True` runs the same population with no outage at all (the normal baseline).
    Deterministic for a given `seed`. Cost O(E log N) for E lookups (about N * duration /
    mean gap between lookups) and N clients.
    """
    rng = np.random.default_rng(seed)
    auth = p.authoritative()
    if healthy:
        auth = Authoritative(p.answer, p.record_ttl_s, p.soa_ttl_s, p.soa_minimum_s, 0.0)
    start_s = -p.warmup_s
    if end_s is None:
        end_s = p.horizon_s if p.horizon_s is not None else recovery_bound_s(p) + 120.0
    retry = p.retry_policy

    rpolicy = resolver_policy(max_negative_ttl_s=p.resolver_max_negative_ttl_s,
                              serve_stale=p.serve_stale, last_known_good=p.last_known_good,
                              failure_caching=p.failure_caching)
    resolvers = [NameCache(rpolicy) for _ in range(p.n_resolvers)]
    for cache in resolvers:
        _prime_resolver(cache, auth, start_s, p.entry_ages, rng)

    n_jvm = int(round(p.jvm_share * p.n_clients))
    is_jvm = rng.permutation(np.arange(p.n_clients) < n_jvm)
    resolver_of = rng.integers(0, p.n_resolvers, size=p.n_clients)
    cpolicy = jvm_policy(p.client_positive_ttl_s, p.client_negative_ttl_s)
    client_caches = [NameCache(cpolicy) if jvm else None for jvm in is_jvm]
    for c, cache in enumerate(client_caches):
        if cache is not None:
            _prime_client(cache, resolvers[resolver_of[c]], auth, start_s, rng)
    failures = [_SATURATED_FAILURES] * p.n_clients
    back_since_s: list[Optional[float]] = [None] * p.n_clients
    lookups = [0] * p.n_clients
    query_times: list[float] = []

    # Initial phases: each client is somewhere in its retry or lookup cycle.
    first_gap_s = max(retry.steady_delay_s, p.client_positive_ttl_s, 1.0 / p.lookup_rate_per_s)
    heap = [(start_s + float(rng.uniform(0.0, first_gap_s)), c, c) for c in range(p.n_clients)]
    heapq.heapify(heap)
    seq = p.n_clients
    # Loop-invariant lookups hoisted out of the event loop, its cost is per event.
    resolver_of_client = [resolvers[r] for r in resolver_of.tolist()]
    mean_gap_s = 1.0 / p.lookup_rate_per_s
    tries_on_timeout = p.resolver_tries_on_timeout
    while heap:
        now_s, _, c = heapq.heappop(heap)
        lookups[c] += 1
        client_cache = client_caches[c]
        reply = client_cache.cached_reply(now_s) if client_cache is not None else None
        if reply is None:
            resolver = resolver_of_client[c]
            upstream = resolver.cached_reply(now_s)
            if upstream is None:
                response = auth.respond(now_s)
                tries = tries_on_timeout if response.kind is Kind.TIMEOUT else 1
                query_times.extend([now_s] * tries)
                upstream = resolver.store(now_s, response)
            reply = client_cache.store(now_s, upstream) if client_cache is not None else upstream

        if reply.kind is Kind.ADDRESS:
            failures[c] = 0
            if back_since_s[c] is None:
                back_since_s[c] = now_s
            # Lookups served by the client's own cache need no event: the next one that can
            # reach the resolver is the first request after the entry expires (Poisson).
            ready_s = client_cache.entry.expires_at_s if client_cache is not None else now_s
            next_s = max(now_s, ready_s) + float(rng.exponential(mean_gap_s))
        else:
            failures[c] += 1
            back_since_s[c] = None
            next_s = now_s + retry.delay_s(failures[c], rng)
        if next_s < end_s:
            heapq.heappush(heap, (next_s, seq, c))
            seq += 1

    records = []
    for c in range(p.n_clients):
        if back_since_s[c] is None:
            recovered: Optional[float] = None
        else:
            recovered = max(0.0, back_since_s[c])
        records.append(ClientRecord(c, int(resolver_of[c]), "jvm" if is_jvm[c] else "none",
                                    recovered, lookups[c]))
    return RecoveryRun(p, seed, start_s, end_s, tuple(records),
                       np.asarray(query_times, dtype=float))
