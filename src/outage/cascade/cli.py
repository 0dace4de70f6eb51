"""`python -m outage cascade run ...`: the EC2/NLB cascade from the command line."""

import argparse
import json
import math
import textwrap

from outage.cascade import calibration, clock, scenarios
from outage.cascade.dwfm_params import DwfmParams
from outage.cli import (EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_UNWRITABLE,
                        CliError, shown_count, whole_or_infinite)

_DEFAULTS = DwfmParams()
_PER_HOST = _DEFAULTS.fleet_droplets // _DEFAULTS.dwfm_hosts
# The discrete-event model walks every droplet: 100,000 over 15 h take about 6 s of CPU and over
# 48 h about 19 s (measured on the 2-core reference machine); the cost grows with
# droplets x hours, minutes beyond this.
DES_MAX_DROPLETS = 100_000
# The fluid model at 1,000,000 droplets (1,000 DWFM hosts) takes about 5 s for the default
# 15 h and 16 s for 48 h (about 0.3 s per simulated hour; memory a few hundred bytes per host
# per state row, under 50 MB); beyond that nothing changes, because the mean-field model
# depends on droplets per host, not on the total.
FLUID_MAX_DROPLETS = 1_000_000
# The models sample every minute and need two samples; 3 minutes is the shortest run accepted.
# The longest is two days: AWS's last milestone came 11 hours in.
MIN_HOURS = 0.05
MAX_HOURS = 48.0
MAX_SEED = 2**32 - 1
EXIT_CODES = f"""exit status:
  0    run completed (milestones not reached are null, not an error)
  {EXIT_BAD_INPUT}    bad input: a parameter out of range or malformed (one line on stderr)
  {EXIT_UNWRITABLE}    the results could not be written, e.g. a full disk (one line on stderr)
  {EXIT_INTERRUPTED}  interrupted by Ctrl-C
  {EXIT_TERMINATED}  stopped by SIGTERM"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `cascade` subcommand and its `run` action."""
    cascade = subparsers.add_parser("cascade", help="DWFM lease collapse, Network Manager backlog, NLB flapping",
                                    epilog="exit statuses: see python -m outage cascade run --help")
    actions = cascade.add_subparsers(dest="cascade_command", required=True)
    run = actions.add_parser(
        "run",
        help="run one scenario and report its milestones (PDT, 20 Oct 2025)",
        description=textwrap.fill(
            "Run a scenario through the DWFM, Network Manager and NLB models; milestones are "
            "PDT clock times on 20 Oct 2025, null when not reached. Each milestone's kind says "
            "how to read its comparison with AWS's time: input (an action time fed in), fitted "
            "(a parameter was fitted to it, data/calibration.yaml) or predicted (the model's "
            "own)."),
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--scenario", choices=list(scenarios.SCENARIOS), default="as-happened")
    run.add_argument("--fleet", type=whole_or_infinite, default=_DEFAULTS.fleet_droplets, metavar="N",
                     help=f"droplets in the fleet, a whole number of DWFM hosts of {_PER_HOST:,} "
                          f"droplets, at most {FLUID_MAX_DROPLETS:,} (fluid) or {DES_MAX_DROPLETS:,} "
                          "(des) (default %(default)s)")
    run.add_argument("--hours", type=float, default=clock.HORIZON_S / 3600, metavar="H",
                     help=f"simulated hours from 11:48 PM PDT on 19 Oct, {MIN_HOURS} to {MAX_HOURS:.0f} "
                          "(default %(default)s)")
    run.add_argument("--model", choices=["fluid", "des"], default="fluid",
                     help="DWFM model: mean-field (fleet-scale) or discrete-event (one event per lease check, up to 100,000 droplets)")
    run.add_argument("--seed", type=whole_or_infinite, default=0, metavar="SEED",
                     help=f"seed of the discrete-event model, 0 to {MAX_SEED:,} (default 0)")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(func=run_scenario)


def _check(args: argparse.Namespace) -> DwfmParams:
    # Too big first, so that a huge fleet gets the cap's message, not the multiple-of-hosts one.
    if args.model == "fluid" and args.fleet > FLUID_MAX_DROPLETS:
        raise CliError(f"--fleet must be at most {FLUID_MAX_DROPLETS:,} droplets for the fluid model "
                       f"(about 0.3 s per simulated hour there, and larger fleets give the "
                       f"same milestones); got {shown_count(args.fleet)}")
    if args.model == "des" and args.fleet > DES_MAX_DROPLETS:
        raise CliError(f"--fleet must be at most {DES_MAX_DROPLETS:,} droplets with --model des (it "
                       f"walks every droplet: about 19 s for 48 h at {DES_MAX_DROPLETS:,}, minutes "
                       f"beyond); use fluid, got {shown_count(args.fleet)}")
    if args.fleet < _PER_HOST or args.fleet % _PER_HOST:
        raise CliError(f"--fleet must be a whole number of DWFM hosts of {_PER_HOST:,} droplets "
                       f"({_PER_HOST:,}, {2 * _PER_HOST:,}, ...), so that the load per host stays the "
                       f"assumed one; got {shown_count(args.fleet)}")
    if math.isnan(args.hours):
        raise CliError(f"--hours must be a number of hours, got {args.hours}")
    if args.hours < MIN_HOURS:
        raise CliError(f"--hours must be at least {MIN_HOURS} (the models sample every minute and "
                       f"need two samples), got {args.hours:g}")
    if args.hours > MAX_HOURS:
        raise CliError(f"--hours must be at most {MAX_HOURS:.0f}: run time grows with it (about 20 s "
                       f"at {MAX_HOURS:.0f} for the largest fleet of either model), and AWS's last "
                       f"milestone came 11 hours in; got {args.hours:g}")
    if args.seed < 0:
        raise CliError(f"--seed must be at least 0, got {shown_count(args.seed)}")
    if args.seed > MAX_SEED:
        raise CliError(f"--seed must be at most {MAX_SEED:,}: it picks one run of the discrete-event "
                       "model (numpy's generator; the fluid model has no randomness), and a 32-bit "
                       f"range of distinct runs is plenty; got {shown_count(args.seed)}")
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
