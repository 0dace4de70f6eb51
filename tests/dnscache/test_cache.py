"""Unit and property tests for each cache rule in outage.dns.cache."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outage.dns.cache import (
    CachePolicy,
    Entry,
    Kind,
    NameCache,
    Response,
    is_fresh,
    negative_ttl_s,
    next_failure_ttl_s,
)
from outage.dns.resolution import jvm_policy, resolver_policy

ADDRESS_5S = Response(Kind.ADDRESS, 5.0)
EMPTY_900S = Response(Kind.EMPTY, 900.0)
TIMEOUT = Response(Kind.TIMEOUT)


# --- TTL expiry -------------------------------------------------------------------------------

def test_positive_entry_served_until_ttl_then_upstream_needed():
    cache = NameCache(resolver_policy())
    cache.store(100.0, ADDRESS_5S)
    reply = cache.cached_reply(104.9)
    assert reply.kind is Kind.ADDRESS and reply.ttl_s == pytest.approx(0.1)
    assert cache.cached_reply(105.0) is None


def test_negative_entry_served_until_its_ttl():
    cache = NameCache(resolver_policy())
    cache.store(0.0, EMPTY_900S)
    assert cache.cached_reply(899.0).kind is Kind.EMPTY
    assert cache.cached_reply(900.0) is None


def test_downstream_gets_remaining_ttl_so_ttl_respecting_layers_do_not_stack():
    cache = NameCache(resolver_policy())
    cache.store(0.0, EMPTY_900S)
    assert cache.cached_reply(600.0).ttl_s == pytest.approx(300.0)


def test_jvm_cache_uses_its_fixed_ttls_not_the_dns_ttls():
    jvm = NameCache(jvm_policy(positive_ttl_s=30.0, negative_ttl_s=10.0))
    assert jvm.store(0.0, ADDRESS_5S).ttl_s == 30.0
    jvm2 = NameCache(jvm_policy(positive_ttl_s=30.0, negative_ttl_s=10.0))
    assert jvm2.store(0.0, EMPTY_900S).ttl_s == 10.0
    assert jvm2.cached_reply(9.9).kind is Kind.EMPTY
    assert jvm2.cached_reply(10.0) is None


# --- negative TTL from the SOA (RFC 2308) -----------------------------------------------------

@pytest.mark.parametrize("soa_ttl, soa_min, cap, expected", [
    (900, 86400, None, 900),  # Route 53 default SOA: the record's TTL wins
    (3600, 60, None, 60),  # a small MINIMUM wins
    (900, 86400, 300, 300),  # a resolver cap wins
    (0, 86400, None, 0),
])
def test_negative_ttl_is_min_of_soa_ttl_and_minimum_and_cap(soa_ttl, soa_min, cap, expected):
    assert negative_ttl_s(soa_ttl, soa_min, cap) == expected


def test_negative_ttl_rejects_negative_values():
    with pytest.raises(ValueError):
        negative_ttl_s(-1, 10)


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6))
def test_negative_ttl_never_exceeds_any_input(soa_ttl, soa_min, cap):
    ttl = negative_ttl_s(soa_ttl, soa_min, cap)
    assert ttl <= soa_ttl and ttl <= soa_min and ttl <= cap
    assert ttl in (soa_ttl, soa_min, cap)


def test_resolver_cap_of_zero_disables_negative_caching():
    cache = NameCache(resolver_policy(max_negative_ttl_s=0.0))
    cache.store(0.0, EMPTY_900S)
    assert cache.cached_reply(0.0) is None


# --- serve-stale only on failure (RFC 8767) ---------------------------------------------------

def test_serve_stale_answers_with_old_address_when_authority_times_out():
    cache = NameCache(resolver_policy(serve_stale=True))
    cache.store(0.0, ADDRESS_5S)
    reply = cache.store(100.0, TIMEOUT)
    assert reply == Response(Kind.ADDRESS, 30.0)
    # Within the failure-recheck window the stale address is served without asking upstream.
    assert cache.cached_reply(120.0).kind is Kind.ADDRESS
    assert cache.cached_reply(130.0) is None


def test_serve_stale_does_not_mask_an_empty_noerror_answer():
    cache = NameCache(resolver_policy(serve_stale=True))
    cache.store(0.0, ADDRESS_5S)
    reply = cache.store(100.0, EMPTY_900S)
    assert reply.kind is Kind.EMPTY
    assert cache.cached_reply(500.0).kind is Kind.EMPTY


def test_serve_stale_off_turns_a_timeout_into_servfail():
    cache = NameCache(resolver_policy(serve_stale=False))
    cache.store(0.0, ADDRESS_5S)
    assert cache.store(100.0, TIMEOUT).kind is Kind.SERVFAIL


def test_stale_data_older_than_max_stale_is_not_served():
    cache = NameCache(CachePolicy(serve_stale=True, max_stale_s=60.0))
    cache.store(0.0, ADDRESS_5S)
    assert cache.store(64.0, TIMEOUT).kind is Kind.ADDRESS
    assert cache.store(66.0, TIMEOUT).kind is Kind.SERVFAIL


# --- last known good --------------------------------------------------------------------------

def test_last_known_good_keeps_the_address_when_the_answer_turns_empty():
    cache = NameCache(resolver_policy(last_known_good=True))
    cache.store(0.0, ADDRESS_5S)
    reply = cache.store(10.0, EMPTY_900S)
    assert reply == Response(Kind.ADDRESS, 5.0)
    # It keeps checking at the address's own TTL, so the fix is seen within 5 s.
    assert cache.cached_reply(15.0) is None


def test_last_known_good_cannot_help_a_cache_that_never_had_the_address():
    cache = NameCache(resolver_policy(last_known_good=True))
    assert cache.store(0.0, EMPTY_900S).kind is Kind.EMPTY


# --- failure caching (RFC 9520) ---------------------------------------------------------------

def test_failure_caching_backs_off_from_5_s_doubling_to_300_s():
    policy = resolver_policy(failure_caching=True)
    ttls, ttl = [], None
    for _ in range(8):
        ttl = next_failure_ttl_s(ttl, policy)
        ttls.append(ttl)
    assert ttls == [5, 10, 20, 40, 80, 160, 300, 300]


def test_cached_failure_is_served_without_asking_upstream():
    cache = NameCache(resolver_policy(failure_caching=True))
    cache.store(0.0, TIMEOUT)
    assert cache.cached_reply(4.9).kind is Kind.SERVFAIL
    assert cache.cached_reply(5.0) is None


def test_a_real_answer_resets_the_failure_backoff():
    cache = NameCache(resolver_policy(failure_caching=True))
    for t in (0.0, 5.0, 15.0):
        cache.store(t, TIMEOUT)
    cache.store(40.0, ADDRESS_5S)
    cache.store(45.0, TIMEOUT)
    assert cache.entry.ttl_s == 5.0


# --- properties over arbitrary histories ------------------------------------------------------

responses = st.sampled_from([ADDRESS_5S, Response(Kind.ADDRESS, 60.0), EMPTY_900S,
                             Response(Kind.EMPTY, 30.0), TIMEOUT, Response(Kind.SERVFAIL)])
histories = st.lists(st.tuples(st.floats(0.0, 100.0), responses), min_size=1, max_size=30)
policies = st.builds(CachePolicy, serve_stale=st.booleans(), last_known_good=st.booleans(),
                     failure_caching=st.booleans(), max_stale_s=st.floats(0.0, 1000.0))


@given(policies, histories, st.floats(0.0, 2000.0))
def test_cached_answer_never_served_past_ttl_unless_stale_after_a_failure(policy, history, probe):
    cache = NameCache(policy)
    now = 0.0
    last_upstream = None
    for gap, response in history:
        now += gap
        if cache.cached_reply(now) is None:
            cache.store(now, response)
            last_upstream = response
    t = now + probe
    reply = cache.cached_reply(t)
    if reply is None or reply.kind is Kind.SERVFAIL:
        return
    if is_fresh(cache.entry, t):
        # A fresh answer carries exactly what is left of the entry's TTL, never more.
        assert reply.kind is cache.entry.kind
        assert 0 < reply.ttl_s == pytest.approx(cache.entry.expires_at_s - t)
    else:
        # The only way to answer past every TTL: serve-stale, after the authority failed.
        assert policy.serve_stale and reply.kind is Kind.ADDRESS
        assert last_upstream.kind in (Kind.TIMEOUT, Kind.SERVFAIL)


@given(policies, histories)
def test_an_empty_answer_never_replaces_an_address_under_last_known_good(policy, history):
    cache = NameCache(CachePolicy(last_known_good=True, serve_stale=policy.serve_stale))
    now, had_address = 0.0, False
    for gap, response in history:
        now += gap
        reply = cache.store(now, response)
        had_address |= response.kind is Kind.ADDRESS
        if response.kind is Kind.EMPTY:
            assert reply.kind is (Kind.ADDRESS if had_address else Kind.EMPTY)


def test_entry_expiry_property():
    assert Entry(Kind.EMPTY, 10.0, 900.0).expires_at_s == 910.0


@pytest.mark.parametrize("kwargs", [
    {"positive_ttl_s": -1.0}, {"failure_recheck_s": 0.0},
    {"failure_ttl_initial_s": 10.0, "failure_ttl_max_s": 5.0}, {"max_stale_s": -1.0},
])
def test_bad_policies_are_rejected(kwargs):
    with pytest.raises(ValueError):
        CachePolicy(**kwargs)
