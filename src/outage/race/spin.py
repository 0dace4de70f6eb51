"""SPIN as an independent cross-check of the race model.

The race model (:mod:`outage.race.model`) is translated into Promela, the input language of
the SPIN model checker, and SPIN's verdict on each property is compared with the project's
own checker. The translation is written from the rules, not from the Python ``step``
function, and it encodes them differently on purpose:

- each Enactor is a process whose program counter is its phase (take and check, lock, write
  endpoint 1, ..., write endpoint E, clean up), with its plan and its last-applied plan as
  local variables; the Planner is a process that publishes plans 1..P in order;
- every model action is one indivisible ``d_step``, so SPIN interleaves exactly the steps
  the checker interleaves;
- fencing tokens come from one global counter instead of being renumbered (only their order
  matters, so the verdicts are the same, but the states are more);
- there is no symmetry reduction; SPIN's own partial-order reduction applies.

Properties:

- ``always`` invariants and the ``always-step`` property ("no regression", checked on the only
  statement that moves an endpoint's alias) are assertions evaluated after every step;
- ``sometimes`` witnesses are assertions that their predicate is false: SPIN finding the
  assertion violated is the witness;
- ``progress`` (from every reachable state the newest plan can still reach every endpoint,
  CTL ``AG EF``) is not a linear-time property, so SPIN cannot check it as such. On a
  finite graph without cycles, ``AG EF goal`` holds exactly when every terminal state (no
  step enabled) satisfies the goal, and the race's graph should have no cycle (the Planner
  only publishes newer plans, and a run cannot repeat while the newest plan stays the same
  without an older plan being written in between, which needs a run that started earlier). The translation checks that with a monitor
  process that runs only on SPIN's ``timeout`` (no other statement executable) and asserts
  the goal; the same SPIN run searches for cycles (non-progress cycles with no progress
  labels: any cycle is one). If SPIN finds a cycle, progress is reported as not expressible
  and left out of the comparison.

One pan binary (compiled with ``-DNP``) checks all of it in one search (``pan -l -c0``: find
non-progress cycles, do not stop at the first error). Each assertion sets a hidden flag (not
part of SPIN's state) when it first fails, so each property is reported once whatever the
number of states that violate or witness it. Cost: one ``spin -a`` and one gcc
compile (about a second), then a search linear in SPIN's state count.
"""

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from outage.cli import EXIT_INTERRUPTED, EXIT_TERMINATED, CliError, Terminated, bounded_whole
from outage.race.model import (
    CHECK_AGAINST,
    CLEANUP_GUARD,
    CONDITIONAL_WRITE,
    FENCING_TOKEN,
    OWN,
    PROGRESS,
    REBUILD,
    WRITE_DELETED,
    Params,
    parse_fixes,
    properties,
)
from outage.race.report import DEFAULT_MAX_STATES, check
from outage.signals import HeldSignals

# Upper bounds of the cross-check's sizes. SPIN has no symmetry reduction here, so its state
# count grows about n! times faster in the number of Enactors than the checker's.
MAX_ENACTORS = 4
MAX_PLANS = 8
MAX_ENDPOINTS = 4
DEFAULT_MAX_SECONDS = 600
MAX_MAX_SECONDS = 3600
MEMORY_LIMIT_MB = 2048  # pan's -DMEMLIM: beyond it the search stops and says so
WORKDIR_PREFIX = "outage-spin-"  # then <pid>-<start>- of the run that owns it
SIZE_WHY = ("SPIN stores every state without symmetry reduction: 3 Enactors × 6 plans × 3 "
            f"endpoints with a fix already take 1.99 GB of its {MEMORY_LIMIT_MB:,} MB limit, "
            "so larger sizes end incomplete")
SECONDS_WHY = ("at SPIN's measured pace its memory limit is reached well within an hour, "
               "after which more time changes nothing")
# The checker's side of the cross-check: the same bound as `race check --max-states`.
MAX_STATES_BOUND = 10_000_000
STATES_WHY = ("each stored state takes up to about 0.2 KiB, so 10 million take up to about "
              "2 GiB of memory, as in race check")

# As `race check`: 3 is incomplete; a missing tool is 4, as an unwritable output is for
# every command but `lab` (outage.cli).
EXIT_AGREE, EXIT_DISAGREE, EXIT_BAD_INPUT, EXIT_INCOMPLETE, EXIT_ENVIRONMENT = 0, 1, 2, 3, 4
HOLDS, VIOLATED, INCOMPLETE = "holds", "violated", "incomplete"


class SpinUnavailable(Exception):
    """SPIN or gcc is missing, or one of them failed: a problem of the machine (exit 3)."""


# --- Promela -----------------------------------------------------------------------------


def tag(name: str) -> str:
    """The Promela identifier that marks property ``name``'s assertions."""
    return "p_" + re.sub(r"\W+", "_", name).strip("_").lower()


def _all(terms) -> str:
    return "(" + " && ".join(terms) + ")"


def _any(terms) -> str:
    return "(" + " || ".join(terms) + ")"


def promela(p: Params) -> str:
    """The Promela translation of the race model for ``p`` (one text; no files written)."""
    n, plans, endpoints, keep = p.enactors, p.plans, p.endpoints, p.keep
    cw, cg, ft = (f in p.fixes for f in (CONDITIONAL_WRITE, CLEANUP_GUARD, FENCING_TOKEN))
    write_deleted, check_against = p.write_deleted, p.check_against
    names = {prop.name for prop in properties(p)}
    eps = range(endpoints)
    me = "(_pid - 1)"  # the Planner is process 0, the Enactors 1..n

    # State predicates, checked after every step (and once on the initial state).
    state_checks = {
        "record never empty": _all(f"live[{e}]" for e in eps),
        "active plan never deleted": _all(f"(((deleted >> alias[{e}]) & 1) == 0)" for e in eps),
        # sometimes-witnesses: the assertion says the predicate is false
        "the last plan reaches every endpoint":
            "!" + _all(f"(alias[{e}] == {plans} && live[{e}])" for e in eps),
        "clean-up deletes a plan": "(deleted == 0)",
        "two Enactors write at once": "(writers < 2)",
        "an Enactor waits for a lock":
            "!" + _any(f"(waiting[{i}] == {e + 1} && holder[{e}] != 0)"
                       for i in range(n) for e in eps),
    }
    tags = sorted(tag(name) for name in names) + ["p_token_bound"]

    out = [
        f"/* DNS race model: {p.label}. Generated by outage.race.spin. */",
        "",
        "/* One flag per property: set when SPIN first sees its assertion fail. Hidden",
        "   variables are not part of the state vector and are not undone when the search",
        "   backtracks, so each assertion is reported once and the states are unchanged. */",
        *(f"hidden byte {t};" for t in tags),
        "inline expect(seen, ok) {",
        "  if",
        "  :: seen || (ok) -> skip",
        "  :: else -> assert(seen); seen = 1",
        "  fi",
        "}",
        "hidden int doomed, unguarded;  /* scratch of one clean-up step */",
        "",
        "byte newest;                   /* newest plan the Planner has published */",
        f"byte alias[{endpoints}];             /* plan each endpoint's alias points at */",
        f"bool live[{endpoints}] = 1;          /* whether that plan's records exist */",
        f"byte holder[{endpoints}];            /* lock option: 1 + id of the lock holder */",
        f"byte fence[{endpoints}];             /* fencing-token fix: highest token accepted */",
        "int deleted;                   /* bit g: clean-up has deleted plan g */",
        "byte writers;                  /* Enactors between their check and last write */",
        f"byte waiting[{n}];              /* lock option: 1 + endpoint whose lock it needs */",
        "byte tokens;                   /* fencing-token fix: tokens issued so far */",
        "",
        "inline check_state() {",
    ]
    for name, expr in state_checks.items():
        if name in names:
            out.append(f"  expect({tag(name)}, {expr});")
    out += ["}", ""]

    out += ["active proctype Planner() {", "  d_step { check_state() };"]
    out += [f"  d_step {{ newest = {g}; check_state() }};" for g in range(1, plans + 1)]
    out += ["}", ""]

    reference = "last" if check_against == OWN else "alias[0]"
    take = [f"newest > {reference} -> p = newest; writers++"]
    if ft:
        take.append("tokens++; expect(p_token_bound, tokens < 250); tok = tokens")
    if p.lock:
        take.append(f"waiting[{me}] = 1")
    out += [
        f"active [{n}] proctype Enactor() {{",
        "  byte last;  /* the plan this Enactor applied last */",
        "  byte p;     /* the plan of its current run */",
        "  byte tok;   /* fencing-token fix: the token of its current run */",
        "  do",
        f"  :: d_step {{ {'; '.join(take)}; check_state() }};",
    ]
    for e in eps:
        if p.lock:
            out.append(f"     d_step {{ holder[{e}] == 0 -> holder[{e}] = {me} + 1; "
                       f"waiting[{me}] = 0; check_state() }};")
        stale = f"(alias[{e}] > p)" if cw else "false"
        fenced = f"(fence[{e}] > tok)" if ft else "false"
        live = "1" if write_deleted == REBUILD else "(((deleted >> p) & 1) == 0)"
        after = ["holder[{e}] = 0".format(e=e)]
        if e == endpoints - 1:
            after += ["writers--", "tok = 0"]
        elif p.lock:
            after.append(f"waiting[{me}] = {e + 2}")
        out.append(f"     d_step {{ ({stale} || {fenced} || live[{e}]) ->")
        out.append("       if")
        if cw:
            note = (f"expect({tag('a conditional write rejects a stale plan')}, false); "
                    if "a conditional write rejects a stale plan" in names else "")
            out.append(f"       :: {stale} -> {note}skip")
        if ft:
            note = (f"expect({tag('the fence rejects a write')}, false); "
                    if "the fence rejects a write" in names else "")
            out.append(f"       :: !{stale} && {fenced} -> {note}skip")
        out.append(f"       :: !{stale} && !{fenced} ->")
        out.append(f"          expect({tag('no regression')}, p >= alias[{e}]);")
        out.append(f"          alias[{e}] = p; live[{e}] = {live}; fence[{e}] = tok")
        out.append("       fi;")
        out.append(f"       {'; '.join(after)}; check_state() }};")
    cleanup = [f"unguarded = (p > {keep} -> (1 << (p - {keep})) - 1 : 0)", "doomed = unguarded"]
    if cg:
        cleanup += [f"doomed = doomed & ~(1 << alias[{e}])" for e in eps]
        if "clean-up spares an active plan" in names:
            cleanup.append(f"expect({tag('clean-up spares an active plan')}, doomed == unguarded)")
    cleanup += [f"if :: ((doomed >> alias[{e}]) & 1) -> live[{e}] = 0 :: else -> skip fi"
                for e in eps]
    cleanup += ["deleted = deleted | doomed", "last = p", "doomed = 0", "unguarded = 0",
                "check_state()"]
    out.append("     d_step { " + "; ".join(cleanup) + " }")
    out += ["  od", "}", ""]

    goal = _all(f"(alias[{e}] == newest && live[{e}])" for e in eps)
    out += [
        "/* Runs only when nothing else can: in a terminal state, the newest plan must be",
        "   everywhere. With no cycle in the graph, that is the progress property. */",
        f"active proctype Watch() {{ timeout -> expect({tag(PROGRESS)}, {goal}) }}",
    ]
    return "\n".join(out) + "\n"


# --- running SPIN ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpinRun:
    """What one SPIN search found. ``fired`` holds the tags of the assertions SPIN saw
    violated; ``cycle`` whether it found a cycle in the state graph."""

    complete: bool
    reason: str  # why it is incomplete, or ""
    states: int | None
    depth: int | None
    fired: frozenset[str]
    cycle: bool
    seconds: float
    compile_seconds: float


_STATES = re.compile(r"^\s*(\d+) states, stored")
_DEPTH = re.compile(r"depth reached (\d+), errors: (\d+)")
_FIRED = re.compile(r"^pan:\d+: assertion violated \(?(p_\w+)")


def tools() -> tuple[str, str]:
    """Paths of ``spin`` and ``gcc``; raises :class:`SpinUnavailable` if either is missing."""
    found = []
    for tool in ("spin", "gcc"):
        path = shutil.which(tool)
        if path is None:
            raise SpinUnavailable(
                f"{tool} is not installed; the SPIN cross-check needs SPIN (Debian package spin, "
                "installed by scripts/setup --system) and gcc")
        found.append(path)
    return found[0], found[1]


def _die_with_parent() -> None:
    # Linux: the child gets SIGKILL if this process dies without cleaning up (killed by a
    # signal it does not handle), so no search outlives the command that started it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _run(argv: list[str], cwd: str, deadline: float, stdout) -> int | None:
    """Run ``argv`` in its own process group; None if the deadline passed (then it is killed).
    Any exception, KeyboardInterrupt included, kills the group before propagating; Ctrl-C or
    SIGTERM arriving while the process is being started takes effect once it has started,
    so that it is killed too."""
    proc = None
    try:
        # TMPDIR: gcc's own temporary files go into the work directory, which is removed
        # even when gcc is killed before it could remove them.
        with HeldSignals() as held:
            proc = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True,
                                    preexec_fn=_die_with_parent,
                                    env={**os.environ, "TMPDIR": cwd})
        held.deliver()
        return proc.wait(timeout=max(deadline - time.monotonic(), 0.001))
    except subprocess.TimeoutExpired:
        return None
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def run_spin(p: Params, max_seconds: float = DEFAULT_MAX_SECONDS) -> SpinRun:
    """Translate ``p``, compile it with SPIN and gcc, and search every reachable state.

    Everything happens in a temporary directory that is removed on every exit. A search that
    runs past ``max_seconds`` (compilation included), past pan's memory limit or past its
    depth limit is killed or stopped and reported incomplete. Raises :class:`SpinUnavailable`
    when SPIN or gcc is missing or fails.
    """
    spin, gcc = tools()
    started = time.monotonic()
    deadline = started + max_seconds
    # Longest path: every publish, and for each Enactor at most one take, E locks, E writes
    # and a clean-up per plan it can take (twice over for "applied", whose check can
    # accept a plan again); generous so that a too-small bound cannot cut the search.
    depth = 10 * (p.plans + 1) * (p.enactors + 1) * (2 * p.endpoints + 3) + 1000
    # Marked with this process, so that a run killed outright (SIGKILL), which cannot remove
    # its directory, has it removed by the next one.
    from outage.lab import workdirs  # here: `race check` must not load the lab

    workdirs.remove_stale(prefix=WORKDIR_PREFIX)
    workdir = tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{workdirs.owner_tag()}-")
    try:
        with open(os.path.join(workdir, "race.pml"), "w", encoding="utf-8") as f:
            f.write(promela(p))
        log_path = os.path.join(workdir, "build.log")
        with open(log_path, "wb") as log:
            # Small models: compiling dominates, so do not optimise; large ones: searching.
            small = p.enactors * p.plans * p.endpoints < 20
            opt = "-O0" if small else "-O2"
            steps = [[spin, "-a", "race.pml"],
                     [gcc, opt, "-w", "-DNP", f"-DMEMLIM={MEMORY_LIMIT_MB}", "-DVECTORSZ=4096",
                      "-o", "pan", "pan.c"]]
            for argv in steps:
                code = _run(argv, workdir, deadline, log)
                if code is None:
                    return SpinRun(False, f"the {max_seconds:g} s budget ran out while "
                                   f"running {os.path.basename(argv[0])}", None, None,
                                   frozenset(), False, time.monotonic() - started, 0.0)
                if code != 0:
                    with open(log_path, encoding="utf-8", errors="replace") as f:
                        lines = f.read().strip().splitlines()
                    first = next((line for line in lines if "rror" in line),
                                 lines[-1] if lines else "")
                    raise SpinUnavailable(f"{os.path.basename(argv[0])} failed (exit {code}): "
                                          f"{first.strip()}")
        compiled = time.monotonic()
        out_path = os.path.join(workdir, "pan.out")
        with open(out_path, "wb") as out:
            code = _run(["./pan", "-l", "-c0", "-E", "-n", f"-m{depth}",
                         "-w18" if small else "-w24"], workdir,
                        deadline, out)
        finished = time.monotonic()
        return _parse(out_path, code, max_seconds, finished - compiled, compiled - started)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _parse(path: str, code: int | None, max_seconds: float, seconds: float,
           compile_seconds: float) -> SpinRun:
    fired: set[str] = set()
    states = depth = None
    cycle = False
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("pan:"):
                m = _FIRED.match(line)
                if m:
                    fired.add(m.group(1))
                elif "non-progress cycle" in line:
                    cycle = True
                elif "max search depth too small" in line:
                    problems.append("pan's depth limit was too small")
                elif "MEMLIM" in line or "out of memory" in line:
                    problems.append(f"pan reached its memory limit of {MEMORY_LIMIT_MB} MB")
                elif "assertion violated" in line:
                    raise SpinUnavailable(f"unexpected pan report: {line.strip()}")
            elif (m := _STATES.match(line)) is not None:
                states = int(m.group(1))
            elif (m := _DEPTH.search(line)) is not None:
                depth = int(m.group(1))
            elif "Search not completed" in line:
                problems.append("pan did not complete the search")
    if code is None:
        problems.insert(0, f"the {max_seconds:g} s budget ran out during the search")
    elif code != 0 and not problems:
        raise SpinUnavailable(f"pan failed (exit {code})")
    if "p_token_bound" in fired:
        problems.append("more fencing tokens than the translation's counter holds")
    if states is None and not problems:
        problems.append("pan printed no state count")
    return SpinRun(not problems, "; ".join(problems), states, depth,
                   frozenset(fired), cycle, seconds, compile_seconds)


def spin_verdicts(p: Params, run: SpinRun) -> dict[str, str | None]:
    """SPIN's verdict on each of the model's properties, in the model's order: ``holds``,
    ``violated``, ``incomplete`` (search not complete), or ``None`` (not expressible: progress
    when SPIN found a cycle, which would make the terminal-state encoding unsound)."""
    out: dict[str, str | None] = {}
    for prop in properties(p):
        if not run.complete:
            out[prop.name] = INCOMPLETE
        elif prop.kind == "progress" and run.cycle:
            out[prop.name] = None
        else:
            fired = tag(prop.name) in run.fired
            if prop.kind.startswith("sometimes"):
                out[prop.name] = HOLDS if fired else VIOLATED
            else:
                out[prop.name] = VIOLATED if fired else HOLDS
    return out


def overall(p: Params, verdicts: dict[str, str | None]) -> str:
    """The overall verdict over the required properties SPIN can express, as the checker
    forms its own (:attr:`outage.checker.Exploration.verdict`)."""
    required = {verdicts[prop.name] for prop in properties(p) if prop.required} - {None}
    if VIOLATED in required:
        return VIOLATED
    return INCOMPLETE if INCOMPLETE in required else HOLDS


def cross_check(p: Params, *, max_seconds: float = DEFAULT_MAX_SECONDS,
                max_states: int = DEFAULT_MAX_STATES) -> dict:
    """Run SPIN and the checker on ``p`` and compare their verdicts property by property.

    Returns the JSON object of ``python -m outage race spin --json``: ``agree`` (True when
    every property SPIN can express gets the same verdict from both, and so does the overall
    verdict; None when either search is incomplete), ``spin`` and ``checker`` (``verdict``,
    ``states``, ``seconds``) and one row per property. State counts are not compared: the
    two encodings differ (program counters, token counter, no symmetry in SPIN).
    """
    run = run_spin(p, max_seconds)
    verdicts = spin_verdicts(p, run)
    c = check(p, max_states=max_states).exploration
    rows = []
    for r in c.results:
        s = verdicts[r.name]
        rows.append({"name": r.name, "kind": r.kind, "required": r.required,
                     "checker": r.verdict, "spin": s,
                     "agree": None if s is None or INCOMPLETE in (s, r.verdict)
                     else s == r.verdict})
    spin_verdict = overall(p, verdicts)
    incomplete = not run.complete or not c.complete or INCOMPLETE in (spin_verdict, c.verdict)
    agree = None if incomplete else (all(row["agree"] is not False for row in rows)
                                     and spin_verdict == c.verdict)
    return {
        "agree": agree,
        "params": {"enactors": p.enactors, "plans": p.plans, "endpoints": p.endpoints,
                   "keep": p.keep, "fixes": sorted(p.fixes), "lock": p.lock,
                   "write_deleted": p.write_deleted, "check_against": p.check_against},
        "spin": {"verdict": spin_verdict, "states": run.states,
                 "seconds": round(run.seconds, 3), "compile_seconds": round(run.compile_seconds, 3),
                 "depth": run.depth, "complete": run.complete, "incomplete_because": run.reason,
                 "cycle": run.cycle if run.complete else None},
        "checker": {"verdict": c.verdict, "states": c.states, "seconds": round(c.seconds, 3),
                    "complete": c.complete, "symmetry": c.symmetry},
        "properties": rows,
    }


def exit_status(result: dict) -> int:
    """0 agree, 1 disagree, 3 incomplete (see ``python -m outage race spin --help``)."""
    if result["agree"] is None:
        return EXIT_INCOMPLETE
    return EXIT_AGREE if result["agree"] else EXIT_DISAGREE


# --- command line ------------------------------------------------------------------------

EPILOG = """exit status:
  0  SPIN and the checker agree on every property SPIN can express
  1  they disagree on at least one
  2  bad input (one line names the parameter)
  3  incomplete: SPIN ran out of --max-seconds or memory, or the checker of --max-states
  4  SPIN or gcc is missing or failed (the machine, not the model), or the results
     could not be written (a full disk)
  130  interrupted by Ctrl-C, 143 stopped by SIGTERM: SPIN's processes are stopped, its
       files removed (one line on stderr)

The JSON object has agree (true, false, or null when incomplete), spin and checker (verdict,
states, seconds) and one row per property. Progress is compared only when SPIN confirms the
state graph has no cycle (see outage.race.spin)."""


def register(commands) -> None:
    """Add ``spin`` to the ``race`` subcommands."""
    s = commands.add_parser(
        "spin", help="cross-check the checker's verdicts with SPIN",
        description="Translate the race model into Promela, check it with the SPIN model "
                    "checker and compare SPIN's verdict on each property with the project's "
                    "checker. State counts are reported, not compared (different encodings).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Params()
    for name, bound, help_ in (("enactors", MAX_ENACTORS, "number of Enactors"),
                               ("plans", MAX_PLANS, "plan generations after plan 0"),
                               ("endpoints", MAX_ENDPOINTS, "endpoints each run writes")):
        s.add_argument(f"--{name}", default=str(getattr(defaults, name)), metavar="N",
                       help=f"{help_}, 1..{bound} (default: {getattr(defaults, name)}; SPIN "
                            f"stores every state without symmetry reduction)")
    s.add_argument("--keep", default=str(defaults.keep), metavar="KEEP",
                   help=f"0 <= KEEP < PLANS (default: {defaults.keep})")
    s.add_argument("--lock", action="store_true", help="model the per-endpoint lock")
    s.add_argument("--fix", default="none",
                   help="none, or any of conditional-write, cleanup-guard, fencing-token "
                        "joined by commas (default: none)")
    s.add_argument("--write-deleted", default=REBUILD, metavar="READING",
                   help=f"{' or '.join(WRITE_DELETED)}: what writing a deleted plan does "
                        f"(default: {REBUILD})")
    s.add_argument("--check-against", default=OWN, metavar="READING",
                   help=f"{' or '.join(CHECK_AGAINST)}: what the one-time check compares "
                        f"with (default: {OWN})")
    s.add_argument("--max-seconds", default=str(DEFAULT_MAX_SECONDS), metavar="S",
                   help=f"budget of the SPIN run, compilation included, 1..{MAX_MAX_SECONDS} "
                        f"(default: {DEFAULT_MAX_SECONDS})")
    s.add_argument("--max-states", default=str(DEFAULT_MAX_STATES), metavar="N",
                   help=f"the checker's state budget, 1..{MAX_STATES_BOUND:,} (default: "
                        f"{DEFAULT_MAX_STATES:,})")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=_command)


def params_from_args(args) -> Params:
    """Validated :class:`Params` from the ``spin`` subcommand's arguments (CliError if bad)."""
    enactors = bounded_whole(args.enactors, "--enactors", 1, MAX_ENACTORS, SIZE_WHY)
    plans = bounded_whole(args.plans, "--plans", 1, MAX_PLANS, SIZE_WHY)
    endpoints = bounded_whole(args.endpoints, "--endpoints", 1, MAX_ENDPOINTS, SIZE_WHY)
    keep = bounded_whole(args.keep, "--keep", 0, plans - 1,
                         f"KEEP must be smaller than --plans ({plans}): otherwise clean-up can "
                         "never delete a plan")
    try:
        fixes = parse_fixes(args.fix)
    except ValueError as error:
        raise CliError(f"--fix: {error}") from None
    if args.write_deleted not in WRITE_DELETED:
        raise CliError(f"--write-deleted must be {' or '.join(WRITE_DELETED)}, "
                       f"got {args.write_deleted!r}")
    if args.check_against not in CHECK_AGAINST:
        raise CliError(f"--check-against must be {' or '.join(CHECK_AGAINST)}, "
                       f"got {args.check_against!r}")
    return Params(enactors=enactors, plans=plans, endpoints=endpoints, keep=keep, fixes=fixes,
                  lock=args.lock, write_deleted=args.write_deleted,
                  check_against=args.check_against)


def format_result(p: Params, result: dict) -> str:
    """The readable report of ``python -m outage race spin``."""
    s, c = result["spin"], result["checker"]
    out = [f"SPIN cross-check of the DNS race model: {p.label}", ""]
    width = max(len(r["name"]) for r in result["properties"])
    out.append(f"  {'property':<{width}}  {'kind':<14}  {'checker':<10}  {'SPIN':<16}  agree")
    for r in result["properties"]:
        spin_text = r["spin"] or "not expressible"
        mark = {True: "yes", False: "NO", None: "—"}[r["agree"]]
        note = "" if r["required"] else "  (informative)"
        out.append(f"  {r['name']:<{width}}  {r['kind']:<14}  {r['checker']:<10}  "
                   f"{spin_text:<16}  {mark}{note}")
    out.append("")
    spin_states = f"{s['states']:,}" if s["states"] is not None else "?"
    out.append(f"SPIN:    {s['verdict']}, {spin_states} states stored, search {s['seconds']:.2f} s "
               f"(+ {s['compile_seconds']:.2f} s to translate and compile)"
               + (f"; incomplete: {s['incomplete_because']}" if not s["complete"] else ""))
    out.append(f"checker: {c['verdict']}, {c['states']:,} states "
               f"({'with' if c['symmetry'] else 'without'} symmetry reduction), "
               f"{c['seconds']:.2f} s")
    agree = {True: "yes", False: "NO — the two disagree", None: "cannot say (incomplete)"}
    out.append(f"Agree: {agree[result['agree']]}")
    return "\n".join(out)


def _command(args) -> int:
    p = params_from_args(args)
    max_seconds = bounded_whole(args.max_seconds, "--max-seconds", 1, MAX_MAX_SECONDS, SECONDS_WHY)
    max_states = bounded_whole(args.max_states, "--max-states", 1, MAX_STATES_BOUND, STATES_WHY)
    try:
        tools()
    except SpinUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    with _terminate_as_interrupt():
        try:
            result = cross_check(p, max_seconds=max_seconds, max_states=max_states)
        except SpinUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_ENVIRONMENT
        except KeyboardInterrupt:
            print("error: interrupted; SPIN's processes are stopped and its files removed",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        except Terminated:
            print("error: stopped by SIGTERM; SPIN's processes are stopped and its files "
                  "removed", file=sys.stderr)
            return EXIT_TERMINATED
    print(json.dumps(result) if args.json else format_result(p, result))
    return exit_status(result)


class _terminate_as_interrupt:
    """Turn SIGTERM into an exception (``outage.cli.Terminated``) while a cross-check runs,
    so that the temporary directory is removed and SPIN's processes are killed on the way
    out."""

    def __enter__(self):
        self._previous: Callable | int | None = None
        try:
            self._previous = signal.signal(signal.SIGTERM, self._raise)
        except ValueError:  # not the main thread: leave SIGTERM alone
            self._previous = None
        return self

    @staticmethod
    def _raise(signum, frame):
        raise Terminated

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
        return False
