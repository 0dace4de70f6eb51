"""Start, check and stop real DNS servers on loopback: BIND 9 (`named`) and Unbound.

Claim: the lab's DNS is real software, configured here and nowhere else. Every server runs
in the foreground in its own process group, from a configuration written into a temporary
directory, listening on a free 127.0.0.x port; nothing touches system configuration, system
services or any address outside 127.0.0.0/8.

    client --query--> Unbound (127.0.0.1:R, stub zone) --query--> named (127.0.0.1:A)
                                                                    ^  zones of the endpoints
    Enactor --RFC 2136 UPDATE--------------------------------------+   (allow-update: loopback)

Stopping is guaranteed by context managers (on errors, timeouts and Ctrl-C) and, on Linux,
by asking the kernel to kill each server if the lab process itself dies; a server that drops
to an unprivileged user loses that request, so a guard process (``sh``, reading a pipe from
the lab) kills it when the pipe closes, which it does whenever the lab ends, SIGKILL included.
A server that exits while the lab runs is noticed at the lab's next check
(:func:`check_running`, every 50 ms while the lab waits), with the server's own error text.

Updates and zone transfers are signed with a TSIG key made for each run; started as root,
named runs as ``bind`` and Unbound as ``unbound`` (see :mod:`outage.lab.workdirs`).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import os
import re
import signal
import subprocess
import sys
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
import dns.tsig
import dns.update

from outage.lab import config, workdirs
from outage.signals import HeldSignals
from outage.lab.config import (MissingTool, Record, TsigKey, Zone, zone_file, check_loopback,
                               free_port, render_named_conf, render_unbound_conf, render_zone)

__all__ = ["MissingTool", "Record", "Zone", "TsigKey", "ServerError", "authoritative",
           "resolver", "ask", "addresses", "spawn", "stop", "children", "find_tool",
           "check_loopback", "check_running", "signed", "keyring", "run_briefly"]

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
QUERY_TIMEOUT_S = 1.0
# A UDP query to a port nobody listens on yet just times out, so readiness probes are short.
_PROBE_TIMEOUT_S = 0.1
VERSION_TIMEOUT_S = 10.0  # for `named -v`, `unbound -V`
# A server started on a port that another program took between choosing and binding it
# exits saying so; only then is it started again, on another port (up to _START_ATTEMPTS).
_START_ATTEMPTS = 3
_PORT_TAKEN = re.compile(r"address already in use|address in use|"
                         r"unable to listen on any configured interfaces|could not open ports",
                         re.I)


class ServerError(Exception):
    """A server did not start, stopped while the lab ran, or did not answer in time."""


# Servers running now: pid -> (name, process, files holding its own error text).
_RUNNING: dict[int, tuple[str, subprocess.Popen, tuple[Path, ...]]] = {}
_RUNNING_LOCK = threading.Lock()


def check_running() -> None:
    """Raise ServerError, quoting the server's own error text, if a running server exited."""
    with _RUNNING_LOCK:
        dead = [entry for entry in _RUNNING.values() if entry[1].poll() is not None]
    if dead:
        name, proc, logs = dead[0]
        raise ServerError(f"{name} stopped during the run ({_status(proc.returncode)}): "
                          f"{error_text(logs)}")


def _status(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def pause(seconds: float) -> None:
    """Sleep ``seconds``, checking every 50 ms that every server still runs."""
    deadline = time.monotonic() + seconds
    while True:
        check_running()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def signed(update: dns.update.UpdateMessage, key: TsigKey) -> dns.update.UpdateMessage:
    """``update`` signed with ``key`` (named refuses unsigned ones)."""
    update.use_tsig(dns.tsig.Key(key.name, key.secret, key.algorithm))
    return update


def keyring(key: TsigKey) -> dict:
    """``key`` as a dnspython keyring (for zone transfers)."""
    k = dns.tsig.Key(key.name, key.secret, key.algorithm)
    return {k.name: k}


def find_tool(name: str, tool_path: str | None = None) -> str:
    """Absolute path of the executable ``name`` on ``tool_path`` (default: PATH + sbin).

    Raises :class:`MissingTool` in one line: naming the Debian package when there is no
    ``name`` at all, or naming the file when one is there but is not executable.
    """
    try:
        return config.find_tool(name, tool_path)
    except MissingTool:
        path = config.default_tool_path() if tool_path is None else tool_path
        for directory in filter(None, path.split(os.pathsep)):
            candidate = Path(directory, name)
            if candidate.is_file():  # shutil.which skipped it: not executable by this user
                raise MissingTool(f"{name} found at {candidate} but it is not executable "
                                  f"(chmod +x it, or install the Debian package "
                                  f"{config.PACKAGES.get(name, name)})") from None
        raise


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


def spawn(argv: Sequence[str], **kwargs) -> subprocess.Popen:
    """Start ``argv`` in its own process group, to die with the lab process on Linux.

    A signal that interrupted ``Popen`` would lose the child it had just forked: a server
    whose temporary configuration is deleted before it reads it runs on defaults instead
    (Unbound does, as the system's user, which cancels the death signal). So Ctrl-C and
    SIGTERM wait until the child has started, which is then stopped before they take effect.
    """
    parent = os.getpid()
    with HeldSignals() as held:
        proc = subprocess.Popen(list(argv), start_new_session=True,
                                preexec_fn=lambda: _die_with(parent), **kwargs)
    try:
        held.deliver()
    except BaseException:
        stop(proc)
        raise
    return proc


# Waits for its stdin to close (the lab ended, however it ended), then kills the group.
_GUARD = 'read _ignored; kill -s KILL -- -"$1" 2>/dev/null; exit 0'


def guard(proc: subprocess.Popen) -> subprocess.Popen:
    """A guard that SIGKILLs ``proc``'s process group when the lab ends, even by SIGKILL.

    Needed for servers that drop to another user: Linux then forgets their death signal.
    Stop it with :func:`release`.
    """
    return subprocess.Popen(["sh", "-c", _GUARD, "guard", str(proc.pid)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def release(guard_proc: subprocess.Popen) -> None:
    """Close the guard's pipe (it then kills what is left of its group) and reap it."""
    with contextlib.suppress(OSError):
        guard_proc.stdin.close()
    try:
        guard_proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        guard_proc.kill()
        guard_proc.wait()


def stop(proc: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM the process group of ``proc``, SIGKILL it after ``timeout_s``, and reap it.

    Whatever is left of the group once ``proc`` has exited (children of a server that is a
    script, say) is SIGKILLed too.
    """
    with _RUNNING_LOCK:
        _RUNNING.pop(proc.pid, None)
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout_s)
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL every process left in ``proc``'s group (``proc`` included), reap ``proc`` and
    close its pipes. (A group's id is not given to a new process while a member lives.)"""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def run_briefly(argv: Sequence[str],
                timeout_s: float = VERSION_TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run ``argv`` to its end, its output captured as text, as :func:`spawn` starts a server.

    For the servers' version checks. Whatever it started dies with it: when it ends, times
    out (``subprocess.TimeoutExpired``), fails or is interrupted, every process left in its
    group is killed, and a guard kills them if the lab itself is killed meanwhile.
    """
    proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE, text=True, errors="replace")
    guard_proc = None
    try:
        guard_proc = guard(proc)
        out, err = proc.communicate(timeout=timeout_s)
    finally:
        _kill_group(proc)
        if guard_proc is not None:
            release(guard_proc)
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


def ask(host: str, port: int, name: str, rdtype: str = "A",
        timeout_s: float = QUERY_TIMEOUT_S) -> dns.message.Message:
    """One UDP query to ``host:port`` (recursion desired), as a client would send it."""
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, check_loopback(host), port=port, timeout=timeout_s)


def _wait_until(ready, proc: subprocess.Popen, what: str, logs: Sequence[Path],
                timeout_s: float, where: str = "its port") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"{what} did not start ({_status(proc.returncode)}): "
                              f"{error_text(logs)}{apparmor_hint(what)}")
        check_running()  # the servers it depends on
        try:
            if ready():
                return
        except (OSError, dns.exception.DNSException):
            pass
        time.sleep(0.05)
    raise ServerError(f"{what} did not answer within {timeout_s:g} s: it kept running but "
                      f"answered no query on {where}, so it was stopped and not tried on "
                      f"another port: {error_text(logs)}")


def _port_taken(logs: Sequence[Path]) -> bool:
    """Whether a server's output in ``logs`` says that its address and port were taken."""
    for log in logs:
        with contextlib.suppress(OSError):
            if _PORT_TAKEN.search(log.read_text(errors="replace")):
                return True
    return False


def _start(name: str, binary: str, host: str, workdir: Path,
           configure: Callable[[int], list[str]], ready: Callable[[int], bool],
           timeout_s: float, logs: Sequence[Path] = (),
           user: str | None = None) -> tuple[int, subprocess.Popen, subprocess.Popen]:
    """Start ``binary`` on a free port of ``host`` and wait until ``ready(port)``.

    ``configure(port)`` writes the server's configuration and returns its arguments. Its
    output goes to ``workdir/<name>.stderr``; errors quote the server's own error lines from
    ``logs`` and that file. A server that exits saying its port was taken (by another
    program, between choosing and binding it) is started again on another port, up to
    _START_ATTEMPTS ports; any other failure, such as a server that runs but never answers,
    ends the start at once, since another port would not change it. ``user``: the user the
    server drops to; the workdir is handed to it. Returns the port, the server and its
    guard (:func:`guard`).
    """
    attempt = 1
    stderr = workdir / f"{name}.stderr"
    logs = (*logs, stderr)
    while True:
        port = free_port(host)
        for log in logs:  # what a previous attempt wrote is not this attempt's error
            with contextlib.suppress(OSError):
                log.unlink()
        args = configure(port)
        proc = guard_proc = None
        try:
            with stderr.open("wb") as err:
                workdirs.give_to(workdir, user)
                proc = spawn([binary, *args], stdin=subprocess.DEVNULL, stdout=err,
                             stderr=subprocess.STDOUT)
                guard_proc = guard(proc)
            _wait_until(lambda: ready(port), proc, name, logs, timeout_s, f"{host}:{port}")
        except BaseException as error:  # Ctrl-C while starting must not leak the server
            exited = proc is not None and proc.poll() is not None  # by itself, not stopped
            if proc is not None:
                stop(proc)
            if guard_proc is not None:
                release(guard_proc)
            if (not isinstance(error, ServerError) or not exited or not _port_taken(logs)
                    or attempt == _START_ATTEMPTS):
                raise
            attempt += 1  # the port was taken meanwhile: try another
            continue
        with _RUNNING_LOCK:
            _RUNNING[proc.pid] = (name, proc, logs)
        return port, proc, guard_proc


# A server's own words for what went wrong (named: "config: error: ...", "general: critical:
# ..."; Unbound: "[...] unbound[...] error: ..." or "fatal error: ...").
_ERROR_LINE = re.compile(r"\b(error|critical|fatal|failed|failure|cannot|denied)\b", re.I)
_NOT_THE_CAUSE = re.compile(r"exiting \(due to fatal error\)|loading configuration: failure",
                            re.I)


APPARMOR_PROFILES = Path("/sys/kernel/security/apparmor/profiles")


def apparmor_hint(server: str, profiles: Path = APPARMOR_PROFILES) -> str:
    """A note when AppArmor enforces a profile for ``server`` ("named" or "unbound"), as
    on Ubuntu: Debian's profiles let named read its configuration only under /etc/bind and
    write only under /var/lib/bind, /var/cache/bind, and Unbound only under /etc/unbound,
    /var/lib/unbound, so the lab's temporary directories are refused. "" otherwise."""
    try:
        text = profiles.read_text()
    except OSError:
        return ""
    if f"{server} (enforce)" not in text:
        return ""
    return (f" (AppArmor enforces a profile for {server}, which may refuse the lab's "
            f"directories {workdirs.PREFIX}* under the temporary directory: allow them in "
            f"/etc/apparmor.d/local/usr.sbin.{server}, or put the profile in complain mode)")


def error_text(logs: Sequence[Path], lines: int = 3) -> str:
    """The last error lines in the files ``logs`` (the last lines if none looks like an
    error), joined with " | "; "(empty log)" when they say nothing."""
    every, errors = [], []
    for log in logs:
        with contextlib.suppress(OSError):
            for line in log.read_text(errors="replace").splitlines():
                line = line.strip()
                if line:
                    every.append(line)
                    if _ERROR_LINE.search(line) and not _NOT_THE_CAUSE.search(line):
                        errors.append(line)
    chosen = errors or every
    return " | ".join(chosen[-lines:]) or "(empty log)"


@dataclass(frozen=True)
class LoggedQuery:
    """One line of named's query log: when (epoch s, to the ms), from which address."""

    at: float
    source: str
    name: str  # lower case, no trailing dot
    rdtype: str
    spelled: str = ""  # the name as it reached named, letter case kept, no trailing dot


_QUERY_LINE = re.compile(r"^(\S+) client @\S+ ([0-9.]+)#\d+ \([^)]*\): query: (\S+) IN (\S+) ")


def parse_query_log(text: str) -> list[LoggedQuery]:
    """The queries in named's query log (``print-time iso8601-utc``)."""
    out = []
    for line in text.splitlines():
        m = _QUERY_LINE.match(line)
        if m:
            at = dt.datetime.strptime(m[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
            spelled = m[3].rstrip(".")
            out.append(LoggedQuery(at.timestamp(), m[2], spelled.lower(), m[4], spelled))
    return out


@dataclass
class Authoritative:
    """A running `named`: address, port, zones, its TSIG key and where its logs are."""

    host: str
    port: int
    zones: tuple[Zone, ...]
    workdir: Path
    key: TsigKey = field(repr=False)
    proc: subprocess.Popen = field(repr=False)

    @property
    def query_log(self) -> Path:
        return self.workdir / "queries.log"

    def queries(self) -> list[LoggedQuery]:
        """Every query logged so far."""
        try:
            return parse_query_log(self.query_log.read_text(errors="replace"))
        except FileNotFoundError:
            return []

    def queries_for(self, name: str, rdtype: str | None = None,
                    source: str | None = None) -> int:
        """Queries for ``name`` (any type, or ``rdtype``; from anyone, or from ``source``)
        that reached this server so far, re-sent ones included."""
        name = name.rstrip(".").lower()
        return sum(q.name == name and rdtype in (None, q.rdtype) and source in (None, q.source)
                   for q in self.queries())


@dataclass
class Resolver:
    """A running Unbound: address (also the one it queries named from), port,
    negative-caching cap."""

    host: str
    port: int
    max_negative_ttl_s: int
    workdir: Path
    proc: subprocess.Popen = field(repr=False)


@contextlib.contextmanager
def authoritative(zones: Sequence[Zone], *, host: str = "127.0.0.1",
                  tool_path: str | None = None, key: TsigKey | None = None,
                  timeout_s: float = START_TIMEOUT_S) -> Iterator[Authoritative]:
    """Run `named` for ``zones`` on a free port of ``host`` until the block exits.

    Updates must be signed with ``key`` (default: a new key). Ready means every zone answers
    its SOA query. A port lost to another program between choosing and binding is retried
    (up to 3 ports). Cost: about 0.2-0.5 s to start.
    """
    binary = find_tool("named", tool_path)
    check_loopback(host)
    key = TsigKey.new() if key is None else key
    user = workdirs.daemon_user("named")
    with workdirs.workdir("named", user) as workdir:
        for z in zones:
            (workdir / zone_file(z)).write_text(render_zone(z, host))

        def configure(port: int) -> list[str]:
            conf = workdir / "named.conf"
            conf.write_text(render_named_conf(workdir, host, port, zones, key))
            # -f: foreground; -L: what it logs before its configuration is loaded (errors in
            # that configuration, say) goes to a file, not to syslog; -n 1: one worker.
            return (["-f", "-n", "1", "-L", str(workdir / "startup.log"), "-c", str(conf)]
                    + (["-u", user] if user else []))

        def ready(port: int) -> bool:
            return all(ask(host, port, z.name, "SOA", _PROBE_TIMEOUT_S).rcode() == dns.rcode.NOERROR
                       for z in zones)

        port, proc, guard_proc = _start(
            "named", binary, host, workdir, configure, ready, timeout_s,
            logs=(workdir / "startup.log", workdir / "named.log"), user=user)
        try:
            yield Authoritative(host, port, tuple(zones), workdir, key, proc)
        finally:
            stop(proc)
            release(guard_proc)


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
    user = workdirs.daemon_user("unbound")
    with workdirs.workdir("unbound", user) as workdir:

        def configure(port: int) -> list[str]:
            conf = workdir / "unbound.conf"
            conf.write_text(render_unbound_conf(workdir, host, port, stub_zone, auth.host,
                                                auth.port, max_negative_ttl_s, user))
            return ["-d", "-c", str(conf)]

        def ready(port: int) -> bool:
            return ask(host, port, probe, "SOA", _PROBE_TIMEOUT_S).rcode() == dns.rcode.NOERROR

        port, proc, guard_proc = _start("unbound", binary, host, workdir, configure, ready,
                                        timeout_s, user=user)
        try:
            yield Resolver(host, port, max_negative_ttl_s, workdir, proc)
        finally:
            stop(proc)
            release(guard_proc)


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
