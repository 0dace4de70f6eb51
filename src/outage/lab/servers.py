"""Start, check and stop real DNS servers on loopback: BIND 9 (`named`) and Unbound.

Claim: the lab's DNS is real software, configured here and nowhere else. Every server runs
in the foreground in its own process group, from a configuration written into a temporary
directory, listening on a free 127.0.0.x port; nothing touches system configuration, system
services or any address outside 127.0.0.0/8.

    client --query--> Unbound (127.0.0.1:R, stub zone) --query--> named (127.0.0.1:A)
                                                                    ^  zones of the endpoints
    Enactor --RFC 2136 UPDATE--------------------------------------+   (allow-update: loopback)

Stopping is guaranteed by context managers (on errors, timeouts and Ctrl-C) and, on Linux,
by asking the kernel to kill each server if the lab process itself dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from outage.lab.config import (MissingTool, Record, Zone, zone_file, check_loopback, find_tool,
                               free_port, render_named_conf, render_unbound_conf, render_zone)

__all__ = ["MissingTool", "Record", "Zone", "ServerError", "authoritative", "resolver", "ask",
           "addresses", "spawn", "stop", "children", "find_tool", "check_loopback"]

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
QUERY_TIMEOUT_S = 1.0
# A UDP query to a port nobody listens on yet just times out, so readiness probes are short.
_PROBE_TIMEOUT_S = 0.1
_START_ATTEMPTS = 3


class ServerError(Exception):
    """A server did not start, or did not answer within its time limit."""


# --- Processes --------------------------------------------------------------------------


def _die_with(parent: int) -> None:
    """In the child before exec: ask Linux to SIGKILL it when ``parent`` (the lab) dies.

    If the lab was killed between the fork and this call, no signal would ever come, so the
    orphan exits itself.
    """
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


class _HeldSignals:
    """Ctrl-C and SIGTERM, caught and kept while a child starts, then acted on as usual.

    Python runs signal handlers in the main thread only, so elsewhere there is nothing to hold.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> _HeldSignals:
        self.caught: list[tuple[int, object]] = []
        self.previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                if signal.getsignal(signum) is not None:  # None: installed outside Python
                    self.previous[signum] = signal.signal(signum, self._catch)
        return self

    def _catch(self, signum, frame) -> None:
        self.caught.append((signum, frame))

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def deliver(self) -> None:
        """Do what each caught signal would have done (raise, or end the process)."""
        for signum, frame in self.caught:
            handler = self.previous[signum]
            if handler is signal.SIG_DFL:
                signal.raise_signal(signum)
            elif callable(handler):
                handler(signum, frame)


def spawn(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """Start ``argv`` in its own process group, to die with the lab process on Linux.

    A signal that interrupted ``Popen`` would lose the child it had just forked: a server
    whose temporary configuration is deleted before it reads it runs on defaults instead
    (Unbound does, as the system's user, which cancels the death signal). So Ctrl-C and
    SIGTERM wait until the child has started, which is then stopped before they take effect.
    """
    parent = os.getpid()
    with _HeldSignals() as held:
        proc = subprocess.Popen(list(argv), start_new_session=True,
                                preexec_fn=lambda: _die_with(parent), **kwargs)
    try:
        held.deliver()
    except BaseException:
        stop(proc)
        raise
    return proc


def stop(proc: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM the process group of ``proc``, SIGKILL it after ``timeout_s``, and reap it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout_s)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def ask(host: str, port: int, name: str, rdtype: str = "A",
        timeout_s: float = QUERY_TIMEOUT_S) -> dns.message.Message:
    """One UDP query to ``host:port`` (recursion desired), as a client would send it."""
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, check_loopback(host), port=port, timeout=timeout_s)


def _wait_until(ready, proc: subprocess.Popen, what: str, log: Path,
                timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"{what} exited with status {proc.returncode}: {_tail(log)}")
        try:
            if ready():
                return
        except (OSError, dns.exception.DNSException):
            pass
        time.sleep(0.05)
    raise ServerError(f"{what} did not answer within {timeout_s:g} s: {_tail(log)}")


def _start(name: str, binary: str, host: str, workdir: Path,
           configure: Callable[[int], list[str]], ready: Callable[[int], bool],
           timeout_s: float, log: Path | None = None) -> tuple[int, subprocess.Popen]:
    """Start ``binary`` on a free port of ``host`` and wait until ``ready(port)``.

    ``configure(port)`` writes the server's configuration and returns its arguments. Its
    output goes to ``workdir/<name>.stderr``; errors quote ``log`` instead when that file
    exists by then. A port lost to another program between choosing and binding is retried
    (up to _START_ATTEMPTS ports).
    """
    attempt = 1
    while True:
        port = free_port(host)
        args = configure(port)
        stderr = workdir / f"{name}.stderr"
        proc = None
        try:
            with stderr.open("wb") as err:
                proc = spawn([binary, *args], stdin=subprocess.DEVNULL, stdout=err,
                             stderr=subprocess.STDOUT)
            _wait_until(lambda: ready(port), proc, name,
                        log if log is not None and log.exists() else stderr, timeout_s)
        except BaseException as error:  # Ctrl-C while starting must not leak the server
            if proc is not None:
                stop(proc)
            if not isinstance(error, ServerError) or attempt == _START_ATTEMPTS:
                raise
            attempt += 1  # most likely the port was taken meanwhile: try another
            continue
        return port, proc


def _tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


@dataclass
class Authoritative:
    """A running `named`: address, port, zones and where its logs are."""

    host: str
    port: int
    zones: tuple[Zone, ...]
    workdir: Path
    proc: subprocess.Popen = field(repr=False)

    @property
    def query_log(self) -> Path:
        return self.workdir / "queries.log"

    def queries_for(self, name: str, rdtype: str | None = None) -> int:
        """Queries for ``name`` (any type, or ``rdtype``) that reached this server so far."""
        if not self.query_log.exists():
            return 0
        needle = f"query: {name.rstrip('.')} IN {rdtype or ''}".rstrip().lower()
        with self.query_log.open(errors="replace") as f:
            return sum(needle in line.lower() for line in f)


@dataclass
class Resolver:
    """A running Unbound: address, port, negative-caching cap."""

    host: str
    port: int
    max_negative_ttl_s: int
    workdir: Path
    proc: subprocess.Popen = field(repr=False)


@contextlib.contextmanager
def authoritative(zones: Sequence[Zone], *, host: str = "127.0.0.1",
                  tool_path: str | None = None,
                  timeout_s: float = START_TIMEOUT_S) -> Iterator[Authoritative]:
    """Run `named` for ``zones`` on a free port of ``host`` until the block exits.

    Ready means every zone answers its SOA query. A port lost to another program between
    choosing and binding is retried (up to 3 ports). Cost: about 0.2-0.5 s to start.
    """
    binary = find_tool("named", tool_path)
    check_loopback(host)
    with tempfile.TemporaryDirectory(prefix="outage-named-") as tmp:
        workdir = Path(tmp)
        for z in zones:
            (workdir / zone_file(z)).write_text(render_zone(z, host))

        def configure(port: int) -> list[str]:
            conf = workdir / "named.conf"
            conf.write_text(render_named_conf(workdir, host, port, zones))
            # -f: foreground with the configured log files; -n 1: one worker is plenty.
            return ["-f", "-n", "1", "-c", str(conf)]

        def ready(port: int) -> bool:
            return all(ask(host, port, z.name, "SOA", _PROBE_TIMEOUT_S).rcode() == dns.rcode.NOERROR
                       for z in zones)

        port, proc = _start("named", binary, host, workdir, configure, ready, timeout_s,
                            log=workdir / "named.log")
        try:
            yield Authoritative(host, port, tuple(zones), workdir, proc)
        finally:
            stop(proc)


@contextlib.contextmanager
def resolver(auth: Authoritative, stub_zone: str, *, max_negative_ttl_s: int = 3600,
             host: str = "127.0.0.1", tool_path: str | None = None,
             timeout_s: float = START_TIMEOUT_S) -> Iterator[Resolver]:
    """Run Unbound on a free port of ``host``, resolving ``stub_zone`` through ``auth``.

    ``max_negative_ttl_s`` is Unbound's cache-max-negative-ttl (its default is 3600 s;
    0 turns negative caching off). Ready means it resolves the SOA of the authoritative's
    first zone (a record the lab never asks for again). Cost: about 0.1 s.
    """
    binary = find_tool("unbound", tool_path)
    check_loopback(host)
    probe = auth.zones[0].name
    with tempfile.TemporaryDirectory(prefix="outage-unbound-") as tmp:
        workdir = Path(tmp)

        def configure(port: int) -> list[str]:
            conf = workdir / "unbound.conf"
            conf.write_text(render_unbound_conf(workdir, host, port, stub_zone, auth.host,
                                                auth.port, max_negative_ttl_s))
            return ["-d", "-c", str(conf)]

        def ready(port: int) -> bool:
            return ask(host, port, probe, "SOA", _PROBE_TIMEOUT_S).rcode() == dns.rcode.NOERROR

        port, proc = _start("unbound", binary, host, workdir, configure, ready, timeout_s)
        try:
            yield Resolver(host, port, max_negative_ttl_s, workdir, proc)
        finally:
            stop(proc)


def addresses(response: dns.message.Message, rdtype: str = "A") -> tuple[str, ...]:
    """The sorted addresses of type ``rdtype`` in a response's answer section."""
    wanted = dns.rdatatype.from_text(rdtype)
    return tuple(sorted(rd.to_text() for rrset in response.answer if rrset.rdtype == wanted
                        for rd in rrset))


def children(pid: int | None = None) -> list[int]:
    """Live child processes of ``pid`` (default: this process), from /proc; [] elsewhere.

    Zombies count: a child that exited but was never reaped is a leak too.
    """
    pid = os.getpid() if pid is None else pid
    out = []
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return out
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, ...
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return sorted(out)
