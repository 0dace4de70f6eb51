"""Every page of the built site on a phone (390x844): nothing scrolls sideways, not even inside
a content tab once it is opened, and every figure keeps most of its width for its plot area.
Key pages are photographed at 390 px in both schemes into artifacts/screenshots/phone/ (kept by
CI). Also: searching a term finds the chapter that explains it before any notebook."""

from __future__ import annotations

import pytest

from browsing import KEY_PAGES, SCREENSHOTS, site_pages, wait_for_figures

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MIN_PLOT_SHARE = 0.55

LAYOUT = """() => {
  const figures = [...document.querySelectorAll('div.plotly-figure')]
    .filter(div => div.offsetParent !== null)
    .map(div => {
      const box = div.getBoundingClientRect();
      const drag = div.querySelector('.nsewdrag');
      return {id: div.id, width: box.width, right: box.right,
              plot: drag ? drag.getBoundingClientRect().width : null};
    });
  // The root element's client width, not window.innerWidth: on a phone the browser widens
  // its layout viewport to whatever sticks out, so innerWidth would grow with the fault.
  return {scrollWidth: document.documentElement.scrollWidth,
          viewport: document.documentElement.clientWidth, figures};
}"""


def check_layout(page, where: str) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["viewport"], f"{where}: the page scrolls sideways"
    for figure in layout["figures"]:
        assert figure["right"] <= layout["viewport"] + 1, f"{where}: {figure['id']} sticks out"
        if figure["plot"] is not None:
            share = figure["plot"] / figure["width"]
            assert share >= MIN_PLOT_SHARE, f"{where}: {figure['id']} plot area is {share:.0%} wide"


def phone_page(browser, scheme="light"):
    context = browser.new_context(viewport=PHONE, color_scheme=scheme, is_mobile=True,
                                  has_touch=True, device_scale_factor=1)
    return context, context.new_page()


def test_no_page_scrolls_sideways_on_a_phone_and_figures_keep_their_plot_area(built_site, site_url, browser):
    for url in site_pages(built_site, site_url):
        context, page = phone_page(browser)
        try:
            page.goto(url, wait_until="load")
            wait_for_figures(page)
            check_layout(page, url)
            labels = page.locator(".tabbed-labels > label")
            for index in range(labels.count()):
                labels.nth(index).click()
                wait_for_figures(page)
                page.wait_for_timeout(50)
                check_layout(page, f"{url} (tab {labels.nth(index).inner_text()!r})")
        finally:
            context.close()


def test_key_pages_on_a_phone_are_photographed(site_url, browser):
    folder = SCREENSHOTS / "phone"
    folder.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for path in KEY_PAGES:
            context, page = phone_page(browser, scheme)
            try:
                page.goto(site_url + path, wait_until="load")
                wait_for_figures(page)
                name = path.strip("/").replace("/", "-") or "home"
                page.screenshot(path=folder / f"{name}-{scheme}.png", full_page=True)
            finally:
                context.close()


def test_search_finds_the_chapter_before_the_notebook(site_url, new_page):
    page, watch = new_page()
    page.goto(site_url, wait_until="networkidle")
    page.click("input.md-search__input")  # in the header at desktop width
    page.keyboard.type("TTL")
    first = page.locator(".md-search-result__item > a").first
    first.wait_for(timeout=10_000)
    assert first.get_attribute("href").split("?")[0].split("#")[0].rstrip("/").endswith("/dns-caching")
    titles = page.locator(".md-search-result__item h1, .md-search-result__item h2").all_inner_texts()
    assert titles and not [title for title in titles if "¶" in title]
    assert watch.errors == []
