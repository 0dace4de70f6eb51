"""The `lab` command's exit codes, its one-line errors and its clean exit on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from outage.lab.config import find_tool


def _lab(*args, env=None, stdout=subprocess.PIPE, timeout=60):
    return subprocess.run([sys.executable, "-m", "outage", "lab", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("command", ["race", "tail"])
def test_help_lists_one_meaning_per_exit_code(command):
    done = _lab(command, "--help")
    codes = [line.split()[0] for line in done.stdout.splitlines()
             if line[:3].strip().isdigit() and line.startswith("  ")]
    assert codes == ["0", "1", "2", "3", "130,"]
    assert "  0  every measurement agrees with the model" in done.stdout
    assert "  2  bad input" in done.stdout and "  3  environment" in done.stdout


@pytest.mark.parametrize("command", ["race", "tail"])
def test_missing_tools_is_one_line_naming_the_package(command, tmp_path):
    done = subprocess.run([sys.executable, "-m", "outage", "lab", command,
                           "--tool-path", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr == ("error: named not found: install the Debian package bind9 "
                           "(apt-get install bind9)\n")


def test_missing_unbound_names_its_package(tmp_path, tools):
    from outage.lab.config import find_tool
    (tmp_path / "named").symlink_to(find_tool("named"))
    done = subprocess.run([sys.executable, "-m", "outage", "lab", "race",
                           "--tool-path", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [
        "error: unbound not found: install the Debian package unbound (apt-get install unbound)"]


def test_a_program_that_is_not_bind_is_refused_in_one_line(tmp_path, tools):
    from outage.lab.config import find_tool
    fake = tmp_path / "named"
    fake.write_text("#!/bin/sh\necho 'not a name server'\n")
    fake.chmod(0o755)
    (tmp_path / "unbound").symlink_to(find_tool("unbound"))
    done = _lab("tail", "--tool-path", str(tmp_path))
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {fake} is not BIND 9 ({fake} -v printed: not a name server)"]


def test_a_named_that_is_not_executable_is_named_with_its_path(tmp_path):
    fake = tmp_path / "named"
    fake.write_text("#!/bin/sh\necho 'BIND 9.18.0'\n")
    fake.chmod(0o644)
    done = _lab("race", "--tool-path", str(tmp_path), timeout=30)
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: named found at {fake} but it is not executable (chmod +x it, or install the "
        f"Debian package bind9)"]


def _marked(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                found.append(int(entry.name))
    return found


# The lab's command line with its version checks' time limit cut from 10 s to 0.5 s (on code
# without that limit the check still times out, after 10 s).
SHORT_VERSION_CHECK = """
import sys
from outage.lab import servers
servers.VERSION_TIMEOUT_S = 0.5
from outage.cli import main
sys.exit(main(sys.argv[1:]))
"""

# `named -v` that hangs in a child; one that prints the version and leaves a child running
# (its output elsewhere, so the check does not wait for it); for the start, each exits.
FAKE_NAMED = {
    "hangs": "#!/bin/sh\nsleep {marker}\n",
    "leaves a child": ("#!/bin/sh\nsleep {marker} >/dev/null 2>&1 &\n"
                       "[ \"$1\" = -v ] && echo 'BIND 9.18.0' && exit 0\n"
                       "echo 'general: critical: stand-in' >&2; exit 1\n"),
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("kind", list(FAKE_NAMED))
def test_a_named_script_leaves_no_process_behind(tmp_path, lab, kind):
    marker = f"1000.{uuid.uuid4().int % 10**9:09d}"  # `sleep 1000.xxx`: found by its argument
    fake = tmp_path / "named"
    fake.write_text(FAKE_NAMED[kind].format(marker=marker))
    fake.chmod(0o755)
    (tmp_path / "unbound").symlink_to(find_tool("unbound"))
    try:
        done = subprocess.run([sys.executable, "-c", SHORT_VERSION_CHECK, "lab", "tail",
                               "--tool-path", str(tmp_path)], env=lab.env, capture_output=True,
                              text=True, timeout=60)
        lines = done.stderr.splitlines()
        assert done.returncode == 3 and len(lines) == 1, lines
        if kind == "hangs":
            assert lines[0] == (f"error: {fake} does not run: {fake} -v did not finish within "
                                f"0.5 s (stopped, with every process it started)")
        else:
            assert lines[0].startswith("error: named did not start (exit status 1): "), lines
            assert "stand-in" in lines[0]
        deadline = time.monotonic() + 2
        while _marked(marker) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _marked(marker) == [], f"left running: sleep {marker}"
    finally:
        for pid in _marked(marker):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(("args", "message"), [
    (["--neg-ttl", "300,300"], "error: --neg-ttl lists 300 more than once; give each negative "
                               "TTL once"),
    (["--neg-ttl", "100,200,300,400,500,600"], "error: --neg-ttl lists 6 negative TTLs; at most 5"),
    (["--neg-ttl", "3100"], "error: --neg-ttl 3100 s at scale 100 is 31 lab seconds; each "
                            "negative TTL must be from 100 to 3000 s at this scale, 1 to 30 lab "
                            "seconds (30 bounds the run time)"),
    (["--neg-ttl", "1e30"], "error: --neg-ttl 1e+30 s at scale 100 is 1e+28 lab seconds; each "
                            "negative TTL must be from 100 to 3000 s"),
    (["--neg-ttl", "1e30", "--scale", "10"], "error: --neg-ttl 1e+30 s at scale 10 is 1e+29 lab "
                                             "seconds; each negative TTL must be from 10 to 300 s"),
    (["--neg-ttl", "-1"], "error: --neg-ttl -1 s at scale 100 is -0.01 lab seconds; each negative "
                          "TTL must be from 100 to 3000 s"),
    (["--neg-ttl", "0"], "error: --neg-ttl 0 s at scale 100 is 0 lab seconds; each negative TTL "
                         "must be from 100 to 3000 s"),
    (["--neg-ttl", "300,,600"], "error: --neg-ttl has an empty entry in '300,,600'"),
    (["--neg-ttl", "300,"], "error: --neg-ttl has an empty entry in '300,'"),
    (["--neg-ttl", "inf"], "error: --neg-ttl must be whole seconds separated by commas"),
    (["--neg-ttl", "3e2.5"], "error: --neg-ttl must be whole seconds separated by commas"),
    (["--neg-ttl", "x"], "error: --neg-ttl must be whole seconds separated by commas, got 'x'"),
    (["--neg-ttl", ","], "error: --neg-ttl must list at least one negative TTL"),
    (["--scale", "101"], "error: --scale must be from 1 to 100 (below 1 the lab would run"),
    (["--scale", "nan"], "error: --scale must be from 1 to 100"),
    (["--scale", "inf"], "error: --scale must be from 1 to 100"),
    (["--scale", "1e30"], "error: --scale must be from 1 to 100"),
    (["--scale", "0"], "error: --scale must be from 1 to 100"),
    (["--scale", "-1"], "error: --scale must be from 1 to 100"),
    (["--scale", "0.5"], "error: --scale must be from 1 to 100"),
    (["--scale", "x"], "error: argument --scale: invalid float value: 'x'"),
    (["--scale", "1"], "error: --scale 1 needs --neg-ttl: the default negative TTLs "
                       "(300,600,900 s) are not whole numbers from 1 to 30 lab seconds at that "
                       "scale; give TTLs that are, such as 1 to 30 s in multiples of 1 s"),
    (["--scale", "2.5"], "error: --scale 2.5 needs --neg-ttl"),
    (["--resolvers", "17"], "error: --resolvers must be from 1 to 16 (each is an Unbound "
                            "process), got 17"),
    (["--resolvers", "0"], "error: --resolvers must be from 1 to 16"),
    (["--resolvers", "1e30"], "error: --resolvers must be from 1 to 16 (each is an Unbound "
                              "process), got 1e+30"),
    (["--resolvers", "-1"], "error: --resolvers must be from 1 to 16"),
    (["--resolvers", "2.5"], "error: argument --resolvers: not a whole number: '2.5'"),
    (["--tool-path", ""], "error: argument --tool-path: names no directory: ''"),
    (["--tool-path", "::"], "error: argument --tool-path: names no directory: '::'"),
])
def test_bad_tail_parameters_are_one_line_naming_the_bound_and_why(args, message):
    done = _lab("tail", *args, timeout=30)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines
    if "must be from" in message or "at most" in message:
        assert "(" in lines[0]  # the reason for the bound
    assert args[0] in lines[0]  # the flag, by name


def test_negative_ttls_are_whole_numbers_as_the_other_commands_read_them():
    pytest.importorskip("dns")
    from outage.lab.tail import settings_from

    # Exponent form, as outage.cli.whole_number reads every whole number of the project.
    assert settings_from(None, "9e2, 3e2,1000", None).neg_ttls_real_s == (900, 300, 1000)


@pytest.mark.lab
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_results_that_cannot_be_written_are_one_line(lab):
    with open("/dev/full", "w") as full:
        done = _lab("tail", "--neg-ttl", "100", "--resolvers", "1", "--json", stdout=full,
                    env=lab.env)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "error: cannot write the results: No space left on device"]


def _comm(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


@pytest.mark.lab
def test_a_server_killed_mid_run_ends_the_run_at_once_with_exit_3(lab):
    proc = subprocess.Popen([sys.executable, "-m", "outage", "lab", "tail", "--neg-ttl", "900",
                             "--resolvers", "2"], env=lab.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        named = None
        deadline = time.monotonic() + 20
        while named is None and time.monotonic() < deadline:
            named = next((pid for pid in lab.processes()
                          if _comm(pid) == "named" and len(lab.processes()) >= 6), None)
            time.sleep(0.05)
        assert named is not None
        time.sleep(0.5)
        os.kill(named, signal.SIGKILL)
        killed = time.monotonic()
        _, stderr = proc.communicate(timeout=30)
        ended_after = time.monotonic() - killed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: named stopped during the run (killed by SIGKILL)"), lines
    assert ended_after < 3.0  # a 9 s run, ended well before its end


@pytest.mark.lab
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_lab_stops_everything_it_started(lab, sig):
    # `lab tail` keeps its servers up for seconds while the scaled TTLs run out, so the signal
    # lands mid-run; the race replay can finish between two polls of the process list.
    proc = subprocess.Popen([sys.executable, "-m", "outage", "lab", "tail"],
                            env=lab.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 15
        # Wait until the servers are up (all are tagged children), then interrupt.
        while time.monotonic() < deadline and len(lab.processes()) < 3:
            time.sleep(0.05)
        assert len(lab.processes()) >= 3
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + sig
    # One line, no traceback, even though the signal lands in the middle of the run.
    assert stderr.splitlines() == [
        ("error: interrupted" if sig == signal.SIGINT else "error: stopped by SIGTERM")
        + "; every server the lab started is stopped"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and lab.processes():
        time.sleep(0.05)
    # The `lab` fixture then asserts that no tagged process is left.


def test_an_error_inside_the_lab_is_its_own_failure_not_bad_input(monkeypatch, capsys):
    # The parameters are checked before the experiment starts; a ValueError raised while it
    # runs is the lab's failure (3), not the reader's bad input (2).
    from types import SimpleNamespace

    from outage.lab import cli as lab_cli

    monkeypatch.setattr(lab_cli, "_check_tools", lambda tool_path: None)
    monkeypatch.setattr(lab_cli, "_stop_on_sigterm", lambda: None)

    def broken():
        raise ValueError("an answer the lab could not read")

    status = lab_cli._run(SimpleNamespace(tool_path=None, json=False), broken, str, bool)
    assert status == 3
    assert capsys.readouterr().err == (
        "error: the lab failed: ValueError: an answer the lab could not read\n")
