"""``python -m outage race``: check the race model, print the fix table, simulate."""

import argparse
import json
import os
import sys
import textwrap
from dataclasses import replace

from outage.cli import CliError, bounded_whole
from outage.race.model import CHECK_AGAINST, WRITE_DELETED, Params, parse_fixes
from outage.race.montecarlo import CADENCES_S, TAIL_INDICES, Estimate, SimParams, estimate, sweep
from outage.race.report import DEFAULT_MAX_STATES, check, format_report
from outage.race.table import VARIANTS, fix_table, format_table

# Upper bounds of the checker's sizes, each with the estimate it rests on, measured on the
# 2-core reference machine (benchmarks/race_bench.py): a stored state takes about 0.2 KiB and the
# checker explores about 45,000 states per CPU second one state at a time (--stop-at-first, or a
# size whose states do not fit 63 bits), under 0.1 KiB and 300,000-600,000 states per CPU second
# a level at a time (every other search). A size bound is the first value at which a full
# search with the other sizes at their defaults no longer fits the largest state budget.
MAX_STATES_BOUND = 10_000_000
CHECK_BOUNDS: dict[str, tuple[int, str]] = {
    "enactors": (6, "each state holds every Enactor and the state count grows about tenfold "
                    "with each one (2,690, 32,160 and 254,217 states for 2, 3 and 4 at 5 plans "
                    "× 2 endpoints), so a full search at 6 already needs about 20 million "
                    f"states, more than the largest --max-states ({MAX_STATES_BOUND:,})"),
    "plans": (12, "the state count grows about 2.3-fold with each plan (32,160, 81,836 and "
                  "182,260 states for 5, 6 and 7 with 3 Enactors × 2 endpoints), so a full "
                  "search at 12 already needs about 10 million states, the largest "
                  "--max-states"),
    "endpoints": (7, "each state holds every endpoint and the state count grows about "
                     "fourfold with each one (32,160, 134,234 and 493,658 states for 2, 3 and "
                     "4 with 3 Enactors × 5 plans), so a full search at 7 already needs about "
                     f"25 million states, more than the largest --max-states "
                     f"({MAX_STATES_BOUND:,})"),
    "max-states": (MAX_STATES_BOUND, "each stored state takes up to about 0.2 KiB (searched "
                                     "one state at a time; 61 bytes a level at a time at "
                                     "493,658 states), so 10 million take up to about 2 GiB of "
                                     "memory and 30 seconds to 4 minutes"),
}
KEEP_WHY = ("KEEP must be smaller than --plans ({plans}): otherwise clean-up can never "
            "delete a plan")
MAX_SECONDS_BOUND = (3600.0, "the largest state budget, 10,000,000 states, is explored in "
                             "about 4 minutes at 45,000 states/s (one state at a time); an hour "
                             "leaves room for a machine ten times slower")

# Upper bounds of the simulation's parameters. Cost estimate, measured on the 2-core reference
# machine: a default simulated day (1,440 plans, each a run of 3 Enactors over 2 endpoints
# plus take and clean-up: 4 steps) takes about 0.23 s of CPU, about 15 µs per plan × Enactor ×
# step; lock retries add one event per back-off while a transaction holds the lock.
SIM_SECONDS_PER_UNIT = 15e-6
SIM_MAX_RUN_S = 3600.0
SIM_MAX_PLANS_PER_SPAN = 100_000
SIM_MAX_RETRIES = 1_000
SIM_BOUNDS: dict[str, tuple[float, str]] = {
    "days": (10_000, "at 10,000 spans the 95 % Wilson interval is already within 1 percentage "
                     "point of the estimate, and a default day takes about 0.23 s of CPU"),
    "enactors": (32, "each step copies every Enactor and every Enactor runs every plan, so a "
                     "day costs about 11 times the default's 0.23 s at 32"),
    "endpoints": (32, "each run writes every endpoint, one transaction each, so a day costs "
                      "about 9 times the default's 0.23 s at 32"),
    "keep": (1_000, "clean-up keeps this many generations; 1,000 is about 17 hours of plans at "
                    "the default cadence, beyond which a day hardly ever deletes a plan"),
    "horizon-s": (604_800.0, "one span is one run whose plan count, and the model's plan "
                             "bound, grow with it; a week is 10,080 plans at the default "
                             "cadence, about 1.6 s of CPU"),
    "write-s": (3_600.0, "a transaction of an hour already stalls every run for longer than "
                         "the Planner's cadence; longer ones say nothing new"),
    "backoff-s": (3_600.0, "a back-off of an hour already outlasts many plans; longer ones "
                           "say nothing new"),
    "tail-index": (10.0, "at 10 a Pareto back-off stays within 60 % of its minimum 99 % of "
                         "the time, so there is no tail left to study"),
    "seed": (2**32 - 1, "replications use seeds SEED, SEED + 1, ...; a 32-bit range is plenty"),
}
SIM_LOWER_BOUNDS: dict[str, tuple[float, str]] = {
    "tail-index": (0.1, "below 0.1 the median back-off is over 1,024 times its minimum "
                        "(2^(1/index)), so an Enactor that meets the lock hardly ever runs "
                        "again within the span, and below about 0.05 a back-off overflows "
                        "floating-point numbers"),
}


def _simulation_seconds(sp: SimParams, days: int, points: list[SimParams]) -> float:
    """Estimated CPU seconds of ``days`` spans at each point (see SIM_SECONDS_PER_UNIT)."""
    return sum(days * (q.horizon_s / q.cadence_s) * q.enactors * (q.endpoints + 2)
               * (1 + q.write_s / q.backoff_s / 100) * SIM_SECONDS_PER_UNIT for q in points)


# The exit statuses of `race check`, one meaning each.
EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
CHECK_EPILOG = """exit status:
  0  holds: every property holds in every reachable state
  1  violated: some property is violated; the shortest trace is printed (with
     --stop-at-first, the first one found, and properties not decided by then
     are 'undecided')
  2  bad input: a parameter out of range or malformed (one line on stderr)
  3  incomplete: --max-states or --max-seconds ran out before any violation was
     found; nothing is claimed to hold
  4  the results could not be written to standard output (a full disk)
  130  interrupted by Ctrl-C; 143 stopped by SIGTERM (one line on stderr)"""
TABLE_EPILOG = """exit status:
  0  complete: every combination was explored to the end (whatever the verdicts)
  2  bad input: a parameter out of range or malformed (one line on stderr)
  3  incomplete: --max-states or --max-seconds ran out in some combination
  4  the results could not be written to standard output (a full disk)
  130  interrupted by Ctrl-C; 143 stopped by SIGTERM (one line on stderr)"""
SIMULATE_EPILOG = """exit status:
  0  done: the estimates are printed
  2  bad input: a parameter out of range or malformed, or a run estimated to
     take more than an hour (one line on stderr)
  4  the results could not be written to standard output (a full disk)
  130  interrupted by Ctrl-C; 143 stopped by SIGTERM (one line on stderr)"""


def register(subparsers) -> None:
    race = subparsers.add_parser(
        "race", help="the DNS Planner/Enactor race: model checking and simulation",
        description="DynamoDB's DNS Planner/Enactor race as an explicit-state model.",
        epilog="exit status: see the --help of each command (check, table, simulate, spin); "
               "3 is always 'incomplete'.")
    commands = race.add_subparsers(dest="race_command", required=True)

    c = commands.add_parser(
        "check", help="explore every reachable state and check the properties",
        description=textwrap.fill(
            "Breadth-first search of every reachable state; prints the verdict, the number of "
            "distinct states and the shortest counterexample."),
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
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
        description=textwrap.fill(
            "One exploration per combination of fixes (8 in all) at one size; --max-states and "
            "--max-seconds apply to each."),
        epilog=TABLE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _size_arguments(t)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=_table)

    m = commands.add_parser(
        "simulate", help="Monte Carlo: probability of an empty record per day",
        description=textwrap.fill(
            "Seeded timed simulation of the same mechanism (the model's own steps, with Poisson "
            "plans, exponential transaction times and Pareto lock back-offs); day i uses seed "
            "SEED + i. Prints the share of days with an empty record and its 95 % Wilson "
            "interval."),
        epilog=SIMULATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sim = SimParams()
    m.add_argument("--days", default="20", metavar="N",
                   help=f"simulated days (default: 20; at most {SIM_BOUNDS['days'][0]:,})")
    m.add_argument("--seed", default="0", metavar="SEED",
                   help=f"base seed (default: 0; at most {SIM_BOUNDS['seed'][0]:,})")
    for name, unit in (("cadence_s", "mean seconds between plans"),
                       ("tail_index", "Pareto tail index of one lock back-off (smaller = heavier)"),
                       ("write_s", "mean seconds of one endpoint transaction"),
                       ("backoff_s", "scale of one back-off, seconds"),
                       ("horizon_s", "seconds in one simulated day")):
        flag = "--" + name.replace("_", "-")
        top = (f"; at most {_number(SIM_BOUNDS[flag[2:]][0])}" if flag[2:] in SIM_BOUNDS
               else f"; at least HORIZON_S / {SIM_MAX_PLANS_PER_SPAN:,} and at most HORIZON_S")
        if name == "backoff_s":
            top += f", at least WRITE_S / {SIM_MAX_RETRIES:,}"
        if flag[2:] in SIM_LOWER_BOUNDS:
            top += f", at least {SIM_LOWER_BOUNDS[flag[2:]][0]:g}"
        m.add_argument(flag, default=None, metavar="X",
                       help=f"{unit} (default: {getattr(sim, name)}{top})")
    for name in ("enactors", "endpoints", "keep"):
        m.add_argument(f"--{name}", default=str(getattr(sim, name)), metavar="N",
                       help=f"default: {getattr(sim, name)}; at most {SIM_BOUNDS[name][0]:,}")
    m.add_argument("--fix", default="none", help="as for check (default: none)")
    m.add_argument("--sweep", action="store_true",
                   help="run the tail index × cadence grid instead of one point (so "
                        "--tail-index and --cadence-s cannot be given with it)")
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
        top = f"; at most {CHECK_BOUNDS[name][0]}" if name in CHECK_BOUNDS else ""
        parser.add_argument(f"--{name}", default=str(getattr(defaults, name)),
                            metavar=name.upper()[:-1] if name != "keep" else "KEEP",
                            help=f"{help_} (default: {getattr(defaults, name)}{top})")
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
                             f"counterexample), never 'holds' (default: {DEFAULT_MAX_STATES:,}; "
                             f"at most {MAX_STATES_BOUND:,})")
    parser.add_argument("--max-seconds", default=None, metavar="S",
                        help="stop the search after S seconds of wall-clock time, with the "
                             "same answers as --max-states (default: no limit; at most "
                             f"{MAX_SECONDS_BOUND[0]:g})")


def _int(args, name: str, low: int, bounds: dict[str, tuple[float, str]] | None = None) -> int:
    """The whole number given for ``--name``, at least ``low`` and at most its bound in
    ``bounds`` (whose reason the message gives)."""
    high, why = (bounds or {}).get(name, (None, ""))
    return bounded_whole(getattr(args, name.replace("-", "_")), f"--{name}", low,
                         None if high is None else int(high), why)


def _number(x: int | float) -> str:
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.0f}" if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _at_most(name: str, value: int | float, bounds: dict[str, tuple[float, str]]) -> None:
    high, why = bounds[name]
    if value > high:
        raise CliError(f"--{name} must be at most {_number(high)}: {why}; got {_number(value)}")


def _params(args, fixes: frozenset[str] = frozenset()) -> Params:
    values = {name: _int(args, name, 1, CHECK_BOUNDS)
              for name in ("enactors", "plans", "endpoints")}
    plans = values["plans"]
    values["keep"] = _int(args, "keep", 0, {"keep": (plans - 1, KEEP_WHY.format(plans=plans))})
    return Params(**values, fixes=fixes, lock=args.lock, write_deleted=args.write_deleted,
                  check_against=args.check_against)


def _max_states(args) -> int:
    return _int(args, "max-states", 1, CHECK_BOUNDS)


def _max_seconds(args) -> float | None:
    if args.max_seconds is None:
        return None
    s = _float(args, "max_seconds")
    if not s > 0:
        raise CliError(f"--max-seconds must be more than 0, got {args.max_seconds}")
    high, why = MAX_SECONDS_BOUND
    if s > high:
        raise CliError(f"--max-seconds must be at most {high:g}: {why}; got {args.max_seconds}")
    return s


def _emit(text: str) -> None:
    """Print ``text``; a reader that closed the pipe (``| head``) does not change the exit
    status, which is the verdict's."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _check(args) -> int:
    try:
        fixes = parse_fixes(args.fix)
    except ValueError as error:
        raise CliError(f"--fix: {error}") from None
    p = _params(args, fixes)
    result = check(p, max_states=_max_states(args), symmetry=not args.no_symmetry,
                   max_seconds=_max_seconds(args), stop_at_first=args.stop_at_first)
    _emit(json.dumps(result.to_json()) if args.json else format_report(result))
    return {"holds": EXIT_HOLDS, "violated": EXIT_VIOLATED}.get(result.exploration.verdict,
                                                                EXIT_INCOMPLETE)


def _table(args) -> int:
    p = _params(args)
    rows = fix_table(p.enactors, p.plans, p.endpoints, p.keep, p.lock, VARIANTS,
                     _max_states(args), write_deleted=p.write_deleted,
                     check_against=p.check_against, max_seconds=_max_seconds(args))
    if args.json:
        _emit(json.dumps({"params": {"enactors": p.enactors, "plans": p.plans,
                                     "endpoints": p.endpoints, "keep": p.keep, "lock": p.lock,
                                     "write_deleted": p.write_deleted,
                                     "check_against": p.check_against},
                          "rows": [r.to_json() for r in rows]}))
    else:
        readings = f", {p.readings_label}" if p.readings_label else ""
        _emit(f"Fix × property table: {p.enactors} Enactors × {p.plans} plans × "
              f"{p.endpoints} endpoints, keep {p.keep}{', lock' if p.lock else ''}{readings}\n\n"
              + format_table(rows))
    return EXIT_HOLDS if all(r.complete for r in rows) else EXIT_INCOMPLETE


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
        raise CliError(f"--fix: {error}") from None
    days, seed = _int(args, "days", 1, SIM_BOUNDS), _int(args, "seed", 0, SIM_BOUNDS)
    counts = {name: _int(args, name, 0 if name == "keep" else 1, SIM_BOUNDS)
              for name in ("enactors", "endpoints", "keep")}
    if args.sweep:
        given = [f"--{name.replace('_', '-')}" for name in ("tail_index", "cadence_s")
                 if getattr(args, name) is not None]
        if given:
            raise CliError(f"{' and '.join(given)} cannot be given with --sweep: the sweep runs "
                           f"its own grid (tail indices {', '.join(map(str, TAIL_INDICES))}; "
                           f"cadences {', '.join(f'{c:g}' for c in CADENCES_S)} s)")
    defaults = SimParams()
    timing = {name: (getattr(defaults, name) if getattr(args, name) is None
                     else _float(args, name))
              for name in ("cadence_s", "tail_index", "write_s", "backoff_s", "horizon_s")}
    for name, value in timing.items():
        flag = name.replace("_", "-")
        if flag in SIM_LOWER_BOUNDS and not value >= SIM_LOWER_BOUNDS[flag][0]:  # also NaN
            low, why = SIM_LOWER_BOUNDS[flag]
            raise CliError(f"--{flag} must be at least {low:g}: {why}; got {getattr(args, name)}")
        if not value > 0:  # also NaN
            raise CliError(f"--{flag} must be more than 0, got {getattr(args, name)}")
        if flag in SIM_BOUNDS:
            _at_most(flag, value, SIM_BOUNDS)
    horizon, cadence = timing["horizon_s"], timing["cadence_s"]
    if cadence > horizon:
        raise CliError(f"--cadence-s must be at most --horizon-s ({_number(horizon)}): a span "
                       f"must expect at least one plan; got {cadence:g}")
    if horizon / cadence > SIM_MAX_PLANS_PER_SPAN:
        raise CliError(f"--cadence-s must be at least {horizon / SIM_MAX_PLANS_PER_SPAN:g} for a "
                       f"span of {_number(horizon)} s: at most {SIM_MAX_PLANS_PER_SPAN:,} plans "
                       "per span, each a run of every Enactor (about 0.2 ms of CPU at the "
                       f"defaults); got {cadence:g}")
    write, backoff = timing["write_s"], timing["backoff_s"]
    if write / backoff > SIM_MAX_RETRIES:
        raise CliError(f"--backoff-s must be at least {write / SIM_MAX_RETRIES:g} for "
                       f"transactions of {_number(write)} s: a waiting Enactor retries about "
                       f"once per back-off, at most {SIM_MAX_RETRIES:,} times per transaction; "
                       f"got {backoff:g}")
    sp = SimParams(**counts, **timing, fixes=fixes)
    points = ([replace(sp, tail_index=a, cadence_s=c) for a in TAIL_INDICES for c in CADENCES_S]
              if args.sweep else [sp])
    cost_s = _simulation_seconds(sp, days, points)
    if cost_s > SIM_MAX_RUN_S:
        raise CliError(f"this run would take about {cost_s / 60:,.0f} minutes of CPU ({days:,} "
                       f"spans × {len(points)} points at about 15 µs per plan × Enactor × "
                       "step); "
                       f"at most {SIM_MAX_RUN_S / 60:.0f}: lower --days, shorten --horizon-s, or "
                       f"raise --cadence-s or --backoff-s")
    estimates = (sweep(sp, days, seed, TAIL_INDICES, CADENCES_S) if args.sweep
                 else [estimate(sp, days, seed)])
    if args.json:
        _emit(json.dumps({"days": days, "seed": seed, "fixes": sorted(fixes),
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
