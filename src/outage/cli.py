"""The `python -m outage` command line: one subcommand per model.

Each model package owns a `cli` module with `register(subparsers)`, which adds its
subcommand and sets `func` on the parser; `func(args)` returns the exit status.

:func:`main` turns what can go wrong around any command into one line on stderr and one exit
status: a bad parameter (2), results that cannot be written to standard output, such as a
full disk (4; 3 for `lab`, whose 3 means "environment"), Ctrl-C (130) and SIGTERM (143). A
reader that stops reading (``| head``) is not a failure: the status stays the command's own.
"""

import argparse
import importlib
import math
import os
import signal
import sys

EXIT_BAD_INPUT = 2
EXIT_UNWRITABLE = 4
EXIT_UNWRITABLE_LAB = 3  # the lab's "environment" status covers its output too
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, the shell's status for Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143
PROGRAM_EPILOG = """exit status (each command's --help lists its own, one meaning each):
  0    done; for race check and spin: the properties hold / the tools agree; for lab:
       the measurements agree with the model
  1    race: a property is violated, or SPIN and the checker disagree; lab: the
       measurements disagree with the model
  2    bad input: a parameter out of range or malformed (one line on stderr)
  3    race: incomplete (a budget ran out); lab: a missing or failing server, or
       results that cannot be written
  4    race, cascade, dns: results that cannot be written (a full disk); race spin
       also: SPIN or gcc missing or failing
  130  interrupted by Ctrl-C; 143 stopped by SIGTERM (one line on stderr)"""

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


def whole_or_infinite(text: str) -> int | float:
    """A whole number as :func:`whole_number` reads it, or an infinity, which a range check
    then refuses with the bound's own message; an argparse type."""
    try:
        if math.isinf(float(text)):
            return float(text)
    except ValueError:
        pass
    return whole_number(text)


def shown_count(n: int | float) -> str:
    """A count as a message shows it: 1,000,000 in full, 1e+30 in exponent form."""
    return f"{n:,}" if abs(n) < 10**15 else f"{float(n):.3g}"


def bounded_whole(raw: str, flag: str, low: int, high: float | None = None,
                  why: str = "") -> int:
    """The whole number ``raw`` (exponent form accepted: "1e6") from ``low`` to ``high``;
    CliError naming ``flag``, with the bound and its reason ``why`` when it is too big."""
    try:
        number = float(raw)
    except ValueError:
        raise CliError(f"{flag} must be a whole number, got {raw!r}") from None
    if math.isnan(number) or (math.isfinite(number) and number != int(number)):
        raise CliError(f"{flag} must be a whole number, got {raw!r}")
    if number < low:
        raise CliError(f"{flag} must be at least {low}, got {raw}")
    if high is not None and number > high:
        raise CliError(f"{flag} must be at most {high:,}: {why}; got {raw}")
    return int(number)


class OutputError(OSError):
    """Standard output refused the results (a full disk, an I/O error): exit EXIT_UNWRITABLE
    (an OSError, so that a command that reports its own write failures still can)."""


class _GuardedOutput:
    """Standard output whose write failures, other than a closed pipe, raise OutputError and
    are remembered in ``failed`` (argparse's --help ignores a failed write)."""

    def __init__(self, stream):
        self._stream = stream
        self.failed: OutputError | None = None

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as error:
            self.failed = OutputError(error.errno, error.strerror)
            raise self.failed from None

    def write(self, text):
        return self._guard(self._stream.write, text)

    def flush(self):
        return self._guard(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class Terminated(BaseException):
    """SIGTERM, raised where the command is so that its clean-up runs on the way out."""


def _raise_terminated(signum, frame):
    raise Terminated


def _unwritable(error: OSError, argv: list[str]) -> int:
    _discard_stdout()
    print(f"error: cannot write the results to standard output: {error}", file=sys.stderr)
    return EXIT_UNWRITABLE_LAB if argv[:1] == ["lab"] else EXIT_UNWRITABLE


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush of what is
    still buffered cannot fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.__stdout__.fileno())


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
        epilog=PROGRAM_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    modules = [m for m in COMMAND_MODULES if m.split(".")[-2] == command] or COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    previous_term = None
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        try:
            previous_term = signal.signal(signal.SIGTERM, _raise_terminated)
        except ValueError:  # not the main thread (main() called from a test's thread)
            previous_term = None
    real_stdout = sys.stdout
    sys.stdout = _GuardedOutput(real_stdout)
    try:
        parser = build_parser(argv[0] if argv else None)
        args = parser.parse_args(argv)
        status = args.func(args)
        sys.stdout.flush()  # a failure to write shows here, not after the status is chosen
        return status
    except (CliError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as error:
        return _unwritable(error, argv)
    except SystemExit:
        # argparse's --help (and its errors) exit here, and argparse ignores a failed write.
        try:
            sys.stdout.flush()
        except OutputError:
            pass
        if sys.stdout.failed is not None:
            return _unwritable(sys.stdout.failed, argv)
        raise
    except BrokenPipeError:
        # The reader stopped reading (`... | head`): not a failure of the command.
        _discard_stdout()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("error: stopped by SIGTERM", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        sys.stdout = real_stdout
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
