"""Load on the authoritative server during a DNS outage, and what amplifies it.

Claim: an empty NOERROR answer cached for 15 minutes makes the authority *quieter* than
normal; it is missing or capped negative caching, a timing-out authority, and clients that
retry without backoff that multiply its load. Failure caching (RFC 9520) and serve-stale
(RFC 8767) bound that load when the authority times out.

    outage qps   queries reaching the authoritative per second while the record is broken
    ----------   (mean over the simulated minutes before the fix)
    normal qps   the same population and seed with the address present

The ratio depends on clients per resolver and on how often clients ask: both are assumptions
(see population.Params). The published reference points below are context, not targets.
"""

from dataclasses import dataclass, replace

from outage.dns.population import Params, simulate
from outage.dns.recovery import normal_qps, outage_qps
from outage.dns.resolution import RETRY_POLICIES, AnswerMode


@dataclass(frozen=True)
class ReferencePoint:
    """A published observation of authoritative-load amplification, for context only."""

    label: str
    ratio: float
    source: str


REFERENCE_POINTS: tuple[ReferencePoint, ...] = (
    ReferencePoint("Resolver retries during a simulated DDoS", 8.0,
                   "Moura et al., 'When the Dike Breaks', ACM IMC 2018: up to about 8x"),
    ReferencePoint("Facebook outage, October 2021", 100.0,
                   "Cloudflare's write-up: .com/.net queries for Facebook names rose over 100x"),
)


@dataclass(frozen=True)
class ResolverSetup:
    """A named combination of answer mode and resolver features."""

    name: str
    changes: dict


# Named resolver set-ups, from the one that happened to counterfactuals.
RESOLVER_SETUPS: tuple[ResolverSetup, ...] = (
    ResolverSetup("empty, negative caching", {"answer": AnswerMode.EMPTY}),
    ResolverSetup("empty, no negative caching",
                  {"answer": AnswerMode.EMPTY, "resolver_max_negative_ttl_s": 0.0}),
    ResolverSetup("timeout, no failure caching", {"answer": AnswerMode.TIMEOUT}),
    ResolverSetup("timeout, failure caching (RFC 9520)",
                  {"answer": AnswerMode.TIMEOUT, "failure_caching": True}),
    ResolverSetup("timeout, serve-stale (RFC 8767)",
                  {"answer": AnswerMode.TIMEOUT, "serve_stale": True}),
)


@dataclass(frozen=True)
class AmplificationPoint:
    """Authoritative load for one resolver set-up and one client retry policy and seed."""

    setup: str
    retry: str
    seed: int
    outage_qps: float
    normal_qps: float

    @property
    def ratio(self) -> float:
        """Outage load over normal load (dimensionless)."""
        return self.outage_qps / self.normal_qps


def measure(p: Params, seed: int, setup: str = "") -> AmplificationPoint:
    """Outage and normal authoritative load for `p` with `seed`.

    Simulates only the `warmup_s` before the fix, plus the same span with no outage.
    Cost: two runs of about N * warmup_s / mean lookup gap events.
    """
    run = simulate(p, seed, end_s=0.0)
    return AmplificationPoint(setup, p.retry, seed, outage_qps(run), normal_qps(p, seed))


def amplification_grid(base: Params = Params(), base_seed: int = 0,
                       n_seeds: int = 1) -> list[AmplificationPoint]:
    """Every resolver set-up times every retry policy, seeds base_seed + i.

    Cost: len(RESOLVER_SETUPS) * len(RETRY_POLICIES) * n_seeds * 2 short runs.
    """
    points = []
    for setup in RESOLVER_SETUPS:
        for retry in RETRY_POLICIES:
            p = replace(base, retry=retry, **setup.changes)
            for i in range(n_seeds):
                points.append(measure(p, base_seed + i, setup.name))
    return points
