"""The race's rules on arrays of states, for the checker's fast path.

:mod:`outage.race.model` is the model: readable rules on one readable ``State`` at a time. This
module restates the same rules on a whole frontier of states at once, as rows of a numpy array
(one column per field), so that :func:`outage.checker.explore` can expand tens of thousands of
states per numpy call instead of one per Python call. It decides nothing of its own: the tests
(``tests/race/test_vectorised.py``) check on up to 3,000 reachable states of each of many sizes, fixes and
readings that its successors, in the same order, are exactly those of ``model.actions`` and
``model.step``, that its symmetry equals ``model.representative``, and that its property
predicates answer as the model's do; and that the checker finds the same states, transitions,
verdicts and traces either way. Read the model, not this, to learn the race.

A row holds ``newest, deleted``, then per Enactor ``phase, plan, at, locked, token``, then per
endpoint ``active, live, holder, fence`` (the fields of ``State``, ``Enactor`` and
``Endpoint``, in their order). A state's key packs those fields into one 63-bit integer; when a
size's fields need more bits, :func:`rules` returns ``None`` and the checker takes its
one-state-at-a-time path.

Only the checker's command-line path imports this (it needs numpy); the page runs the model's
own rules.

The restatement is tied to the text of ``outage/race/model.py``: :func:`rules` returns ``None``
when that file's SHA-256 is not :data:`MODEL_SHA256`, and the checker then searches with the
model's readable rules, as edited. After changing the model, update this module until the tests
pass, then the digest (a test prints the new one). ``model._vectorised`` also returns ``None``
when a rule has been replaced at run time (``mock.patch``, an assignment).
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from outage.checker.spec import VectorRules
from outage.race.model import (
    ACTIVE_NEVER_DELETED,
    CLEANING,
    CLEANUP_GUARD,
    CONDITIONAL_WRITE,
    FENCING_TOKEN,
    IDLE,
    NO_REGRESSION,
    OWN,
    PROGRESS,
    RECORD_NEVER_EMPTY,
    REBUILD,
    WRITING,
    Enactor,
    Endpoint,
    Params,
    State,
)

# What a transition did (``moves``: actor * 8 + kind; the Planner is actor 0, Enactor i is 1 + i).
PUBLISH, TAKE, LOCK, WRITE_APPLIED, WRITE_STALE, WRITE_FENCED, CLEAN = range(7)
E_FIELDS, P_FIELDS = 5, 4  # columns per Enactor, per endpoint
PHASE, PLAN, AT, LOCKED, TOKEN = range(E_FIELDS)
ACTIVE, LIVE, HOLDER, FENCE = range(P_FIELDS)
DTYPE = np.int64  # keys, and what a transition did


def row_dtype(p: Params):
    """The narrowest integer type holding every field of a row (the deleted-plans mask is the
    widest): small rows keep the temporary arrays of a level small."""
    return np.int16 if p.plans < 15 else np.int32 if p.plans < 31 else np.int64


@dataclass(frozen=True)
class Layout:
    """Column positions and key bit widths for one ``Params``."""

    p: Params

    @property
    def n(self) -> int:
        return self.p.enactors

    @property
    def m(self) -> int:
        return self.p.endpoints

    def e(self, i: int, f: int) -> int:
        return 2 + E_FIELDS * i + f

    def ep(self, k: int, f: int) -> int:
        return 2 + E_FIELDS * self.n + P_FIELDS * k + f

    @property
    def columns(self) -> int:
        return 2 + E_FIELDS * self.n + P_FIELDS * self.m

    def widths(self) -> list[int]:
        """Bits of each column in the key (0: the column is always 0 for these params)."""
        p = self.p
        wp = p.plans.bit_length()
        wt = (p.enactors + p.endpoints).bit_length() if FENCING_TOKEN in p.fixes else 0
        wl = 1 if p.lock else 0
        wh = p.enactors.bit_length() if p.lock else 0
        return ([wp, p.plans + 1] + [2, wp, p.endpoints.bit_length(), wl, wt] * self.n
                + [wp, 1, wh, wt] * self.m)


# SHA-256 of outage/race/model.py, the text these rules restate.
MODEL_SHA256 = "f9dcc442fc065134c4627c578f81c992cb4b4a29f25b7bef856a1ab1c0eb321a"


@cache
def model_sha256() -> str:
    return hashlib.sha256((Path(__file__).parent / "model.py").read_bytes()).hexdigest()


def rules(p: Params) -> VectorRules | None:
    """The race's rules for ``p`` on arrays; ``None`` if a state's key would not fit 63 bits, or
    if ``model.py`` is not the text restated here (see the module's docstring)."""
    if model_sha256() != MODEL_SHA256:
        return None
    lay = Layout(p)
    widths = lay.widths()
    if sum(widths) > 63:
        return None
    n, m = lay.n, lay.m
    # Bit position of each column in a key. An Enactor's five columns are one block with its
    # first field (phase) highest, so that comparing blocks compares Enactors as tuples, and
    # symmetry can sort the blocks as integers.
    shift_list, offset = [], 0
    for c, w in enumerate(widths[:2]):
        shift_list.append(offset)
        offset += w
    block_width = sum(widths[2:2 + E_FIELDS])
    block_offsets = []
    for i in range(n):
        block_offsets.append(offset)
        inner = offset + block_width
        for f in range(E_FIELDS):
            inner -= widths[lay.e(i, f)]
            shift_list.append(inner)
        offset += block_width
    for w in widths[lay.ep(0, 0):]:
        shift_list.append(offset)
        offset += w
    shifts = np.array(shift_list, dtype=DTYPE)
    masks = np.array([(1 << w) - 1 for w in widths], dtype=DTYPE)
    e_cols = np.array([[lay.e(i, f) for f in range(E_FIELDS)] for i in range(n)])
    active_cols = [lay.ep(k, ACTIVE) for k in range(m)]
    live_cols = [lay.ep(k, LIVE) for k in range(m)]
    holder_cols = [lay.ep(k, HOLDER) for k in range(m)]
    fence_cols = [lay.ep(k, FENCE) for k in range(m)]
    token_cols = [lay.e(i, TOKEN) for i in range(n)]
    cw, ft, guard = (f in p.fixes for f in (CONDITIONAL_WRITE, FENCING_TOKEN, CLEANUP_GUARD))
    rebuild, own = p.write_deleted == REBUILD, p.check_against == OWN
    # Sorting Enactors as tuples = sorting one integer per Enactor with a field per digit.
    radix = max(p.plans, p.endpoints, n + m + 2, 3) + 1

    dt = row_dtype(p)

    def rows_of(states) -> np.ndarray:
        out = np.zeros((len(states), lay.columns), dtype=dt)
        for r, s in enumerate(states):
            out[r, 0], out[r, 1] = s.newest, s.deleted
            for i, e in enumerate(s.enactors):
                out[r, lay.e(i, 0):lay.e(i, 0) + E_FIELDS] = e
            for k, ep in enumerate(s.endpoints):
                out[r, lay.ep(k, 0):lay.ep(k, 0) + P_FIELDS] = (ep.active, int(ep.live), ep.holder,
                                                                 ep.fence)
        return out

    def state_of(row) -> State:
        row = [int(v) for v in row]
        return State(row[0],
                     tuple(Enactor(*row[lay.e(i, 0):lay.e(i, 0) + E_FIELDS]) for i in range(n)),
                     tuple(Endpoint(row[c], bool(row[c + 1]), row[c + 2], row[c + 3])
                           for c in (lay.ep(k, 0) for k in range(m))),
                     row[1])

    def key(rows: np.ndarray) -> np.ndarray:
        out = np.zeros(len(rows), dtype=DTYPE)
        for c, (shift, w) in enumerate(zip(shifts, widths)):
            if w:
                out |= rows[:, c].astype(DTYPE) << shift
        return out

    other_cols = [c for c in range(lay.columns) if not 2 <= c < lay.ep(0, 0)]
    inner_shifts = shifts[lay.e(0, 0):lay.e(0, 0) + E_FIELDS] - block_offsets[0] if n else None

    def canonical_key(rows: np.ndarray) -> np.ndarray:
        """``key(canonical(rows))``; without the lock, computed on the keys' Enactor blocks."""
        if p.lock:
            return key(canonical(rows))
        out = np.zeros(len(rows), dtype=DTYPE)
        for c in other_cols:
            if widths[c]:
                out |= rows[:, c].astype(DTYPE) << shifts[c]
        blocks = np.zeros((len(rows), n), dtype=DTYPE)
        for f in range(E_FIELDS):
            if widths[lay.e(0, f)]:
                blocks |= rows[:, e_cols[:, f]].astype(DTYPE) << inner_shifts[f]
        blocks.sort(axis=1)
        for i in range(n):
            out |= blocks[:, i] << block_offsets[i]
        return out

    def key_of_state(s: State, symmetry: bool) -> int:
        """``canonical_key`` (or ``key``) of one readable state, in plain Python: a trace is
        rebuilt one state at a time, where numpy's per-call cost would dominate."""
        if symmetry and p.lock:
            return int(canonical_key(rows_of([s]))[0])
        out = s.newest << int(shifts[0]) | s.deleted << int(shifts[1])
        for k, ep in enumerate(s.endpoints):
            for f, value in enumerate((ep.active, int(ep.live), ep.holder, ep.fence)):
                out |= value << int(shifts[lay.ep(k, f)])
        blocks = [sum(value << int(inner_shifts[f]) for f, value in enumerate(e))
                  for e in s.enactors]
        if symmetry:
            blocks.sort()
        for offset, block in zip(block_offsets, blocks):
            out |= block << offset
        return out

    def rows_of_keys(keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=DTYPE)
        return ((keys[:, None] >> shifts[None, :]) & masks[None, :]).astype(dt)

    def canonical(rows: np.ndarray) -> np.ndarray:
        """``representative`` on every row: Enactors sorted as tuples, lock holders renamed."""
        if n == 1:
            return rows
        blocks = rows[:, e_cols]  # (rows, n, 5)
        code = np.zeros(blocks.shape[:2], dtype=DTYPE)
        for f in range(E_FIELDS):
            code = code * radix + blocks[:, :, f]
        order = np.argsort(code, axis=1, kind="stable")
        out = rows.copy()
        out[:, e_cols] = np.take_along_axis(blocks, order[:, :, None], axis=1)
        if p.lock:
            new_id = np.argsort(order, axis=1)  # old Enactor id -> its place after sorting
            holders = rows[:, holder_cols]
            renamed = np.take_along_axis(new_id, np.maximum(holders - 1, 0), axis=1) + 1
            out[:, holder_cols] = np.where(holders > 0, renamed, 0)
        return out

    def renumber_tokens(rows: np.ndarray) -> None:
        """``_renumber_tokens`` on every row, in place: tokens in use renamed 1, 2, 3, ... in
        order."""
        cols = token_cols + fence_cols
        values = rows[:, cols]
        ordered = np.sort(values, axis=1)
        first = (ordered != 0) & np.concatenate(
            [np.ones((len(rows), 1), dtype=bool), ordered[:, 1:] != ordered[:, :-1]], axis=1)
        # rank of v = how many distinct non-zero tokens are <= v (0 stays 0).
        rank = ((ordered[:, None, :] <= values[:, :, None]) & first[:, None, :]).sum(axis=2)
        rows[:, cols] = rank

    phase_cols = [lay.e(i, PHASE) for i in range(n)]
    plan_cols = [lay.e(i, PLAN) for i in range(n)]
    at_cols = [lay.e(i, AT) for i in range(n)]
    locked_cols = [lay.e(i, LOCKED) for i in range(n)]
    first_endpoint = lay.ep(0, 0)
    token_and_fence_cols = token_cols + fence_cols
    live_cols_row = np.array(live_cols)[None, :]

    def expand(rows: np.ndarray):
        """Every successor of every row, parents in order and, per parent, in the order of
        ``model.actions`` (the Planner first, then the Enactors by id): ``(parent, children,
        moves)``. Every Enactor of every row is decided at once; ``np.nonzero`` lists the
        enabled (row, Enactor) pairs row by row, Enactors in order."""
        count = len(rows)
        newest = rows[:, 0]
        actives = rows[:, active_cols]
        phases, plans, ats = rows[:, phase_cols], rows[:, plan_cols], rows[:, at_cols]
        ep_active = np.take_along_axis(actives, ats, axis=1)  # each Enactor's endpoint `at`
        ep_live = np.take_along_axis(rows[:, live_cols], ats, axis=1)
        reference = plans if own else actives[:, :1]

        kind = np.full((count, n), -1, dtype=np.int8)  # each Enactor's action, -1: none
        kind[phases == CLEANING] = CLEAN
        kind[(phases == IDLE) & (newest[:, None] > reference)] = TAKE
        writes = phases == WRITING
        if p.lock:
            locked = rows[:, locked_cols]
            ep_holder = np.take_along_axis(rows[:, holder_cols], ats, axis=1)
            kind[writes & (locked == 0) & (ep_holder == 0)] = LOCK
            writes &= locked == 1
        stale = writes & (ep_active > plans) if cw else np.zeros_like(writes)
        if ft:
            tokens = rows[:, token_cols]
            ep_fence = np.take_along_axis(rows[:, fence_cols], ats, axis=1)
            fenced = writes & ~stale & (ep_fence > tokens)
        else:
            fenced = np.zeros_like(writes)
        kind[writes & ~stale & ~fenced & (ep_live == 1)] = WRITE_APPLIED
        kind[stale] = WRITE_STALE
        kind[fenced] = WRITE_FENCED

        r, i = np.nonzero(kind >= 0)
        k = kind[r, i]
        child = rows[r]
        rr = np.arange(len(r))
        ec = 2 + E_FIELDS * i  # the column of each acting Enactor's phase
        plan, at = plans[r, i], ats[r, i]
        token = tokens[r, i] if ft else np.zeros_like(plan)
        col_at = first_endpoint + P_FIELDS * at

        t = k == TAKE  # writing its new plan, from the first endpoint
        rt, et = rr[t], ec[t]
        child[rt, et + PHASE] = WRITING
        child[rt, et + PLAN] = child[rt, 0]
        child[rt, et + AT] = 0
        child[rt, et + LOCKED] = 0
        child[rt, et + TOKEN] = 1 + child[rt][:, token_and_fence_cols].max(axis=1) if ft else 0

        if p.lock:
            lk = k == LOCK
            child[rr[lk], ec[lk] + LOCKED] = 1
            child[rr[lk], col_at[lk] + HOLDER] = i[lk] + 1

        a = k == WRITE_APPLIED  # the endpoint takes the plan; stale and fenced leave it
        ra, ca = rr[a], col_at[a]
        child[ra, ca + ACTIVE] = plan[a]
        child[ra, ca + LIVE] = 1 if rebuild else 1 - ((child[ra, 1] >> plan[a]) & 1)
        child[ra, ca + FENCE] = token[a]
        w = (k == WRITE_APPLIED) | (k == WRITE_STALE) | (k == WRITE_FENCED)
        rw, ew = rr[w], ec[w]
        child[rw, col_at[w] + HOLDER] = 0
        nxt = at[w] + 1
        done = nxt >= m
        child[rw, ew + PHASE] = np.where(done, CLEANING, WRITING)
        child[rw, ew + AT] = np.where(done, 0, nxt)
        child[rw, ew + LOCKED] = 0
        child[rw, ew + TOKEN] = np.where(done, 0, token[w])

        c = k == CLEAN
        rc, ecc = rr[c], ec[c]
        doomed = np.left_shift(1, np.maximum(plan[c] - p.keep, 0)) - 1
        acts = child[rc][:, active_cols]
        if guard:
            doomed &= ~np.bitwise_or.reduce(np.left_shift(1, acts), axis=1)
        hit = ((doomed[:, None] >> acts) & 1) == 1
        child[rc[:, None], live_cols_row] = np.where(hit, 0, child[rc][:, live_cols])
        child[rc, ecc + PHASE] = IDLE
        child[rc, ecc + AT] = 0
        child[rc, ecc + LOCKED] = 0
        child[rc, ecc + TOKEN] = 0
        child[rc, 1] |= doomed.astype(dt)
        if ft:
            renumber_tokens(child)

        published = np.flatnonzero(newest < p.plans)
        publish = rows[published]
        publish[:, 0] += 1
        parent = np.concatenate([published, r])
        # A stable sort by parent keeps the Planner (listed first) before the Enactors.
        order = np.argsort(parent, kind="stable")
        children = np.concatenate([publish, child])[order]
        moves = np.concatenate([np.full(len(published), PUBLISH, dtype=DTYPE),
                                k.astype(DTYPE) + 8 * (1 + i)])[order]
        return parent[order], children, moves

    # --- predicates, one per property of ``model.properties`` ------------------------------
    def record_never_empty(rows):
        return (rows[:, live_cols] == 1).all(axis=1)

    def active_never_deleted(rows):
        return ~(((rows[:, [1]] >> rows[:, active_cols]) & 1) == 1).any(axis=1)

    def no_regression(parents, moves, children):
        return (children[:, active_cols] >= parents[:, active_cols]).all(axis=1)

    def goal(rows):
        return ((rows[:, active_cols] == rows[:, [0]]).all(axis=1)
                & (rows[:, live_cols] == 1).all(axis=1))

    def last_plan_everywhere(rows):
        return (rows[:, active_cols] == p.plans).all(axis=1) & (rows[:, live_cols] == 1).all(axis=1)

    def deleted_some(rows):
        return rows[:, 1] != 0

    def two_write(rows):
        return (rows[:, phase_cols] == WRITING).sum(axis=1) >= 2

    def stale_write(parents, moves, children):
        return moves % 8 == WRITE_STALE

    def fenced_write(parents, moves, children):
        return moves % 8 == WRITE_FENCED

    def spares(parents, moves, children):
        cleaning = moves % 8 == CLEAN
        actor = np.maximum(moves // 8 - 1, 0)
        plan = parents[np.arange(len(parents)), 2 + E_FIELDS * actor + PLAN]
        below = parents[:, active_cols] < np.maximum(plan - p.keep, 0)[:, None]
        return cleaning & below.any(axis=1)

    def waits_for_lock(rows):
        out = np.zeros(len(rows), dtype=bool)
        for i in range(n):
            col_at = 2 + E_FIELDS * n + P_FIELDS * rows[:, lay.e(i, AT)] + HOLDER
            out |= ((rows[:, lay.e(i, PHASE)] == WRITING) & (rows[:, lay.e(i, LOCKED)] == 0)
                    & (rows[np.arange(len(rows)), col_at] != 0))
        return out

    predicates = {
        RECORD_NEVER_EMPTY: record_never_empty,
        ACTIVE_NEVER_DELETED: active_never_deleted,
        NO_REGRESSION: no_regression,
        PROGRESS: goal,
        "the last plan reaches every endpoint": last_plan_everywhere,
        "clean-up deletes a plan": deleted_some,
        "two Enactors write at once": two_write,
        "a conditional write rejects a stale plan": stale_write,
        "the fence rejects a write": fenced_write,
        "clean-up spares an active plan": spares,
        "an Enactor waits for a lock": waits_for_lock,
    }
    return VectorRules(rows_of=rows_of, state_of=state_of, key=key, rows_of_keys=rows_of_keys,
                       canonical=canonical, canonical_key=canonical_key,
                       key_of_state=key_of_state, expand=expand,
                       predicates=predicates)
