"""The built site in a real browser (Debian's Chromium, driven by Playwright).

Every page loads without console errors and without a request to any host but 127.0.0.1; every
Plotly figure is drawn as an SVG with its traces, on direct load and after Material's instant
navigation; figures re-colour with the light/dark toggle; axe-core finds no serious or critical
accessibility violation. Screenshots of the key pages in both schemes go to artifacts/screenshots.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe

from conftest import ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
KEY_PAGES = ("", "notebooks/timeline/")
# Only these axe impacts fail the test; "moderate" and "minor" findings are reported, not fatal.
FATAL_IMPACTS = {"serious", "critical"}
FIGURE_TIMEOUT_MS = 15_000


def site_pages(built_site, site_url) -> list[str]:
    """Every page of the sitemap, as a URL on the local server."""
    tree = ET.parse(built_site.site_dir / "sitemap.xml")
    locations = [node.text for node in tree.iter() if node.tag.endswith("loc")]
    return [urljoin(site_url, urlparse(location).path.lstrip("/")) for location in locations]


class PageWatch:
    """Collects console errors, uncaught exceptions and requests to other hosts."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("requestfailed", lambda req: self.errors.append(f"failed: {req.url}"))
        page.on("request", self._request)

    def _request(self, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host != "127.0.0.1":
            self.foreign.append(request.url)


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page(color_scheme="light"):
        context = browser.new_context(color_scheme=color_scheme, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        return page, PageWatch(page)

    yield open_page
    for context in contexts:
        context.close()


def wait_for_figures(page) -> list[dict]:
    """Wait until every figure placeholder holds a drawn plot; describe each one."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('div.plotly-figure')]
                 .every(div => div.dataset.rendered === 'true')""",
        timeout=FIGURE_TIMEOUT_MS,
    )
    return page.evaluate(
        """() => Promise.all([...document.querySelectorAll('div.plotly-figure')].map(async div => {
               const spec = await (await fetch(div.dataset.figureSrc)).json();
               return {
                 id: div.id,
                 expectedTraces: spec.data.length,
                 drawnTraces: div._fullData ? div._fullData.length : 0,
                 svgTraces: div.querySelectorAll('svg.main-svg g.trace').length,
                 fontColour: div._fullLayout ? div._fullLayout.font.color : null,
               };
           }))"""
    )


def assert_figures_drawn(figures):
    for figure in figures:
        assert figure["drawnTraces"] == figure["expectedTraces"], figure
        assert figure["svgTraces"] >= 1, figure


def serious_violations(page) -> list[tuple[str, str, int]]:
    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], len(violation["nodes"]))
        for violation in results.response["violations"]
        if violation["impact"] in FATAL_IMPACTS
    ]


def test_every_page_loads_cleanly_draws_its_figures_and_passes_axe(built_site, site_url, new_page):
    pages = site_pages(built_site, site_url)
    assert len(pages) >= 2
    figure_count = 0
    for url in pages:
        page, watch = new_page()
        page.goto(url, wait_until="load")
        figures = wait_for_figures(page)
        assert_figures_drawn(figures)
        figure_count += len(figures)
        page.wait_for_load_state("networkidle")
        assert watch.errors == [], url
        assert watch.foreign == [], url
        assert serious_violations(page) == [], url
    assert figure_count >= 2


def test_figures_render_after_instant_navigation(site_url, new_page):
    page, watch = new_page()
    # Instant navigation intercepts clicks once Material has fetched the sitemap.
    page.goto(site_url, wait_until="networkidle")
    wait_for_figures(page)
    page.evaluate("window.__sameDocument = true")
    page.click('a.md-nav__link[href$="notebooks/timeline/"]')
    page.wait_for_url(re.compile(r"notebooks/timeline/$"))
    figures = wait_for_figures(page)
    assert page.evaluate("window.__sameDocument === true"), "the link caused a full page load"
    assert len(figures) >= 1
    assert_figures_drawn(figures)
    page.go_back()
    page.wait_for_url(site_url)
    assert_figures_drawn(wait_for_figures(page))
    assert watch.errors == []
    assert watch.foreign == []


def test_figures_follow_the_colour_scheme_toggle(site_url, new_page):
    page, watch = new_page("light")
    page.goto(site_url + "notebooks/timeline/", wait_until="load")
    light = wait_for_figures(page)[0]["fontColour"]
    page.click('label.md-header__button[for="__palette_1"]')
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    page.wait_for_function(
        "colour => document.querySelector('div.plotly-figure')._fullLayout.font.color !== colour",
        arg=light,
    )
    dark = wait_for_figures(page)[0]["fontColour"]
    assert light != dark
    assert watch.errors == []


def test_key_pages_in_dark_mode_pass_axe_and_are_photographed(site_url, new_page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for path in KEY_PAGES:
            page, _ = new_page(scheme)
            page.goto(site_url + path, wait_until="load")
            wait_for_figures(page)
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=SCREENSHOTS / f"{name}-{scheme}.png", full_page=True)
            if scheme == "dark":
                assert serious_violations(page) == [], f"{path or 'home'} (dark)"
