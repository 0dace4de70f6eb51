"""The built site's behaviour in a real browser (Debian's Chromium, driven by Playwright).

Figures are drawn again after Material's instant navigation and re-colour with the light/dark
toggle; the key pages pass axe-core in dark mode too and are photographed in both schemes into
artifacts/screenshots. test_browser_pages.py checks every page in light mode.
"""

from __future__ import annotations

import re

import pytest

from browsing import (KEY_PAGES, SCREENSHOTS, assert_figures_drawn, follow_link, go_back, serious_violations,
                      wait_for_figures)

pytestmark = pytest.mark.browser


def test_figures_render_after_instant_navigation(site_url, new_page):
    page, watch = new_page()
    # Instant navigation intercepts clicks once Material has fetched the sitemap.
    page.goto(site_url, wait_until="networkidle")
    wait_for_figures(page)
    page.evaluate("window.__sameDocument = true")
    follow_link(page, 'a.md-nav__link[href$="notebooks/timeline/"]', re.compile(r"notebooks/timeline/$"))
    figures = wait_for_figures(page)
    assert page.evaluate("window.__sameDocument === true"), "the link caused a full page load"
    assert len(figures) >= 1
    assert_figures_drawn(figures)
    go_back(page, site_url)
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


def test_copy_button_copies_the_code_of_its_cell(site_url, new_page):
    page, watch = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page.goto(site_url + "notebooks/cascade/", wait_until="load")
    cell = page.locator("div.jp-CodeCell", has_text="results = scenarios.run_all()").first
    cell.hover()
    cell.locator("clipboard-copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "results = scenarios.run_all()" in copied
    assert copied.strip() == cell.locator("div.highlight-ipynb pre").inner_text().strip()
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


def test_leaving_a_page_while_plotly_loads_draws_the_next_page_without_errors(site_url, new_page):
    """A reader who follows a link before plotly.js has arrived: the figures of the page left
    behind must not fetch their data from below the next page's address (Material changes the
    address before it swaps the markup), and the next page's figures are drawn."""
    page, watch = new_page()
    held = []
    page.route("**/javascripts/plotly.min.js", lambda route: held.append(route))
    with page.expect_response(re.compile(r"sitemap\.xml$")):
        page.goto(site_url, wait_until="domcontentloaded")
    page.wait_for_function("() => document.querySelector('div.plotly-figure') !== null")
    while not held:
        page.wait_for_timeout(20)
    page.evaluate("window.__sameDocument = true")
    follow_link(page, 'a.md-nav__link[href$="notebooks/timeline/"]', re.compile(r"notebooks/timeline/$"))
    held[0].continue_()
    assert_figures_drawn(wait_for_figures(page))
    assert page.evaluate("window.__sameDocument === true"), "the link caused a full page load"
    page.wait_for_timeout(300)  # let any stray fetch of the page left behind settle
    assert watch.errors == []
