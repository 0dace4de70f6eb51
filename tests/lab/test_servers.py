"""Real named and Unbound: they answer, stay on loopback, and stop on exit or on error."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

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


# What a server whose port was taken meanwhile says as it exits (Unbound's words).
PORT_TAKEN = "raise SystemExit('error: bind: address already in use')"


def _python_server(exit_on_attempts: set[int], ports: list[int], exit_code: str = PORT_TAKEN):
    """A `configure` for servers._start that records each port and makes the attempts in
    `exit_on_attempts` run `exit_code` (by default: exit as a server whose port was taken
    meanwhile does); the others run until stopped."""

    def configure(port: int) -> list[str]:
        ports.append(port)
        code = exit_code if len(ports) in exit_on_attempts else "import time; time.sleep(30)"
        return ["-c", code]

    return sys.executable, configure


@pytest.mark.parametrize("failures", [0, 1, 2])
def test_a_server_that_cannot_bind_is_started_again_on_another_port(tmp_path, failures):
    from outage.lab import servers

    ports: list[int] = []
    binary, configure = _python_server(set(range(1, failures + 1)), ports)
    port, proc, guard = servers._start("stand-in", binary, "127.0.0.1", tmp_path, configure,
                                       lambda port: len(ports) > failures, 5.0)
    try:
        assert len(ports) == failures + 1 and port == ports[-1] and proc.poll() is None
    finally:
        servers.stop(proc)
        servers.release(guard)


def test_a_server_that_never_starts_fails_after_three_ports_naming_it(tmp_path):
    from outage.lab import servers

    ports: list[int] = []
    binary, configure = _python_server({1, 2, 3}, ports)
    with pytest.raises(servers.ServerError, match=r"stand-in did not start \(exit status 1\): "
                                                  r"error: bind: address already in use"):
        servers._start("stand-in", binary, "127.0.0.1", tmp_path, configure, lambda port: False, 5.0)
    assert len(ports) == 3


def test_a_server_that_fails_for_another_reason_is_not_started_again(tmp_path):
    from outage.lab import servers

    ports: list[int] = []
    binary, configure = _python_server({1, 2, 3}, ports,
                                       "raise SystemExit('config: error: bad option')")
    with pytest.raises(servers.ServerError, match=r"^stand-in did not start \(exit status 1\): "
                                                  r"config: error: bad option$"):
        servers._start("stand-in", binary, "127.0.0.1", tmp_path, configure,
                       lambda port: False, 5.0)
    assert len(ports) == 1


def test_a_server_that_runs_but_never_answers_fails_after_one_wait_saying_so(tmp_path):
    from outage.lab import servers

    ports: list[int] = []
    binary, configure = _python_server(set(), ports)  # runs, never ready
    started = time.monotonic()
    with pytest.raises(servers.ServerError) as raised:
        servers._start("stand-in", binary, "127.0.0.1", tmp_path, configure,
                       lambda port: False, 0.5)
    assert time.monotonic() - started < 3.0  # one wait of 0.5 s, not three
    assert len(ports) == 1
    assert str(raised.value) == (
        f"stand-in did not answer within 0.5 s: it kept running but answered no query on "
        f"127.0.0.1:{ports[0]}, so it was stopped and not tried on another port: (empty log)")
    assert servers.children() == []


def _marked(marker: str) -> list[int]:
    """Live processes (not zombies) whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and _alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def _script(tmp_path: Path, body: str) -> tuple[Path, str]:
    """An executable shell script running ``body`` with {marker} replaced by a unique
    ``sleep`` argument, and that marker."""
    marker = f"1000.{uuid.uuid4().int % 10**9:09d}"
    script = tmp_path / "stand-in"
    script.write_text("#!/bin/sh\n" + body.format(marker=marker))
    script.chmod(0o755)
    return script, marker


def _gone(marker: str) -> bool:
    deadline = time.monotonic() + 2
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.02)
    left = _marked(marker)
    for pid in left:  # leave nothing behind whatever the outcome
        os.kill(pid, 9)
    return not left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_version_check_that_times_out_leaves_none_of_its_children(tmp_path):
    from outage.lab import servers

    script, marker = _script(tmp_path, "sleep {marker}\n")
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        servers.run_briefly([str(script), "-v"], 0.3)
    assert time.monotonic() - started < 3.0
    assert _gone(marker)
    assert servers.children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_version_check_that_ends_leaves_none_of_its_children(tmp_path):
    from outage.lab import servers

    script, marker = _script(tmp_path, "sleep {marker} >/dev/null 2>&1 &\necho 'BIND 9.18.0'\n")
    done = servers.run_briefly([str(script), "-v"], 5.0)
    assert done.returncode == 0 and done.stdout == "BIND 9.18.0\n"
    assert _gone(marker)
    assert servers.children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_stopping_a_server_that_exited_stops_what_it_left_running(tmp_path):
    from outage.lab import servers

    script, marker = _script(tmp_path, "sleep {marker} >/dev/null 2>&1 &\nexit 1\n")
    proc = servers.spawn([str(script)])
    proc.wait(5)
    deadline = time.monotonic() + 5
    while not _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _marked(marker)  # the child outlived the script
    servers.stop(proc)
    assert _gone(marker)


# A child that reaches its pre-exec step only after the lab has died, as when the lab is
# killed outright while it waits for the child's exec. It prints its pid, then waits 30 s
# unless the pre-exec step ends it.
LATE_ORPHAN = """
import os, time
from outage.lab.servers import _die_with
lab = os.getpid()
child = os.fork()
if child:
    print(child, flush=True)
    os._exit(0)
while os.getppid() == lab:
    time.sleep(0.01)
_die_with(lab)
time.sleep(30)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_server_whose_lab_died_before_its_exec_exits_at_once():
    proc = subprocess.Popen([sys.executable, "-c", LATE_ORPHAN], stdout=subprocess.PIPE, text=True)
    orphan = int(proc.stdout.readline())
    proc.wait(10)
    proc.stdout.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(orphan):
        time.sleep(0.02)
    try:
        assert not _alive(orphan), "the orphan outlived the lab"
    finally:
        if _alive(orphan):
            subprocess.run(["kill", "-9", str(orphan)], check=False)


# A signal that arrives while Popen waits for the child's exec, made certain by sending it
# from inside Popen once the child exists.
SIGNAL_DURING_SPAWN = """
import json, os, signal, subprocess
from outage.lab import servers

signal.signal(signal.SIGTERM, lambda signum, frame: exit(128 + signum))  # as the lab CLI does
real_popen, started = subprocess.Popen, []

def popen_interrupted(*args, **kwargs):
    started.append(real_popen(*args, **kwargs))
    os.kill(os.getpid(), SIGNUM)
    return started[-1]

subprocess.Popen = popen_interrupted
try:
    servers.spawn(["sleep", "30"])
    raised = None
except BaseException as error:
    raised = type(error).__name__
print(json.dumps({"raised": raised, "child_stopped": started[0].poll() is not None,
                  "children": servers.children()}))
"""


@pytest.mark.parametrize(("signum", "raised"), [(2, "KeyboardInterrupt"), (15, "SystemExit")])
def test_a_signal_during_spawn_stops_the_new_child_then_takes_effect(lab, signum, raised):
    out = lab.python(f"SIGNUM = {signum}\n" + SIGNAL_DURING_SPAWN)
    assert out == {"raised": raised, "child_stopped": True, "children": []}


SECURITY = """
import json, os
import dns.query, dns.rcode, dns.tsig, dns.update
from outage.lab.config import TsigKey
from outage.lab.servers import Record, Zone, authoritative, resolver, signed

zone = Zone("e.lab.test.", (Record("@", "A", "198.18.0.1", 5),), soa_ttl_s=3, soa_minimum_s=3)

def update(auth, key=None):
    u = dns.update.UpdateMessage("e.lab.test.")
    u.replace("@", 5, "A", "198.18.0.2")
    if key is not None:
        signed(u, key)
    try:
        return dns.rcode.to_text(dns.query.tcp(u, auth.host, port=auth.port, timeout=2).rcode())
    except dns.tsig.PeerError as error:  # named answers a bad signature with a TSIG error
        return type(error).__name__

def owner(pid):
    uid = int(next(l for l in open(f"/proc/{pid}/status") if l.startswith("Uid:")).split()[2])
    return uid

out = {}
with authoritative([zone]) as auth:
    with resolver(auth, "lab.test.", host="127.0.0.2") as res:
        out["unsigned"] = update(auth)
        out["wrong_key"] = update(auth, TsigKey.new(auth.key.name))
        out["signed"] = update(auth, auth.key)
        out["uids"] = [owner(auth.proc.pid), owner(res.proc.pid)]
        out["dirs"] = [str(auth.workdir), str(res.workdir)]
        out["modes"] = [oct(os.stat(d).st_mode & 0o777) for d in (auth.workdir, res.workdir)]
        out["dir_uids"] = [os.stat(d).st_uid for d in (auth.workdir, res.workdir)]
print(json.dumps(out))
"""


def test_updates_need_the_runs_key_and_servers_drop_root(lab):
    import os
    import pwd

    out = lab.python(SECURITY)
    assert out["unsigned"] == "REFUSED"
    assert out["wrong_key"] in ("NOTAUTH", "PeerBadSignature", "PeerBadKey")
    assert out["signed"] == "NOERROR"
    assert out["modes"] == ["0o700", "0o700"]
    for path in out["dirs"]:
        assert Path(path).name.startswith("outage-lab-")
        assert not Path(path).exists()  # removed on exit
    if os.geteuid() == 0:
        expected = [pwd.getpwnam("bind").pw_uid, pwd.getpwnam("unbound").pw_uid]
        assert out["uids"] == expected and out["dir_uids"] == expected
    else:
        assert out["uids"] == [os.geteuid()] * 2


def test_named_start_up_errors_are_quoted_in_its_own_words(lab):
    # Two zones with one name: named rejects its configuration before its log files exist.
    out = lab.python("""
import json
from outage.lab.servers import Zone, ServerError, authoritative
try:
    with authoritative([Zone("d.lab.test."), Zone("d.lab.test.")]):
        print(json.dumps({"error": None}))
except ServerError as error:
    print(json.dumps({"error": str(error)}))
""")
    assert out["error"].startswith("named did not start (exit status 1): ")
    assert "zone 'd.lab.test': already exists" in out["error"]


DEATH = """
import json, os, signal, time
from outage.lab.servers import Record, Zone, ServerError, authoritative, resolver, pause
zone = Zone("e.lab.test.", (Record("@", "A", "198.18.0.1", 5),))
with authoritative([zone]) as auth:
    with resolver(auth, "lab.test.", host="127.0.0.2") as res:
        os.kill(auth.proc.pid, signal.SIGKILL)
        killed = time.monotonic()
        try:
            pause(10)
            error = None
        except ServerError as e:
            error = str(e)
        noticed = time.monotonic() - killed
print(json.dumps({"error": error, "noticed_s": noticed}))
"""


def test_a_server_that_dies_is_noticed_at_once(lab):
    out = lab.python(DEATH)
    assert out["error"].startswith("named stopped during the run (killed by SIGKILL)")
    assert out["noticed_s"] < 1.0  # the lab checks every 50 ms, not at its next step


KILLED_LAB = """
import os, sys
from outage.lab.servers import Record, Zone, authoritative, resolver
zone = Zone("e.lab.test.", (Record("@", "A", "198.18.0.1", 5),))
with authoritative([zone]) as auth:
    with resolver(auth, "lab.test.", host="127.0.0.2") as res:
        print(auth.proc.pid, res.proc.pid, auth.workdir, res.workdir, flush=True)
        sys.stdin.read()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_lab_killed_outright_leaves_no_server_and_its_directories_go_next_run(lab):
    from outage.lab import workdirs

    proc = subprocess.Popen([sys.executable, "-c", KILLED_LAB], env=lab.env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        named, unbound, *dirs = proc.stdout.readline().split()
        proc.kill()  # SIGKILL: no Python clean-up runs
        proc.wait(10)
    finally:
        proc.stdin.close()
        proc.stdout.close()
    # Both servers dropped root (when started as root), which cancels the kernel's death
    # signal; their guards kill them instead.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (_alive(int(named)) or _alive(int(unbound))):
        time.sleep(0.05)
    assert not _alive(int(named)) and not _alive(int(unbound))
    assert all(Path(d).exists() for d in dirs)  # nothing ran to remove them
    assert all(workdirs.is_stale(Path(d)) for d in dirs)
    removed = workdirs.remove_stale()
    assert set(map(str, removed)) >= set(dirs)
    assert not any(Path(d).exists() for d in dirs)


def test_stale_directories_are_only_those_whose_owner_is_gone(tmp_path):
    from outage.lab import workdirs

    mine = tmp_path / f"outage-lab-{workdirs.owner_tag()}-named-x"
    gone = tmp_path / "outage-lab-999999999-1-named-x"  # no such pid
    reused = tmp_path / f"outage-lab-{os.getpid()}-1-named-x"  # this pid, another start
    other = tmp_path / "something-else"
    for d in (mine, gone, reused, other):
        d.mkdir()
    assert sorted(workdirs.remove_stale(tmp_path)) == sorted([gone, reused])
    assert mine.exists() and other.exists()


def test_an_enforced_apparmor_profile_is_named_in_the_start_error(tmp_path):
    from outage.lab.servers import apparmor_hint

    profiles = tmp_path / "profiles"
    profiles.write_text("/usr/bin/man (enforce)\nnamed (enforce)\nunbound (complain)\n")
    assert "AppArmor enforces a profile for named" in apparmor_hint("named", profiles)
    assert "/etc/apparmor.d/local/usr.sbin.named" in apparmor_hint("named", profiles)
    assert apparmor_hint("unbound", profiles) == ""  # complain mode refuses nothing
    assert apparmor_hint("named", tmp_path / "absent") == ""  # no AppArmor
