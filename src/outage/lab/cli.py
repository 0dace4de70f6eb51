"""``python -m outage lab race|tail``: the live lab on real BIND 9 and Unbound, on loopback."""

import argparse
import json
import signal

from outage.cli import CliError
from outage.lab import report
from outage.lab.config import MissingTool, find_tool


def register(subparsers) -> None:
    lab = subparsers.add_parser(
        "lab", help="the live lab: the race and the tail on real BIND 9 and Unbound",
        description="Starts named and Unbound on free 127.0.0.1 ports, runs one experiment, "
                    "and stops everything it started. Needs the Debian packages bind9 and "
                    "unbound; touches nothing outside loopback.")
    commands = lab.add_subparsers(dest="lab_command", required=True)

    race = commands.add_parser(
        "race", help="replay the race model's shortest trace against named and Unbound",
        description="Replays the race model's shortest counterexample (no fix) with Enactor "
                    "processes writing RFC 2136 UPDATEs: the incident, the conditional-write "
                    "fix, the talk's TXT lock, and lock plus fix. Exit status 0 when every "
                    "step agrees with the model, 1 otherwise, 2 for a missing tool.")
    _common(race)
    race.set_defaults(func=_race)

    tail = commands.add_parser(
        "tail", help="measure through Unbound when clients see the address again",
        description="Empties the record, restores it, and measures through independent "
                    "Unbound caches when clients resolve it again, for several negative TTLs "
                    "(time-scaled); counts the queries reaching named with and without "
                    "negative caching. Exit status 0 when the measurements agree with the "
                    "DNS model, 1 otherwise, 2 for a missing tool or bad parameter.")
    _common(tail)
    tail.add_argument("--scale", type=float, default=None, metavar="K",
                      help="time scale: K real seconds per lab second (default: 100, so "
                           "900 s becomes 9 s)")
    tail.add_argument("--neg-ttl", default=None, metavar="S,S,...",
                      help="negative TTLs to measure, in real (unscaled) seconds "
                           "(default: 300,600,900)")
    tail.add_argument("--resolvers", type=int, default=None, metavar="N",
                      help="independent resolver caches per setting (default: 8)")
    tail.set_defaults(func=_tail)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--tool-path", default=None, metavar="DIRS",
                        help="colon-separated directories to find named and unbound in "
                             "(default: PATH, then /usr/sbin, /usr/local/sbin, /sbin)")


def _require_tools(args) -> None:
    for name in ("named", "unbound"):
        try:
            find_tool(name, args.tool_path)
        except MissingTool as error:
            raise CliError(str(error)) from None


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every server and Enactor is stopped on the way out."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def _race(args) -> int:
    _require_tools(args)
    _stop_on_sigterm()
    from outage.lab.race import run  # imports dnspython: only when needed

    result = run(tool_path=args.tool_path)
    print(json.dumps(result) if args.json else report.race_account(result))
    return 0 if all(v["matches_model"] for v in result["variants"]) else 1


def _tail(args) -> int:
    _require_tools(args)
    from outage.lab import tail

    settings = tail.settings_from(args.scale, args.neg_ttl, args.resolvers)
    _stop_on_sigterm()
    result = tail.run(settings, tool_path=args.tool_path)
    print(json.dumps(result) if args.json else report.tail_account(result))
    return 0 if result["agrees_with_model"] else 1
