"""The race, for real: the model's shortest counterexample replayed against BIND and Unbound.

Claim: the interleaving the race model finds is enough, on real DNS software, to leave the
regional endpoint answering NOERROR with no addresses through a real recursive resolver;
making each write a compare-and-set on a generation record (an RFC 2136 prerequisite) makes
the server refuse the stale write (NXRRSET) and the record never empties. The talk's TXT
lock is the same compare-and-set applied to "who writes", so on its own it does not help.

    race model --explore--> shortest trace: [Publish 1, Take A 1, ..., CleanUp B 3]
                                   |  one step at a time, in that order
                                   v
    Planner (plan files) + Enactor processes --UPDATE--> named <--queries-- Unbound <-- us
                                   |                                            |
                                   +---- after each step: model state  ==  what the servers say?

Nothing here writes DNS records by itself except the Planner's plan files and the bootstrap
zones (plan 0 everywhere): every change comes from an Enactor process carrying out a step.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import select
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import dns.flags
import dns.rcode

from outage.checker import explore, replay
from outage.lab import workdirs
from outage.lab.enactor import FREE, Endpoint, plan_generations, plan_path, quoted
from outage.lab.servers import (Authoritative, Record, Resolver, Zone, addresses, ask,
                                authoritative, check_running, find_tool, resolver, run_briefly, spawn,
                                stop)
from outage.race.model import (APPLIED, CONDITIONAL_WRITE, ENDPOINT_NAMES, RECORD_NEVER_EMPTY,
                               CleanUp, Lock, Params, Publish, Take, Write, enactor_name,
                               model, write_outcome)

# Three Enactors (one per AZ), three plans, two endpoints: the smallest size whose shortest
# trace has the incident's shape, explored in well under a second (lock variant included).
LAB_PARAMS = Params(enactors=3, plans=3, endpoints=2, keep=1)

PARENT_ZONE = "ddb.lab.test."  # .test is reserved for testing (RFC 6761)
STEP_TIMEOUT_S = 10.0
# Unbound's own address: named's query log shows every query that came through it.
RESOLVER_HOST = "127.0.0.2"


@dataclass(frozen=True)
class Variant:
    """What the replayed Enactors do: the fix (conditional write) and/or the TXT lock."""

    name: str
    conditional: bool
    lock: bool

    def params(self, base: Params) -> Params:
        fixes = frozenset({CONDITIONAL_WRITE}) if self.conditional else frozenset()
        return Params(base.enactors, base.plans, base.endpoints, base.keep, fixes, self.lock)


VARIANTS = (
    Variant("incident", conditional=False, lock=False),
    Variant("conditional-write", conditional=True, lock=False),
    Variant("lock", conditional=False, lock=True),
    Variant("lock+conditional-write", conditional=True, lock=True),
)


def endpoints(n: int) -> tuple[Endpoint, ...]:
    """The lab's endpoints in the model's order: one zone each; the IPv6 one serves AAAA."""
    out = []
    for e in range(n):
        label = ENDPOINT_NAMES[e].split("-")[0].lower() if e < len(ENDPOINT_NAMES) else f"e{e + 1}"
        out.append(Endpoint(f"{label}.{PARENT_ZONE}", "AAAA" if label == "ipv6" else "A"))
    return tuple(out)


def plan_addresses(generation: int, e: int, ep: Endpoint) -> list[str]:
    """Plan ``generation``'s two load-balancer addresses for endpoint ``e``.

    Documentation/benchmark ranges (never routed; nothing ever connects to them), distinct
    per plan so that every answer shows which plan it came from.
    """
    if ep.rdtype == "AAAA":
        texts = [f"2001:db8:{e}:{generation}::{k}" for k in (1, 2)]
    else:
        texts = [f"198.18.{generation}.{10 * e + k}" for k in (1, 2)]
    return [str(ipaddress.ip_address(t)) for t in texts]  # canonical, as DNS answers print


class Planner:
    """Writes plan generations into the plan store (the S3 stand-in), whole files at once."""

    def __init__(self, store: Path, eps: Sequence[Endpoint]):
        self.store = store
        self.endpoints = tuple(eps)

    def publish(self, generation: int) -> dict:
        plan = {"generation": generation,
                "endpoints": {ep.zone: plan_addresses(generation, e, ep)
                              for e, ep in enumerate(self.endpoints)}}
        tmp = self.store / f".plan-{generation}.tmp"
        tmp.write_text(json.dumps(plan))
        tmp.rename(plan_path(self.store, generation))  # readers never see half a plan
        return plan


def bootstrap_zones(eps: Sequence[Endpoint]) -> list[Zone]:
    """Every endpoint on plan 0, lock free. TTL 0 and negative TTL 0: the resolver caches
    nothing, so each step's effect is visible at once (caching is the tail's subject)."""
    zones = []
    for e, ep in enumerate(eps):
        records = [Record(owner, ep.rdtype, a, 0) for a in plan_addresses(0, e, ep)
                   for owner in ("@", "p0")]
        records += [Record("_generation", "TXT", quoted("0"), 0),
                    Record("_lock", "TXT", quoted(FREE), 0)]
        zones.append(Zone(ep.zone, tuple(records), soa_ttl_s=0, soa_minimum_s=0))
    return zones


class EnactorProcess:
    """One Enactor in its own Python process, driven one JSON command at a time."""

    def __init__(self, i: int, auth: Authoritative, store: Path, eps: Sequence[Endpoint],
                 keep: int, variant: Variant, key_file: Path):
        self.name = enactor_name(i)
        argv = [sys.executable, "-m", "outage.lab.enactor", "--name", self.name.replace(" ", "-"),
                "--server", f"{auth.host}:{auth.port}", "--store", str(store),
                "--keep", str(keep), "--key-file", str(key_file)]
        argv += [a for ep in eps for a in ("--endpoint", f"{ep.zone}:{ep.rdtype}")]
        argv += ["--conditional"] * variant.conditional + ["--lock"] * variant.lock
        self.proc = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, op: str, timeout_s: float = STEP_TIMEOUT_S, **args) -> dict:
        """Release the Enactor for one step and wait (at most ``timeout_s``) for its reply."""
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout_s
        ready = []
        while not ready and time.monotonic() < deadline:
            check_running()  # a server that died is named at once, not after the timeout
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.05)
            if not ready and self.proc.poll() is not None:
                break  # the Enactor itself is gone
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"{self.name} gave no reply to {op!r} within {timeout_s:g} s "
                               f"(exit status {self.proc.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.name} failed on {op!r}: {reply['error']}")
        return reply

    def hang_up(self) -> None:
        """End of commands: the Enactor exits by itself."""
        if self.proc.poll() is None and not self.proc.stdin.closed:
            self.proc.stdin.close()

    def close(self) -> None:
        self.hang_up()
        try:
            self.proc.wait(2.0)
        except subprocess.TimeoutExpired:
            pass
        stop(self.proc)


@contextlib.contextmanager
def enactors(n: int, auth: Authoritative, store: Path, eps: Sequence[Endpoint], keep: int,
             variant: Variant, key_file: Path) -> Iterator[list[EnactorProcess]]:
    procs: list[EnactorProcess] = []
    try:
        for i in range(n):
            procs.append(EnactorProcess(i, auth, store, eps, keep, variant, key_file))
        yield procs
    finally:
        for p in procs:  # all at once: they exit in parallel
            p.hang_up()
        for p in procs:
            p.close()


# --- Observation ------------------------------------------------------------------------


def view_authoritative(auth: Authoritative, eps: Sequence[Endpoint]) -> list[dict]:
    """Per endpoint, straight from named: active generation and the apex's addresses."""
    out = []
    for ep in eps:
        gen = ask(auth.host, auth.port, f"_generation.{ep.zone}", "TXT")
        values = [b"".join(rd.strings).decode() for rrset in gen.answer for rd in rrset]
        out.append({"generation": int(values[0]) if values else None,
                    "addresses": list(addresses(ask(auth.host, auth.port, ep.zone, ep.rdtype),
                                                ep.rdtype))})
    return out


def view_resolver(res: Resolver, eps: Sequence[Endpoint], plan_of: dict[str, int],
                  auth: Authoritative | None = None) -> list[dict]:
    """Per endpoint, what a client gets through Unbound: rcode, addresses, whose plan, and
    whether the answer came through a recursive resolver: recursion available and not
    authoritative (named, with recursion off, answers the other way round) and, with
    ``auth``, named logging the same question from the resolver's address meanwhile
    (records have TTL 0, so Unbound asks named every time)."""
    out = []
    for ep in eps:
        before = None if auth is None else auth.queries_for(ep.zone, ep.rdtype, res.host)
        response = ask(res.host, res.port, ep.zone, ep.rdtype)
        found = addresses(response, ep.rdtype)
        plans = sorted({plan_of.get(a, -1) for a in found})
        recursive = bool(response.flags & dns.flags.RA) and not response.flags & dns.flags.AA
        asked = None if auth is None else _logged_after(auth, ep, res.host, before)
        out.append({"rcode": dns.rcode.to_text(response.rcode()), "answers": len(found),
                    "plan": plans[0] if len(plans) == 1 else None,
                    "via_resolver": recursive and asked is not False})
    return out


def _logged_after(auth: Authoritative, ep: Endpoint, source: str, before: int,
                  timeout_s: float = 1.0) -> bool:
    """Whether named's query log shows a new query for ``ep`` from ``source`` (named may
    write the line just after answering, so wait for it up to ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if auth.queries_for(ep.zone, ep.rdtype, source) > before:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def answer_text(view: dict) -> str:
    if view["answers"] == 0:
        return f"{view['rcode']}, 0 answers (EMPTY)"
    return f"{view['rcode']}, {view['answers']} addresses of plan {view['plan']}"


# --- Replay -----------------------------------------------------------------------------


def shortest_trace(base: Params, lock: bool) -> tuple:
    """The model's shortest counterexample to "record never empty" with no fix (the incident)."""
    p = Params(base.enactors, base.plans, base.endpoints, base.keep, frozenset(), lock)
    result = explore(model(p)).result(RECORD_NEVER_EMPTY)
    if result.trace is None:
        raise ValueError(f"the model finds no empty record at {p.label}; nothing to replay")
    return result.trace


def _perform(a, planner: Planner, procs: list[EnactorProcess], s, p: Params) -> dict:
    """Carry out one model action on the real system; return what the lab saw."""
    if isinstance(a, Publish):
        planner.publish(a.generation)
        newest = max(plan_generations(planner.store))
        return {"outcome": f"plan {newest} in the store", "agrees": newest == a.generation}
    reply = procs[a.enactor].call({Take: "take", Lock: "lock", Write: "write",
                                   CleanUp: "cleanup"}[type(a)])
    if isinstance(a, Take):
        return {"outcome": f"took plan {reply['plan']}", "agrees": reply["plan"] == a.plan}
    if isinstance(a, Lock):
        text = {"locked": "won", "busy": "busy", "refused": "refused"}[reply["outcome"]]
        return {"outcome": f"lock {text}" + (f" ({reply['rcode']})" if reply["rcode"] else ""),
                "rcodes": [reply["rcode"]] if reply["rcode"] else [],
                "agrees": reply["outcome"] == "locked" and reply["endpoint"] == a.endpoint}
    if isinstance(a, Write):
        predicted = "applied" if write_outcome(p, s, a.enactor) == APPLIED else "stale"
        refused = [r for r in reply["rcodes"] if r != "NOERROR"]
        text = {"applied": "applied", "stale": "refused: endpoint already newer",
                "refused": "refused"}[reply["outcome"]]
        return {"outcome": text + (f" ({', '.join(refused)})" if refused else ""),
                "rcodes": reply["rcodes"],
                "agrees": (reply["outcome"] == predicted and reply["endpoint"] == a.endpoint
                           and reply["plan"] == a.plan)}
    gone = reply["deleted"]
    return {"outcome": "deleted " + (", ".join(f"plan {g}" for g in gone) or "nothing"),
            "agrees": True}


def _lock_probe(s, a: Lock, procs: list[EnactorProcess]) -> dict | None:
    """A rival that read the lock as free just before ``a`` won it tries to take it too.

    The rival is an Enactor the model shows waiting at the same endpoint; the lab sends its
    batch with the value it read ("free"), which is gone now, so named must refuse it.
    """
    rivals = [i for i, e in enumerate(s.enactors)
              if i != a.enactor and e.phase == 1 and not e.locked and e.at == a.endpoint]
    if not rivals:
        return None
    reply = procs[rivals[0]].call("lock", expected=FREE)
    return {"actor": enactor_name(rivals[0]),
            "label": f"{enactor_name(rivals[0])} tries the same lock with the value it read "
                     f"before {enactor_name(a.enactor)} won it",
            "rcode": reply["rcode"], "refused": reply["rcode"] != "NOERROR"}


def replay_variant(variant: Variant, trace: Sequence, base: Params = LAB_PARAMS, *,
                   tool_path: str | None = None) -> dict:
    """Replay ``trace`` against fresh named + Unbound + Enactor processes for ``variant``.

    After every step it compares the real system with the model's state for the same step
    (plan taken, write outcome, each endpoint's generation and whether it has addresses) and
    queries each endpoint through Unbound. Cost: about 1 s plus 10 ms per step.
    """
    p = variant.params(base)
    m = model(p)
    states = replay(m, trace)
    eps = endpoints(p.endpoints)
    plan_of = {a: g for g in range(p.plans + 1) for e, ep in enumerate(eps)
               for a in plan_addresses(g, e, ep)}
    steps = []
    probe = None
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(workdirs.workdir("plans"))
        auth = stack.enter_context(authoritative(bootstrap_zones(eps), tool_path=tool_path))
        res = stack.enter_context(resolver(auth, PARENT_ZONE, host=RESOLVER_HOST,
                                           tool_path=tool_path))
        key_file = stack.enter_context(workdirs.workdir("key")) / "update.key"
        auth.key.to_file(key_file)
        planner = Planner(store, eps)
        planner.publish(0)
        procs = stack.enter_context(enactors(p.enactors, auth, store, eps, p.keep, variant,
                                             key_file))
        for n, (a, s, s2) in enumerate(zip(trace, states, states[1:]), 1):
            check_running()
            lab = _perform(a, planner, procs, s, p)
            if isinstance(a, Lock) and variant.lock and probe is None:
                probe = _lock_probe(s2, a, procs)
            seen = view_authoritative(auth, eps)
            through = view_resolver(res, eps, plan_of, auth)
            check_running()
            state_agrees = all(
                v["generation"] == ep.active and bool(v["addresses"]) == ep.live
                and (r["answers"] > 0) == ep.live and r["rcode"] == "NOERROR"
                and r["via_resolver"]
                for v, r, ep in zip(seen, through, s2.endpoints))
            steps.append({"n": n, "actor": a.actor, "action": a.label, "lab": lab["outcome"],
                          "rcodes": lab.get("rcodes", []),
                          "resolver": [answer_text(r) for r in through],
                          "generations": [v["generation"] for v in seen],
                          "empty": [r["answers"] == 0 for r in through],
                          "via_resolver": [r["via_resolver"] for r in through],
                          "matches_model": bool(lab["agrees"] and state_agrees)})
    refused = [r for st in steps for r in st["rcodes"] if r != "NOERROR"]
    emptied = any(any(st["empty"]) for st in steps)
    return {
        "variant": variant.name,
        "conditional_write": variant.conditional,
        "lock": variant.lock,
        "steps": steps,
        "lock_probe": probe,
        "record_emptied": emptied,
        "empty_endpoints": sorted({eps[e].zone for st in steps
                                   for e, empty in enumerate(st["empty"]) if empty}),
        "refused_rcodes": sorted(set(refused)),
        "model_predicts_empty": not all(ep.live for s in states for ep in s.endpoints),
        "matches_model": all(st["matches_model"] for st in steps),
    }


def software_versions(tool_path: str | None = None) -> dict:
    """The first line of ``named -v`` and ``unbound -V``: which real software ran."""
    out = {}
    for name, flag in (("named", "-v"), ("unbound", "-V")):
        try:  # in its own process group, all of which is gone when it returns
            text = run_briefly([find_tool(name, tool_path), flag]).stdout
        except subprocess.TimeoutExpired:
            text = ""
        out[name] = text.strip().splitlines()[0] if text.strip() else "unknown"
    return out


def run(base: Params = LAB_PARAMS, variants: Sequence[Variant] = VARIANTS, *,
        tool_path: str | None = None) -> dict:
    """Every variant's replay, as one JSON-ready dict (no timings, ports or paths)."""
    find_tool("named", tool_path)
    find_tool("unbound", tool_path)
    started = time.monotonic()
    traces = {lock: shortest_trace(base, lock) for lock in {v.lock for v in variants}}
    results = [replay_variant(v, traces[v.lock], base, tool_path=tool_path) for v in variants]
    return {
        "software": software_versions(tool_path),
        "params": {"enactors": base.enactors, "plans": base.plans, "endpoints": base.endpoints,
                   "keep": base.keep},
        "endpoints": [ep.zone for ep in endpoints(base.endpoints)],
        "property": RECORD_NEVER_EMPTY,
        "trace_lengths": {("lock" if lock else "no lock"): len(t) for lock, t in traces.items()},
        "variants": results,
        "seconds": round(time.monotonic() - started, 1),
    }
