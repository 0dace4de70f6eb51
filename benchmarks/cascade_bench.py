"""Benchmark of the cascade models (outage.cascade).

Targets: the fluid DWFM model runs 100,000 droplets over 15 simulated hours in at most 10 s, and
its cost grows at most linearly with the fleet (hosts scale with the fleet, 1,000 droplets
each). The discrete-event model runs the same 100,000 droplets x 15 h in at most 30 s, and its
all-leases milestone is within 10 minutes of the fluid model's. Also times the whole
as-happened scenario and all eight scenarios (their five distinct sets of DWFM controls
integrated together). Fluid figures are the best of three runs, to damp noise from other work
on the machine; each discrete-event figure is one seeded run in a fresh process, so that its
peak memory is its own. `--des-only` runs the discrete-event part alone.
"""

import json
import os
import resource
import subprocess
import sys
import time

from outage.cascade import clock, dwfm_des, dwfm_fluid, milestones, scenarios
from outage.cascade.dwfm_params import DwfmParams

TARGET_S = 10.0
FLEETS = (10_000, 100_000, 1_000_000, 3_000_000)
DES_TARGET_S, DES_RESTORE_GAP_S = 30.0, 600.0
DES_FLEETS = (1_000, 10_000, 100_000)
# The event-at-a-time discrete-event model (a heap of single events, a Python object per queued
# attempt) before it became arrays, on 100,000 droplets x 15 h, as-happened, seed 0.
DES_BEFORE = {"seconds": 323.0, "peak_rss_mb": 77.0}


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    controls = scenarios.SCENARIOS["as-happened"].dwfm
    print("fluid DWFM model, as-happened, 15 simulated hours (Heun, dt 5 s)")
    print(f"  {'droplets':>10s} {'hosts':>6s} {'seconds':>8s} {'us per host-step':>17s}")
    per_fleet = {}
    for fleet in FLEETS:
        p = scenarios.with_fleet(DwfmParams(), fleet)
        seconds = best_of(3, lambda: dwfm_fluid.simulate(p, controls, clock.HORIZON_S))
        per_fleet[fleet] = seconds
        steps = clock.HORIZON_S / 5.0
        print(f"  {fleet:>10,d} {p.dwfm_hosts:>6d} {seconds:8.2f} {seconds / steps / p.dwfm_hosts * 1e6:17.2f}")
    ratio = per_fleet[FLEETS[-1]] / per_fleet[100_000]
    growth = FLEETS[-1] / 100_000
    print(f"  cost x{ratio:.1f} for fleet x{growth:.0f} (linear would be x{growth:.0f})")
    verdict = "meets" if per_fleet[100_000] <= TARGET_S and ratio <= growth else "MISSES"
    print(f"  100,000 droplets x 15 h: {per_fleet[100_000]:.2f} s, {verdict} the {TARGET_S:.0f} s target")
    whole = best_of(3, lambda: scenarios.run("as-happened"))
    print(f"whole as-happened cascade (DWFM + Network Manager + NLB), 100,000 droplets: {whole:.2f} s")
    distinct = list(dict.fromkeys(s.dwfm for s in scenarios.SCENARIOS.values()))
    together = best_of(3, lambda: dwfm_fluid.simulate_many(DwfmParams(), distinct, clock.HORIZON_S))
    print(f"{len(distinct)} sets of DWFM controls in one integration, 100,000 droplets each: {together:.2f} s "
          f"({together / per_fleet[100_000]:.1f} x one set)")
    everything = best_of(3, scenarios.run_all)
    print(f"all {len(scenarios.SCENARIOS)} scenarios (scenarios.run_all), 100,000 droplets: {everything:.2f} s")
    des_report()


def des_child(fleet: int) -> None:
    """One discrete-event run (as-happened, 15 h, seed 0) in this process; prints JSON."""
    p = scenarios.with_fleet(DwfmParams(), fleet)
    controls = scenarios.SCENARIOS["as-happened"].dwfm
    wall, cpu = time.perf_counter(), time.process_time()
    record = dwfm_des.simulate(p, controls, clock.HORIZON_S, seed=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found = milestones.dwfm_milestones(record, clock.DYNAMODB_DNS_RESTORED_S)
    print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "milestones": found,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def des_report() -> None:
    controls = scenarios.SCENARIOS["as-happened"].dwfm
    print("discrete-event DWFM model, as-happened, 15 simulated hours, seed 0, against the fluid model")
    print(f"  {'droplets':>10s} {'hosts':>6s} {'seconds':>8s} {'cpu s':>6s} {'peak MB':>8s} "
          f"{'congested (des-fluid)':>22s} {'all leases (des-fluid)':>23s}")
    result = {}
    for fleet in DES_FLEETS:
        p = scenarios.with_fleet(DwfmParams(), fleet)
        child = subprocess.run([sys.executable, __file__, "--des-child", str(fleet)],
                               check=True, capture_output=True, text=True)
        run = json.loads(child.stdout)
        fluid = milestones.dwfm_milestones(dwfm_fluid.simulate(p, controls, clock.HORIZON_S),
                                           clock.DYNAMODB_DNS_RESTORED_S)
        gaps = {name: None if run["milestones"][name] is None or fluid[name] is None
                else (run["milestones"][name] - fluid[name]) / 60 for name in fluid}
        result[fleet] = run | {"gaps_min": gaps}
        cells = [f"{clock.pdt(run['milestones'][n]) or 'never'} ({gaps[n]:+.1f} min)" if gaps[n] is not None
                 else "never" for n in ("dwfm_congested", "all_leases_restored")]
        print(f"  {fleet:>10,d} {p.dwfm_hosts:>6d} {run['seconds']:8.1f} {run['cpu_seconds']:6.1f} "
              f"{run['peak_rss_mb']:8.0f} {cells[0]:>22s} {cells[1]:>23s}")
    top = result[DES_FLEETS[-1]]
    gap = top["gaps_min"]["all_leases_restored"]
    fast = top["seconds"] <= DES_TARGET_S
    close = gap is not None and abs(gap) * 60 <= DES_RESTORE_GAP_S
    print(f"  before (one event at a time): {DES_BEFORE['seconds']:.0f} s, {DES_BEFORE['peak_rss_mb']:.0f} MB "
          f"at 100,000 droplets; now {top['seconds']:.1f} s ({top['cpu_seconds']:.1f} s of CPU), "
          f"{top['peak_rss_mb']:.0f} MB")
    print(f"  100,000 droplets x 15 h: {'meets' if fast else 'MISSES'} the {DES_TARGET_S:.0f} s target; "
          f"all leases {'within' if close else 'NOT within'} {DES_RESTORE_GAP_S / 60:.0f} min of the fluid model")
    # Wall time counts other work on the machine; CPU time is this run's own.
    print(f"  load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--des-child"]:
        des_child(int(sys.argv[2]))
    elif sys.argv[1:] == ["--des-only"]:
        des_report()
    else:
        main()
