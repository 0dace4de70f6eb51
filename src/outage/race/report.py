"""Checks of the race model turned into plain data and readable text (for the CLI, tests
and the notebook)."""

from dataclasses import dataclass

from outage.checker import Exploration, explore, replay
from outage.race.model import (
    ACTIVE_NEVER_DELETED,
    NO_REGRESSION,
    PHASES,
    PROGRESS,
    RECORD_NEVER_EMPTY,
    WRITING,
    Params,
    State,
    active_never_deleted,
    actions,
    enactor_name,
    endpoint_name,
    model,
    newest_applied_everywhere,
    no_regression,
    record_never_empty,
    representative,
    step,
)

DEFAULT_MAX_STATES = 2_000_000


@dataclass(frozen=True)
class Check:
    """One exploration of one model instance, with its readable shortest trace."""

    params: Params
    exploration: Exploration
    max_states: int | None
    max_seconds: float | None = None

    @property
    def trace(self) -> list[str]:
        """Readable steps of the shortest counterexample of the violated property, or []."""
        violated = self.exploration.violated
        if violated is None or violated.trace is None:
            return []
        return readable_trace(self.params, self.exploration, violated.trace)

    def to_json(self) -> dict:
        e = self.exploration
        violated = e.violated
        p = self.params
        return {
            "verdict": e.verdict,
            "property": violated.name if violated else None,
            "states": e.states,
            "seconds": round(e.seconds, 3),
            "trace": self.trace,
            "trace_length": violated.trace_length if violated else None,
            "transitions": e.transitions,
            "depth": e.depth,
            "complete": e.complete,
            "stopped": e.stopped,
            "symmetry": e.symmetry,
            "max_states": self.max_states,
            "max_seconds": self.max_seconds,
            "params": {"enactors": p.enactors, "plans": p.plans, "endpoints": p.endpoints,
                       "keep": p.keep, "fixes": sorted(p.fixes), "lock": p.lock,
                       "write_deleted": p.write_deleted, "check_against": p.check_against},
            "properties": [
                {"name": r.name, "kind": r.kind, "required": r.required, "verdict": r.verdict,
                 "trace_length": r.trace_length}
                for r in e.results
            ],
        }


def check(p: Params, *, max_states: int | None = DEFAULT_MAX_STATES,
          symmetry: bool = True, max_seconds: float | None = None,
          stop_at_first: bool = False) -> Check:
    """Explore the race model for ``p`` (see :func:`outage.checker.explore` for the cost and
    the meaning of the budgets and of ``stop_at_first``)."""
    e = explore(model(p), max_states=max_states, symmetry=symmetry, max_seconds=max_seconds,
                stop_at_first=stop_at_first)
    return Check(p, e, max_states, max_seconds)


def readable_trace(p: Params, exploration: Exploration, trace) -> list[str]:
    m = model(p)
    states = replay(m, trace, exploration.initial[0])
    return [m.describe(s, a) for s, a in zip(states, trace)]


def can_progress(p: Params, s: State, max_states: int = 200_000) -> bool:
    """Whether some sequence of steps from ``s`` reaches a state in which every endpoint has
    the newest plan: the ``progress`` property decided for the one state ``s``.

    Breadth-first search forward from ``s`` over symmetry classes, stopping at the first goal
    state. Pure Python (no numpy), so it also runs in the reader's browser. Cost O(V + E) for
    the V states reachable from ``s`` (all of them when progress is lost); raises
    ``RuntimeError`` beyond ``max_states``.
    """
    start = representative(p, s)
    seen, frontier = {start}, [start]
    while frontier:
        following = []
        for x in frontier:
            if newest_applied_everywhere(x):
                return True
            for a in actions(p, x):
                y = representative(p, step(p, x, a))
                if y not in seen:
                    seen.add(y)
                    following.append(y)
        if len(seen) > max_states:
            raise RuntimeError(f"more than {max_states:,} states reachable from this state")
        frontier = following
    return False


def property_checks(p: Params, states, trace) -> list[dict[str, bool]]:
    """For each state of a replayed trace (``states[k]`` reached by ``trace[:k]``), whether
    each of the four properties still holds there.

    Record never empty and active plan never deleted are read off the state itself; no
    regression holds if no step so far moved an endpoint back; progress is searched forward
    from the state (:func:`can_progress`). Once progress is lost it stays lost (every path
    from a later state is a path from the earlier one), so later states are not searched.
    """
    if len(states) != len(trace) + 1:
        raise ValueError(f"{len(states)} states do not fit a trace of {len(trace)} steps")
    out = []
    regressed = False
    progress = True
    for k, s in enumerate(states):
        if k:
            regressed = regressed or not no_regression(states[k - 1], trace[k - 1], s)
        progress = progress and can_progress(p, s)
        out.append({RECORD_NEVER_EMPTY: record_never_empty(s),
                    ACTIVE_NEVER_DELETED: active_never_deleted(s),
                    NO_REGRESSION: not regressed,
                    PROGRESS: progress})
    return out


def state_summary(p: Params, s: State) -> str:
    """One line per endpoint and Enactor, e.g. for the end of a counterexample."""
    lines = []
    for e, ep in enumerate(s.endpoints):
        status = "" if ep.live else " — its records are deleted: EMPTY"
        gone = " (deleted plan)" if ep.live and s.deleted >> ep.active & 1 else ""
        lines.append(f"{endpoint_name(e)}: plan {ep.active}{gone}{status}")
    for i, en in enumerate(s.enactors):
        where = f" at the {endpoint_name(en.at)}" if en.phase == WRITING else ""
        noun = "last applied" if en.phase == 0 else "plan"
        lines.append(f"{enactor_name(i)}: {PHASES[en.phase]}{where}, {noun} {en.plan}")
    return "\n".join(lines)


def format_report(c: Check) -> str:
    """The readable (non-JSON) report of ``python -m outage race check``."""
    e = c.exploration
    p = c.params
    out = [f"DNS race model: {p.label}"]
    how = "with" if e.symmetry else "without"
    if e.stopped is None:
        stop = ""
    elif e.stopped == "max-states":
        stop = f" — stopped at the budget of {c.max_states:,} states"
    elif e.stopped == "max-seconds":
        stop = f" — stopped at the time budget of {c.max_seconds:g} s"
    else:
        stop = " — stopped at the first violation (--stop-at-first)"
    out.append(f"Explored {e.states:,} distinct states ({e.transitions:,} transitions, "
               f"depth {e.depth}) in {e.seconds:.2f} s, {how} symmetry reduction{stop}.")
    violated = e.violated
    out.append("")
    out.append(f"Verdict: {e.verdict.upper()}" + (f" — {violated.name}" if violated else ""))
    out.append("")
    width = max(len(r.name) for r in e.results)
    out.append(f"  {'property':<{width}}  {'kind':<14}  {'verdict':<10}  shortest trace")
    for r in e.results:
        verdict = r.verdict
        if not r.required and r.kind.startswith("sometimes") and verdict != "holds":
            verdict = "never" if e.complete else "not seen"
        length = f"{r.trace_length} steps" if r.trace_length is not None else "—"
        note = "" if r.required else "  (informative)"
        out.append(f"  {r.name:<{width}}  {r.kind:<14}  {verdict:<10}  {length}{note}")
    if violated and violated.trace is not None:
        out.append("")
        out.append(f"Shortest counterexample for \"{violated.name}\" ({violated.trace_length} steps):")
        out.extend(f"  {n:>3}. {line}" for n, line in enumerate(c.trace, 1))
        end = replay(model(p), violated.trace, e.initial[0])[-1]
        out.append("")
        out.append("End state:")
        out.extend(f"  {line}" for line in state_summary(p, end).splitlines())
    elif violated:
        out.append("")
        out.append(f"\"{violated.name}\" never happens in any reachable state.")
    return "\n".join(out)
