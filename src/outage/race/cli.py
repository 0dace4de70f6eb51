"""``python -m outage race``: check the race model, print the fix table, simulate."""

import argparse
import json

from outage.cli import CliError
from outage.race.model import Params, parse_fixes
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
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=_check)

    t = commands.add_parser(
        "table", help="check every combination of fixes: the fix × property table",
        description="One exploration per combination of fixes (8 in all) at one size.")
    _size_arguments(t)
    t.add_argument("--json", action="store_true", help="print one JSON object")
    t.set_defaults(func=_table)


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
    return Params(**values, fixes=fixes, lock=args.lock)


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
    result = check(p, max_states=_max_states(args), symmetry=not args.no_symmetry)
    print(json.dumps(result.to_json()) if args.json else format_report(result))
    return 0


def _table(args) -> int:
    p = _params(args)
    rows = fix_table(p.enactors, p.plans, p.endpoints, p.keep, p.lock, VARIANTS,
                     _max_states(args))
    if args.json:
        print(json.dumps({"params": {"enactors": p.enactors, "plans": p.plans,
                                     "endpoints": p.endpoints, "keep": p.keep, "lock": p.lock},
                          "rows": [r.to_json() for r in rows]}))
    else:
        print(f"Fix × property table: {p.enactors} Enactors × {p.plans} plans × "
              f"{p.endpoints} endpoints, keep {p.keep}{', lock' if p.lock else ''}\n")
        print(format_table(rows))
    return 0
