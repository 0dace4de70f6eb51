"""``python -m outage lab race|tail``: the live lab on real BIND 9 and Unbound, on loopback."""

import argparse
import json
import os
import signal
import subprocess
import sys

from outage.cli import CliError, whole_number
from outage.lab import report, workdirs
from outage.lab.config import MissingTool

# One meaning each; listed in every lab command's --help.
AGREES, DISAGREES, BAD_INPUT, ENVIRONMENT = 0, 1, 2, 3
EXIT_CODES = """exit status:
  0  every measurement agrees with the model
  1  a measurement disagrees with the model
  2  bad input (a parameter out of range; one line naming it)
  3  environment: named or unbound missing, not BIND 9 or Unbound, failing or stopped (one line, its own error text), or output unwritable
  130, 143  interrupted by Ctrl-C or SIGTERM; everything the lab started is stopped"""


class EnvironmentFailure(Exception):
    """The machine, not the experiment: a missing or failing server, or unwritable output."""


def register(subparsers) -> None:
    lab = subparsers.add_parser(
        "lab", help="the live lab: the race and the tail on real BIND 9 and Unbound",
        description="Starts named and Unbound on free 127.0.0.x ports, runs one experiment, "
                    "and stops everything it started. Needs the Debian packages bind9 and "
                    "unbound; touches nothing outside loopback. Updates are signed with a "
                    "TSIG key made for the run; started as root, named runs as bind and "
                    "Unbound as unbound.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = lab.add_subparsers(dest="lab_command", required=True)

    race = commands.add_parser(
        "race", help="replay the race model's shortest trace against named and Unbound",
        description="Replays the race model's shortest counterexample (no fix) with Enactor "
                    "processes writing RFC 2136 UPDATEs: the incident, the conditional-write "
                    "fix, the talk's TXT lock, and lock plus fix, reading every answer through "
                    "Unbound.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(race)
    race.set_defaults(func=_race)

    tail = commands.add_parser(
        "tail", help="measure through Unbound when clients see the address again",
        description="Empties the record, restores it, and measures through independent "
                    "Unbound caches when clients resolve it again, for several negative TTLs "
                    "(time-scaled); counts the client questions reaching named with and "
                    "without negative caching (each client question spells the name in its own "
                    "letter case, so each query in named's log names the question it served "
                    "and Unbound's re-sends are counted apart).",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(tail)
    tail.add_argument("--scale", type=float, default=None, metavar="K",
                      help="time scale: K real seconds per lab second, from 1 to 100 "
                           "(default: 100, so 900 s becomes 9 s)")
    tail.add_argument("--neg-ttl", default=None, metavar="S,S,...",
                      help="negative TTLs to measure, in real (unscaled) seconds, at most 5, "
                           "each a whole number of lab seconds from 1 to 30, so from K to "
                           "30 K real seconds (default: 300,600,900)")
    tail.add_argument("--resolvers", type=whole_number, default=None, metavar="N",
                      help="independent resolver caches per setting, 1 to 16 (default: 8)")
    tail.set_defaults(func=_tail)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--tool-path", default=None, metavar="DIRS", type=_directories,
                        help="colon-separated directories to find named and unbound in "
                             "(default: PATH, then /usr/sbin, /usr/local/sbin, /sbin)")


def _directories(text: str) -> str:
    """``--tool-path``: at least one directory (an argparse type)."""
    if not any(part.strip() for part in text.split(os.pathsep)):
        raise argparse.ArgumentTypeError(f"names no directory: {text!r}")
    return text


def _check_tools(tool_path: str | None) -> None:
    """Both servers are there and are what they claim (a one-line EnvironmentFailure if not).

    Each version check runs in its own process group, all of which is killed when it ends or
    times out: a "named" that is a script leaves none of its children behind.
    """
    from outage.lab.servers import VERSION_TIMEOUT_S, find_tool, run_briefly

    expected = {"named": ("-v", "BIND 9"), "unbound": ("-V", "Version 1.")}
    for name, (flag, start) in expected.items():
        try:
            binary = find_tool(name, tool_path)
        except MissingTool as error:
            raise EnvironmentFailure(str(error)) from None
        try:
            done = run_briefly([binary, flag], VERSION_TIMEOUT_S)
            first = (done.stdout.strip().splitlines() or [""])[0]
        except subprocess.TimeoutExpired:
            raise EnvironmentFailure(f"{binary} does not run: {binary} {flag} did not finish "
                                     f"within {VERSION_TIMEOUT_S:g} s (stopped, with every "
                                     f"process it started)") from None
        except (OSError, subprocess.SubprocessError) as error:
            raise EnvironmentFailure(f"{binary} does not run: {error}") from None
        if not first.startswith(start):
            said = first or (done.stderr.strip().splitlines() or ["nothing"])[0]
            raise EnvironmentFailure(f"{binary} is not {'BIND 9' if name == 'named' else 'Unbound'}"
                                     f" ({binary} {flag} printed: {said[:120]})")


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every server and Enactor is stopped on the way out."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def _run(args, experiment, account, verdict) -> int:
    """Run ``experiment`` and print its result; map every failure to one line and a code."""
    from outage.lab.servers import ServerError  # imports dnspython: only when needed

    workdirs.remove_stale()  # what runs killed outright left behind
    try:
        _stop_on_sigterm()  # before the version checks: they start processes too
        _check_tools(args.tool_path)
        result = experiment()
    except KeyboardInterrupt:
        print("error: interrupted; every server the lab started is stopped", file=sys.stderr)
        return 128 + signal.SIGINT
    except SystemExit as exit_:
        if exit_.code == 128 + signal.SIGTERM:
            print("error: stopped by SIGTERM; every server the lab started is stopped", file=sys.stderr)
        raise
    except EnvironmentFailure as error:
        return _fail(str(error))
    except (ServerError, MissingTool, OSError) as error:
        return _fail(str(error))
    except CliError:
        raise  # bad input: the main CLI prints it and exits 2
    except Exception as error:  # a client without answers, a refused UPDATE, ... (the
        # parameters were checked before: a ValueError here is the lab's, not bad input)
        return _fail(f"the lab failed: {type(error).__name__}: {error}")
    text = json.dumps(result) if args.json else account(result)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise  # the reader stopped reading: the main CLI ends quietly
    except OSError as error:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second failure
        return _fail(f"cannot write the results: {error.strerror or error}")
    return AGREES if verdict(result) else DISAGREES


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return ENVIRONMENT


def _race(args) -> int:
    def experiment():
        from outage.lab.race import run  # imports dnspython: only when needed
        return run(tool_path=args.tool_path)

    return _run(args, experiment, report.race_account,
                lambda result: all(v["matches_model"] for v in result["variants"]))


def _tail(args) -> int:
    from outage.lab import tail

    try:
        settings = tail.settings_from(args.scale, args.neg_ttl, args.resolvers)
    except ValueError as error:
        raise CliError(str(error)) from None
    return _run(args, lambda: tail.run(settings, tool_path=args.tool_path), report.tail_account,
                lambda result: result["agrees_with_model"])
