"""Unit tests of the DWFM lease mechanism, one rule each, on the fluid right-hand side and the
discrete-event simulation."""

import math

import numpy as np
import pytest

from outage.cascade import clock, dwfm_des, dwfm_fluid
from outage.cascade.dwfm_fluid import UNLEASED, layout
from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.solver import integrate

P = DwfmParams(fleet_droplets=1000, dwfm_hosts=1)
NEVER_BACK = DwfmControls(dynamodb_restored_s=10 * 3600.0)


def rhs(t: float, y: np.ndarray, c: DwfmControls) -> np.ndarray:
    """The fluid right-hand side for the one host of P under controls `c`."""
    return dwfm_fluid.rhs(t, y, P, dwfm_fluid.Columns.of([c], 1))


def state_with_queue(p: DwfmParams, establishing: float, seen_wait_s: float) -> np.ndarray:
    """One host: all droplets unleased, `establishing` of them queued, wait seen as given."""
    k = p.check_interval_stages
    _, q0, c0 = layout(p)
    y = dwfm_fluid.initial_state(p, np.array([1000.0]))
    y[:] = 0.0
    y[UNLEASED * k] = 1000.0 - establishing
    y[q0 + UNLEASED] = establishing
    y[c0] = seen_wait_s
    return y


def droplets(p: DwfmParams, y: np.ndarray) -> np.ndarray:
    _, _, c0 = layout(p)
    return y[:c0].sum(axis=0)


def test_leases_lapse_gradually_while_dynamodb_is_down():
    r = dwfm_fluid.simulate(P, NEVER_BACK, 3 * 3600.0)
    two_h = int(7200 / 60)
    # Hazard 1/ttl from each droplet's first failed check (within one check interval).
    assert math.exp(-7200 / P.lease_mean_ttl_s) <= r.leased_fraction[two_h] <= math.exp(-6900 / P.lease_mean_ttl_s)
    assert np.all(np.diff(r.leased) <= 1e-9)
    assert r.goodput_per_s.max() == 0.0


def test_des_leases_lapse_at_the_same_rate():
    r = dwfm_des.simulate(P, NEVER_BACK, 7200.0, seed=7)
    expected = math.exp(-(7200 - P.check_interval_s / 2) / P.lease_mean_ttl_s)
    assert abs(r.leased_fraction[-1] - expected) < 4 * math.sqrt(expected * (1 - expected) / 1000)


def test_rhs_conserves_droplets():
    y = state_with_queue(P, 400.0, 30.0)
    dy = rhs(clock.DYNAMODB_DNS_RESTORED_S + 1, y, DwfmControls())
    assert abs(droplets(P, dy)[0]) < 1e-9


def test_wait_grows_with_work_in_flight():
    waits = [dwfm_fluid.queue_work_s(P, state_with_queue(P, q, 0.0))[0] / P.workers_per_host for q in (10, 100, 500)]
    assert waits == sorted(waits) and waits[-1] == pytest.approx(500 * P.establish_work_s / P.workers_per_host)


@pytest.mark.parametrize("seen_wait_s, succeeds", [(10.0, True), (100.0, False)])
def test_attempts_past_the_timeout_are_requeued_not_completed(seen_wait_s, succeeds):
    _, q0, c0 = layout(P)
    y = state_with_queue(P, 500.0, seen_wait_s)
    dy = rhs(clock.DYNAMODB_DNS_RESTORED_S + 1, y, DwfmControls())
    established, timed_out = dy[c0 + 1][0], dy[c0 + 3][0]
    if succeeds:
        assert established > 0 and timed_out == 0
    else:
        # Work is done (served at full speed) but wasted: nothing leased, all re-queued.
        assert established == 0 and timed_out == pytest.approx(P.workers_per_host / P.establish_work_s)
        assert dy[q0 + UNLEASED][0] >= 0


def test_restart_empties_congested_queues_only():
    k = P.check_interval_stages
    _, q0, c0 = layout(P)
    congested = state_with_queue(P, 800.0, 0.0)
    calm = state_with_queue(P, 20.0, 0.0)
    y = np.concatenate([congested, calm], axis=1)
    after = dwfm_fluid.restart_congested(P, 0.0, y)
    assert after[q0:c0, 0].sum() == 0 and after[UNLEASED * k, 0] == 1000.0
    assert np.array_equal(after[:, 1], calm[:, 0])
    assert np.allclose(droplets(P, after), droplets(P, y))


def test_des_restart_empties_queues():
    controls = DwfmControls(restart_at_s=clock.DWFM_THROTTLE_AND_RESTART_S)
    r = dwfm_des.simulate(P, controls, clock.DWFM_THROTTLE_AND_RESTART_S + 60, seed=1)
    before, at = r.queued[-3], r.queued[-2]
    assert before > 500 and at == 0


def test_throttle_caps_admissions():
    y = state_with_queue(P, 0.0, 0.0)
    k = P.check_interval_stages
    _, q0, _ = layout(P)
    y[UNLEASED * k:(UNLEASED + 1) * k] = 1000.0 / k
    t = clock.DWFM_THROTTLE_AND_RESTART_S + 1
    free = rhs(t, y, DwfmControls())[q0 + UNLEASED][0]
    throttled = rhs(t, y, DwfmControls(throttle_from_s=0.0))[q0 + UNLEASED][0]
    assert free > throttled == pytest.approx(DwfmControls().throttle_establish_per_host_per_s)


def test_queue_admission_stops_admitting_at_its_limit():
    k = P.check_interval_stages
    _, q0, _ = layout(P)
    c = DwfmControls(queue_admission=True)
    full = int(c.queue_admission_wait_s * P.workers_per_host / P.establish_work_s)
    y = state_with_queue(P, float(full), 0.0)
    assert rhs(clock.DYNAMODB_DNS_RESTORED_S + 1, y, c)[q0 + UNLEASED][0] <= 0


@pytest.mark.parametrize("bad", [
    dict(check_interval_s=0), dict(lease_mean_ttl_s=-1.0), dict(workers_per_host=float("nan")),
    dict(establish_work_s=200.0), dict(dwfm_hosts=10, fleet_droplets=5),
])
def test_bad_parameters_are_rejected(bad):
    with pytest.raises(ValueError):
        DwfmParams(**bad)


@pytest.mark.parametrize("bad", [
    dict(dynamodb_restored_s=-1.0), dict(restart_at_s=float("inf")),
    dict(throttle_establish_per_host_per_s=0.0), dict(queue_admission_wait_s=-5.0),
])
def test_bad_controls_are_rejected(bad):
    with pytest.raises(ValueError):
        DwfmControls(**bad)


def test_integrator_rejects_bad_steps_and_lands_on_jumps():
    with pytest.raises(ValueError):
        integrate(lambda t, y: y, np.ones(1), 10.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        integrate(lambda t, y: y, np.ones(1), 10.0, 2.0, 3.0)
    # dy/dt = 1 from 0; a jump at 2.5 s resets y to 0, so y(10) = 7.5 exactly.
    _, rows = integrate(lambda t, y: np.ones(1), np.zeros(1), 10.0, 2.0, 10.0,
                        jumps=[(2.5, lambda t, y: np.zeros(1))])
    assert rows[-1][0] == pytest.approx(7.5)


def test_integrator_is_second_order():
    errors = []
    for dt in (0.2, 0.1):
        _, rows = integrate(lambda t, y: -y, np.ones(1), 2.0, dt, 2.0)
        errors.append(abs(rows[-1][0] - math.exp(-2.0)))
    assert 3.5 < errors[0] / errors[1] < 4.5


def test_des_is_a_pure_function_of_its_seed():
    a = dwfm_des.simulate(P, DwfmControls(), 3 * 3600.0, seed=3)
    b = dwfm_des.simulate(P, DwfmControls(), 3 * 3600.0, seed=3)
    c = dwfm_des.simulate(P, DwfmControls(), 3 * 3600.0, seed=4)
    assert np.array_equal(a.leased, b.leased) and not np.array_equal(a.leased, c.leased)


def test_fluid_rejects_an_unstable_step():
    with pytest.raises(ValueError, match="dt_s"):
        dwfm_fluid.simulate(P, DwfmControls(), 3600.0, dt_s=2 * P.renew_work_s)


def test_controls_integrated_together_match_each_set_alone():
    """simulate_many gives every set of controls its own block of hosts: the restart, the
    throttle and queue admission act on their block only."""
    p = DwfmParams(fleet_droplets=2000, dwfm_hosts=2)
    horizon_s = clock.at("06:00")
    action_s = clock.DWFM_THROTTLE_AND_RESTART_S
    restart = DwfmControls(restart_at_s=action_s)
    both = DwfmControls(restart_at_s=action_s, throttle_from_s=action_s)
    controls = [DwfmControls(), restart, both, DwfmControls(queue_admission=True)]
    together = dwfm_fluid.simulate_many(p, controls, horizon_s)
    for c, r in zip(controls, together):
        alone = dwfm_fluid.simulate_many(p, [c], horizon_s)[0]
        for name in ("leased", "queued", "established_per_s", "timeouts_per_s", "busy_workers"):
            np.testing.assert_allclose(getattr(r, name), getattr(alone, name), rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(r.admission_limit_per_s, alone.admission_limit_per_s)
    assert together[0].leased[-1] < 0.1 * p.fleet_droplets < together[2].leased[-1]
    with pytest.raises(ValueError, match="at least one"):
        dwfm_fluid.simulate_many(p, [], horizon_s)


@pytest.mark.parametrize("workers", [2, 32])
def test_des_places_attempts_as_a_fifo_queue_taken_one_at_a_time(workers):
    """The batched placement gives every attempt the start a one-at-a-time FIFO queue gives:
    in joining order, each attempt takes the worker free earliest (no earlier than it joins),
    and costs an establishment if its lease has lapsed by then. Queues long and short, leases
    held, failing and lapsed, several hosts in one step."""
    p = DwfmParams(fleet_droplets=400, dwfm_hosts=4, workers_per_host=workers)
    rng = np.random.default_rng(5)
    for trial in range(20):
        fleet = dwfm_des._Fleet(p, DwfmControls(), seed=trial)
        t0 = 1000.0
        busy_until = t0 + rng.uniform(-20, 200 if trial % 2 else 10, size=(p.dwfm_hosts, workers))
        fleet.free_at[:] = np.sort(busy_until, axis=1)
        joining = rng.choice(p.fleet_droplets, size=rng.integers(1, 60), replace=False)
        t = t0 + rng.uniform(0, p.renew_work_s, size=len(joining))
        fleet.lapse_at[joining] = rng.choice([np.inf, t0 - 1.0, t0 + 30.0, t0 + 300.0], size=len(joining))
        order = np.argsort(fleet.host[joining] * 1e7 + t)
        d, t = joining[order], t[order]
        expected = {}
        free = {h: list(busy_until[h]) for h in range(p.dwfm_hosts)}
        for di, ti in zip(d, t):
            h = fleet.host[di]
            w = int(np.argmin(free[h]))
            begin = max(ti, free[h][w])
            work = p.renew_work_s if fleet.lapse_at[di] > begin else p.establish_work_s
            free[h][w] = begin + work
            expected[di] = (begin, begin + work, work == p.renew_work_s)
        fleet.place(d, t, fleet.host[d])
        for di in d:
            begin, end, renewal = expected[di]
            assert fleet.next_at[di] == pytest.approx(end)
            assert fleet.next_at[di] - fleet.attempt_work[di] == pytest.approx(begin)
            assert fleet.renewal[di] == renewal
        for h in range(p.dwfm_hosts):
            np.testing.assert_allclose(fleet.free_at[h], sorted(free[h]))


def test_des_token_buckets_admit_as_one_at_a_time():
    """The throttle's buckets, taken for a whole step at once, admit exactly the attempts a
    bucket refilled and drawn one attempt at a time admits, and are left with the same tokens."""
    c = DwfmControls(throttle_from_s=0.0)
    p = DwfmParams(fleet_droplets=400, dwfm_hosts=4)
    rng = np.random.default_rng(9)
    checked = 0
    for trial in range(30):
        fleet = dwfm_des._Fleet(p, c, seed=trial)
        fleet.tokens[:] = rng.uniform(0, 3, size=p.dwfm_hosts)
        fleet.refilled_at[:] = 1000.0 - rng.uniform(0, 5, size=p.dwfm_hosts)
        h = np.sort(rng.integers(p.dwfm_hosts, size=rng.integers(1, 40)))
        t = 1000.0 + np.concatenate([np.sort(rng.uniform(0, 5, size=np.sum(h == x))) for x in range(p.dwfm_hosts)])
        tokens, refilled, expected = fleet.tokens.copy(), fleet.refilled_at.copy(), []
        for hi, ti in zip(h, t):
            tokens[hi] = min(c.throttle_bucket_tokens,
                             tokens[hi] + (ti - refilled[hi]) * c.throttle_establish_per_host_per_s)
            refilled[hi] = ti
            expected.append(tokens[hi] >= 1.0)
            tokens[hi] -= expected[-1]
        ok = fleet.take_tokens(h, t)
        if ok is None:  # a bucket would reach its depth: the caller goes one at a time
            continue
        checked += 1
        assert ok.tolist() == expected
        np.testing.assert_allclose(fleet.tokens, tokens)
        np.testing.assert_allclose(fleet.refilled_at, refilled)
    assert checked == 30
