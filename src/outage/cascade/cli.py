"""`python -m outage cascade run ...`: the EC2/NLB cascade from the command line."""

import argparse
import json
import math

from outage.cascade import clock, scenarios
from outage.cascade.dwfm_params import DwfmParams
from outage.cli import CliError

_DEFAULTS = DwfmParams()
# The discrete-event model walks every droplet; beyond this it takes minutes, not seconds.
DES_MAX_DROPLETS = 20_000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cascade` subcommand and its `run` action."""
    cascade = subparsers.add_parser("cascade", help="DWFM lease collapse, Network Manager backlog, NLB flapping")
    actions = cascade.add_subparsers(dest="cascade_command", required=True)
    run = actions.add_parser(
        "run",
        help="run one scenario and report its milestones (PDT, 20 Oct 2025)",
        description="Run a scenario through the DWFM, Network Manager and NLB models; "
                    "milestones are PDT clock times on 20 Oct 2025, null when not reached.",
    )
    run.add_argument("--scenario", choices=list(scenarios.SCENARIOS), default="as-happened")
    run.add_argument("--fleet", type=int, default=_DEFAULTS.fleet_droplets, metavar="N",
                     help="droplets in the fleet; DWFM hosts scale with it (default %(default)s)")
    run.add_argument("--hours", type=float, default=clock.HORIZON_S / 3600, metavar="H",
                     help="simulated hours from 11:48 PM PDT on 19 Oct (default %(default)s)")
    run.add_argument("--model", choices=["fluid", "des"], default="fluid",
                     help="DWFM model: mean-field (any fleet) or discrete-event (small fleets)")
    run.add_argument("--seed", type=int, default=0, help="seed of the discrete-event model")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(func=run_scenario)


def _check(args: argparse.Namespace) -> DwfmParams:
    if args.fleet < 1:
        raise CliError(f"--fleet must be at least 1 droplet, got {args.fleet}")
    if not (math.isfinite(args.hours) and 0 < args.hours <= 48):
        raise CliError(f"--hours must be in (0, 48], got {args.hours}")
    if args.seed < 0:
        raise CliError(f"--seed must be >= 0, got {args.seed}")
    if args.model == "des" and args.fleet > DES_MAX_DROPLETS:
        raise CliError(f"--model des is for fleets up to {DES_MAX_DROPLETS} droplets; use fluid")
    return scenarios.with_fleet(_DEFAULTS, args.fleet)


def summary(result: scenarios.CascadeResult) -> dict:
    """The JSON object the CLI prints: milestones as PDT "HH:MM" (None when not reached)."""
    observed = {name: clock.pdt(t) for name, t in clock.OBSERVED_MILESTONES_S.items()}
    return {
        "scenario": result.scenario,
        "milestones": {name: clock.pdt(t) for name, t in result.milestones.items()},
        "observed_milestones": observed,
        "nlb_min_capacity_fraction": round(result.nlb_min_capacity_fraction, 4),
        "nlb_load_fraction": result.nlb.load_fraction,
        "min_leased_fraction": round(float(result.dwfm.leased_fraction.min()), 4),
        "peak_propagation_latency_min": round(float(result.netmgr.latency_s.max()) / 60, 1),
        "fleet_droplets": result.dwfm.fleet_droplets,
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
    print(f"  {out['fleet_droplets']:,} droplets, {args.model} model; times PDT on 20 Oct 2025")
    print(f"  {'milestone':30s} {'model':>7s} {'AWS':>7s}")
    for name, when in out["milestones"].items():
        seen = out["observed_milestones"].get(name)
        print(f"  {name:30s} {when or 'never':>7s} {seen or '-':>7s}")
    print(f"  lowest share of droplets leased   : {out['min_leased_fraction']:.1%}")
    print(f"  peak Network Manager latency      : {out['peak_propagation_latency_min']:.0f} min")
    print(f"  lowest NLB capacity in service    : {out['nlb_min_capacity_fraction']:.0%} "
          f"(load {out['nlb_load_fraction']:.0%})")
    return 0
