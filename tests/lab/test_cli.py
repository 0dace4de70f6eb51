"""The `lab` command's errors and its clean exit on Ctrl-C."""

import signal
import subprocess
import sys
import time

import pytest



@pytest.mark.parametrize("command", ["race", "tail"])
def test_missing_tools_is_one_line_naming_the_package(command, tmp_path):
    done = subprocess.run([sys.executable, "-m", "outage", "lab", command,
                           "--tool-path", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == ("error: named not found: install the Debian package bind9 "
                           "(apt-get install bind9)\n")


def test_missing_unbound_names_its_package(tmp_path, tools):
    from outage.lab.config import find_tool
    (tmp_path / "named").symlink_to(find_tool("named"))
    done = subprocess.run([sys.executable, "-m", "outage", "lab", "race",
                           "--tool-path", str(tmp_path)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: unbound not found: install the Debian package unbound (apt-get install unbound)"]


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
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert proc.returncode != 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and lab.processes():
        time.sleep(0.05)
    # The `lab` fixture then asserts that no tagged process is left.
