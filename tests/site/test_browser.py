"""The built website in a real browser (headless Chromium), with every network request refused.

Proves what a reader sees offline: formulas typeset by the site's own MathJax, and the static
twin of an explorer answering its slider without a kernel.
"""

import os
import shutil

import pytest

from tools import notebooks as nbtools

SITE = nbtools.ROOT / "_build" / "html"
REQUIRED = os.environ.get("MTL_REQUIRE_SITE") == "1"

if not (SITE / "index.html").exists() or not shutil.which("chromium"):
    if REQUIRED:
        raise RuntimeError("`make test` needs the built site and Debian's chromium (`make browser`)")
    pytest.skip("no built site or no chromium", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), headless=True,
            executable_path=shutil.which("chromium"), args=FLAGS,
        )
        yield context
        context.close()


def open_offline(browser, page_path):
    """Open a built page from disk; any request that is not a local file is refused and recorded."""
    page = browser.new_page()
    refused: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(page_path.as_uri())
    return page, refused


def chapters():
    return nbtools.notebook_paths()


@pytest.mark.parametrize("notebook", chapters(), ids=lambda p: p.stem)
def test_formulas_typeset_offline(browser, notebook):
    html_page = SITE / notebook.relative_to(nbtools.ROOT).with_suffix(".html")
    page, refused = open_offline(browser, html_page)
    page.wait_for_selector("mjx-container", timeout=20_000)
    assert page.locator("mjx-container").count() >= 1
    assert page.locator("text=Math input error").count() == 0
    assert refused == [], f"the page tried to load {refused}"
    page.close()


def test_static_twins_answer_their_slider_without_a_kernel(browser):
    pages = [SITE / p.relative_to(nbtools.ROOT).with_suffix(".html") for p in chapters()]
    with_widgets = [p for p in pages if "application/vnd.jupyter.widget-state+json" in p.read_text()]
    assert with_widgets, "no page embeds a widget"
    for html_page in with_widgets:
        page, refused = open_offline(browser, html_page)
        slider = page.locator(".widget-slider .slider-container, .widget-slider .noUi-target").first
        slider.wait_for(timeout=20_000)
        stack_image = page.locator(".widget-stack img:visible, .jupyter-widgets img:visible").first
        before = stack_image.get_attribute("src")
        page.locator(".widget-slider .noUi-handle").first.focus()
        page.keyboard.press("End")
        page.wait_for_timeout(500)
        after = page.locator(".widget-stack img:visible, .jupyter-widgets img:visible").first
        assert after.get_attribute("src") != before, f"{html_page.name}: slider did not change the figure"
        assert refused == [], f"the page tried to load {refused}"
        page.close()
