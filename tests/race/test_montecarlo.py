"""The timed Monte Carlo: seeded, honest intervals, and the trends the mechanism implies."""

import math
from dataclasses import replace

import numpy as np
import pytest

from outage.race.montecarlo import SimParams, estimate, simulate_day, sweep, wilson

# Short days keep these tests fast; the trends do not depend on the horizon.
SIX_HOURS = SimParams(horizon_s=6 * 3600.0)


def test_same_seed_same_day_different_seed_different_day():
    a = simulate_day(SIX_HOURS, np.random.default_rng(7), 7)
    b = simulate_day(SIX_HOURS, np.random.default_rng(7), 7)
    c = simulate_day(SIX_HOURS, np.random.default_rng(8), 8)
    assert a == b
    assert a != c


def test_estimate_is_deterministic_and_uses_seed_plus_i():
    e1 = estimate(SIX_HOURS, 4, seed=100)
    e2 = estimate(SIX_HOURS, 4, seed=100)
    assert e1 == e2
    assert [r.seed for r in e1.results] == [100, 101, 102, 103]
    assert e1.results[1] == simulate_day(SIX_HOURS, np.random.default_rng(101), 101)


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (1, 1), (17, 400)])
def test_wilson_interval_contains_the_estimate(k, n):
    low, high = wilson(k, n)
    assert 0 <= low <= k / n <= high <= 1


def test_wilson_known_values():
    # 0 of 10: the upper bound is z²/(n + z²) = 0.2775 for z = 1.96.
    assert wilson(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_estimate_interval_contains_the_estimate():
    e = estimate(SimParams(horizon_s=4 * 3600.0, cadence_s=30.0, tail_index=1.2), 6, seed=0)
    assert e.low <= e.p <= e.high
    assert e.p == e.failed_days / e.days


def test_an_empty_record_emerges_and_ends_the_day():
    e = estimate(SimParams(horizon_s=6 * 3600.0, cadence_s=30.0, tail_index=1.2), 6, seed=0)
    failed = [r for r in e.results if r.empty_at_s is not None]
    assert failed, "expected at least one empty record with a heavy tail and fast cadence"
    for r in failed:
        assert 0 < r.empty_at_s <= 6 * 3600.0
        assert r.max_lag > 5  # the stale writer was more than `keep` generations behind


def test_heavier_tail_and_faster_cadence_fail_more_days():
    base = SimParams(horizon_s=6 * 3600.0)
    points = {(e.params.tail_index, e.params.cadence_s): e.failed_days
              for e in sweep(base, 8, seed=0, tail_indices=(1.2, 3.0), cadences_s=(30.0, 240.0))}
    assert points[(1.2, 30.0)] > points[(3.0, 30.0)]
    assert points[(1.2, 30.0)] > points[(1.2, 240.0)]
    assert points[(3.0, 240.0)] == 0


def test_longer_keep_needs_longer_delays():
    base = SimParams(horizon_s=6 * 3600.0, cadence_s=30.0, tail_index=1.2)
    short = estimate(replace(base, keep=1), 6, seed=0)
    long_ = estimate(replace(base, keep=30), 6, seed=0)
    assert short.failed_days >= long_.failed_days
    assert short.failed_days > 0


@pytest.mark.parametrize("fix", ["conditional-write", "fencing-token"])
def test_write_side_fixes_remove_stale_writes_and_empty_records(fix):
    sp = SimParams(horizon_s=4 * 3600.0, cadence_s=30.0, tail_index=1.2, fixes={fix})
    e = estimate(sp, 4, seed=0)
    assert e.failed_days == 0
    assert all(r.stale_writes == 0 for r in e.results)


def test_cleanup_guard_keeps_records_but_not_order():
    sp = SimParams(horizon_s=4 * 3600.0, cadence_s=30.0, tail_index=1.2,
                   fixes={"cleanup-guard"})
    e = estimate(sp, 4, seed=0)
    assert e.failed_days == 0
    assert sum(r.stale_writes for r in e.results) > 0


@pytest.mark.parametrize("kwargs", [
    {"cadence_s": 0}, {"write_s": -1.0}, {"tail_index": math.inf}, {"poll_s": float("nan")},
    {"enactors": 0}, {"keep": -1}, {"fixes": {"bogus"}},
])
def test_bad_parameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        SimParams(**kwargs)


def test_days_must_be_positive():
    with pytest.raises(ValueError):
        estimate(SIX_HOURS, 0)
