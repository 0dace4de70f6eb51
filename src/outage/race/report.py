"""Checks of the race model turned into plain data and readable text (for the CLI, tests
and the notebook)."""

from dataclasses import dataclass

from outage.checker import Exploration, explore, replay
from outage.race.model import PHASES, WRITING, Params, State, enactor_name, endpoint_name, model

DEFAULT_MAX_STATES = 2_000_000


@dataclass(frozen=True)
class Check:
    """One exploration of one model instance, with its readable shortest trace."""

    params: Params
    exploration: Exploration
    max_states: int | None

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
            "symmetry": e.symmetry,
            "max_states": self.max_states,
            "params": {"enactors": p.enactors, "plans": p.plans, "endpoints": p.endpoints,
                       "keep": p.keep, "fixes": sorted(p.fixes), "lock": p.lock},
            "properties": [
                {"name": r.name, "kind": r.kind, "required": r.required, "verdict": r.verdict,
                 "trace_length": r.trace_length}
                for r in e.results
            ],
        }


def check(p: Params, *, max_states: int | None = DEFAULT_MAX_STATES,
          symmetry: bool = True) -> Check:
    """Explore the race model for ``p`` (see :func:`outage.checker.explore` for the cost)."""
    return Check(p, explore(model(p), max_states=max_states, symmetry=symmetry), max_states)


def readable_trace(p: Params, exploration: Exploration, trace) -> list[str]:
    m = model(p)
    states = replay(m, trace, exploration.initial[0])
    return [m.describe(s, a) for s, a in zip(states, trace)]


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
    stop = "" if e.complete else f" — stopped at the budget of {c.max_states:,} states"
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
