"""`python -m outage cascade run ...`: the EC2/NLB cascade from the command line."""

import argparse
import json
import math

from outage.cascade import calibration, clock, scenarios
from outage.cascade.dwfm_params import DwfmParams
from outage.cli import CliError, whole_number

_DEFAULTS = DwfmParams()
_PER_HOST = _DEFAULTS.fleet_droplets // _DEFAULTS.dwfm_hosts
# The discrete-event model walks every droplet: 100,000 over 15 h take about 6 s of CPU
# (benchmarks/cascade_bench.py), the cost grows with droplets x hours, minutes beyond this.
DES_MAX_DROPLETS = 100_000
# The fluid model costs about 0.8 s per simulated hour plus about 1.2 ms per DWFM host per hour
# (benchmarks/cascade_bench.py; memory is a few hundred bytes per host per state row, under
# 50 MB here). At 1,000 hosts the default 15 h take about 30 s and 48 h about 100 s; beyond that
# nothing changes, because the mean-field model depends on droplets per host, not on the total.
FLUID_MAX_DROPLETS = 1_000_000
# The models sample every minute and need two samples; 3 minutes is the shortest run accepted.
MIN_HOURS = 0.05
MAX_HOURS = 48.0
EXIT_CODES = "exit status: 0 run completed (milestones not reached are null), 2 bad parameter"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cascade` subcommand and its `run` action."""
    cascade = subparsers.add_parser("cascade", help="DWFM lease collapse, Network Manager backlog, NLB flapping")
    actions = cascade.add_subparsers(dest="cascade_command", required=True)
    run = actions.add_parser(
        "run",
        help="run one scenario and report its milestones (PDT, 20 Oct 2025)",
        description="Run a scenario through the DWFM, Network Manager and NLB models; "
                    "milestones are PDT clock times on 20 Oct 2025, null when not reached. "
                    "Each milestone's kind says how to read its comparison with AWS's time: "
                    "input (an action time fed in), fitted (a parameter was fitted to it, "
                    "data/calibration.yaml) or predicted (the model's own).",
        epilog=EXIT_CODES,
    )
    run.add_argument("--scenario", choices=list(scenarios.SCENARIOS), default="as-happened")
    run.add_argument("--fleet", type=whole_number, default=_DEFAULTS.fleet_droplets, metavar="N",
                     help=f"droplets in the fleet, a whole number of DWFM hosts of {_PER_HOST:,} "
                          f"droplets, at most {FLUID_MAX_DROPLETS:,} (fluid) or {DES_MAX_DROPLETS:,} "
                          "(des) (default %(default)s)")
    run.add_argument("--hours", type=float, default=clock.HORIZON_S / 3600, metavar="H",
                     help=f"simulated hours from 11:48 PM PDT on 19 Oct, {MIN_HOURS} to {MAX_HOURS:.0f} "
                          "(default %(default)s)")
    run.add_argument("--model", choices=["fluid", "des"], default="fluid",
                     help="DWFM model: mean-field (fleet-scale) or discrete-event (one event per lease check, up to 100,000 droplets)")
    run.add_argument("--seed", type=int, default=0, help="seed of the discrete-event model")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(func=run_scenario)


def _check(args: argparse.Namespace) -> DwfmParams:
    if args.fleet < _PER_HOST or args.fleet % _PER_HOST:
        raise CliError(f"--fleet must be a whole number of DWFM hosts of {_PER_HOST:,} droplets "
                       f"({_PER_HOST:,}, {2 * _PER_HOST:,}, ...), so that the load per host stays the "
                       f"assumed one; got {args.fleet:,}")
    if args.model == "fluid" and args.fleet > FLUID_MAX_DROPLETS:
        raise CliError(f"--fleet must be at most {FLUID_MAX_DROPLETS:,} droplets for the fluid model "
                       f"(about 2 s per simulated hour there, and larger fleets give the same "
                       f"milestones); got {args.fleet:,}")
    if args.model == "des" and args.fleet > DES_MAX_DROPLETS:
        raise CliError(f"--model des is for fleets up to {DES_MAX_DROPLETS:,} droplets (it walks every "
                       f"droplet, minutes beyond that); use fluid, got {args.fleet:,}")
    if not (math.isfinite(args.hours) and MIN_HOURS <= args.hours <= MAX_HOURS):
        raise CliError(f"--hours must be between {MIN_HOURS} (the models sample every minute) and "
                       f"{MAX_HOURS:.0f} (run time grows with it), got {args.hours}")
    if args.seed < 0:
        raise CliError(f"--seed must be >= 0, got {args.seed}")
    return scenarios.with_fleet(_DEFAULTS, args.fleet)


def summary(result: scenarios.CascadeResult) -> dict:
    """The JSON object the CLI prints: milestones as PDT "HH:MM" (None when not reached), each
    with its kind (input, fitted or predicted; see `calibration.milestone_kinds`)."""
    observed = {name: clock.pdt(t) for name, t in clock.OBSERVED_MILESTONES_S.items()}
    return {
        "scenario": result.scenario,
        "milestones": {name: clock.pdt(t) for name, t in result.milestones.items()},
        "milestone_kinds": calibration.milestone_kinds(result.scenario, result.milestones),
        "observed_milestones": observed,
        "nlb_min_capacity_fraction": round(result.nlb_min_capacity_fraction, 4),
        "nlb_load_fraction": result.nlb.load_fraction,
        "min_leased_fraction": round(float(result.dwfm.leased_fraction.min()), 4),
        "peak_propagation_latency_min": round(float(result.netmgr.latency_s.max()) / 60, 1),
        "fleet_droplets": result.dwfm.fleet_droplets,
        "dwfm_hosts": result.dwfm.workers // _DEFAULTS.workers_per_host,
    }


def run_scenario(args: argparse.Namespace) -> int:
    """Run the scenario, then print JSON or a short report. Returns 0."""
    params = _check(args)
    result = scenarios.run(args.scenario, params, horizon_s=args.hours * 3600, model=args.model, seed=args.seed)
    out = summary(result) | {"model": args.model} | ({"seed": args.seed} if args.model == "des" else {})
    if args.json:
        print(json.dumps(out, sort_keys=True))
        return 0
    print(f"Scenario {args.scenario}: {scenarios.SCENARIOS[args.scenario].question}")
    print(f"  {out['fleet_droplets']:,} droplets on {out['dwfm_hosts']:,} DWFM hosts, {args.model} model; "
          "times PDT on 20 Oct 2025")
    print(f"  {'milestone':30s} {'model':>7s} {'AWS':>7s}  kind")
    for name, when in out["milestones"].items():
        seen = out["observed_milestones"].get(name)
        print(f"  {name:30s} {when or 'never':>7s} {seen or '-':>7s}  {out['milestone_kinds'][name]}")
    print("  kinds: input = an action time fed in; fitted = a parameter was fitted to AWS's time; "
          "predicted = the model's own")
    print(f"  lowest share of droplets leased   : {out['min_leased_fraction']:.1%}")
    print(f"  peak Network Manager latency      : {out['peak_propagation_latency_min']:.0f} min")
    print(f"  lowest NLB capacity in service    : {out['nlb_min_capacity_fraction']:.0%} "
          f"(load {out['nlb_load_fraction']:.0%})")
    return 0
