"""Run the lab as a reader would (``python -m outage lab ...``) and find what it left behind.

The lab runs in a subprocess: that is the one command a reader runs, and every server and
Enactor it starts can be traced back to it.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from outage.lab.config import MissingTool, find_tool


def skip_without_tools():
    """Skip without BIND 9 or Unbound; fail instead under CI=true, where the workflow
    installs both, so a broken installation cannot pass as a skipped lab. (Here, not in the
    lab's conftest: every test folder's conftest is a module named ``conftest``, so a test
    that imports one may get another folder's.)"""
    try:
        find_tool("named")
        find_tool("unbound")
    except MissingTool as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {error}", pytrace=False)
        pytest.skip(str(error))

LAB_TIMEOUT_S = 60


class Lab:
    """Runs lab commands with a unique environment tag that every started process inherits,
    so a leftover server or Enactor is found even after its parent is gone."""

    def __init__(self):
        self.value = uuid.uuid4().hex
        self.env = dict(os.environ, OUTAGE_LAB_TEST=self.value)

    def __call__(self, *args: str, timeout_s: float = LAB_TIMEOUT_S):
        """(exit status, parsed JSON or text, stderr) of ``python -m outage lab ARGS``."""
        done = subprocess.run([sys.executable, "-m", "outage", "lab", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout_s)
        out = done.stdout
        if "--json" in args and done.returncode < 2:
            out = json.loads(out)
        return done.returncode, out, done.stderr

    def python(self, code: str, timeout_s: float = LAB_TIMEOUT_S) -> dict:
        """Run ``code`` in a fresh interpreter; it prints one JSON object, returned here."""
        done = subprocess.run([sys.executable, "-c", code], env=self.env, capture_output=True,
                              text=True, timeout=timeout_s)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def processes(self) -> list[int]:
        """Live processes (zombies included) carrying this lab's tag."""
        needle = f"OUTAGE_LAB_TEST={self.value}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if needle in (entry / "environ").read_bytes():
                        found.append(int(entry.name))
                except OSError:
                    continue
        return found

    @staticmethod
    def describe(pids: list[int]) -> list[str]:
        """"pid state command line" of each process, for failure messages."""
        out = []
        for pid in pids:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            out.append(f"{pid} {state} {cmd.strip()}")
        return out
