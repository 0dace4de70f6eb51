"""Fixtures for the site tests: one strict build, served on 127.0.0.1, and a Chromium browser."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium as root in a container, with no background traffic to the vendor's services: the
# tests assert that the site itself makes no request beyond 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


@dataclass(frozen=True)
class Build:
    site_dir: Path
    log: str


def mkdocs_build(project_dir: Path, site_dir: Path, site_url: str | None = None) -> subprocess.CompletedProcess:
    """Run a strict build of the project in `project_dir` into `site_dir`."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if site_url:
        env["SITE_URL"] = site_url
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project_dir, env=env, capture_output=True, text=True, check=False,
    )


# A site built beforehand for http://127.0.0.1:PORT/, so that a repeated run of the browser
# tests (benchmarks/browser_stability.py) builds once: OUTAGE_TEST_SITE=DIR:PORT.
PREBUILT = os.environ.get("OUTAGE_TEST_SITE")


@pytest.fixture(scope="session")
def server_address() -> tuple[str, int]:
    """A free loopback port for the test server, known before the build."""
    if PREBUILT:
        return ("127.0.0.1", int(PREBUILT.rsplit(":", 1)[1]))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, server_address) -> Build:
    if PREBUILT:
        return Build(Path(PREBUILT.rsplit(":", 1)[0]), "")
    site_dir = tmp_path_factory.mktemp("site")
    # Material's instant navigation only intercepts links to the sitemap's origin, port included.
    host, port = server_address
    result = mkdocs_build(ROOT, site_dir, site_url=f"http://{host}:{port}/")
    assert result.returncode == 0, result.stderr
    return Build(site_dir, result.stderr)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the base class's name)
        pass


@pytest.fixture(scope="session")
def site_url(built_site, server_address) -> str:
    handler = functools.partial(_QuietHandler, directory=str(built_site.site_dir))
    server = http.server.ThreadingHTTPServer(server_address, handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --system (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Open pages in fresh browser contexts, light or dark; close them afterwards."""
    from browsing import PageWatch

    contexts = []

    def open_page(color_scheme="light"):
        context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        return page, PageWatch(page)

    yield open_page
    for context in contexts:
        context.close()
