"""Backward reachability: which states can still reach a goal state.

Used to decide ``progress`` properties (CTL ``AG EF goal``) once the explorer has stored the
reachable graph in compressed-sparse-row form (successors of state ``i`` are
``succ[succ_start[i]:succ_start[i + 1]]``).

Two implementations give the same answer: a vectorised one with numpy, and a pure-Python one
used where numpy cannot be imported (in the reader's browser, under Pyodide, the site ships no
numpy). :func:`can_reach_goal` picks numpy when it is there. numpy is imported on the first
call, not with this module: a command that never decides a progress property (``race check
--stop-at-first``) then starts without it.
"""

from array import array
from collections.abc import Sequence


def _numpy():
    """The numpy module, or None where it cannot be imported (e.g. Pyodide without numpy)."""
    try:
        import numpy
    except ImportError:  # pure Python: same answers, slower
        return None
    return numpy


def can_reach_goal(n: int, succ_start: Sequence[int], succ: Sequence[int],
                   goal: Sequence[int]) -> Sequence[bool]:
    """Booleans over the ``n`` states: True where some path leads to a goal state.

    A numpy bool array when numpy is importable, else a list of bools with the same values
    (:func:`can_reach_goal_python`). Complexity: O(V + E) work (the numpy path adds an
    O(E log E) sort to reverse the edges) and O(V + E) memory.
    """
    if _numpy() is None:
        return can_reach_goal_python(n, succ_start, succ, goal)
    return can_reach_goal_numpy(n, succ_start, succ, goal)


def can_reach_goal_numpy(n: int, succ_start: Sequence[int], succ: Sequence[int],
                         goal: Sequence[int], max_rounds: int = 64):
    """The states from which a goal can be reached, vectorised with numpy. ``succ_start``
    and ``succ`` are ``array`` buffers of 4- or 8-byte integers.

    First a fixed point that needs only a byte per edge of extra memory: a state can reach
    a goal if one of its successors can; each round spreads that one step backwards. It
    settles after as many rounds as the longest shortest distance to a goal. If that takes
    more than ``max_rounds`` rounds, a breadth-first search from the goals along reversed
    edges (built with a sort: 16 bytes of memory per edge) finishes the work, so the cost
    stays O(max_rounds·E + E log E).
    """
    np = _numpy()
    reached = np.zeros(n, dtype=bool)
    reached[np.asarray(goal, dtype=np.int64)] = True
    if not len(succ):
        return reached
    starts = _as_numpy(np, succ_start)
    dst = _as_numpy(np, succ)
    lo = starts[:-1]
    has_succ = starts[1:] > lo
    # Segment k of reduceat runs from the k-th non-empty start to the next one: exactly the
    # successors of that state, since empty states start where the next one starts.
    seg = lo[has_succ]
    for _ in range(max_rounds):
        better = np.zeros(n, dtype=bool)
        better[has_succ] = np.logical_or.reduceat(reached[dst], seg)
        better &= ~reached
        if not better.any():
            return reached
        reached |= better
    return _reverse_search(np, n, starts, dst, reached)


def _as_numpy(np, buffer):
    return np.frombuffer(buffer, dtype=np.int32 if buffer.itemsize == 4 else np.int64)


def _reverse_search(np, n, starts, dst, reached):
    """Breadth-first search backwards from the ``reached`` states, one vectorised frontier
    per level."""
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(starts))
    order = np.argsort(dst, kind="stable")
    rev_src = src[order]
    del src
    rev_start = np.searchsorted(dst[order], np.arange(n + 1, dtype=np.int64))
    del order
    frontier = np.flatnonzero(reached)
    while frontier.size:
        lo, hi = rev_start[frontier], rev_start[frontier + 1]
        counts = hi - lo
        if not counts.sum():
            break
        # Gather every predecessor of the frontier at once.
        offsets = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        preds = np.unique(rev_src[offsets])
        frontier = preds[~reached[preds]]
        reached[frontier] = True
    return reached


def can_reach_goal_python(n: int, succ_start: Sequence[int], succ: Sequence[int],
                          goal: Sequence[int]) -> list[bool]:
    """The same search in pure Python: reverse the edges by counting sort (O(V + E), no
    sort), then a breadth-first search from the goal states. ``succ_start`` may be empty
    when ``n`` is 0."""
    # Predecessor lists in compressed-sparse-row form: count, prefix sums, fill.
    rev_start = array("q", bytes(8 * (n + 1)))
    for j in succ:
        rev_start[j + 1] += 1
    for k in range(n):
        rev_start[k + 1] += rev_start[k]
    fill = array("q", rev_start)
    rev_src = array("q", bytes(8 * len(succ)))
    for i in range(n):
        for e in range(succ_start[i], succ_start[i + 1]):
            j = succ[e]
            rev_src[fill[j]] = i
            fill[j] += 1
    reached = [False] * n
    frontier = []
    for g in goal:
        if not reached[g]:
            reached[g] = True
            frontier.append(g)
    while frontier:
        following = []
        for j in frontier:
            for e in range(rev_start[j], rev_start[j + 1]):
                i = rev_src[e]
                if not reached[i]:
                    reached[i] = True
                    following.append(i)
        frontier = following
    return reached
