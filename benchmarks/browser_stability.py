"""Run the browser tests many times in a row against one build, and count the failures.

    .venv/bin/python benchmarks/browser_stability.py [RUNS] [--busy] [--logs DIR]

The site is built once (for a fixed local port); each run is a separate pytest process over
every test marked `browser`. With --busy, two CPU burners run throughout, as on a machine that
is building and testing other things at the same time. A flaky test is a bug: the target is no
failure at all. Prints one line per run and a summary; exit status 1 if any run failed.
"""

import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _burn() -> None:
    while True:
        pass


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 20
    busy = "--busy" in sys.argv
    # --logs DIR keeps the whole output of every failed run.
    log_dir = sys.argv[sys.argv.index("--logs") + 1] if "--logs" in sys.argv else None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="outage-browser-") as tmp:
        site = Path(tmp) / "site"
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": f"http://127.0.0.1:{port}/"}
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                       cwd=ROOT, env=env, check=True)
        burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(2 if busy else 0)]
        for b in burners:
            b.start()
        failed = 0
        try:
            for i in range(1, runs + 1):
                start = time.monotonic()
                result = subprocess.run(
                    [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q",
                     "-m", "browser", "tests/site"],
                    cwd=ROOT, env={**os.environ, "OUTAGE_TEST_SITE": f"{site}:{port}"},
                    capture_output=True, text=True)
                summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
                failed += result.returncode != 0
                print(f"run {i:2d}: exit {result.returncode}  {time.monotonic() - start:5.0f} s  {summary}",
                      flush=True)
                if result.returncode:
                    failures = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
                    print("\n".join(failures), flush=True)
                    if log_dir:
                        (Path(log_dir) / f"run-{i:02d}.log").write_text(result.stdout + result.stderr)
        finally:
            for b in burners:
                b.terminate()
    print(f"{runs - failed} of {runs} runs passed{' (two CPU burners running)' if busy else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
