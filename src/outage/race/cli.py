"""``python -m outage race``: check the race model, print the fix table, simulate."""

import argparse
import json

from outage.cli import CliError
from outage.race.model import CHECK_AGAINST, WRITE_DELETED, Params, parse_fixes
from outage.race.montecarlo import CADENCES_S, TAIL_INDICES, Estimate, SimParams, estimate, sweep
from outage.race.report import DEFAULT_MAX_STATES, check, format_report
from outage.race.table import VARIANTS, fix_table, format_table


def register(subparsers) -> None:
    race = subparsers.add_parser(
        "race", help="the DNS Planner/Enactor race: model checking and simulation",
        description="DynamoDB's DNS Planner/Enactor race as an explicit-state model.")
    commands = race.add_subparsers(dest="race_command", required=True)

    c = commands.add_parser(
        "check", help="explore every reachable state and check the properties",
        description="Breadth-first search of every reachable state; prints the verdict, the "
                    "number of distinct states and the shortest counterexample. Exit status 0 "
                    "whatever the verdict; 2 for bad parameters.")
    _size_arguments(c)
    c.add_argument("--fix", default="none",
                   help="none, or any of conditional-write, cleanup-guard, fencing-token "
                        "joined by commas (default: none)")
    c.add_argument("--no-symmetry", action="store_true",
                   help="do not merge states that differ only by Enactor ids")
    c.add_argument("--stop-at-first", action="store_true",
                   help="stop at the first violation of a safety property (record never "
                        "empty, active plan never deleted, no regression); its trace is still "
                        "the shortest. Properties not decided by then, progress always among "
                        "them (it needs the whole graph), are reported as 'undecided'")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=_check)

    t = commands.add_parser(
        "table", help="check every combination of fixes: the fix × property table",
        description="One exploration per combination of fixes (8 in all) at one size.")
    _size_arguments(t)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=_table)

    m = commands.add_parser(
        "simulate", help="Monte Carlo: probability of an empty record per day",
        description="Seeded timed simulation of the same mechanism (the model's own steps, "
                    "with Poisson plans, exponential transaction times and Pareto lock "
                    "back-offs); day i uses seed SEED + i. Prints the share of days with an "
                    "empty record and its 95 %% Wilson interval.")
    sim = SimParams()
    m.add_argument("--days", default="20", metavar="N", help="simulated days (default: 20)")
    m.add_argument("--seed", default="0", metavar="SEED", help="base seed (default: 0)")
    for name, unit in (("cadence_s", "mean seconds between plans"),
                       ("tail_index", "Pareto tail index of one lock back-off (smaller = heavier)"),
                       ("write_s", "mean seconds of one endpoint transaction"),
                       ("backoff_s", "scale of one back-off, seconds"),
                       ("horizon_s", "seconds in one simulated day")):
        flag = "--" + name.replace("_", "-")
        m.add_argument(flag, default=str(getattr(sim, name)), metavar="X",
                       help=f"{unit} (default: {getattr(sim, name)})")
    for name in ("enactors", "endpoints", "keep"):
        m.add_argument(f"--{name}", default=str(getattr(sim, name)), metavar="N",
                       help=f"default: {getattr(sim, name)}")
    m.add_argument("--fix", default="none", help="as for check (default: none)")
    m.add_argument("--sweep", action="store_true",
                   help="run the tail index × cadence grid instead of one point")
    m.add_argument("--json", action="store_true", help="print one JSON object")
    m.set_defaults(func=_simulate)
    from outage.race import spin  # the SPIN cross-check; its parser and handler live there
    spin.register(commands)


def _size_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Params()
    for name, help_ in (("enactors", "number of Enactors"),
                        ("plans", "plan generations the Planner publishes after plan 0"),
                        ("endpoints", "endpoints each run writes, one transaction each"),
                        ("keep", "clean-up deletes plans more than KEEP generations older "
                                 "than the plan just applied; 0 <= KEEP < PLANS")):
        parser.add_argument(f"--{name}", default=str(getattr(defaults, name)),
                            metavar=name.upper()[:-1] if name != "keep" else "KEEP",
                            help=f"{help_} (default: {getattr(defaults, name)})")
    parser.add_argument("--lock", action="store_true",
                        help="model the per-endpoint TXT-record lock (AWS talk DAT453)")
    parser.add_argument(
        "--write-deleted", choices=WRITE_DELETED, default=defaults.write_deleted,
        help="what a write of a plan that clean-up has already deleted does. The AWS summary "
             "says clean-up deletes plans significantly older than the plan just applied, and "
             "the talk DAT453 says every plan is written as a whole new record tree. rebuild "
             "(default, our reading): the transaction builds the plan's tree again from the "
             "Enactor's own copy; empty: the endpoint is left with no records")
    parser.add_argument(
        "--check-against", choices=CHECK_AGAINST, default=defaults.check_against,
        help="what the one-time check compares the new plan with. The AWS summary says that, "
             "once before it starts, the Enactor checks its plan is newer than the previously "
             "applied plan. own (default, our reading): the plan this Enactor applied last "
             "(the talk says the Enactors do not talk to each other); applied: the plan active "
             "in DNS on the regional endpoint, the first one a run writes")
    parser.add_argument("--max-states", default=str(DEFAULT_MAX_STATES), metavar="N",
                        help="stop after N distinct states; a stopped search answers "
                             "'incomplete' (or 'violated' if it already found a "
                             f"counterexample), never 'holds' (default: {DEFAULT_MAX_STATES:,})")


def _int(args, name: str) -> int:
    raw = getattr(args, name.replace("-", "_"))
    try:
        return int(raw)
    except ValueError:
        raise CliError(f"--{name} must be an integer, got {raw!r}") from None


def _params(args, fixes: frozenset[str] = frozenset()) -> Params:
    values = {name: _int(args, name) for name in ("enactors", "plans", "endpoints", "keep")}
    for name in ("enactors", "plans", "endpoints"):
        if values[name] < 1:
            raise CliError(f"--{name} must be at least 1, got {values[name]}")
    if values["keep"] < 0:
        raise CliError(f"--keep must be at least 0, got {values['keep']}")
    if values["keep"] >= values["plans"]:
        raise CliError(f"--keep ({values['keep']}) must be smaller than --plans "
                       f"({values['plans']}): otherwise clean-up can never delete a plan")
    return Params(**values, fixes=fixes, lock=args.lock, write_deleted=args.write_deleted,
                  check_against=args.check_against)


def _max_states(args) -> int:
    n = _int(args, "max-states")
    if n < 1:
        raise CliError(f"--max-states must be at least 1, got {n}")
    return n


def _check(args) -> int:
    try:
        fixes = parse_fixes(args.fix)
    except ValueError as error:
        raise CliError(str(error)) from None
    p = _params(args, fixes)
    result = check(p, max_states=_max_states(args), symmetry=not args.no_symmetry,
                   stop_at_first=args.stop_at_first)
    print(json.dumps(result.to_json()) if args.json else format_report(result))
    return 0


def _table(args) -> int:
    p = _params(args)
    rows = fix_table(p.enactors, p.plans, p.endpoints, p.keep, p.lock, VARIANTS,
                     _max_states(args), write_deleted=p.write_deleted,
                     check_against=p.check_against)
    if args.json:
        print(json.dumps({"params": {"enactors": p.enactors, "plans": p.plans,
                                     "endpoints": p.endpoints, "keep": p.keep, "lock": p.lock,
                                     "write_deleted": p.write_deleted,
                                     "check_against": p.check_against},
                          "rows": [r.to_json() for r in rows]}))
    else:
        readings = f", {p.readings_label}" if p.readings_label else ""
        print(f"Fix × property table: {p.enactors} Enactors × {p.plans} plans × "
              f"{p.endpoints} endpoints, keep {p.keep}{', lock' if p.lock else ''}{readings}\n")
        print(format_table(rows))
    return 0


def _float(args, name: str) -> float:
    raw = getattr(args, name)
    try:
        return float(raw)
    except ValueError:
        raise CliError(f"--{name.replace('_', '-')} must be a number, got {raw!r}") from None


def _simulate(args) -> int:
    try:
        fixes = parse_fixes(args.fix)
    except ValueError as error:
        raise CliError(str(error)) from None
    days, seed = _int(args, "days"), _int(args, "seed")
    if days < 1:
        raise CliError(f"--days must be at least 1, got {days}")
    counts = {name: _int(args, name) for name in ("enactors", "endpoints", "keep")}
    for name in ("enactors", "endpoints"):
        if counts[name] < 1:
            raise CliError(f"--{name} must be at least 1, got {counts[name]}")
    if counts["keep"] < 0:
        raise CliError(f"--keep must be at least 0, got {counts['keep']}")
    timing = {name: _float(args, name)
              for name in ("cadence_s", "tail_index", "write_s", "backoff_s", "horizon_s")}
    sp = SimParams(**counts, **timing, fixes=fixes)
    estimates = (sweep(sp, days, seed, TAIL_INDICES, CADENCES_S) if args.sweep
                 else [estimate(sp, days, seed)])
    if args.json:
        print(json.dumps({"days": days, "seed": seed, "fixes": sorted(fixes),
                          "points": [_estimate_json(e) for e in estimates]}))
        return 0
    span = "day" if sp.horizon_s == 86_400 else f"{sp.horizon_s / 3600:g} h"
    print(f"Monte Carlo of the race: {days} simulated spans of one {span} per point, seeds "
          f"{seed}–{seed + days - 1}, keep {sp.keep}, fix {args.fix}")
    print(f"| tail index | cadence (s) | spans with an empty record | P(empty record per {span}) "
          "| 95 % Wilson interval | most generations behind |")
    print("|---|---|---|---|---|---|")
    for e in estimates:
        lag = max(r.max_lag for r in e.results)
        print(f"| {e.params.tail_index:g} | {e.params.cadence_s:g} | {e.failed_days} of {e.days} "
              f"| {e.p:.3f} | [{e.low:.3f}, {e.high:.3f}] | {lag} |")
    return 0


def _estimate_json(e: Estimate) -> dict:
    return {"tail_index": e.params.tail_index, "cadence_s": e.params.cadence_s,
            "keep": e.params.keep, "days": e.days, "failed_days": e.failed_days, "p": e.p,
            "low": e.low, "high": e.high,
            "empty_at_s": [r.empty_at_s for r in e.results]}
