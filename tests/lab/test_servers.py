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


def _python_server(exit_on_attempts: set[int], ports: list[int]):
    """A `configure` for servers._start that records each port and makes the attempts in
    `exit_on_attempts` exit at once, as a server whose port was taken meanwhile does."""
    import sys

    def configure(port: int) -> list[str]:
        ports.append(port)
        code = "raise SystemExit(1)" if len(ports) in exit_on_attempts else "import time; time.sleep(30)"
        return ["-c", code]

    return sys.executable, configure


@pytest.mark.parametrize("failures", [0, 1, 2])
def test_a_server_that_cannot_bind_is_started_again_on_another_port(tmp_path, failures):
    from outage.lab import servers

    ports: list[int] = []
    binary, configure = _python_server(set(range(1, failures + 1)), ports)
    port, proc = servers._start("stand-in", binary, "127.0.0.1", tmp_path, configure,
                                lambda port: len(ports) > failures, 5.0)
    try:
        assert len(ports) == failures + 1 and port == ports[-1] and proc.poll() is None
    finally:
        servers.stop(proc)


def test_a_server_that_never_starts_fails_after_three_ports_naming_it(tmp_path):
    from outage.lab import servers

    ports: list[int] = []
    binary, configure = _python_server({1, 2, 3}, ports)
    with pytest.raises(servers.ServerError, match="stand-in exited with status 1"):
        servers._start("stand-in", binary, "127.0.0.1", tmp_path, configure, lambda port: False, 5.0)
    assert len(ports) == 3
