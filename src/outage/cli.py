"""The `python -m outage` command line: one subcommand per model.

Each model package owns a `cli` module with `register(subparsers)`, which adds its
subcommand and sets `func` on the parser; `func(args)` returns the exit status.
"""

import argparse
import importlib
import math
import os
import sys

# Model packages that contribute a subcommand, in the order the help lists them.
COMMAND_MODULES: tuple[str, ...] = ("outage.dns.cli", "outage.race.cli", "outage.cascade.cli",
                                     "outage.lab.cli")


class CliError(Exception):
    """A bad parameter: reported as one line on stderr with exit status 2."""


def whole_number(text: str) -> int:
    """A whole number written as an integer or in exponent form ("1e5"); an argparse type."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value == int(value)):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(value)


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, like a CliError; subcommand parsers inherit it."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand; with ``command`` (a model's name, as in
    ``outage.<command>.cli``), of that one only, so that a command imports only its own model
    (numpy and the other models cost more than a small race check)."""
    parser = _Parser(
        prog="python -m outage",
        description="Models of the AWS us-east-1 outage of 19-20 October 2025.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    modules = [m for m in COMMAND_MODULES if m.split(".")[-2] == command] or COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (CliError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped reading (`... | head`): not a failure of the command. Point stdout
        # at /dev/null so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
