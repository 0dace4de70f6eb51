"""Unit tests of the Network Manager backlog and the NLB health-check rules, on synthetic
inputs so that each rule is checked on its own."""

import numpy as np
import pytest

from outage.cascade import milestones, netmgr, nlb
from outage.cascade.records import DwfmRecord, NetmgrRecord

N = 1000


WORKERS = 32


def dwfm_record(
    leased_until_s: float, horizon_s: float, busy_until_s: float = 0.0, throttle_until_s: float = 0.0
) -> DwfmRecord:
    """Every lease lost at t = 0 and all returned in the minute before `leased_until_s`.
    DWFM's workers are all busy until `busy_until_s`; until `throttle_until_s` an admission
    limit is on and the lease work uses all of it."""
    t = np.arange(0, horizon_s + 1, 60.0)
    leased = np.where(t >= leased_until_s, float(N), 0.0)
    established = np.where((t >= leased_until_s) & (t < leased_until_s + 60), N / 60.0, 0.0)
    busy = np.where(t < busy_until_s, float(WORKERS), 0.0)
    limit = np.where(t < throttle_until_s, established, np.inf)
    zeros = np.zeros_like(t)
    return DwfmRecord(t, N, leased, zeros, zeros, zeros, established, zeros, zeros, WORKERS, busy, limit)


def cleared_at(r) -> float | None:
    p = netmgr.NetmgrParams()
    return milestones.netmgr_milestones(r, p.latency_elevated_s, p.latency_normal_s)["network_backlog_cleared"]


def test_held_backlog_drains_with_spare_capacity_only():
    p = netmgr.NetmgrParams()
    hours_without = 2.0
    r = netmgr.simulate(p, netmgr.NetmgrControls(), dwfm_record(hours_without * 3600, 15 * 3600.0))
    held = p.held_per_unleased_droplet_h * hours_without * N
    assert r.backlog.max() == pytest.approx(held, rel=0.05)
    spare = (p.capacity_per_droplet_h - p.changes_per_leased_droplet_h) * N / 3600
    assert cleared_at(r) - hours_without * 3600 == pytest.approx(held / spare, rel=0.05)


@pytest.mark.parametrize("gate", ["busy_until_s", "throttle_until_s"])
def test_held_changes_wait_for_dwfm_to_have_work_to_spare(gate):
    """Lease work comes first: while DWFM's workers are all busy, or its admission limit is
    used up by lease establishments, changes whose lease has returned stay ready, unissued."""
    p = netmgr.NetmgrParams()
    free = netmgr.simulate(p, netmgr.NetmgrControls(), dwfm_record(7200.0, 15 * 3600.0))
    gated = netmgr.simulate(p, netmgr.NetmgrControls(), dwfm_record(7200.0, 15 * 3600.0, **{gate: 3 * 3600.0}))
    held = p.held_per_unleased_droplet_h * 2 * N
    window = (gated.t_s > 7200.0 + 300) & (gated.t_s < 3 * 3600.0)
    assert gated.ready[window].min() == pytest.approx(held, rel=0.05)
    assert gated.latency_s[window].max() <= p.base_latency_s * 1.01
    assert free.ready[window].max() < 0.02 * held
    assert cleared_at(gated) > cleared_at(free) + 3000


def test_reducing_load_drains_faster():
    p = netmgr.NetmgrParams()
    d = dwfm_record(2 * 3600.0, 15 * 3600.0)
    cleared = [
        cleared_at(netmgr.simulate(p, c, d))
        for c in (netmgr.NetmgrControls(), netmgr.NetmgrControls(load_reduction_from_s=2 * 3600.0))
    ]
    assert cleared[1] < cleared[0] - 3600


def test_flapping_raises_checker_load():
    p = nlb.NlbParams()
    u = np.linspace(0, 1, 11)
    rho = nlb.checker_utilisation(p, u)
    assert rho[0] == pytest.approx(1 / p.checker_headroom)
    assert np.all(np.diff(rho) > 0)
    assert nlb.lateness_s(p, rho[0]) == 0 and nlb.lateness_s(p, rho[-1]) > p.failover_full_lateness_s


def test_unpropagated_share_follows_littles_law():
    p = nlb.NlbParams()
    assert nlb.unpropagated(p, 3600.0) == pytest.approx(p.new_targets_per_h)
    assert nlb.unpropagated(p, 100 * 3600.0) == 1.0


def nm_record(latency_s: float, horizon_s: float = 4 * 3600.0) -> NetmgrRecord:
    t = np.arange(0, horizon_s + 1, 60.0)
    lat = np.full_like(t, latency_s)
    return NetmgrRecord(t, np.zeros_like(t), np.zeros_like(t), lat, lat, np.zeros_like(t))


def test_late_checks_trigger_failover_and_errors():
    p = nlb.NlbParams()
    r = nlb.simulate(p, nlb.NlbControls(), nm_record(2 * 3600.0))
    assert r.failover_removed_fraction[-1] == pytest.approx(p.failover_max_fraction, rel=1e-3)
    assert r.capacity_fraction[-1] < p.load_fraction and r.error_fraction[-1] > 0.3
    calm = nlb.simulate(p, nlb.NlbControls(), nm_record(60.0))
    assert calm.error_fraction.max() == 0 and calm.failover_removed_fraction.max() < 1e-9


def test_disabling_failover_returns_all_capacity_at_once():
    p = nlb.NlbParams()
    r = nlb.simulate(p, nlb.NlbControls(failover_disabled_from_s=7200.0), nm_record(2 * 3600.0))
    after = r.t_s >= 7200.0
    assert r.error_fraction[~after][-1] > 0 and np.all(r.capacity_fraction[after] == 1.0)


@pytest.mark.parametrize("cap", [0.1, 1 / 3, 0.4])
def test_velocity_control_caps_removal(cap):
    p = nlb.NlbParams()
    r = nlb.simulate(p, nlb.NlbControls(velocity_cap_fraction=cap), nm_record(3 * 3600.0))
    assert r.capacity_fraction.min() == pytest.approx(1 - cap)


@pytest.mark.parametrize("cls, bad", [
    (netmgr.NetmgrParams, dict(capacity_per_droplet_h=0.4)),
    (netmgr.NetmgrParams, dict(latency_normal_s=900.0)),
    (netmgr.NetmgrParams, dict(issue_work_s=0.0)),
    (netmgr.NetmgrControls, dict(load_reduction_fraction=1.0)),
    (nlb.NlbParams, dict(load_fraction=1.2)),
    (nlb.NlbParams, dict(checker_headroom=0.9)),
    (nlb.NlbParams, dict(flap_cost_checks=float("inf"))),
    (nlb.NlbControls, dict(velocity_cap_fraction=0.0)),
])
def test_bad_parameters_are_rejected(cls, bad):
    with pytest.raises(ValueError):
        cls(**bad)
