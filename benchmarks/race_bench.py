"""Speed and memory of the race model checker at the two sizes the issue names.

Each configuration runs in a fresh process (so import time counts, and peak memory is that
configuration's own); wall time is measured around the whole process, end to end.

    .venv/bin/python benchmarks/race_bench.py            # the table
    .venv/bin/python benchmarks/race_bench.py --json     # the same, as JSON

Targets on the 2-core reference machine: at most 3 s for 3 Enactors × 5 plans × 2 endpoints
and at most 15 s for 3 × 6 × 3 (keep 1, conditional write), memory under 2 GiB; at least
300,000 states/s on a full exploration and at most a third of the memory per state of the
readable-tuple state table (about 600 bytes/state at 3 × 6 × 3 without a fix).

Bytes/state is the growth of the process's peak resident memory during the search (numpy and
the checker already imported and used once on a tiny size, the progress analysis included) divided by the distinct states; states/s
divides the distinct states by the search's wall time and by its CPU time (on a shared
machine the wall time follows the load, the CPU time much less).

A second table times whole command lines, best and median of ``--repeat`` runs (default 10):
``race check --stop-at-first`` at 3 × 6 × 3 without a fix (target: decided in at most 0.5 s,
process start and imports included), ``python -m outage --help`` (which imports every
model's command line) and a bare interpreter for comparison.
"""

import json
import resource
import statistics
import subprocess
import sys
import time

CONFIGS = [
    # (enactors, plans, endpoints, keep, fix, symmetry, target_s)
    (3, 5, 2, 1, "conditional-write", True, 3.0),
    (3, 6, 3, 1, "conditional-write", True, 15.0),
    (3, 5, 2, 1, "conditional-write", False, None),
    (3, 6, 3, 1, "conditional-write", False, None),
    (3, 6, 3, 1, "none", True, None),
    (3, 5, 2, 1, "none", True, None),
    (4, 5, 2, 1, "none", True, None),
]


COMMANDS = [
    # (label, argv after the interpreter, target_s)
    ("race check --enactors 3 --plans 6 --endpoints 3 --stop-at-first",
     ["-m", "outage", "race", "check", "--enactors", "3", "--plans", "6", "--endpoints", "3",
      "--stop-at-first"], 0.5),
    ("python -m outage --help (imports every model's command line)",
     ["-m", "outage", "--help"], None),
    ("python -c pass (the interpreter alone)", ["-c", "pass"], None),
]


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_commands(repeat: int) -> list[dict]:
    """Best and median wall time, and median CPU time (user + system), of each command line
    over ``repeat`` fresh processes. On a shared machine the wall time follows the load; the
    CPU time much less so."""
    rows = []
    for label, argv, target in COMMANDS:
        walls, cpus = [], []
        for _ in range(repeat):
            cpu = _children_cpu_s()
            started = time.perf_counter()
            subprocess.run([sys.executable, *argv], capture_output=True, check=False)
            walls.append(time.perf_counter() - started)
            cpus.append(_children_cpu_s() - cpu)
        best = min(walls)
        rows.append({"command": label, "best_s": best, "median_s": statistics.median(walls),
                     "cpu_s": statistics.median(cpus), "repeat": repeat, "target_s": target,
                     "meets_target": None if target is None else best <= target})
    return rows


def one(enactors: int, plans: int, endpoints: int, keep: int, fix: str, symmetry: bool) -> dict:
    import numpy  # noqa: F401  (imported before the baseline: the progress analysis uses it)

    from outage.race.model import Params, parse_fixes
    from outage.race.report import check

    # One tiny check first, so that what is measured is the search, not the first use of the
    # checker's modules (imports, numpy's lazily loaded parts).
    check(Params(2, 2, 1, 1, parse_fixes(fix)), max_states=None, symmetry=symmetry)
    with open("/proc/self/statm") as f:
        rss_before = int(f.read().split()[1]) * resource.getpagesize()
    cpu = time.process_time()
    result = check(Params(enactors, plans, endpoints, keep, parse_fixes(fix)), max_states=None,
                   symmetry=symmetry).exploration
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"verdict": result.verdict, "states": result.states,
            "transitions": result.transitions, "explore_s": result.seconds, "cpu_s": cpu,
            "bytes_per_state": (peak - rss_before) / result.states,
            "peak_rss_mib": peak / 2**20}


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        e, p, n, k, fix, sym = sys.argv[2:8]
        print(json.dumps(one(int(e), int(p), int(n), int(k), fix, sym == "1")))
        return
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 10
    commands = time_commands(repeat)
    rows = []
    for e, p, n, k, fix, sym, target in CONFIGS:
        started = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--one", str(e), str(p), str(n), str(k),
                              fix, "1" if sym else "0"],
                             capture_output=True, text=True, check=True).stdout
        wall = time.perf_counter() - started
        r = json.loads(out)
        rows.append({"size": f"{e} × {p} × {n}", "keep": k, "fix": fix, "symmetry": sym,
                     **r, "states_per_s": r["states"] / r["explore_s"],
                     "states_per_cpu_s": r["states"] / r["cpu_s"], "wall_s": wall,
                     "target_s": target,
                     "meets_target": None if target is None else wall <= target})
    if "--json" in sys.argv:
        print(json.dumps({"explorations": rows, "commands": commands}, indent=1))
        return
    print("| size (E × P × N) | fix | symmetry | verdict | states | transitions | states/s "
          "| states/CPU s | bytes/state | explore (s) | wall, end to end (s) | peak RSS (MiB) "
          "| target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        target = "—" if r["target_s"] is None else (
            f"≤ {r['target_s']:.0f} s: {'met' if r['meets_target'] else 'MISSED'}")
        print(f"| {r['size']} | {r['fix']} | {'on' if r['symmetry'] else 'off'} "
              f"| {r['verdict']} | {r['states']:,} | {r['transitions']:,} "
              f"| {r['states_per_s']:,.0f} | {r['states_per_cpu_s']:,.0f} "
              f"| {r['bytes_per_state']:,.0f} | {r['explore_s']:.2f} | {r['wall_s']:.2f} | {r['peak_rss_mib']:.0f} | {target} |")
    print()
    print(f"| command line | best of {repeat} (s) | median (s) | median CPU (s) | target |")
    print("|---|---|---|---|---|")
    for r in commands:
        target = "—" if r["target_s"] is None else (
            f"≤ {r['target_s']:.1f} s: {'met' if r['meets_target'] else 'MISSED'}")
        print(f"| `{r['command']}` | {r['best_s']:.2f} | {r['median_s']:.2f} "
              f"| {r['cpu_s']:.2f} | {target} |")


if __name__ == "__main__":
    main()
