"""Backward reachability: which states can still reach a goal state.

Used to decide ``progress`` properties (CTL ``AG EF goal``) once the explorer has stored the
reachable graph in compressed-sparse-row form (successors of state ``i`` are
``succ[succ_start[i]:succ_start[i + 1]]``).
"""

from collections.abc import Sequence

import numpy as np


def can_reach_goal(n: int, succ_start: Sequence[int], succ: Sequence[int],
                   goal: Sequence[int]) -> np.ndarray:
    """Boolean array over the ``n`` states: True where some path leads to a goal state.

    Breadth-first search from the goal states along reversed edges, one vectorised frontier
    per level. Complexity: O(V + E) work (plus an O(E log E) sort to reverse the edges) and
    O(V + E) memory.
    """
    starts = np.frombuffer(succ_start, dtype=np.int64) if len(succ_start) else np.zeros(1, np.int64)
    dst = np.frombuffer(succ, dtype=np.int64) if len(succ) else np.zeros(0, np.int64)
    src = np.repeat(np.arange(n, dtype=np.int64), np.diff(starts))
    order = np.argsort(dst, kind="stable")
    rev_src = src[order]
    rev_start = np.searchsorted(dst[order], np.arange(n + 1, dtype=np.int64))
    reached = np.zeros(n, dtype=bool)
    frontier = np.unique(np.asarray(goal, dtype=np.int64))
    reached[frontier] = True
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
