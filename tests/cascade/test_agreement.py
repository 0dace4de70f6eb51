"""The fluid (mean-field) model agrees with the discrete-event simulation on small fleets.

Stated tolerance, on 2,000 droplets (2 hosts) and 6 seeded replications (seeds 100..105):
- leased-fraction curves: the DES mean is within 0.06 of the fluid curve at every minute, and
  within 0.03 root-mean-square over the run;
- time all leases are restored: every replication within 10 minutes of the fluid model;
- no-intervention: both stay collapsed (under 10% leased at the end, no congestion-free host);
- downstream: Network Manager and NLB driven by either record reach every milestone within
  15 minutes of each other (3 replications).
benchmarks/cascade_bench.py checks the restore time on 10,000 and 100,000 droplets (10 and 100
hosts), where a test would take too long.
The largest gap sits just after 2:25 AM, where the fluid model's lagged estimate of the wait
decides when timeouts begin (see dwfm_fluid's docstring).
"""

import numpy as np
import pytest

from outage.cascade import clock, dwfm_des, dwfm_fluid, milestones, scenarios
from outage.cascade.dwfm_params import DwfmParams

SMALL = DwfmParams(fleet_droplets=2000, dwfm_hosts=2)
SEEDS = [100 + i for i in range(6)]
MAX_GAP, RMS_GAP, RESTORE_GAP_S = 0.06, 0.03, 600.0


def restored(record) -> float | None:
    return milestones.dwfm_milestones(record, clock.DYNAMODB_DNS_RESTORED_S)["all_leases_restored"]


@pytest.mark.slow
def test_as_happened_curves_and_restore_time_agree():
    controls = scenarios.SCENARIOS["as-happened"].dwfm
    horizon_s = clock.at("06:30")
    fluid = dwfm_fluid.simulate(SMALL, controls, horizon_s)
    runs = [dwfm_des.simulate(SMALL, controls, horizon_s, seed) for seed in SEEDS]
    des = np.array([r.leased_fraction for r in runs])
    gap = np.abs(des.mean(axis=0) - fluid.leased_fraction)
    assert gap.max() <= MAX_GAP and np.sqrt(np.mean(gap**2)) <= RMS_GAP
    # Replications differ (the DES is random) but not by much: report spread, not just mean.
    assert 0 < des.std(axis=0).max() < 0.05
    for r in runs:
        assert abs(restored(r) - restored(fluid)) <= RESTORE_GAP_S


@pytest.mark.slow
def test_both_models_stay_collapsed_without_help():
    controls = scenarios.SCENARIOS["no-intervention"].dwfm
    horizon_s = clock.at("06:00")
    fluid = dwfm_fluid.simulate(SMALL, controls, horizon_s)
    des = dwfm_des.simulate(SMALL, controls, horizon_s, SEEDS[0])
    for r in (fluid, des):
        assert restored(r) is None and r.leased_fraction[-1] < 0.10
        assert r.congested_hosts[-1] == SMALL.dwfm_hosts
    assert abs(fluid.leased_fraction[-1] - des.leased_fraction[-1]) <= MAX_GAP


@pytest.mark.slow
def test_queue_admission_recovery_time_agrees():
    controls = scenarios.SCENARIOS["queue-admission"].dwfm
    horizon_s = clock.at("04:00")
    fluid = restored(dwfm_fluid.simulate(SMALL, controls, horizon_s))
    for seed in SEEDS[:3]:
        assert abs(restored(dwfm_des.simulate(SMALL, controls, horizon_s, seed)) - fluid) <= RESTORE_GAP_S


@pytest.mark.slow
def test_network_manager_and_nlb_milestones_agree_downstream_of_either_model():
    horizon_s = clock.at("11:30")
    fluid = scenarios.run("as-happened", SMALL, horizon_s=horizon_s).milestones
    for seed in SEEDS[:3]:
        des = scenarios.run("as-happened", SMALL, horizon_s=horizon_s, model="des", seed=seed).milestones
        for name in ("propagation_latency_elevated", "network_backlog_cleared", "nlb_errors_start", "nlb_errors_end"):
            assert abs(des[name] - fluid[name]) <= 15 * 60, (seed, name)
