"""Authoritative load during the outage: the ordering of set-ups and retry policies."""

from dataclasses import replace

import pytest

from outage.dns.amplification import (
    REFERENCE_POINTS,
    RESOLVER_SETUPS,
    amplification_grid,
    measure,
)
from outage.dns.population import Params

# Few clients and a short window: load ratios are per client, so they keep their order.
LOAD = Params(n_clients=120, n_resolvers=8, warmup_s=300.0)


def _ratio(**changes) -> float:
    return measure(replace(LOAD, **changes), seed=0).ratio


def test_cached_empty_answer_makes_the_authority_quieter_than_normal():
    # One query per resolver per 900 s instead of one per 5 s.
    assert _ratio() < 0.05


def test_no_negative_caching_and_no_backoff_amplifies_most_for_an_empty_answer():
    no_neg_fixed = _ratio(resolver_max_negative_ttl_s=0.0, retry="fixed")
    no_neg_backoff = _ratio(resolver_max_negative_ttl_s=0.0, retry="backoff")
    with_neg_fixed = _ratio(retry="fixed")
    assert no_neg_fixed > no_neg_backoff > 1.0 > with_neg_fixed


def test_client_negative_cache_damps_retries_that_would_reach_the_authority():
    jvm = _ratio(resolver_max_negative_ttl_s=0.0, retry="fixed", jvm_share=1.0)
    bare = _ratio(resolver_max_negative_ttl_s=0.0, retry="fixed", jvm_share=0.0)
    assert bare > 5.0 * jvm


def test_a_timing_out_authority_gets_more_than_an_empty_one_without_failure_caching():
    timeout = _ratio(answer="timeout", retry="fixed")
    empty_no_neg = _ratio(resolver_max_negative_ttl_s=0.0, retry="fixed")
    assert timeout > empty_no_neg  # each miss costs several tries


def test_failure_caching_and_serve_stale_bound_timeout_load_below_normal():
    assert _ratio(answer="timeout", failure_caching=True, retry="fixed") < 1.0
    assert _ratio(answer="timeout", serve_stale=True, retry="fixed") < 1.0


@pytest.mark.slow
def test_grid_covers_every_setup_and_policy():
    points = amplification_grid(LOAD)
    assert len(points) == len(RESOLVER_SETUPS) * 3
    assert max(points, key=lambda pt: pt.ratio).setup == "timeout, no failure caching"


def test_reference_points_are_context_values():
    assert {pt.ratio for pt in REFERENCE_POINTS} == {8.0, 100.0}
