"""Benchmark of the cascade models (outage.cascade).

Target: the fluid DWFM model runs 100,000 droplets over 15 simulated hours in at most 10 s, and
its cost grows at most linearly with the fleet (hosts scale with the fleet, 1,000 droplets
each). Also times the whole as-happened scenario, all eight scenarios (their five distinct sets
of DWFM controls integrated together), and the discrete-event model on a small fleet.
Each figure is the best of three runs, to damp noise from other work on the machine.
"""

import time

from outage.cascade import clock, dwfm_des, dwfm_fluid, scenarios
from outage.cascade.dwfm_params import DwfmParams

TARGET_S = 10.0
FLEETS = (10_000, 100_000, 1_000_000, 3_000_000)


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
    small = DwfmParams(fleet_droplets=2000, dwfm_hosts=2)
    des = best_of(3, lambda: dwfm_des.simulate(small, controls, clock.HORIZON_S, seed=0))
    print(f"discrete-event DWFM model, 2,000 droplets x 15 h: {des:.2f} s")


if __name__ == "__main__":
    main()
