"""Real named and Unbound: they answer, stay on loopback, and stop on exit or on error."""

import pytest

pytestmark = pytest.mark.lab

LIFE_CYCLE = """
import json
import dns.rcode
from outage.lab.servers import Record, Zone, addresses, ask, authoritative, resolver, children

zone = Zone("e.lab.test.", (Record("@", "A", "198.18.0.1", 5),), soa_ttl_s=3, soa_minimum_s=3)
out = {}
with authoritative([zone]) as auth:
    out["direct"] = addresses(ask(auth.host, auth.port, "e.lab.test."))
    with resolver(auth, "lab.test.") as res:
        r = ask(res.host, res.port, "e.lab.test.")
        out["through"] = [dns.rcode.to_text(r.rcode()), addresses(r)]
        outside = ask(res.host, res.port, "example.com.")
        out["outside"] = dns.rcode.to_text(outside.rcode())
        out["reached_named"] = auth.queries_for("e.lab.test", "A")
        out["ports_differ"] = auth.port != res.port
        procs = (auth.proc, res.proc)
        dirs = (auth.workdir, res.workdir)
out["stopped"] = all(p.poll() is not None for p in procs)
out["dirs_removed"] = not any(d.exists() for d in dirs)
try:
    with authoritative([zone]) as auth:
        with resolver(auth, "lab.test.") as res:
            procs = (auth.proc, res.proc)
            raise RuntimeError("boom")
except RuntimeError:
    out["stopped_on_error"] = all(p.poll() is not None for p in procs)
out["children"] = children()
print(json.dumps(out))
"""


def test_servers_answer_refuse_the_outside_and_stop(lab):
    out = lab.python(LIFE_CYCLE)
    assert out["direct"] == ["198.18.0.1"]
    assert out["through"] == ["NOERROR", ["198.18.0.1"]]
    # Outside its stub zone the resolver refuses rather than query the Internet.
    assert out["outside"] == "REFUSED"
    assert out["reached_named"] == 2  # the direct query, then Unbound's
    assert out["ports_differ"]
    assert out["stopped"] and out["dirs_removed"] and out["stopped_on_error"]
    assert out["children"] == []
