"""A DNS Enactor as its own process, applying plans to BIND with RFC 2136 DNS UPDATE.

Claim: this is the Enactor of the AWS summary, reduced to its DNS writes. It takes the
newest plan from the plan store and checks once that it is newer than the plan it applied
last; it then writes the endpoints one at a time, each as ONE UPDATE transaction to that
endpoint's zone; afterwards it cleans up, deleting every plan more than ``keep`` generations
older than the one it applied, from the store and from every zone.

    stdin (one JSON command per line)        stdout (one JSON reply per line)
    {"op": "take"}                   ---->   {"plan": 3, "last": 0}
    {"op": "lock"}                   ---->   {"endpoint": 0, "rcode": "NOERROR", ...}
    {"op": "write"}                  ---->   {"endpoint": 0, "outcome": "applied", ...}
    {"op": "cleanup"}                ---->   {"deleted": [0, 1]}

The Enactor waits for each command: that wait is the delay the replay injects, so a step
happens exactly where the race model's trace puts it. Which plan it takes, which endpoint it
writes next and what the server does with the write are decided here, not by the replay.

Zone layout (one zone per endpoint, as in talk DAT453), for plan g:

    <endpoint zone>     A/AAAA  the active plan's addresses (the alias, kept flattened)
    p<g>.<zone>         A/AAAA  plan g's record tree (its load balancers)
    _generation.<zone>  TXT     generation of the active plan
    _lock.<zone>        TXT     "free" or "holder=<name> expires=<epoch s>" (lock variant)

Assumption: BIND has no alias records, so the endpoint's apex holds a copy of the active
tree's addresses, and deleting a plan deletes its records wherever they are, that copy
included -- as deleting an alias's target leaves the alias answering nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update
import dns.zone

from outage.lab.config import TsigKey

UPDATE_TIMEOUT_S = 2.0
# Attempts of one conditional write when the generation moved to something still older.
_CAS_ATTEMPTS = 3
# Lock expiry (s). Assumption: not public; long enough that no lock expires during a replay.
LOCK_TTL_S = 60
FREE = "free"
RECORD_TTL_S = 0  # race replays show every change at once; caching is the tail's subject


@dataclass(frozen=True)
class Endpoint:
    """An endpoint: its zone (absolute name) and the address type it serves."""

    zone: str
    rdtype: str  # "A" or "AAAA"


def plan_path(store: Path, generation: int) -> Path:
    return store / f"plan-{generation:06d}.json"


def plan_generations(store: Path) -> list[int]:
    """Generations present in the plan store, oldest first."""
    return sorted(int(p.stem.split("-")[1]) for p in store.glob("plan-*.json"))


def read_plan(store: Path, generation: int) -> dict:
    return json.loads(plan_path(store, generation).read_text())


def txt_value(rdata) -> str:
    return b"".join(rdata.strings).decode()


def quoted(value: str) -> str:
    return f'"{value}"'


@dataclass
class Enactor:
    """One Enactor's memory and its DNS writes. ``server`` is ``(host, port)`` of `named`."""

    name: str
    server: tuple[str, int]
    store: Path
    endpoints: tuple[Endpoint, ...]
    keep: int
    key: TsigKey | None = None  # signs every UPDATE and zone transfer (named requires it)
    conditional: bool = False  # the fix: each write is a compare-and-set on _generation
    lock: bool = False  # the talk's per-endpoint TXT lock
    last: int = 0  # generation this Enactor applied last (bootstrap: plan 0)
    plan: dict | None = None
    at: int = 0
    expected: dict[int, int] = field(default_factory=dict)
    lock_value: str | None = None

    # --- reads (the control-plane view: straight from the authoritative server) ---------

    def _query(self, name: str, rdtype: str) -> dns.message.Message:
        q = dns.message.make_query(name, rdtype)
        host, port = self.server
        return dns.query.tcp(q, host, port=port, timeout=UPDATE_TIMEOUT_S)

    def read_txt(self, e: int, label: str) -> str | None:
        response = self._query(f"{label}.{self.endpoints[e].zone}", "TXT")
        values = [txt_value(rd) for rrset in response.answer for rd in rrset]
        return values[0] if values else None

    def generation(self, e: int) -> int:
        return int(self.read_txt(e, "_generation"))

    def _tsig(self) -> dns.tsig.Key | None:
        k = self.key
        return None if k is None else dns.tsig.Key(k.name, k.secret, k.algorithm)

    def _send(self, update: dns.update.UpdateMessage) -> str:
        host, port = self.server
        if self.key is not None:
            update.use_tsig(self._tsig())
        response = dns.query.tcp(update, host, port=port, timeout=UPDATE_TIMEOUT_S)
        return dns.rcode.to_text(response.rcode())

    # --- steps ------------------------------------------------------------------------

    def take(self) -> dict:
        """Take the newest plan and make the run's one newer-than check."""
        newest = max(plan_generations(self.store))
        if newest <= self.last:
            return {"plan": None, "last": self.last}
        self.plan = read_plan(self.store, newest)
        self.at = 0
        if self.conditional:
            # The fix: remember what each endpoint holds now; every write is conditional on it.
            self.expected = {e: self.generation(e) for e in range(len(self.endpoints))}
        return {"plan": newest, "last": self.last}

    def take_lock(self, expected: str | None = None) -> dict:
        """Win the current endpoint's lock: delete the exact value read, add our own.

        ``expected`` overrides the value read (used to show a racing attempt refused).
        """
        e = self.at
        seen = self.read_txt(e, "_lock") if expected is None else expected
        if seen != FREE and _lock_expiry(seen) > time.time():
            return {"endpoint": e, "rcode": None, "outcome": "busy", "holder": seen}
        mine = f"holder={self.name} expires={int(time.time()) + LOCK_TTL_S}"
        u = dns.update.UpdateMessage(self.endpoints[e].zone)
        u.present("_lock", "TXT", quoted(seen))  # exact value, or the batch is refused
        u.delete("_lock", "TXT", quoted(seen))
        u.add("_lock", RECORD_TTL_S, "TXT", quoted(mine))
        rcode = self._send(u)
        if rcode == "NOERROR" and expected is None:
            self.lock_value = mine
        return {"endpoint": e, "rcode": rcode,
                "outcome": "locked" if rcode == "NOERROR" else "refused"}

    def write(self) -> dict:
        """Write the current plan to the next endpoint as one UPDATE transaction."""
        e = self.at
        g = self.plan["generation"]
        ep = self.endpoints[e]
        addresses = self.plan["endpoints"][ep.zone]
        rcodes = []
        outcome = "refused"
        for _ in range(_CAS_ATTEMPTS):
            u = dns.update.UpdateMessage(ep.zone)
            if self.conditional:
                u.present("_generation", "TXT", quoted(str(self.expected[e])))
            if self.lock:
                u.present("_lock", "TXT", quoted(self.lock_value))
                u.delete("_lock", "TXT", quoted(self.lock_value))
                u.add("_lock", RECORD_TTL_S, "TXT", quoted(FREE))
            u.delete(f"p{g}", ep.rdtype)
            u.delete("@", ep.rdtype)
            for address in addresses:
                u.add(f"p{g}", RECORD_TTL_S, ep.rdtype, address)
                u.add("@", RECORD_TTL_S, ep.rdtype, address)
            u.replace("_generation", RECORD_TTL_S, "TXT", quoted(str(g)))
            rcodes.append(self._send(u))
            if rcodes[-1] == "NOERROR":
                outcome = "applied"
                break
            if not self.conditional:
                break
            current = self.generation(e)
            if current >= g:
                outcome = "stale"  # the endpoint already has this plan or a newer one
                break
            self.expected[e] = current  # moved, but to something older: try again
        if self.lock and outcome != "applied":
            self._release_lock(e)
        self.lock_value = None
        self.at += 1
        if self.at == len(self.endpoints):
            self.last = g
        return {"endpoint": e, "plan": g, "outcome": outcome, "rcodes": rcodes}

    def _release_lock(self, e: int) -> None:
        u = dns.update.UpdateMessage(self.endpoints[e].zone)
        u.present("_lock", "TXT", quoted(self.lock_value))
        u.delete("_lock", "TXT", quoted(self.lock_value))
        u.add("_lock", RECORD_TTL_S, "TXT", quoted(FREE))
        self._send(u)

    def cleanup(self) -> dict:
        """Delete every plan more than ``keep`` generations older than the one just applied.

        From every zone it deletes each doomed plan's tree and the copies of its addresses at
        the apex (the alias); from the store, the plan files. One UPDATE per zone.
        """
        cutoff = self.plan["generation"] - self.keep
        host, port = self.server
        deleted: set[int] = set()
        for ep in self.endpoints:
            tsig = self._tsig()
            keyring = None if tsig is None else {tsig.name: tsig}
            zone = dns.zone.from_xfr(dns.query.xfr(host, ep.zone, port=port,
                                                   timeout=UPDATE_TIMEOUT_S, keyring=keyring,
                                                   keyname=None if tsig is None else tsig.name))
            u = dns.update.UpdateMessage(ep.zone)
            doomed = False
            for name, node in zone.nodes.items():
                label = name.to_text()
                if not (label.startswith("p") and label[1:].isdigit() and int(label[1:]) < cutoff):
                    continue
                rdataset = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(ep.rdtype))
                if rdataset is None:
                    continue
                deleted.add(int(label[1:]))
                doomed = True
                u.delete(label, ep.rdtype)
                for rd in rdataset:
                    u.delete("@", ep.rdtype, rd.to_text())
            if doomed:
                self._send(u)
        for g in plan_generations(self.store):
            if g < cutoff:
                deleted.add(g)
                plan_path(self.store, g).unlink()
        self.plan = None
        return {"deleted": sorted(deleted)}


def _lock_expiry(value: str | None) -> float:
    """Expiry (epoch s) of a lock value; a missing or unreadable value counts as expired."""
    fields = dict(part.split("=", 1) for part in (value or "").split() if "=" in part)
    try:
        return float(fields.get("expires", 0))
    except ValueError:
        return 0.0


def serve(enactor: Enactor, commands=sys.stdin, replies=sys.stdout) -> None:
    """Answer one command per line until stdin closes; an error is a reply, not a crash."""
    handlers = {"take": lambda c: enactor.take(),
                "lock": lambda c: enactor.take_lock(c.get("expected")),
                "write": lambda c: enactor.write(),
                "cleanup": lambda c: enactor.cleanup()}
    for line in commands:
        command = json.loads(line)
        try:
            reply = handlers[command["op"]](command)
        except Exception as error:  # reported to the replay, which stops with it
            reply = {"error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="One DNS Enactor (driven by outage.lab.race).")
    parser.add_argument("--name", required=True)
    parser.add_argument("--server", required=True, help="HOST:PORT of the authoritative server")
    parser.add_argument("--store", required=True, type=Path, help="plan store directory")
    parser.add_argument("--endpoint", action="append", required=True, metavar="ZONE:TYPE")
    parser.add_argument("--keep", type=int, required=True)
    parser.add_argument("--key-file", type=Path, default=None,
                        help="TSIG key to sign with (name, algorithm, base64 secret)")
    parser.add_argument("--conditional", action="store_true")
    parser.add_argument("--lock", action="store_true")
    args = parser.parse_args(argv)
    host, port = args.server.rsplit(":", 1)
    endpoints = tuple(Endpoint(*spec.rsplit(":", 1)) for spec in args.endpoint)
    key = None if args.key_file is None else TsigKey.from_file(args.key_file)
    serve(Enactor(args.name, (host, int(port)), args.store, endpoints, args.keep, key=key,
                  conditional=args.conditional, lock=args.lock))


if __name__ == "__main__":
    main()
