"""Breadth-first exploration a level at a time, on a model's rules restated for arrays.

Same search as :func:`outage.checker.explore` one state at a time, with the same answers: the
same state ids in the same order, transitions, depth, verdicts and shortest traces, and the
same budgets (``max_states`` stops at the same state, ``on_progress`` is called with the same
counts). What changes is the unit of work: up to :data:`CHUNK` states of a level are expanded
by one call of the model's ``VectorRules.expand``, their successors made canonical, packed
into one integer each, and looked up in the table of states seen, all with numpy.

Within a chunk, successors come parent by parent and, per parent, in the order of the model's
actions; a successor's state is new if its key was not seen before the chunk and this is the
key's first occurrence in the chunk. New states get ids in that order, which is the order in
which the one-state-at-a-time search admits them.

Not used for ``stop_at_first`` (the one-state path stops within a handful of states and needs
no numpy), nor where numpy cannot be imported (the reader's browser).
"""

import time
from array import array

from outage.checker.explore import (
    COMPLETE,
    MAX_SECONDS,
    MAX_STATES,
    Exploration,
    finish,
    tracer,
)
from outage.checker.spec import Model, VectorRules

CHUNK = 2_048  # states expanded per call of the rules (bounds the temporary arrays)


def usable_rules(model: Model) -> VectorRules | None:
    """The model's array rules, if the model gives rules for its size and they have a
    predicate for every property; else ``None``. (:func:`explore` comes here only where numpy
    is importable.)"""
    rules = model.vectorised(model)
    if rules is None or any(p.name not in rules.predicates for p in model.properties):
        return None
    return rules


class _Seen:
    """Keys of the states seen so far -> their ids, as sorted runs merged like a binary
    counter: O(log V) runs, each looked up with a binary search; O(V log V) work overall."""

    def __init__(self, np):
        self.np = np
        self.runs: list = []

    def lookup(self, keys):
        np = self.np
        out = np.full(len(keys), -1, dtype=np.int64)
        for run_keys, run_ids in self.runs:
            pos = np.searchsorted(run_keys, keys)
            pos[pos == len(run_keys)] = 0
            hit = run_keys[pos] == keys
            out[hit] = run_ids[pos[hit]]
        return out

    def add(self, keys, ids) -> None:
        np = self.np
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], ids[order]))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k2, i2), (k1, i1) = self.runs.pop(), self.runs.pop()
            k, i = np.concatenate([k1, k2]), np.concatenate([i1, i2])
            order = np.argsort(k, kind="stable")
            self.runs.append((k[order], i[order]))


def explore_levels(model: Model, rules: VectorRules, *, max_states: int | None, symmetry: bool,
                   on_progress, progress_every: int, max_seconds: float | None,
                   started: float) -> Exploration:
    """:func:`outage.checker.explore` (without ``stop_at_first``) on ``rules``; see there."""
    import numpy as np

    deadline = None if max_seconds is None else started + max_seconds
    symmetry = symmetry and model.representative is not None  # None: the model has none
    key = rules.canonical_key if symmetry else rules.key
    props = model.properties
    predicates = [rules.predicates[p.name] for p in props]
    want = [p.kind not in ("always", "always-step") for p in props]  # a hit is this answer
    pending_state = [i for i, p in enumerate(props) if p.kind in ("always", "sometimes")]
    pending_step = [i for i, p in enumerate(props) if p.on_step]
    progress = [i for i, p in enumerate(props) if p.kind == "progress"]
    need_graph = bool(progress)
    found: list = [None] * len(props)
    budget = max_states if max_states is not None else -1
    complete, stopped = True, COMPLETE

    seen = _Seen(np)
    # Per state, in id order: its key (the level being expanded is read back from here) and its
    # parent's id; per progress property, whether it is a goal. The graph for progress in
    # compressed-sparse-row form. array buffers grow in place, without copies at the end.
    keys_buf, parents_buf = array("q"), array("i")
    goal_bufs = [bytearray() for _ in progress]
    succ_start, succ = array("i"), array("i")
    n = 0  # states stored
    deepest = 0

    def admit(rows, keys, parents, depth: int) -> None:
        """Store new states (rows of any member of each class, their keys and their parents' ids)
        in id order."""
        nonlocal n, pending_state, deepest
        if not len(keys):
            return
        ids = np.arange(n, n + len(keys), dtype=np.int32)
        for i in pending_state:
            hits = np.asarray(predicates[i](rows), dtype=bool) == want[i]
            if hits.any():
                found[i] = int(ids[hits.argmax()])
        pending_state = [i for i in pending_state if found[i] is None]
        for goals, i in zip(goal_bufs, progress):
            goals += np.asarray(predicates[i](rows), dtype=np.uint8).tobytes()
        keys_buf.frombytes(np.ascontiguousarray(keys, dtype=np.int64).tobytes())
        parents_buf.frombytes(np.asarray(parents, dtype=np.int32).tobytes())
        seen.add(keys, ids)
        n += len(keys)
        deepest = depth

    # Initial states: few, taken one at a time as the one-state search does.
    roots = {}
    for s0 in model.init_states():
        row = rules.rows_of([s0])
        k = key(row)
        if seen.lookup(k)[0] >= 0:
            continue
        if n == budget:
            complete, stopped = False, MAX_STATES
            break
        roots[n] = s0
        admit(row, k, [-1], 0)

    head = 0  # id of the first state of the chunk being expanded
    depth = 0  # depth of the level being expanded
    transitions = 0
    next_report = progress_every if on_progress is not None else -1
    while complete and head < n:
        level_end = n
        for c0 in range(head, level_end, CHUNK):
            if deadline is not None and time.perf_counter() > deadline:
                complete, stopped = False, MAX_SECONDS
                break
            level_keys = np.frombuffer(keys_buf, dtype=np.int64)
            rows = rules.rows_of_keys(level_keys[c0:min(c0 + CHUNK, level_end)])
            del level_keys  # a view would pin keys_buf's buffer: it could not grow
            parent, children, moves = rules.expand(rows)
            ckeys = key(children)
            unique, first, inverse = np.unique(ckeys, return_index=True, return_inverse=True)
            inverse = inverse.reshape(-1)
            known = seen.lookup(unique)[inverse]  # sorted needles: a cache-friendly search
            fresh = np.zeros(len(ckeys), dtype=bool)
            fresh[first] = True
            fresh &= known < 0
            new = np.flatnonzero(fresh)  # positions of new states, in the order admitted
            end = len(ckeys)  # successors taken (transitions counted, steps checked)
            if budget >= 0 and n + len(new) > budget:
                end = int(new[budget - n]) + 1  # counted and checked, then the search stops
                new = new[:budget - n]
                complete, stopped = False, MAX_STATES
            n_before = n
            transitions += end
            if next_report >= 0:
                # The one-state search reports before expanding state next_report: the states
                # found by then are those found from the states before it.
                last = head + (int(parent[end - 1]) if end else -1)
                while next_report <= last or (complete and next_report < head + len(rows)):
                    found_before = np.searchsorted(parent[new], next_report - head)
                    on_progress(n_before + int(found_before))
                    next_report += progress_every
            for i in pending_step:
                hits = np.asarray(predicates[i](rows[parent[:end]], moves[:end], children[:end]),
                                  dtype=bool) == want[i]
                if hits.any():
                    j = int(hits.argmax())
                    source = rules.state_of(rows[parent[j]])
                    rank = j - int(np.searchsorted(parent, parent[j]))
                    found[i] = (head + int(parent[j]), list(model.actions(source))[rank])
            pending_step = [i for i in pending_step if found[i] is None]
            # Properties are the same on every member of a class: the concrete successor will do.
            admit(children[new], ckeys[new], head + parent[new], depth + 1)
            if not complete:
                break
            if need_graph:
                unique_ids = known[first]
                unique_ids[inverse[new]] = np.arange(n_before, n)
                counts = np.bincount(parent, minlength=len(rows))
                starts = np.cumsum(counts) - counts + len(succ)
                succ_start.frombytes(starts.astype(np.int32).tobytes())
                succ.frombytes(unique_ids[inverse].astype(np.int32).tobytes())
            head += len(rows)
        depth += 1

    del seen
    succ_start.append(len(succ))
    keys, parents = keys_buf, parents_buf
    goal_ids = ([np.flatnonzero(np.frombuffer(g, dtype=np.uint8)) for g in goal_bufs]
                if complete else [])

    def key_of(s):
        return rules.key_of_state(s, symmetry)

    def state_of_key(k):
        return rules.state_of(rules.rows_of_keys(np.array([k]))[0])

    trace_to = tracer(model, key_of, state_of_key, roots, parents, keys, None)
    return finish(model, found, goal_ids, n, succ_start, succ, trace_to,
                  transitions=transitions, depth=deepest, complete=complete, stopped=stopped,
                  symmetry=symmetry, started=started,
                  initial=tuple(roots[k] for k in sorted(roots)))
