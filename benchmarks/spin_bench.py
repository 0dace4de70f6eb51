"""SPIN against the checker at the manifest's larger sizes (the tests stop at the tiny one).

For each chosen entry of ``data/race_expected.json``: SPIN's verdict on every property
(``outage.race.spin``) compared with the committed manifest and with a fresh run of the
checker, and the cost of each: distinct states, search seconds, and SPIN's translate-and-
compile seconds. Exit status 1 if any verdict differs, 4 if a run was incomplete.

    .venv/bin/python benchmarks/spin_bench.py               # the default selection
    .venv/bin/python benchmarks/spin_bench.py --all         # every incident and large entry
    .venv/bin/python benchmarks/spin_bench.py --ids incident/none incident/none+lock
    .venv/bin/python benchmarks/spin_bench.py --json

State counts are not comparable: SPIN has no symmetry reduction here, stores each process's
program counter and, for the cycle search, the product with its non-progress monitor, and
numbers fencing tokens with a counter instead of renaming them.
"""

import argparse
import json
import sys

from outage.race import manifest
from outage.race.model import Params
from outage.race.spin import cross_check, exit_status

DEFAULT = [
    "incident/none",
    "incident/conditional-write",
    "incident/cleanup-guard",
    "incident/fencing-token",
    "incident/conditional-write,cleanup-guard,fencing-token",
    "incident/cleanup-guard+empty",
    "incident/cleanup-guard+applied",
    "incident/none+lock",
]


def _params(entry: dict) -> Params:
    q = entry["params"]
    return Params(enactors=q["enactors"], plans=q["plans"], endpoints=q["endpoints"],
                  keep=q["keep"], fixes=frozenset(q["fixes"]), lock=q["lock"],
                  write_deleted=q["write_deleted"], check_against=q["check_against"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", nargs="+", metavar="ID", help="manifest entries to run")
    parser.add_argument("--all", action="store_true", help="every entry larger than tiny")
    parser.add_argument("--max-seconds", type=float, default=1800, help="SPIN budget per entry")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    entries = {e["id"]: e for e in manifest.load()["entries"]}
    ids = (args.ids if args.ids
           else [i for i, e in entries.items() if e["size"] != "tiny"] if args.all else DEFAULT)
    rows, worst = [], 0
    if not args.json:
        print("| entry | agree | SPIN verdict | SPIN states | SPIN search s | SPIN compile s "
              "| checker states | checker s |")
        print("|---|---|---|---|---|---|---|---|")
    for i in ids:
        entry = entries[i]
        p = _params(entry)
        result = cross_check(p, max_seconds=args.max_seconds, max_states=10_000_000)
        verdicts = {r["name"]: r["spin"] for r in result["properties"]}
        matches_manifest = (verdicts == {n: v["verdict"] for n, v in entry["properties"].items()}
                            and result["spin"]["verdict"] == entry["verdict"])
        status = exit_status(result)
        if status == 0 and not matches_manifest:
            status = 1
        worst = max(worst, status)
        row = {"id": i, "agree": result["agree"], "matches_manifest": matches_manifest,
               "spin": result["spin"], "checker": result["checker"]}
        rows.append(row)
        if not args.json:
            s, c = result["spin"], result["checker"]
            agree = {True: "yes", False: "NO", None: "incomplete"}[result["agree"]]
            if result["agree"] and not matches_manifest:
                agree = "NO (manifest)"
            states = f"{s['states']:,}" if s["states"] is not None else "—"
            print(f"| {i} | {agree} | {s['verdict']} | {states} | {s['seconds']:.1f} "
                  f"| {s['compile_seconds']:.1f} | {c['states']:,} | {c['seconds']:.2f} |",
                  flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
    return worst


if __name__ == "__main__":
    sys.exit(main())
