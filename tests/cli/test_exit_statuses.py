"""What every command does when its output cannot be written or it is stopped: one line on
stderr and the status its --help lists (4, or 3 for `lab`; 130 for Ctrl-C, 143 for SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from outage.cli import build_parser

FULL = "/dev/full"  # every write fails with ENOSPC, as on a full disk
SMALL_CHECK = ["race", "check", "--enactors", "2", "--plans", "3", "--endpoints", "1",
               "--keep", "1"]
# Long enough to be stopped while it searches (tens of seconds), small enough to start at once.
LONG_CHECK = ["race", "check", "--enactors", "5", "--plans", "8", "--endpoints", "3",
              "--max-states", "10000000"]

needs_dev_full = pytest.mark.skipif(not os.path.exists(FULL), reason="no /dev/full here")



@needs_dev_full
@pytest.mark.parametrize("argv,status", [
    (SMALL_CHECK, 4),
    ([*SMALL_CHECK, "--fix", "conditional-write"], 4),  # holds (0) normally: never read as 1
    ([*SMALL_CHECK, "--json"], 4),
    (["race", "simulate", "--days", "1", "--horizon-s", "3600"], 4),
    (["race", "check", "--help"], 4),
    (["--help"], 4),
    (["lab", "tail", "--help"], 3),  # the lab's 3: its environment, output included
])
def test_results_that_cannot_be_written_are_one_line_and_their_status(argv, status):
    with open(FULL, "w") as full:
        done = subprocess.run([sys.executable, "-m", "outage", *argv], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == status
    assert done.stderr == ("error: cannot write the results to standard output: "
                           "[Errno 28] No space left on device\n")


def _stop_after_start(argv, sig):
    """Start ``argv`` with Ctrl-C's default handling (a background test run ignores it),
    send ``sig`` once it has started, and return (status, stdout, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "outage", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        time.sleep(2.0)
        assert proc.poll() is None, "finished before it could be stopped"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


@pytest.mark.parametrize("sig,status,line", [
    (signal.SIGINT, 130, "error: interrupted\n"),
    (signal.SIGTERM, 143, "error: stopped by SIGTERM\n"),
])
def test_a_stopped_search_is_one_line_and_its_status(sig, status, line):
    assert _stop_after_start(LONG_CHECK, sig) == (status, "", line)


INTERRUPTED_IMPORT = """
import runpy, sys

class CtrlC:  # Ctrl-C arriving while `python -m outage` imports its command line
    def find_spec(self, name, path=None, target=None):
        if name == "outage.cli":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["outage", "race", "check"]
runpy.run_module("outage", run_name="__main__")
"""


def test_ctrl_c_while_the_command_line_is_imported_is_one_line():
    done = subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT], capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "error: interrupted\n")


def test_the_program_help_lists_the_shared_exit_statuses(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out.split("exit status")[1]
    for status in ("0", "1", "2", "3", "4", "130"):
        assert f"\n  {status} " in text, status
    assert "143 stopped by SIGTERM" in text
