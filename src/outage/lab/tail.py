"""The tail, for real: how long clients keep seeing "empty" through Unbound after the fix.

Claim: after the record comes back, a client resolves it again only when its resolver's
cached empty answer expires, min(SOA TTL, SOA MINIMUM) after that answer was fetched (RFC
2308), so the last client returns one negative TTL after the fix; and while the record is
empty, negative caching keeps the authoritative server quiet. The DNS model
(``outage.dns.recovery.predict_recovery``) says the same; this measures real Unbound.

    time (lab s)  0 ............ t_fix ..................... t_fix + N + 1
    named          record empty  | record restored (UPDATE)
    resolver i     fetches "empty" at t_fix - N + u_i  -> cached until about t_fix + u_i
    client i       one lookup fills the cache; from the fix it asks every poll_s:
                   the first address it sees gives its recovery time

Time is scaled: ``scale`` real seconds per lab second (100: 900 s -> 9 s). Each resolver's
entry is fetched at its own moment, spread evenly over one negative TTL before the fix
(u_i = (i + 1/2) N / R, but at least FETCH_LEAD_S): the DNS model's uniform entry-age
assumption, made deterministic.
Assumption: one client per resolver, no client-side cache (the model's ``jvm_share=0``), and
clients retrying every ``poll_real_s`` (the model's ``fixed`` 1 s policy).

Unbound keeps time in whole seconds: an entry fetched at wall time t with TTL N answers
until the clock reaches floor(t) + N + 1, so each entry lives N to N + 1 s. At full scale that
is under 0.2 % of 900 s; scaled 1:100 it is up to 100 s, so the comparison with the model
allows one lab second, and each client is also checked against that exact rule.

Counting what reaches named: each Unbound has its own 127.0.0.x address, so named's query log
says which resolver asked, and each client spells every question's name in its own mix of
upper and lower case (question k: the bits of k over the name's letters). DNS names match
whatever their case, so the answers and Unbound's cache are the same, but Unbound passes the
client's spelling on to named (``use-caps-for-id: no``) and named logs it: each logged query
names the question it served. Unbound asks again when named's answer takes longer than its
retransmit timeout, which on loopback falls to its floor of 50 ms (``infra-cache-min-rtt``),
and a machine busy with disk writes stalls named or Unbound that long now and then: named then
logs the same spelling two or more times. So the count is the number of client questions that
reached named, and the re-sends are reported beside it; a logged spelling no question used is
unexplained and fails the comparison. named's log clock cannot be used for this: it runs
1-6 ms behind on a quiet machine (the kernel's coarse clock, printed to the ms) and more when
the machine is busy, while a client asks again 10 ms after its last answer.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass, field

import dns.query
import dns.update

from outage.dns.recovery import RecoveryPrediction, predict_recovery
from outage.lab.servers import (LoggedQuery, Record, Zone, addresses, ask, authoritative,
                                check_running, find_tool, pause, resolver, signed)

PARENT_ZONE = "tail.lab.test."
# How far Unbound's expiry may be outside the bracket a client measured for it (s): the last
# question answered "empty" was sent before it, the first answered with the address was
# answered after it. Covers Unbound's own time-keeping; a client the machine kept waiting
# widens its bracket instead of failing the check.
RULE_TOLERANCE_S = 0.3
ADDRESS = "198.18.0.1"  # benchmark range: data only, never contacted


def spelling(name: str, k: int) -> str:
    """``name`` with the case of its letters set by the bits of ``k`` (bit j: the j-th letter
    upper case): question ``k``'s own spelling of the same DNS name. ValueError when the name
    has too few letters for ``k``."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if not 0 <= k < 1 << len(letters):
        raise ValueError(f"{name!r} has {len(letters)} letters: questions 0 to "
                         f"{(1 << len(letters)) - 1} can be told apart, not {k}")
    chars = list(name.lower())
    for j, i in enumerate(letters):
        if k >> j & 1:
            chars[i] = chars[i].upper()
    return "".join(chars)


def question_of(spelled: str) -> int:
    """The ``k`` that :func:`spelling` encoded in ``spelled``."""
    letters = [ch for ch in spelled if ch.isalpha()]
    return sum(1 << j for j, ch in enumerate(letters) if ch.isupper())
# How long a client waits for Unbound's answer (s) before the run fails: far longer than any
# stall the lab survives, so a client never asks again on its own.
CLIENT_TIMEOUT_S = 5.0
# A measured client starts polling this long (lab s) before its entry can expire at the
# earliest, so that 24 clients polling every 10 ms do not starve each other on a busy machine.
POLL_LEAD_S = 0.5
# The youngest entry is fetched at least this long (lab s) before the fix; evenly spread
# ages would put it 0.5 N / R before (0.25 s for N = 2, R = 4), which a busy machine can
# delay past the fix. Moves at most one or two caches, by under 0.15 s.
FETCH_LEAD_S = 0.3

# Bounds of the command-line parameters, each with its reason.
SCALE_RANGE = (1.0, 100.0)
SCALE_WHY = ("below 1 the lab would run slower than real time; above 100 a client's 1 s "
             "retry becomes shorter than 10 ms, finer than a busy machine schedules the "
             "lab's threads")
MAX_SETTINGS = 5
SETTINGS_WHY = ("each adds a zone and a client per cache; 5 keeps a run near a minute and "
                "its threads under 100")
RESOLVERS_RANGE = (1, 16)
RESOLVERS_WHY = "each is an Unbound process"
LAB_TTL_RANGE = (1, 30)


@dataclass(frozen=True)
class TailSettings:
    """The knobs of one tail measurement. Real seconds are divided by ``scale`` in the lab."""

    scale: float = 100.0
    neg_ttls_real_s: tuple[int, ...] = (300, 600, 900)
    resolvers: int = 8  # independent Unbound caches per setting (each one process)
    poll_real_s: float = 1.0  # a client's retry interval (the model's "fixed" policy)
    record_ttl_lab_s: int = 1  # positive TTL; whole seconds, as DNS TTLs are
    load_resolvers: int = 2  # per group, for the query count with and without caching

    def __post_init__(self) -> None:
        low, high = SCALE_RANGE
        if not low <= self.scale <= high:
            raise ValueError(f"--scale must be from {low:g} to {high:g} ({SCALE_WHY}), "
                             f"got {self.scale:g}")
        low, high = RESOLVERS_RANGE
        if not low <= self.resolvers <= high:
            raise ValueError(f"--resolvers must be from {low} to {high} ({RESOLVERS_WHY}), "
                             f"got {_shown(self.resolvers)}")
        if not self.neg_ttls_real_s:
            raise ValueError("--neg-ttl must list at least one negative TTL")
        if len(self.neg_ttls_real_s) > MAX_SETTINGS:
            raise ValueError(f"--neg-ttl lists {len(self.neg_ttls_real_s)} negative TTLs; at "
                             f"most {MAX_SETTINGS} ({SETTINGS_WHY})")
        repeated = sorted({t for t in self.neg_ttls_real_s if self.neg_ttls_real_s.count(t) > 1})
        if repeated:
            raise ValueError(f"--neg-ttl lists {', '.join(map(str, repeated))} more than once; "
                             "give each negative TTL once")
        for name, value, (low, high), why in (
                ("load_resolvers", self.load_resolvers, (1, 4), "each is an Unbound process"),
                ("record_ttl_lab_s", self.record_ttl_lab_s, (1, 5),
                 "a whole-second TTL, short beside the negative TTLs"),
                ("poll_real_s", self.poll_real_s, (0.5, 10.0),
                 "the model's retry interval; at 1:100 it must stay 5 ms or more")):
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low:g} to {high:g} ({why}), "
                                 f"got {value:g}")
        low, high = LAB_TTL_RANGE
        for ttl in self.neg_ttls_real_s:
            lab = ttl / self.scale
            if not low <= lab <= high:
                raise ValueError(f"--neg-ttl {_shown(ttl)} s at scale {self.scale:g} is "
                                 f"{lab:g} lab seconds; each negative TTL must be from "
                                 f"{low * self.scale:g} to {high * self.scale:g} s at this "
                                 f"scale, {low} to {high} lab seconds ({high} bounds the run "
                                 f"time)")
            if lab != int(lab):
                raise ValueError(f"--neg-ttl {ttl} s at scale {self.scale:g} is {lab:g} lab "
                                 f"seconds; it must be a whole number from {low} to {high} "
                                 f"(DNS TTLs are whole seconds; {high} bounds the run time)")

    @property
    def neg_ttls_lab_s(self) -> tuple[int, ...]:
        return tuple(int(t / self.scale) for t in self.neg_ttls_real_s)

    @property
    def poll_lab_s(self) -> float:
        return self.poll_real_s / self.scale


def _shown(number: int) -> str:
    """``number`` as a reader typed it: in full, or in exponent form when it is huge."""
    return str(number) if abs(number) < 10**15 else f"{number:.6g}"


def settings_from(scale: float | None, neg_ttls: str | None, resolvers: int | None) -> TailSettings:
    """TailSettings from CLI values (None = default); ValueError on a bad value.

    ``neg_ttls``: whole seconds separated by commas, each written as the project's whole
    numbers are (``900`` or ``9e2``, see :func:`outage.cli.whole_number`); an empty entry
    ("300,,600") is refused rather than skipped.
    """
    import argparse

    from outage.cli import whole_number  # the project's whole numbers, as its flags read them

    defaults = TailSettings()
    ttls = defaults.neg_ttls_real_s
    if neg_ttls is not None:
        entries = [x.strip() for x in neg_ttls.split(",")]
        if not any(entries):
            raise ValueError("--neg-ttl must list at least one negative TTL")
        if not all(entries):
            raise ValueError(f"--neg-ttl has an empty entry in {neg_ttls!r}; give whole "
                             f"seconds separated by single commas")
        try:
            ttls = tuple(whole_number(x) for x in entries)
        except argparse.ArgumentTypeError:
            raise ValueError(f"--neg-ttl must be whole seconds separated by commas, "
                             f"got {neg_ttls!r}") from None
    if neg_ttls is None and scale is not None and SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        low, high = LAB_TTL_RANGE
        if any(not low <= ttl / scale <= high or ttl % scale for ttl in ttls):
            raise ValueError(f"--scale {scale:g} needs --neg-ttl: the default negative TTLs "
                             f"({','.join(map(str, ttls))} s) are not whole numbers from {low} "
                             f"to {high} lab seconds at that scale; give TTLs that are, such as "
                             f"{low * scale:g} to {high * scale:g} s in "
                             f"multiples of {scale:g} s")
    return TailSettings(scale=defaults.scale if scale is None else scale, neg_ttls_real_s=ttls,
                        resolvers=defaults.resolvers if resolvers is None else resolvers)


def _zone(label: str, neg_ttl_s: int, ttl_s: int) -> Zone:
    return Zone(f"{label}.{PARENT_ZONE}", (Record("@", "A", ADDRESS, ttl_s),),
                soa_ttl_s=neg_ttl_s, soa_minimum_s=neg_ttl_s)


def _set_record(auth, zone: str, present: bool, ttl_s: int) -> None:
    """Empty (delete the A RRset) or restore the record with one signed RFC 2136 UPDATE."""
    u = dns.update.UpdateMessage(zone)
    if present:
        u.replace("@", ttl_s, "A", ADDRESS)
    else:
        u.delete("@", "A")
    rcode = dns.query.tcp(signed(u, auth.key), auth.host, port=auth.port, timeout=2.0).rcode()
    if rcode != 0:
        raise RuntimeError(f"UPDATE of {zone} failed with rcode {rcode}")


@dataclass
class Client:
    """One client behind one resolver: queries from ``start_at`` every ``poll_s`` until it
    sees the address after ``fix_at`` (or until ``stop_at``). Times are wall-clock s."""

    res: object
    name: str
    start_at: float
    fix_at: float
    stop_at: float
    poll_s: float
    idle_until_fix: bool = False
    neg_ttl_s: int | None = None
    first_query_at: float | None = None
    recovered_at: float | None = None
    last_empty_at: float | None = None
    queries: int = 0
    error: str | None = None
    # (sent, answered) of every question, wall-clock s; question k is spelled spelling(name, k).
    asked: list[tuple[float, float]] = field(default_factory=list)

    def run(self) -> None:
        try:
            _sleep_until(self.start_at)
            while time.time() < self.stop_at:
                asked_as = spelling(self.name, len(self.asked))
                sent = time.time()
                found = addresses(ask(self.res.host, self.res.port, asked_as,
                                      timeout_s=CLIENT_TIMEOUT_S))
                self.asked.append((sent, time.time()))
                self.queries += 1
                if self.first_query_at is None:
                    self.first_query_at = sent
                if found and self.last_empty_at is not None:
                    self.recovered_at = sent
                    return
                if not found:
                    self.last_empty_at = sent
                if self.idle_until_fix and sent < self.fix_at:
                    # Until the fix every retry is answered from the same cached entry, so
                    # sleeping through them changes no answer and keeps the CPU free for
                    # the clients whose timing is being measured. With ``neg_ttl_s`` it
                    # sleeps on until POLL_LEAD_S before the entry's earliest expiry: a
                    # resolver that let the entry go sooner is then seen at the first
                    # question, that much before the rule, and fails the rule check.
                    wake = self.fix_at
                    if self.neg_ttl_s is not None:
                        wake = max(wake, math.floor(self.first_query_at) + self.neg_ttl_s
                                   + 1 - POLL_LEAD_S)
                    _sleep_until(wake)
                else:
                    time.sleep(self.poll_s)
        except Exception as error:  # reported in the results, never swallowed
            self.error = f"{type(error).__name__}: {error}"


def _sleep_until(t: float) -> None:
    delay = t - time.time()
    if delay > 0:
        time.sleep(delay)


def _settled_log(auth, timeout_s: float = 1.0) -> list[LoggedQuery]:
    """named's query log, once it stops growing (named may still be writing the last lines
    when the clients stop); waits at most ``timeout_s``."""
    logged = auth.queries()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pause(0.05)
        again = auth.queries()
        if len(again) == len(logged):
            break
        logged = again
    return logged


def match_queries(logged: list[LoggedQuery], clients: list[Client], name: str,
                  rdtype: str = "A") -> dict:
    """Match named's logged queries for ``name`` to the questions of ``clients`` (one client
    per resolver address) by their spelling: a query from a client's resolver spelled as
    its question k (:func:`spelling`) served question k.

    Returns ``questions`` (client questions, all resolvers), ``lines`` (queries named logged),
    ``reached`` (questions that reached named at least once), ``resent`` (further copies of a
    question already counted), ``unexplained`` (spelled as no question of that client was)
    and ``fetched`` (per resolver address, the indices of its client's questions that reached
    named).
    """
    name = name.rstrip(".").lower()
    by_source = {c.res.host: c for c in clients}
    if len(by_source) != len(clients):
        raise ValueError("each client needs a resolver with its own address")
    hits = {c.res.host: [0] * len(c.asked) for c in clients}
    lines = unexplained = 0
    for q in logged:
        if q.name != name or q.rdtype != rdtype or q.source not in by_source:
            continue
        lines += 1
        k = question_of(q.spelled)
        if k < len(hits[q.source]):
            hits[q.source][k] += 1
        else:
            unexplained += 1
    reached = sum(1 for counts in hits.values() for n in counts if n)
    return {"questions": sum(len(c.asked) for c in clients), "lines": lines,
            "reached": reached, "resent": lines - reached - unexplained,
            "unexplained": unexplained,
            "fetched": {host: [k for k, n in enumerate(counts) if n]
                        for host, counts in hits.items()}}


def _quantile(values: list[float], q: float) -> float:
    """The inverted-CDF quantile, as the DNS model computes it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(settings: TailSettings, *, tool_path: str | None = None) -> dict:
    """Run every negative-TTL setting at once, plus the query count, on one named.

    Returns per-client records and per-group counts (lab seconds). Cost: about
    2 * max(N) + 3 lab seconds, plus 0.2 s per Unbound started.
    """
    s = settings
    ns = s.neg_ttls_lab_s
    zones = [_zone(f"neg-ttl-{n}", n, s.record_ttl_lab_s) for n in ns]
    n_load = min(ns)
    load_zones = {group: _zone(f"load-{group}", n_load, s.record_ttl_lab_s)
                  for group in ("cached", "uncached")}
    hosts = iter(resolver_hosts(s.resolvers + s.load_resolvers))
    with contextlib.ExitStack() as stack:
        auth = stack.enter_context(authoritative(zones + list(load_zones.values()),
                                                 tool_path=tool_path))
        caching = [stack.enter_context(resolver(auth, PARENT_ZONE, host=next(hosts),
                                                tool_path=tool_path))
                   for _ in range(s.resolvers)]
        uncached = [stack.enter_context(resolver(auth, PARENT_ZONE, max_negative_ttl_s=0,
                                                 host=next(hosts), tool_path=tool_path))
                    for _ in range(s.load_resolvers)]
        for z in zones + list(load_zones.values()):
            _set_record(auth, z.name, present=False, ttl_s=s.record_ttl_lab_s)
        t0 = time.time() + 0.5
        fix_at = t0 + max(ns) + 0.5
        stop_at = fix_at + max(ns) + 3.0
        clients = {n: [Client(res, z.name, fix_at - entry_age(i, n, s.resolvers), fix_at,
                              stop_at, s.poll_lab_s, idle_until_fix=True, neg_ttl_s=n)
                       for i, res in enumerate(caching)] for n, z in zip(ns, zones)}
        # The count runs over the whole outage: from t0 until the fix, then stops.
        load = {"cached": [Client(res, load_zones["cached"].name, t0, math.inf, fix_at,
                                  s.poll_lab_s) for res in caching[:s.load_resolvers]],
                "uncached": [Client(res, load_zones["uncached"].name, t0, math.inf, fix_at,
                                    s.poll_lab_s) for res in uncached]}
        everyone = [c for group in (*clients.values(), *load.values()) for c in group]
        threads = [threading.Thread(target=c.run, daemon=True) for c in everyone]
        for t in threads:
            t.start()
        pause(fix_at - time.time())
        # The fix waits until every measured client has its empty answer: a client the
        # machine held back past the planned moment would otherwise never see the outage.
        # Times below are from the moment the fix was actually sent.
        measured = [c for n in ns for c in clients[n]]
        deadline = time.time() + CLIENT_TIMEOUT_S
        while any(not c.asked for c in measured) and time.time() < deadline:
            pause(0.01)
        fixed_at = time.time()
        for z in zones:
            _set_record(auth, z.name, present=True, ttl_s=s.record_ttl_lab_s)
        give_up = stop_at + CLIENT_TIMEOUT_S + 2.0
        while any(t.is_alive() for t in threads) and time.time() < give_up:
            pause(0.05)
        errors = [c.error for c in everyone if c.error]
        if errors or any(t.is_alive() for t in threads):
            raise ClientError(f"tail clients failed: {'; '.join(errors[:3]) or 'a client hung'}")
        logged = _settled_log(auth)
        check_running()
        settings_out = []
        for n, z in zip(ns, zones):
            rows = []
            count = match_queries(logged, clients[n], z.name)
            for i, c in enumerate(clients[n]):
                # The entry the client waited out is the last one its resolver fetched
                # before the fix (named's log says which questions reached it; a fix that
                # waited for a held-back client can let an early entry expire and be fetched
                # again). Unbound's whole-second clock: it answers until floor(t) + N + 1,
                # t being Unbound's time when it stored the entry: after the question was
                # sent, before it was answered (on a busy machine, maybe the next second).
                before = [k for k in count["fetched"][c.res.host] if c.asked[k][0] < fixed_at]
                sent, answered = c.asked[before[-1] if before else 0]
                expires = math.floor(sent) + n + 1
                latest = math.floor(answered) + n + 1
                rows.append({"resolver": i,
                             "fetched_s": round(sent - fixed_at, 3),
                             "recovered_s": (None if c.recovered_at is None
                                             else round(c.recovered_at - fixed_at, 3)),
                             "answered_s": (None if c.recovered_at is None
                                            else round(c.asked[-1][1] - fixed_at, 3)),
                             "last_empty_s": (None if c.last_empty_at is None
                                              else round(c.last_empty_at - fixed_at, 3)),
                             "unbound_rule_s": round(max(expires - fixed_at, 0.0), 3),
                             "unbound_rule_latest_s": round(max(latest - fixed_at, 0.0), 3)})
            settings_out.append({"neg_ttl_real_s": round(n * s.scale), "neg_ttl_lab_s": n,
                                 "clients": rows,
                                 "authoritative_queries": count["reached"],
                                 "authoritative_resent": count["resent"],
                                 "authoritative_unexplained": count["unexplained"]})
        window = fix_at - t0
        groups = {}
        for g, cs in load.items():
            count = match_queries(logged, cs, load_zones[g].name)
            groups[g] = {"resolvers": len(cs), "client_queries": count["questions"],
                         "authoritative_queries": count["reached"],
                         "authoritative_lines": count["lines"],
                         "resent": count["resent"], "unexplained": count["unexplained"]}
    return {"settings": settings_out,
            "load": {"neg_ttl_lab_s": n_load, "window_lab_s": round(window, 3),
                     "poll_lab_s": s.poll_lab_s, **groups,
                     "expected_cached": expected_fetches(load["cached"], n_load)}}


def expected_fetches(clients: list[Client], neg_ttl_s: int) -> list[int]:
    """[fewest, most] fetches RFC 2308 allows the caching resolvers of ``clients``, from the
    times their clients actually asked (one client per resolver, one name).

    Each resolver fetches at its client's first question, then again at the first question
    after the entry expired. The entry lives N to N + 1 s (the whole-second clock), so two
    fetches are at least N s apart and at most N + 1 s plus the client's longest wait
    between two questions (a client the machine held back waits longer; it cannot widen
    the bound more than it was held back). Over a span S of questions that gives from
    1 + floor(S / (N + 1 + gap)) to 1 + floor(S / N) fetches per resolver.
    """
    low = high = 0
    for c in clients:
        sends = [sent for sent, _ in c.asked]
        if not sends:
            continue
        span = sends[-1] - sends[0]
        gap = max((b[0] - a[0] for a, b in zip(c.asked, c.asked[1:])), default=0.0)
        low += 1 + math.floor(span / (neg_ttl_s + 1 + gap))
        high += 1 + math.floor(span / neg_ttl_s)
    return [low, high]


def entry_age(i: int, neg_ttl_s: int, resolvers: int) -> float:
    """How long before the fix resolver ``i`` fetches the empty answer (lab s): ages spread
    evenly over one negative TTL, (R - i - 1/2) N / R, but at least FETCH_LEAD_S, so that a
    client the machine holds back a little still asks before the fix."""
    return max((resolvers - i - 0.5) * neg_ttl_s / resolvers, FETCH_LEAD_S)


def resolver_hosts(n: int) -> list[str]:
    """``n`` loopback addresses, one per Unbound (127.0.0.2, 127.0.0.3, ...): named's query
    log then says which resolver asked."""
    return [f"127.0.0.{2 + i}" for i in range(n)]


class ClientError(RuntimeError):
    """A client got no answer in time (the machine too busy, or a server gone)."""


# The model population for the comparison: one client per resolver cache, as in the lab, and
# enough caches that the model's own sampling noise stays well under one lab second.
MODEL_RESOLVERS = 400


def model_prediction(settings: TailSettings, neg_ttl_lab_s: int) -> RecoveryPrediction:
    """The DNS model's recovery for one lab setting, in real seconds (seed 0; 1-3 s).

    Same TTLs (scaled up), no client cache, the fixed 1 s retry, one client per resolver.
    """
    k = settings.scale
    n_real = neg_ttl_lab_s * k
    return predict_recovery(neg_ttl_s=n_real, pos_ttl_s=settings.record_ttl_lab_s * k,
                            client_negative_ttl_s=0.0, jvm_share=0.0, retry="fixed",
                            outage_s=n_real + 250.0, n_clients=MODEL_RESOLVERS,
                            n_resolvers=MODEL_RESOLVERS)


def predict(settings: TailSettings, neg_ttl_lab_s: int) -> dict:
    """:func:`model_prediction`'s quantiles in lab seconds."""
    k = settings.scale
    pred = model_prediction(settings, neg_ttl_lab_s)
    return {"p50_s": round(pred.p50_recovery_s / k, 3),
            "p99_s": round(pred.p99_recovery_s / k, 3),
            "all_s": round(pred.all_recovered_s / k, 3)}


def model_tolerance_s(settings: TailSettings) -> float:
    """How far (lab s) measured quantiles may sit from the model's: Unbound's whole-second
    clock (1 s), client scheduling (RULE_TOLERANCE_S) and two retry intervals."""
    return 1.0 + RULE_TOLERANCE_S + 2 * settings.poll_lab_s


def _within_rule(t: float, c: dict) -> bool:
    """Unbound's expiry (between ``unbound_rule_s`` and ``unbound_rule_latest_s``) lies in
    the bracket the client measured: its last "empty" question was sent no later, and its
    first answer with the address came no sooner (each +/- RULE_TOLERANCE_S). Without the
    bracket's ends (older results), ``t`` stands for both."""
    earliest = c["unbound_rule_s"]
    latest = c.get("unbound_rule_latest_s", earliest)
    answered = c.get("answered_s", t)
    last_empty = c.get("last_empty_s", t)
    if answered is None or last_empty is None:
        return False  # never saw the empty answer (asked first after the fix), or never back
    return answered >= earliest - RULE_TOLERANCE_S and last_empty <= latest + RULE_TOLERANCE_S


def compare(settings: TailSettings, row: dict, model: dict) -> dict:
    """Judge one setting's measured clients against Unbound's rule and the model's quantiles.

    ``row`` has ``clients`` (``recovered_s``, ``unbound_rule_s``); ``model`` has ``p50_s`` and
    ``all_s``. Returns the measured quantiles and the verdicts; pure, O(clients log clients).
    """
    times = [c["recovered_s"] for c in row["clients"]]
    done = [t for t in times if t is not None]
    measured = {"p50_s": _quantile(done, 0.5) if done else None,
                "all_s": max(done) if done and len(done) == len(times) else None}
    rule_ok = all(t is not None and _within_rule(t, c) for t, c in zip(times, row["clients"]))
    tolerance = model_tolerance_s(settings)
    agrees = bool(rule_ok and measured["all_s"] is not None
                  and row.get("authoritative_unexplained", 0) == 0
                  and abs(measured["p50_s"] - model["p50_s"]) <= tolerance
                  and abs(measured["all_s"] - model["all_s"]) <= tolerance)
    return {"measured": measured, "model": model, "rule_ok": rule_ok, "agrees": agrees}


def compare_load(load: dict) -> bool:
    """While the record was empty: caching resolvers sent named what RFC 2308 allows, and
    every question through the non-caching ones reached it.

    Counted per resolver, name and type, re-sends apart (:func:`match_queries`): the
    tolerance is none beyond the whole-second clock's range for the caching group, and no
    query named logged may be left unexplained.
    """
    low, high = load["expected_cached"]
    return (low <= load["cached"]["authoritative_queries"] <= high
            and load["uncached"]["authoritative_queries"] == load["uncached"]["client_queries"]
            and load["cached"].get("unexplained", 0) == 0
            and load["uncached"].get("unexplained", 0) == 0)


def run(settings: TailSettings = TailSettings(), *, tool_path: str | None = None) -> dict:
    """Measure, predict with the DNS model, and compare (see :func:`compare`,
    :func:`compare_load`). JSON-ready; times in lab seconds. Cost: :func:`measure` plus one
    model run per setting.
    """
    from outage.lab.race import software_versions  # one definition of "which software"

    find_tool("named", tool_path)
    find_tool("unbound", tool_path)
    started = time.monotonic()
    measured = measure(settings, tool_path=tool_path)
    tolerance = model_tolerance_s(settings)
    for row in measured["settings"]:
        row.update(compare(settings, row, predict(settings, row["neg_ttl_lab_s"])))
    load = measured["load"]
    load["agrees"] = compare_load(load)
    ok = all(row["agrees"] for row in measured["settings"])
    return {"software": software_versions(tool_path),
            "scale": settings.scale, "resolvers": settings.resolvers,
            "poll_lab_s": settings.poll_lab_s, "record_ttl_lab_s": settings.record_ttl_lab_s,
            "tolerance_lab_s": tolerance, "rule_tolerance_lab_s": RULE_TOLERANCE_S,
            **measured,
            "agrees_with_model": bool(ok and load["agrees"]),
            "seconds": round(time.monotonic() - started, 1)}
