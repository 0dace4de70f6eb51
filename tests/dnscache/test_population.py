"""The population simulation: determinism, the TTL-chain bound, and recovery mechanics."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import recovery_times_s
from outage.dns.resolution import RETRY_POLICIES, Authoritative, AnswerMode



def test_same_seed_gives_identical_records(small):
    a, b = simulate(small, 7), simulate(small, 7)
    assert a.clients == b.clients
    assert np.array_equal(a.authoritative_query_times_s, b.authoritative_query_times_s)


def test_different_seeds_give_different_records(small):
    assert simulate(small, 1).clients != simulate(small, 2).clients


def test_every_client_fails_at_the_fix_when_the_answer_was_empty(small):
    times = recovery_times_s(simulate(small, 0))
    assert np.all(times > 0)


def test_no_client_recovers_before_its_resolver_entry_expires(small):
    """Nobody can see the address while the resolver still holds the empty answer."""
    p = replace(small, client_negative_ttl_s=0.0, jvm_share=0.0)
    run = simulate(p, 3)
    by_resolver: dict[int, list[float]] = {}
    for r in run.clients:
        by_resolver.setdefault(r.resolver_id, []).append(r.recovered_at_s)
    firsts = sorted(min(v) for v in by_resolver.values())
    # One step per resolver: each resolver's clients come back together once it refetches.
    assert len(firsts) == p.n_resolvers
    assert firsts[-1] > 0.8 * p.resolver_negative_ttl_s


def test_authoritative_answers_by_time():
    auth = Authoritative(AnswerMode.EMPTY, record_ttl_s=5.0, soa_ttl_s=900.0,
                         soa_minimum_s=86400.0, outage_s=100.0)
    assert auth.respond(-101.0).kind.value == "address"
    assert auth.respond(-50.0).kind.value == "empty"
    assert auth.respond(-50.0).ttl_s == 900.0
    assert auth.respond(0.0).kind.value == "address"


@pytest.mark.parametrize("kwargs", [
    {"n_clients": 0}, {"n_resolvers": 0}, {"jvm_share": 1.5}, {"retry": "sometimes"},
    {"answer": "nxdomain"}, {"entry_ages": "random"}, {"soa_ttl_s": -1.0},
    {"record_ttl_s": 0.0}, {"lookup_rate_per_s": 0.0}, {"client_negative_ttl_s": -1.0},
])
def test_bad_parameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        Params(**kwargs)


def test_retry_delays_follow_the_policies():
    rng = np.random.default_rng(0)
    assert RETRY_POLICIES["fixed"].delay_s(50, rng) == 1.0
    assert [RETRY_POLICIES["backoff"].delay_s(k, rng) for k in (1, 2, 3, 6, 40)] == [
        1.0, 2.0, 4.0, 20.0, 20.0]
    jittered = [RETRY_POLICIES["backoff_jitter"].delay_s(40, rng) for _ in range(200)]
    assert 0.0 <= min(jittered) and max(jittered) <= 20.0 and np.std(jittered) > 3.0


ttl_params = st.builds(
    Params,
    answer=st.sampled_from(list(AnswerMode)),
    soa_ttl_s=st.sampled_from([0.0, 30.0, 120.0, 400.0]),
    client_negative_ttl_s=st.sampled_from([0.0, 10.0, 60.0]),
    retry=st.sampled_from(sorted(RETRY_POLICIES)),
    serve_stale=st.booleans(),
    failure_caching=st.booleans(),
    last_known_good=st.booleans(),
    jvm_share=st.sampled_from([0.0, 0.5, 1.0]),
    n_clients=st.just(40),
    n_resolvers=st.just(8),
    warmup_s=st.just(120.0),
    outage_s=st.sampled_from([200.0, 3000.0]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ttl_params, st.integers(0, 2**16))
def test_every_client_recovers_within_the_ttl_chain(p, seed):
    times = recovery_times_s(simulate(p, seed))
    assert np.all(np.isfinite(times))
    assert times.max() <= recovery_bound_s(p) + 1e-9
