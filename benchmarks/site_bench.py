"""Measure the site: build times, page weights, JavaScript per figure page, test-suite time.

    .venv/bin/python benchmarks/site_bench.py            # build and page measurements
    .venv/bin/python benchmarks/site_bench.py --tests    # also time the whole test suite

Prints a Markdown table and writes it to snippets/benchmarks/site.md, which the page "How this
site is built" includes. Targets on the 2-core reference machine: cold build (execute every
notebook, then build) ≤ 60 s, warm rebuild (build only) ≤ 5 s, notebook pages ≤ 150 KB of HTML,
≤ 1.5 MB of JavaScript on a figure page, whole test suite ≤ 5 min.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "site"))
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

KB = 1000
MB = 1000 * 1000
OUTPUT = ROOT / "snippets" / "benchmarks" / "site.md"
JUPYTER_CACHE = ROOT / ".cache" / "mkdocs-jupyter"  # mkdocs.yml: plugins.mkdocs-jupyter.cache_dir
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=ENV, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def build(site_dir: Path, site_url: str) -> float:
    env = {**ENV, "SITE_URL": site_url}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    return time.perf_counter() - start


def script_bytes(url: str) -> int:
    """Bytes of JavaScript a browser downloads to show the page at `url`, figures drawn."""
    from playwright.sync_api import sync_playwright

    total = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(url, wait_until="networkidle")
        page.wait_for_function(
            "[...document.querySelectorAll('div.plotly-figure')].every(d => d.dataset.rendered)"
        )
        for response in responses:
            if response.request.resource_type == "script":
                total += len(response.body())
        browser.close()
    return total


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="also time the whole test suite")
    args = parser.parse_args()

    rows: list[tuple[str, str, str]] = []
    # Cold means nothing cached: mkdocs-jupyter's page cache would spare the conversions.
    shutil.rmtree(JUPYTER_CACHE, ignore_errors=True)
    execute_s = timed([sys.executable, "-m", "outage.site.notebooks", "execute"])
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = Path(tmp) / "site"
        # The URL must be known before the build: the sitemap (and instant navigation) use it.
        probe, url = serve(Path(tmp))
        probe.shutdown()
        probe.server_close()
        cold_s = build(site_dir, url)
        warm_s = build(site_dir, url)
        rows.append(("cold build: execute every notebook, then build", f"{execute_s + cold_s:.1f} s", "≤ 60 s"))
        rows.append(("warm rebuild: build only", f"{warm_s:.1f} s", "≤ 5 s"))

        server, url = serve(site_dir)
        try:
            for page in sorted(site_dir.glob("notebooks/*/index.html")):
                rows.append((f"HTML of {page.parent.relative_to(site_dir)}/", f"{page.stat().st_size / KB:.0f} KB", "≤ 150 KB"))
            for page in sorted(p for p in site_dir.glob("*/index.html") if p.parent.name not in ("notebooks", "source", "search")):
                rows.append((f"HTML of {page.parent.name}/", f"{page.stat().st_size / KB:.0f} KB", ""))
            js = script_bytes(url + "notebooks/timeline/")
            rows.append(("JavaScript loaded by a figure page (notebooks/timeline/)", f"{js / MB:.2f} MB", "≤ 1.5 MB"))
        finally:
            server.shutdown()
            server.server_close()

    if args.tests:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=ROOT, env=ENV, check=False)
        rows.append(("whole test suite", f"{(time.perf_counter() - start) / 60:.1f} min", "≤ 5 min"))

    table = [
        f"Measured on {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| measurement | value | target |",
        "|---|---|---|",
        *(f"| {name} | {value} | {target} |" for name, value, target in rows),
    ]
    text = "\n".join(table) + "\n"
    print(text)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
