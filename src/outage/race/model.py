"""DynamoDB's DNS Planner/Enactor race as a checkable model.

Claim: with the Enactor's one-time newer-than check made before its writes, a delayed
Enactor can write a stale plan after a faster Enactor applied a newer one; the faster
Enactor's clean-up then deletes the stale plan while it is active, the endpoint's record goes
empty, and no Enactor can write that endpoint again. Nothing below says "empty" or "stuck":
both follow from the rules.

    Planner --publishes 1, 2, 3, ...--> plan store
                                           |  each Enactor (A, B, C, one per AZ) loops:
                                           v
      take newest plan + check once  -->  write endpoint 1 --> ... --> write endpoint E --> clean up
      (newer than the plan I applied      (one Route 53 transaction each;      (delete every plan more
       last?)                              other steps interleave between)      than `keep` older)

Each endpoint (its own hosted zone) has a top alias pointing at the active plan's record
tree. Every transaction that moves the alias also points a rollback record at the tree it
replaces, in the same transaction (AWS re:Invent 2025 talk DAT453). In the talk, the
Enactor's code could not handle a rollback target that no longer existed; the model represents
that as a rejected write (Route 53 rejects an alias to a record that does not exist), so once
clean-up has deleted an endpoint's active tree, every later transaction on that endpoint is
rejected: the summary's "inconsistent state".

Sources: AWS summary, section DynamoDB (Planner, Enactors, one-time check, clean-up); talk
DAT453 (per-endpoint TXT-record lock, record trees, rollback record). Every other choice is an
assumption, marked ``Assumption:`` below and listed in ``data/assumptions/race.yaml``.
"""

from dataclasses import dataclass, field
from functools import cache, partial
from struct import Struct
from typing import NamedTuple

from outage.checker import Model, Property

CONDITIONAL_WRITE = "conditional-write"
CLEANUP_GUARD = "cleanup-guard"
FENCING_TOKEN = "fencing-token"
FIXES = (CONDITIONAL_WRITE, CLEANUP_GUARD, FENCING_TOKEN)

# Assumption: endpoints are written in this order, the regional one first (the summary names
# only the regional endpoint as emptied; the talk lists IPv4, dual-stack, FIPS, cell names).
ENDPOINT_NAMES = ("regional", "IPv6", "FIPS", "account-specific")


def endpoint_name(e: int) -> str:
    return f"{ENDPOINT_NAMES[e]} endpoint" if e < len(ENDPOINT_NAMES) else f"endpoint {e + 1}"


def enactor_name(i: int) -> str:
    return f"Enactor {chr(ord('A') + i)}" if i < 26 else f"Enactor {i + 1}"


def parse_fixes(text: str) -> frozenset[str]:
    """``"none"`` or fix names joined by commas, e.g. ``"conditional-write,cleanup-guard"``."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["none"]:
        return frozenset()
    if not names:
        raise ValueError("--fix is empty; use none or " + ", ".join(FIXES))
    if "none" in names:
        raise ValueError("none cannot be combined with other fixes")
    unknown = [n for n in names if n not in FIXES]
    if unknown:
        raise ValueError(f"unknown fix {unknown[0]!r}; choose none or any of {', '.join(FIXES)}")
    return frozenset(names)


def fixes_label(fixes: frozenset[str]) -> str:
    return ",".join(f for f in FIXES if f in fixes) or "none"


# Two readings of the sources the model has to choose between (switches of ``Params``).
# What a write of a plan that clean-up has already deleted does:
REBUILD = "rebuild"  # the transaction rebuilds the plan's tree from the Enactor's own copy
EMPTY = "empty"  # the alias points at a tree that no longer exists: the endpoint has no records
WRITE_DELETED = (REBUILD, EMPTY)
# What the one-time newer-than check compares the new plan with:
OWN = "own"  # the plan this Enactor applied last (its own memory)
APPLIED_IN_DNS = "applied"  # the plan active in DNS, on the first endpoint the run writes
CHECK_AGAINST = (OWN, APPLIED_IN_DNS)


# --- Params -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """Constants of one model instance.

    ``plans`` generations 1..plans are published after the bootstrap plan 0, which is active
    on every endpoint at the start. ``keep``: clean-up deletes every plan more than ``keep``
    generations older than the plan just applied (Assumption: the summary says only
    "significantly older"). ``lock``: the per-endpoint lock from talk DAT453.

    Two readings of the sources, each a switch (Assumption: the defaults are our reading):
    ``write_deleted`` is what a write of a plan that clean-up has already deleted does,
    ``"rebuild"`` (the transaction rebuilds the tree from the Enactor's own copy) or
    ``"empty"`` (the endpoint is left without records). ``check_against`` is what the
    one-time check compares the new plan with: ``"own"`` (the plan this Enactor applied last)
    or ``"applied"`` (the plan active in DNS on the first endpoint the run writes, the
    regional one).
    """

    enactors: int = 3
    plans: int = 5
    endpoints: int = 2  # Assumption: two endpoints (regional and IPv6) unless set
    keep: int = 1  # Assumption: generations kept behind the applied one
    fixes: frozenset[str] = field(default_factory=frozenset)
    lock: bool = False
    write_deleted: str = REBUILD  # Assumption: our reading; see the class docstring
    check_against: str = OWN  # Assumption: our reading; see the class docstring

    def __post_init__(self) -> None:
        for name in ("enactors", "plans", "endpoints"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.keep, int) or self.keep < 0:
            raise ValueError(f"keep must be a non-negative integer, got {self.keep!r}")
        if self.keep >= self.plans:
            raise ValueError(
                f"keep ({self.keep}) must be smaller than plans ({self.plans}): "
                "otherwise clean-up can never delete a plan")
        object.__setattr__(self, "fixes", frozenset(self.fixes))
        unknown = self.fixes - set(FIXES)
        if unknown:
            raise ValueError(f"unknown fix {sorted(unknown)[0]!r}; choose from {', '.join(FIXES)}")
        if self.write_deleted not in WRITE_DELETED:
            raise ValueError(f"write_deleted must be one of {', '.join(WRITE_DELETED)}, "
                             f"got {self.write_deleted!r}")
        if self.check_against not in CHECK_AGAINST:
            raise ValueError(f"check_against must be one of {', '.join(CHECK_AGAINST)}, "
                             f"got {self.check_against!r}")

    @property
    def readings_label(self) -> str:
        """Readings other than the defaults, e.g. ``"write deleted: empty"``; else ``""``."""
        parts = []
        if self.write_deleted != REBUILD:
            parts.append(f"write deleted: {self.write_deleted}")
        if self.check_against != OWN:
            parts.append(f"check against: {self.check_against}")
        return ", ".join(parts)

    @property
    def label(self) -> str:
        lock = ", lock" if self.lock else ""
        readings = f", {self.readings_label}" if self.readings_label else ""
        return (f"{self.enactors} Enactors × {self.plans} plans × {self.endpoints} endpoints, "
                f"keep {self.keep}, fix {fixes_label(self.fixes)}{lock}{readings}")


# --- State ------------------------------------------------------------------------------

IDLE, WRITING, CLEANING = 0, 1, 2
PHASES = ("idle", "writing", "cleaning up")


class Enactor(NamedTuple):
    phase: int  # IDLE, WRITING or CLEANING
    plan: int  # idle: the plan it applied last; otherwise the plan of its current run
    at: int  # writing: index of the endpoint it writes next
    locked: int  # writing with the lock option: 1 while it holds that endpoint's lock
    token: int  # fencing-token fix: the token of its current run, else 0


class Endpoint(NamedTuple):
    active: int  # generation the endpoint's top alias points at
    live: bool  # whether the active plan's record tree still exists
    holder: int  # lock option: 1 + id of the Enactor holding the lock, 0 when free
    fence: int  # fencing-token fix: highest token the endpoint has accepted


class State(NamedTuple):
    newest: int  # newest generation the Planner has published
    enactors: tuple[Enactor, ...]
    endpoints: tuple[Endpoint, ...]
    deleted: int  # bit g set: clean-up has deleted plan g (from the store and every zone)


def init_states(p: Params) -> list[State]:
    """Bootstrap: plan 0 applied everywhere, every Enactor idle having applied plan 0."""
    return [State(0, (Enactor(IDLE, 0, 0, 0, 0),) * p.enactors,
                  (Endpoint(0, True, 0, 0),) * p.endpoints, 0)]


# --- Actions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Publish:
    generation: int

    @property
    def actor(self) -> str:
        return "Planner"

    @property
    def label(self) -> str:
        return f"Planner publishes plan {self.generation}"


@dataclass(frozen=True, slots=True)
class EnactorAction:
    """An action of one Enactor; the subclasses add what it acts on."""

    enactor: int

    @property
    def actor(self) -> str:
        return enactor_name(self.enactor)


@dataclass(frozen=True, slots=True)
class Take(EnactorAction):
    """Take the newest plan and make the one newer-than check of the run."""

    plan: int

    @property
    def label(self) -> str:
        return f"{self.actor} takes plan {self.plan} and checks once that it is newer"


@dataclass(frozen=True, slots=True)
class Lock(EnactorAction):
    """Win the endpoint's TXT-record lock (lock option)."""

    endpoint: int

    @property
    def label(self) -> str:
        return f"{self.actor} wins the lock of the {endpoint_name(self.endpoint)}"


@dataclass(frozen=True, slots=True)
class Write(EnactorAction):
    """One Route 53 transaction: build the plan's tree, flip the alias, move the rollback."""

    endpoint: int
    plan: int

    @property
    def label(self) -> str:
        return f"{self.actor} writes plan {self.plan} to the {endpoint_name(self.endpoint)}"


@dataclass(frozen=True, slots=True)
class CleanUp(EnactorAction):
    """Delete every plan more than K generations older than the one just applied."""

    plan: int

    @property
    def label(self) -> str:
        return f"{self.actor} cleans up after plan {self.plan}"


Action = Publish | Take | Lock | Write | CleanUp

# Actions are immutable values; building each one once keeps exploration fast.
_publish, _take, _lock, _write, _cleanup = (cache(cls) for cls in (Publish, Take, Lock, Write, CleanUp))

APPLIED, STALE, FENCED, BLOCKED = "applied", "stale", "fenced", "blocked"


def write_outcome(p: Params, s: State, i: int) -> str:
    """What Route 53 does with Enactor ``i``'s transaction on its current endpoint.

    ``stale``/``fenced``: the conditional write or the fence rejects it and the Enactor moves
    on (the endpoint already has something newer). ``blocked``: the rollback record would
    have to point at the active tree, which clean-up deleted, so Route 53 rejects the whole
    batch; the Enactor retries for ever (retries change nothing, so they are not steps).
    """
    e = s.enactors[i]
    ep = s.endpoints[e.at]
    if CONDITIONAL_WRITE in p.fixes and ep.active > e.plan:
        return STALE
    if FENCING_TOKEN in p.fixes and ep.fence > e.token:
        return FENCED
    return APPLIED if ep.live else BLOCKED


def actions(p: Params, s: State) -> list[Action]:
    """Enabled actions, Planner first, then Enactors by id (a deterministic order)."""
    out: list[Action] = []
    if s.newest < p.plans:
        out.append(_publish(s.newest + 1))
    for i in range(len(s.enactors)):
        a = enactor_action(p, s, i)
        if a is not None:
            out.append(a)
    return out


def enactor_action(p: Params, s: State, i: int) -> Action | None:
    """The one action Enactor ``i`` can take in ``s``, or None (idle with nothing newer, or
    waiting for a lock or behind a blocked write)."""
    e = s.enactors[i]
    if e.phase == IDLE:
        # The one-time check: only a plan newer than the plan applied last.
        return _take(i, s.newest) if s.newest > check_reference(p, s, i) else None
    if e.phase == WRITING:
        if p.lock and not e.locked:
            return _lock(i, e.at) if s.endpoints[e.at].holder == 0 else None
        return _write(i, e.at, e.plan) if write_outcome(p, s, i) != BLOCKED else None
    return _cleanup(i, e.plan)


def check_reference(p: Params, s: State, i: int) -> int:
    """The plan idle Enactor ``i``'s one-time check compares a new plan with.

    Assumption (``check_against``): ``"own"``, the plan this Enactor applied last, from its own
    memory (the Enactors do not talk to each other, talk DAT453); ``"applied"``, the plan active
    in DNS on the first endpoint the run writes (the regional endpoint), as the summary's
    "newer than the previously applied plan" also reads.
    """
    if p.check_against == OWN:
        return s.enactors[i].plan
    return s.endpoints[0].active


def doomed_plans(p: Params, s: State, plan: int) -> int:
    """Bitmask of the plans a clean-up after ``plan`` deletes in state ``s``."""
    mask = (1 << max(plan - p.keep, 0)) - 1
    if CLEANUP_GUARD in p.fixes:
        for ep in s.endpoints:
            mask &= ~(1 << ep.active)
    return mask


def step(p: Params, s: State, a: Action) -> State:
    """The successor of ``s`` under the enabled action ``a``."""
    if isinstance(a, Publish):
        return State(a.generation, s.enactors, s.endpoints, s.deleted)
    i = a.enactor
    enactors = list(s.enactors)
    endpoints = s.endpoints
    deleted = s.deleted
    if isinstance(a, Take):
        token = 0
        if FENCING_TOKEN in p.fixes:
            # Assumption: the token is issued once per run, when the Enactor takes its plan;
            # a token issued per endpoint lock would order lock holders, not plans.
            token = 1 + max(max(e.token for e in s.enactors), max(ep.fence for ep in s.endpoints))
        enactors[i] = Enactor(WRITING, a.plan, 0, 0, token)
    elif isinstance(a, Lock):
        e = s.enactors[i]
        enactors[i] = Enactor(WRITING, e.plan, e.at, 1, e.token)
        ep = s.endpoints[a.endpoint]
        endpoints = _replace_at(endpoints, a.endpoint, Endpoint(ep.active, ep.live, i + 1, ep.fence))
    elif isinstance(a, Write):
        e = s.enactors[i]
        ep = s.endpoints[e.at]
        if write_outcome(p, s, i) == APPLIED:
            # Reading ``write_deleted``: "rebuild", the transaction rebuilds the plan's tree
            # from the Enactor's copy even if clean-up already deleted the plan; "empty", the
            # alias then points at a tree that is gone and the endpoint has no records.
            live = p.write_deleted == REBUILD or not deleted >> e.plan & 1
            ep = Endpoint(e.plan, live, 0, e.token)
        else:
            ep = Endpoint(ep.active, ep.live, 0, ep.fence)
        endpoints = _replace_at(endpoints, e.at, ep)
        nxt = e.at + 1
        enactors[i] = (Enactor(WRITING, e.plan, nxt, 0, e.token) if nxt < p.endpoints
                       else Enactor(CLEANING, e.plan, 0, 0, 0))
    else:
        doomed = doomed_plans(p, s, a.plan)
        endpoints = tuple(Endpoint(ep.active, False, ep.holder, ep.fence) if doomed >> ep.active & 1
                          else ep for ep in s.endpoints)
        enactors[i] = Enactor(IDLE, a.plan, 0, 0, 0)
        deleted |= doomed
    out = State(s.newest, tuple(enactors), endpoints, deleted)
    return _renumber_tokens(out) if FENCING_TOKEN in p.fixes else out


def _replace_at(items: tuple, k: int, value) -> tuple:
    return items[:k] + (value,) + items[k + 1:]


def _renumber_tokens(s: State) -> State:
    # Only the order of tokens matters (and new ones exceed all in use), so renaming them
    # 1, 2, 3, ... in order keeps every comparison and keeps the state space finite.
    used = sorted(({e.token for e in s.enactors} | {ep.fence for ep in s.endpoints}) - {0})
    rank = {t: k for k, t in enumerate(used, 1)}
    rank[0] = 0
    if all(rank[t] == t for t in used):
        return s
    return State(s.newest,
                 tuple(Enactor(e.phase, e.plan, e.at, e.locked, rank[e.token]) for e in s.enactors),
                 tuple(Endpoint(ep.active, ep.live, ep.holder, rank[ep.fence]) for ep in s.endpoints),
                 s.deleted)


def representative(p: Params, s: State) -> State:
    """Canonical member of ``s``'s class under permutations of the identical Enactors.

    Sorts the Enactors and rewrites every stored Enactor id (the lock holders) to match.
    """
    if not p.lock:
        return State(s.newest, tuple(sorted(s.enactors)), s.endpoints, s.deleted)
    order = sorted(range(p.enactors), key=s.enactors.__getitem__)
    new_id = {old: new for new, old in enumerate(order)}
    endpoints = tuple(Endpoint(ep.active, ep.live, new_id[ep.holder - 1] + 1, ep.fence) if ep.holder
                      else ep for ep in s.endpoints)
    return State(s.newest, tuple(s.enactors[i] for i in order), endpoints, s.deleted)


def describe(p: Params, s: State, a: Action) -> str:
    """A readable line for action ``a`` taken in state ``s``, saying what it did."""
    if isinstance(a, Take):
        last = check_reference(p, s, a.enactor)
        where = ("the last it applied" if p.check_against == OWN
                 else f"active on the {endpoint_name(0)}")
        return f"{a.actor} takes plan {a.plan} (newer than plan {last}, {where})"
    if isinstance(a, Write):
        ep = s.endpoints[a.endpoint]
        outcome = write_outcome(p, s, a.enactor)
        if outcome == STALE:
            return f"{a.label}: rejected, the endpoint already has plan {ep.active}"
        if outcome == FENCED:
            return f"{a.label}: rejected, its fencing token is older than the endpoint's"
        note = ""
        if s.deleted >> a.plan & 1:
            note = (" (a plan clean-up has already deleted)" if p.write_deleted == REBUILD
                    else " (a plan clean-up has already deleted: the endpoint is left without "
                         "records)")
        return f"{a.label}{note}, replacing plan {ep.active}"
    if isinstance(a, CleanUp):
        doomed = doomed_plans(p, s, a.plan)
        gone = [g for g in range(a.plan) if doomed >> g & 1]
        text = f"{a.label}: deletes " + (_plan_list(gone) if gone else "nothing")
        spared = [g for g in range(max(a.plan - p.keep, 0))
                  if not doomed >> g & 1 and any(ep.active == g for ep in s.endpoints)]
        if spared:
            text += f"; spares active {_plan_list(spared)}"
        return text
    return a.label


def _plan_list(gens: list[int]) -> str:
    if len(gens) == 1:
        return f"plan {gens[0]}"
    if gens == list(range(gens[0], gens[-1] + 1)):
        return f"plans {gens[0]}–{gens[-1]}"
    return "plans " + ", ".join(map(str, gens))


# --- Properties -------------------------------------------------------------------------

RECORD_NEVER_EMPTY = "record never empty"
ACTIVE_NEVER_DELETED = "active plan never deleted"
NO_REGRESSION = "no regression"
PROGRESS = "progress"
SAFETY = (RECORD_NEVER_EMPTY, ACTIVE_NEVER_DELETED, NO_REGRESSION, PROGRESS)


def record_never_empty(s: State) -> bool:
    return all(ep.live for ep in s.endpoints)


def active_never_deleted(s: State) -> bool:
    return not any(s.deleted >> ep.active & 1 for ep in s.endpoints)


def no_regression(s: State, a: Action, s2: State) -> bool:
    return all(b.active >= a_.active for a_, b in zip(s.endpoints, s2.endpoints))


def newest_applied_everywhere(s: State) -> bool:
    return all(ep.active == s.newest and ep.live for ep in s.endpoints)


def properties(p: Params) -> tuple[Property, ...]:
    """The four properties of the issue, then ``sometimes`` witnesses that the model actually
    does something, so that "holds" cannot come from a model in which nothing happens.

    Each enabled fix also gets a witness that it fires. Those are informative only (not part
    of the verdict): in a combination one fix can make another redundant, and "never fires"
    is then a finding, not a failure.
    """
    props = [
        Property(RECORD_NEVER_EMPTY, "always", record_never_empty,
                 "every endpoint's active plan still has its records"),
        Property(ACTIVE_NEVER_DELETED, "always", active_never_deleted,
                 "no endpoint's active plan is one clean-up has deleted"),
        Property(NO_REGRESSION, "always-step", no_regression,
                 "no endpoint ever moves to an older generation"),
        Property(PROGRESS, "progress", newest_applied_everywhere,
                 "from every reachable state, the newest plan can still reach every endpoint"),
        Property("the last plan reaches every endpoint", "sometimes",
                 lambda s: all(ep.active == p.plans and ep.live for ep in s.endpoints)),
        Property("clean-up deletes a plan", "sometimes", lambda s: s.deleted != 0),
    ]
    if p.enactors > 1:
        props.append(Property("two Enactors write at once", "sometimes",
                              lambda s: sum(e.phase == WRITING for e in s.enactors) >= 2))
    if CONDITIONAL_WRITE in p.fixes:
        props.append(Property("a conditional write rejects a stale plan", "sometimes-step",
                              lambda s, a, s2: _outcome_is(p, s, a, STALE), required=False))
    if FENCING_TOKEN in p.fixes:
        props.append(Property("the fence rejects a write", "sometimes-step",
                              lambda s, a, s2: _outcome_is(p, s, a, FENCED), required=False))
    if CLEANUP_GUARD in p.fixes:
        props.append(Property("clean-up spares an active plan", "sometimes-step",
                              lambda s, a, s2: isinstance(a, CleanUp) and _spares(p, s, a), required=False))
    if p.lock and p.enactors > 1:
        props.append(Property("an Enactor waits for a lock", "sometimes",
                              lambda s: any(e.phase == WRITING and not e.locked
                                            and s.endpoints[e.at].holder for e in s.enactors)))
    return tuple(props)


def _outcome_is(p: Params, s: State, a: Action, outcome: str) -> bool:
    return isinstance(a, Write) and write_outcome(p, s, a.enactor) == outcome


def _spares(p: Params, s: State, a: CleanUp) -> bool:
    unguarded = (1 << max(a.plan - p.keep, 0)) - 1
    return doomed_plans(p, s, a.plan) != unguarded


def model(p: Params) -> Model:
    """The race as a :class:`outage.checker.Model` bound to ``p``."""
    pack, unpack, pack_representative = packed_encoding(p)
    rules = dict(init_states=partial(init_states, p), actions=partial(actions, p),
                 step=partial(step, p), properties=properties(p),
                 representative=partial(representative, p))
    return Model(
        **rules,
        describe=partial(describe, p),
        name=f"race ({p.label})",
        pack=pack,
        unpack=unpack,
        pack_representative=pack_representative,
        vectorised=partial(_vectorised, p, rules),
    )


def _vectorised(p: Params, rules: dict, m: Model):
    """The same rules on arrays, for the checker's command-line path (needs numpy; the page's
    checker runs without it and never calls this). ``None`` when the model ``m`` no longer has
    the rules :func:`model` gave it (``dataclasses.replace`` with another ``step``, say), or
    once anything of this module has been replaced (a reader editing a rule with
    ``mock.patch`` or an assignment): the checker then searches with the readable rules as they
    now are."""
    if any(getattr(m, field) is not value for field, value in rules.items()):
        return None
    if any(globals().get(name) is not value for name, value in _AS_IMPORTED.items()):
        return None
    from outage.race.vectorised import rules

    return rules(p)


# --- Packed encoding (storage only: not part of the rules) -------------------------------
#
# The checker stores each state it has seen as a few bytes instead of nested tuples. Nothing
# here decides what a step does; it only writes a State as bit fields and reads it back.


class _Codes(dict):
    """Value -> code, computed on first use (the values a run meets are few)."""

    __slots__ = ("encode",)

    def __init__(self, encode):
        super().__init__()
        self.encode = encode

    def __missing__(self, key):
        code = self[key] = self.encode(key)
        return code


def packed_encoding(p: Params):
    """``(pack, unpack, pack_representative)`` for the states of ``p``.

    ``pack(s)`` is a short ``bytes`` (fixed-width fields), distinct for distinct states, and
    ``unpack(pack(s)) == s``. ``pack_representative(s) == pack(representative(p, s))``: an
    Enactor's code orders Enactors exactly as their tuples compare (its fields in the same
    order, each in a fixed width), so sorting the codes sorts the Enactors. With the lock
    option the lock holders are renumbered too; that case goes through :func:`representative`.
    A field outside its width raises (``ValueError`` or ``struct.error``) rather than alias
    another state.
    """
    wp = p.plans.bit_length()  # a generation, 0..plans
    wa = p.endpoints.bit_length()  # an endpoint index
    wt = (p.enactors + p.endpoints).bit_length()  # a (renumbered) fencing token
    wh = p.enactors.bit_length()  # a lock holder, 0 or 1 + Enactor id
    wd = p.plans + 1  # the deleted-plans bitmask
    wn = 2 + wp + wa + 1 + wt  # one Enactor
    we = wp + 1 + wh + wt  # one Endpoint
    n_enactors, n_endpoints = p.enactors, p.endpoints

    def check(value, width: int, what: str) -> int:
        if not 0 <= value < 1 << width:
            raise ValueError(f"{what} {value!r} does not fit the packed encoding of {p.label}")
        return int(value)

    def enactor_code(e: Enactor) -> int:
        code = check(e.phase, 2, "phase")
        for value, width, what in ((e.plan, wp, "plan"), (e.at, wa, "endpoint index"),
                                   (e.locked, 1, "lock flag"), (e.token, wt, "token")):
            code = code << width | check(value, width, what)
        return code

    def endpoint_code(ep: Endpoint) -> int:
        code = check(ep.active, wp, "plan")
        for value, width, what in ((ep.live, 1, "live flag"), (ep.holder, wh, "lock holder"),
                                   (ep.fence, wt, "fence")):
            code = code << width | check(value, width, what)
        return code

    def enactor_of(code: int) -> Enactor:
        token = code & ((1 << wt) - 1)
        code >>= wt
        locked = code & 1
        code >>= 1
        at = code & ((1 << wa) - 1)
        code >>= wa
        return Enactor(code >> wp, code & ((1 << wp) - 1), at, locked, token)

    def endpoint_of(code: int) -> Endpoint:
        fence = code & ((1 << wt) - 1)
        code >>= wt
        holder = code & ((1 << wh) - 1)
        code >>= wh
        return Endpoint(code >> 1, bool(code & 1), holder, fence)

    e_code, p_code = _Codes(enactor_code), _Codes(endpoint_code)
    e_of, p_of = _Codes(enactor_of), _Codes(endpoint_of)
    e_get, p_get = e_code.__getitem__, p_code.__getitem__
    # One fixed-width unsigned field per Enactor, per Endpoint, then the deleted mask and the
    # newest generation: struct packs them into bytes in C (and rejects a value too wide).
    layout = Struct("<" + _field(wn) * n_enactors + _field(we) * n_endpoints + _field(wd)
                    + _field(wp))
    to_bytes, from_bytes = layout.pack, layout.unpack

    def pack(s: State) -> bytes:
        return to_bytes(*map(e_get, s.enactors), *map(p_get, s.endpoints), s.deleted, s.newest)

    def pack_sorted(s: State) -> bytes:
        return to_bytes(*sorted(map(e_get, s.enactors)), *map(p_get, s.endpoints), s.deleted,
                        s.newest)

    def unpack(k: bytes) -> State:
        codes = from_bytes(k)
        return State(codes[-1], tuple(map(e_of.__getitem__, codes[:n_enactors])),
                     tuple(map(p_of.__getitem__, codes[n_enactors:-2])), codes[-2])

    if p.lock:
        def pack_representative(s: State) -> bytes:
            return pack(representative(p, s))
    else:
        pack_representative = pack_sorted
    return pack, unpack, pack_representative


def _field(bits: int) -> str:
    """The smallest struct format of unsigned integers holding ``bits`` bits."""
    for code, size in (("B", 8), ("H", 16), ("I", 32), ("Q", 64)):
        if bits <= size:
            return code
    raise ValueError(f"a packed field of {bits} bits is too wide")


# Every name this module defines, as it was when the module was imported (see _vectorised).
_AS_IMPORTED = {name: value for name, value in globals().items() if not name.startswith("__")}
