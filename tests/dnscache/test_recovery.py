"""The tail reproduction, the contrasts between resolver features, and the TTL sweep."""

from dataclasses import replace

import numpy as np
import pytest

from outage.dns.population import Params, simulate
from outage.dns.recovery import (
    SCENARIOS,
    TTL_SWEEP,
    predict_recovery,
    recovery_curve,
    replicate,
    ends_near_observed_tail,
    scenario_params,
    summarize,
    ttl_sweep,
)
from outage.dns.resolution import OUTAGE_S

from .conftest import SMALL


def _summary(p, seed=0):
    return summarize(simulate(p, seed), normal_authoritative_qps=1.0)


# --- the 15-minute tail emerges from the Route 53 default SOA and the cache rules ------------

def test_default_population_tail_is_one_assumed_negative_ttl():
    s = _summary(Params())
    assert s.recovered_share == 1.0
    assert 840.0 <= s.all_recovered_s <= 960.0
    assert 800.0 <= s.p99_recovery_s <= 960.0
    # Gradual, not a cliff: half the clients are back well before the end.
    assert 200.0 <= s.p50_recovery_s <= 650.0
    assert ends_near_observed_tail(s)  # by construction: the negative TTL is assumed 900 s


@pytest.mark.slow
def test_tail_holds_across_seeds_with_reported_spread():
    summaries = replicate(Params(), base_seed=100, n_seeds=3)
    assert [s.seed for s in summaries] == [100, 101, 102]
    last = np.array([s.all_recovered_s for s in summaries])
    median = np.array([s.p50_recovery_s for s in summaries])
    assert np.all(np.abs(last - 900.0) <= 60.0)
    assert 300.0 <= median.mean() <= 600.0 and median.std() > 0.0


def test_tail_length_follows_the_negative_ttl_not_the_positive_ttl():
    short_neg = _summary(replace(SMALL, soa_ttl_s=300.0))
    long_pos = _summary(replace(SMALL, record_ttl_s=300.0))
    assert 250.0 <= short_neg.all_recovered_s <= 360.0
    assert 840.0 <= long_pos.all_recovered_s <= 960.0


def test_negative_ttl_takes_the_smaller_of_soa_ttl_and_minimum():
    s = _summary(replace(SMALL, soa_ttl_s=3600.0, soa_minimum_s=300.0,
                         resolver_max_negative_ttl_s=7200.0))
    assert 250.0 <= s.all_recovered_s <= 360.0


def test_fixed_client_negative_ttl_adds_to_the_resolver_one():
    base = _summary(replace(SMALL, jvm_share=1.0, client_negative_ttl_s=10.0))
    long = _summary(replace(SMALL, jvm_share=1.0, client_negative_ttl_s=300.0))
    assert long.all_recovered_s > base.all_recovered_s + 150.0


def test_synchronized_caches_give_a_cliff_at_the_phase_left_by_the_outage():
    s = _summary(scenario_params("synchronized_caches", SMALL))
    # Lock-step refetches every 900 s since 11:48 PM PDT leave 900 - (9420 mod 900) = 480 s.
    cliff = 900.0 - OUTAGE_S % 900.0
    assert cliff <= s.p50_recovery_s <= s.all_recovered_s <= cliff + 40.0


# --- contrasts: serve-stale, last known good, failure caching --------------------------------

def test_serve_stale_does_not_shorten_the_tail_of_an_empty_answer():
    plain = _summary(SMALL)
    stale = _summary(scenario_params("empty_serve_stale", SMALL))
    assert stale.all_recovered_s == plain.all_recovered_s > 800.0


def test_serve_stale_masks_an_unreachable_authority():
    s = _summary(scenario_params("timeout_serve_stale", SMALL))
    assert s.all_recovered_s == 0.0


def test_last_known_good_would_have_masked_the_empty_answer():
    s = _summary(scenario_params("empty_last_known_good", SMALL))
    assert s.all_recovered_s == 0.0


def test_failure_caching_lengthens_recovery_from_a_timeout_but_within_its_cap():
    plain = _summary(scenario_params("timeout", SMALL))
    cached = _summary(scenario_params("timeout_failure_caching", SMALL))
    assert plain.all_recovered_s < 60.0
    assert 200.0 < cached.all_recovered_s <= 300.0 + 10.0 + 20.0


def test_scenarios_are_valid_params():
    for name in SCENARIOS:
        assert isinstance(scenario_params(name), Params)
    with pytest.raises(ValueError):
        scenario_params("no such scenario")


# --- curves, predictions and the sweep ---------------------------------------------------------

def test_recovery_curve_is_monotone_and_reaches_one(small):
    run = simulate(small, 0)
    curve = recovery_curve(run, np.linspace(0.0, run.end_s, 50))
    shares = [pt.share_recovered for pt in curve]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0


def test_predict_recovery_for_a_time_scaled_lab():
    pred = predict_recovery(neg_ttl_s=60.0, pos_ttl_s=1.0, outage_s=300.0,
                            client_negative_ttl_s=0.0, jvm_share=0.0, retry="fixed",
                            n_clients=100, n_resolvers=10, seed=1, grid_step_s=1.0)
    assert 50.0 <= pred.all_recovered_s <= 62.0
    assert pred.curve[0].t_s == 0.0 and pred.curve[-1].share_recovered == 1.0
    assert pred == predict_recovery(neg_ttl_s=60.0, pos_ttl_s=1.0, outage_s=300.0,
                                    client_negative_ttl_s=0.0, jvm_share=0.0, retry="fixed",
                                    n_clients=100, n_resolvers=10, seed=1, grid_step_s=1.0)


def test_sweep_grid_is_named_data_of_valid_params():
    for knob, values in TTL_SWEEP.items():
        assert values == tuple(sorted(values))
        for value in values:
            replace(Params(), **{knob: value})


@pytest.mark.slow
def test_only_a_15_minute_negative_ttl_gives_the_15_minute_tail():
    points = ttl_sweep(SMALL, n_seeds=2)
    soa = {pt.value for pt in points if pt.knob == "soa_ttl_s" and pt.ends_near_observed_tail}
    assert soa == {900.0}
    # The positive TTL never matters; a 15-minute client negative TTL alone can also do it.
    assert all(pt.ends_near_observed_tail for pt in points if pt.knob == "record_ttl_s")
    client = {pt.value for pt in points if pt.knob == "client_negative_ttl_s"
              and pt.ends_near_observed_tail}
    assert {0.0, 10.0, 60.0} <= client and 900.0 not in client
