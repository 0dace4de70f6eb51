"""Breadth-first explicit-state exploration with shortest counterexamples.

The explorer visits every state reachable from the initial states, once per symmetry class
when the model supplies a ``representative``. Breadth-first order gives, for free, the
shortest trace (in model actions) to the first state or transition that violates or
witnesses each property. ``progress`` properties are decided afterwards on the stored graph
by reverse reachability from the goal states.

A state budget or a time budget stops the search early. A stopped search can still prove a
violation (the trace it found is real, and still the shortest, because every shallower state
was expanded first), but it never answers "holds": what it did not visit could break the
property. ``stop_at_first`` stops on purpose at the first violated required safety property
(``always`` or ``always-step``); the properties it has not decided by then are "undecided".
"""

import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from outage.checker.progress import can_reach_goal
from outage.checker.spec import Action, Model, Property, State

HOLDS, VIOLATED, INCOMPLETE, UNDECIDED = "holds", "violated", "incomplete", "undecided"

# Why a search ended (``Exploration.stopped``): it did not, or which limit ended it.
COMPLETE, MAX_STATES, MAX_SECONDS = None, "max-states", "max-seconds"
FIRST_VIOLATION = "first-violation"


@dataclass(frozen=True)
class PropertyResult:
    """The verdict on one property.

    ``trace`` is the shortest counterexample for ``always``/``always-step``/``progress`` (for
    ``progress``: a path to a state from which the goal can no longer be reached), the
    shortest witness for ``sometimes``/``sometimes-step``, or ``None``. It is a tuple of
    actions that :func:`replay` turns back into states, starting from ``Exploration.initial``.
    """

    name: str
    kind: str
    verdict: str
    trace: tuple[Action, ...] | None
    required: bool = True

    @property
    def trace_length(self) -> int | None:
        return None if self.trace is None else len(self.trace)


@dataclass(frozen=True)
class Exploration:
    """Everything one search found. ``states`` counts distinct (canonical) states.

    ``stopped`` says why the search ended before visiting every reachable state: ``None``
    (it did not: ``complete``), ``"max-states"`` or ``"max-seconds"`` (a budget ran out:
    undecided properties are ``incomplete``), or ``"first-violation"`` (``stop_at_first``:
    undecided properties are ``undecided``).
    """

    model_name: str
    states: int
    transitions: int
    depth: int
    complete: bool
    symmetry: bool
    seconds: float
    initial: tuple[State, ...]
    results: tuple[PropertyResult, ...]
    stopped: str | None = None

    @property
    def verdict(self) -> str:
        """``violated`` if any required property is, else ``incomplete`` if any required one
        is not decided, else ``holds``."""
        verdicts = {r.verdict for r in self.results if r.required}
        if VIOLATED in verdicts:
            return VIOLATED
        return INCOMPLETE if verdicts & {INCOMPLETE, UNDECIDED} else HOLDS

    @property
    def violated(self) -> PropertyResult | None:
        """The first violated required property in the model's order, or ``None``."""
        return next((r for r in self.results if r.required and r.verdict == VIOLATED), None)

    def result(self, name: str) -> PropertyResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)


def explore(model: Model, *, max_states: int | None = None, symmetry: bool = True,
            on_progress: Callable[[int], None] | None = None,
            progress_every: int = 10_000, max_seconds: float | None = None,
            stop_at_first: bool = False) -> Exploration:
    """Explore every reachable state of ``model`` breadth-first and check all its properties.

    ``max_states`` caps the number of distinct states stored; reaching it makes the search
    incomplete (``None``: no cap). ``max_seconds`` caps the wall-clock time of the search
    (checked every 256 expanded states, or every chunk of up to 2,048 on the level-at-a-time
    path; the progress analysis after a complete search is not interrupted); running out makes
    it incomplete. ``stop_at_first`` ends the search at the
    first state or transition that violates a required ``always``/``always-step`` property:
    its trace is still the shortest (breadth-first order), and every property not decided by
    then, ``progress`` always among them, is ``undecided``, never ``holds``.
    ``symmetry=False`` ignores the model's ``representative``.
    When the model gives array rules (``Model.vectorised``) and numpy is importable, the search
    runs a level at a time on them (:mod:`outage.checker.levels`), except with
    ``stop_at_first``; the answers are the same.
    ``on_progress``, if given, is called with the number of distinct states found so far
    each time ``progress_every`` more states have been expanded (for a progress display; an
    exception it raises ends the search and propagates).

    Complexity: O(V + E) calls to ``actions``/``step``/``representative`` and O(P·(V + E))
    predicate calls, where V is the number of reachable (canonical) states, E the number of
    transitions and P the number of properties; memory O(V) for the state table, plus O(E)
    integers when the model has a ``progress`` property (the graph is kept for it).
    """
    if max_states is not None and max_states < 1:
        raise ValueError(f"max_states must be at least 1, got {max_states}")
    if progress_every < 1:
        raise ValueError(f"progress_every must be at least 1, got {progress_every}")
    if max_seconds is not None and not max_seconds > 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    started = time.perf_counter()
    if not stop_at_first and model.vectorised is not None and _has_numpy():
        # Importing it only here keeps it out of the page's checker, which has no numpy.
        from outage.checker.levels import explore_levels, usable_rules

        rules = usable_rules(model)
        if rules is not None:
            return explore_levels(model, rules, max_states=max_states, symmetry=symmetry,
                                  on_progress=on_progress, progress_every=progress_every,
                                  max_seconds=max_seconds, started=started)
    deadline = None if max_seconds is None else started + max_seconds
    canon = model.representative if symmetry and model.representative is not None else None
    key, unpack = _keys(model, canon)
    props = model.properties
    state_props = [(i, p) for i, p in enumerate(props) if p.kind in ("always", "sometimes")]
    step_props = [(i, p) for i, p in enumerate(props) if p.on_step]
    progress_props = [p for p in props if p.kind == "progress"]
    need_graph = bool(progress_props)

    # State table: id -> key (the packed canonical state, or the state itself), key -> id.
    index: dict = {}
    keys: list = []
    parent = array("i")  # -1 for an initial state
    # The action that first reached each state: needed for traces only without symmetry
    # (with it, traces are rebuilt from the states, see _concretize).
    via: list[Action | None] | None = [] if canon is None else None
    deepest = 0  # breadth-first: the last state stored is a deepest one
    # Per progress property, one byte per state: whether the state is a goal.
    goals = [bytearray() for _ in progress_props]
    roots: dict[int, State] = {}
    # Per property: the state id (state kinds) or (source id, action) (step kinds) found first.
    found: list[object] = [None] * len(props)
    # Properties not decided yet, with what their predicate must return to be a hit.
    pending_state = [(i, p.predicate, p.kind != "always") for i, p in state_props]
    pending_step = [(i, p.predicate, p.kind != "always-step") for i, p in step_props]
    succ_start = array("i")  # offsets into succ (4 bytes: see succ)
    succ = array("i")  # state ids: 4 bytes each (2**31 states would not fit in memory anyway)
    budget = max_states if max_states is not None else -1
    complete = True
    stopped = COMPLETE
    transitions = 0
    # Properties whose first hit ends a stop_at_first search: the required safety ones.
    stoppers = frozenset(i for i, p in enumerate(props)
                         if stop_at_first and p.required and p.kind in ("always", "always-step"))
    hit_stopper = False

    def admit(k, s: State, p_id: int, action: Action | None, d: int) -> int:
        """Store the state with key ``k``; ``s`` is a member of its class (properties give
        the same answer on every member)."""
        nonlocal pending_state, hit_stopper, deepest
        j = len(keys)
        index[k] = j
        keys.append(k)
        parent.append(p_id)
        if via is not None:
            via.append(action)
        deepest = d
        for bits, p in zip(goals, progress_props):
            bits.append(1 if p.predicate(s) else 0)
        if pending_state:
            hit = False
            for i, predicate, want in pending_state:
                if bool(predicate(s)) is want:
                    found[i] = j
                    hit = True
                    hit_stopper = hit_stopper or i in stoppers
            if hit:
                pending_state = [t for t in pending_state if found[t[0]] is None]
        return j

    for s0 in model.init_states():
        k0 = key(s0) if key else s0
        if k0 not in index:
            if len(keys) == budget:
                complete, stopped = False, MAX_STATES
                break
            roots[admit(k0, k0 if unpack is None else s0, -1, None, 0)] = s0
    if hit_stopper:
        complete, stopped = False, FIRST_VIOLATION

    head = 0
    level_end, d = len(keys), 1  # ids below level_end are at depth d - 1
    actions, step = model.actions, model.step
    index_get = index.get
    next_report = progress_every if on_progress is not None else -1
    while complete and head < len(keys):
        if head == next_report:
            on_progress(len(keys))
            next_report += progress_every
        if deadline is not None and not head & 255 and time.perf_counter() > deadline:
            complete, stopped = False, MAX_SECONDS
            break
        s = keys[head] if unpack is None else unpack(keys[head])
        if head == level_end:
            level_end, d = len(keys), d + 1
        if need_graph:
            succ_start.append(len(succ))
        for a in actions(s):
            s2 = step(s, a)
            transitions += 1
            if pending_step:
                hit = False
                for i, predicate, want in pending_step:
                    if bool(predicate(s, a, s2)) is want:
                        found[i] = (head, a)
                        hit = True
                        hit_stopper = hit_stopper or i in stoppers
                if hit:
                    pending_step = [t for t in pending_step if found[t[0]] is None]
            c = key(s2) if key else s2
            j = index_get(c)
            if j is None:
                if len(keys) == budget:
                    complete, stopped = False, MAX_STATES
                    break
                j = admit(c, c if unpack is None else s2, head, a, d)
            if need_graph:
                succ.append(j)
            if hit_stopper:
                complete, stopped = False, FIRST_VIOLATION
                break
        else:
            head += 1
    if need_graph:
        succ_start.append(len(succ))

    trace_to = tracer(model, key if canon else None, unpack, roots, parent, keys, via)
    goal_ids = [[k for k, b in enumerate(bits) if b] for bits in goals] if complete else []
    return finish(model, found, goal_ids, len(keys), succ_start, succ, trace_to,
                  transitions=transitions, depth=deepest, complete=complete, stopped=stopped,
                  symmetry=canon is not None, started=started,
                  initial=tuple(roots[k] for k in sorted(roots)))


def finish(model: Model, found: list, goal_ids: list, n: int, succ_start, succ,
           trace_to: Callable, *, transitions: int, depth: int, complete: bool,
           stopped: str | None, symmetry: bool, started: float,
           initial: tuple[State, ...]) -> Exploration:
    """The verdicts of a finished search: ``found[i]`` is the first hit of property ``i`` (a
    state id, or ``(source id, action)`` for step kinds, or ``None``), ``goal_ids`` the goal
    states of each progress property (when complete), ``succ_start``/``succ`` the graph and
    ``trace_to(j, last)`` the trace to state ``j``."""
    open_verdict = UNDECIDED if stopped == FIRST_VIOLATION else INCOMPLETE
    results = []
    progress_goals = iter(goal_ids)
    for i, p in enumerate(model.properties):
        hit = found[i]
        if p.kind == "progress":
            if not complete:
                results.append(PropertyResult(p.name, p.kind, open_verdict, None, p.required))
                continue
            reach = can_reach_goal(n, succ_start, succ, next(progress_goals))
            stuck = _first_false(reach)
            if stuck is None:
                results.append(PropertyResult(p.name, p.kind, HOLDS, None, p.required))
            else:
                results.append(PropertyResult(p.name, p.kind, VIOLATED, trace_to(stuck), p.required))
            continue
        is_always = p.kind in ("always", "always-step")
        if hit is None:
            verdict = (HOLDS if is_always else VIOLATED) if complete else open_verdict
            results.append(PropertyResult(p.name, p.kind, verdict, None, p.required))
            continue
        if p.on_step:
            src, action = hit
            trace = trace_to(src, (action, p))
        else:
            trace = trace_to(hit)
        results.append(PropertyResult(p.name, p.kind, VIOLATED if is_always else HOLDS, trace,
                                      p.required))

    return Exploration(
        model_name=model.name,
        states=n,
        transitions=transitions,
        depth=depth,
        complete=complete,
        symmetry=symmetry,
        seconds=time.perf_counter() - started,
        initial=initial,
        results=tuple(results),
        stopped=stopped,
    )


def tracer(model: Model, key, unpack, roots: dict, parent, keys, via) -> Callable:
    """``trace_to(j, last=None)``: the shortest trace to state ``j``, following ``parent`` ids
    back to a root and replaying the path (see :func:`_concretize`)."""

    def trace_to(j: int, last: tuple[Action, Property] | None = None) -> tuple[Action, ...]:
        path = []
        k = j
        while parent[k] >= 0:
            path.append(k)
            k = parent[k]
        path.reverse()
        return _concretize(model, key, unpack, roots[k], path, keys, via, last)

    return trace_to


def _has_numpy() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def _first_false(reach: Sequence[bool]) -> int | None:
    if hasattr(reach, "argmin"):  # a numpy array
        return None if reach.all() else int(reach.argmin())
    return next((k for k, ok in enumerate(reach) if not ok), None)


def _keys(model: Model, canon: Callable[[State], State] | None):
    """``(key, unpack)``: the function from a state to what the explorer stores for it (its
    packed canonical form), and back to a state; ``None`` stands for "the state itself"."""
    pack = model.pack
    if pack is None:
        return canon, None
    if canon is None:
        return pack, model.unpack
    if model.pack_representative is not None:
        return model.pack_representative, model.unpack
    return (lambda s: pack(canon(s))), model.unpack


def _concretize(model: Model, key: Callable[[State], object] | None,
                unpack: Callable[[object], State] | None, s0: State, path: list[int],
                keys: list, via: list | None,
                last: tuple[Action, Property] | None) -> tuple[Action, ...]:
    """Turn a path of state ids back into actions replayable from the concrete ``s0``.

    Without symmetry (``key`` is ``None``) the stored actions already are the trace. With
    it, each stored action was applied to a canonical representative, so in the concrete run
    we pick, at each step, the first enabled action whose successor is equivalent to (has the
    same key as) the next canonical state; for a step property the last action must also give
    the same verdict on the property. Cost O(L·B) for a trace of length L and branching
    factor B.
    """
    if key is None:
        trace = [via[k] for k in path]
        return tuple(trace + [last[0]] if last else trace)
    out = []
    s = s0
    for k in path:
        a = next(a for a in model.actions(s) if key(model.step(s, a)) == keys[k])
        out.append(a)
        s = model.step(s, a)
    if last is not None:
        action, prop = last
        source_key = keys[path[-1]] if path else key(s0)
        source = source_key if unpack is None else unpack(source_key)
        target = model.step(source, action)
        want_next, want = key(target), prop.predicate(source, action, target)
        out.append(next(
            a for a in model.actions(s)
            if key(s2 := model.step(s, a)) == want_next and prop.predicate(s, a, s2) == want
        ))
    return tuple(out)


def replay(model: Model, actions: Sequence[Action], initial: State | None = None) -> list[State]:
    """The states a trace passes through, starting with ``initial`` (default: the first
    initial state). Raises ``ValueError`` if an action is not enabled where it is applied.

    Complexity: O(L·B) for a trace of length L and branching factor B.
    """
    s = initial if initial is not None else next(iter(model.init_states()))
    out = [s]
    for n, a in enumerate(actions, 1):
        if a not in set(model.actions(s)):
            raise ValueError(f"step {n}: action {a!r} is not enabled")
        s = model.step(s, a)
        out.append(s)
    return out
