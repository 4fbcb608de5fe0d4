"""The built website in a real browser (headless Chromium), with every request outside the site refused.

Every page that _toc.yml makes is opened once at a desktop width and once at a phone width, in a
fresh browser context (so no page inherits another's stored settings). One visit waits for the
formulas (MathJax's own promise), the widgets and the images, records what the browser reports,
measures the layout, writes a full-page screenshot to _build/screenshots/<page>-<width>.png when
asked (``make screenshots``, which sets MTL_SCREENSHOTS=1: a screenshot takes a third of a visit),
and then moves each static twin's slider and opens each exercise solution. The tests below read what
that visit recorded, so a failure names the page, the width and what went wrong.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from built_site import REQUIRED, SCREENSHOTS, SITE, Page, built, colab_url, toc_pages

if not built() or not shutil.which("chromium"):
    if REQUIRED:
        raise RuntimeError("`make test` needs the built site and Debian's chromium (`make browser`)")
    pytest.skip("no built site or no chromium", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCAL = ("file:", "data:", "blob:", "about:")  # a blob: URL is the widget manager's own
TAKE_SCREENSHOTS = os.environ.get("MTL_SCREENSHOTS") == "1"
WAIT_MS = 20_000  # the longest wait for a condition (formulas typeset, widgets drawn, images loaded)
SLIDER_MIN_PX = 200

PAGES = toc_pages()
CASES = [(page, width) for page in PAGES for width in WIDTHS]
NOTEBOOK_CASES = [(page, width) for page, width in CASES if page.is_notebook]


def html_of(page: Page) -> str:
    return page.html.read_text(encoding="utf-8") if page.html.exists() else ""


TWIN_CASES = [(p, w) for p, w in CASES if "application/vnd.jupyter.widget-state+json" in html_of(p)]
SOLUTION_CASES = [(p, w) for p, w in CASES if 'class="solution' in html_of(p)]


def case_id(case) -> str:
    page, width = case
    return f"{page.name}-{width}"


@dataclass
class Visit:
    """What one page showed at one width."""

    console: list[str] = field(default_factory=list)  # errors and warnings, uncaught exceptions
    failed: list[str] = field(default_factory=list)  # requests that failed
    refused: list[str] = field(default_factory=list)  # requests outside the site
    math: dict = field(default_factory=dict)
    broken_images: list[str] = field(default_factory=list)
    colab: list[str] = field(default_factory=list)  # addresses of the Colab links
    launch_colab: list[str] = field(default_factory=list)  # ... of those in the launch button
    links: list[str] = field(default_factory=list)  # every <a href>, resolved
    ids: set[str] = field(default_factory=set)
    layout: dict = field(default_factory=dict)
    wide_blocks: list[str] = field(default_factory=list)  # code, outputs, tables that scroll sideways
    widgets: list[str] = field(default_factory=list)  # problems drawing embedded widgets
    twins: list[str] = field(default_factory=list)  # problems moving a static twin's slider
    twin_count: int = 0
    solutions: list[str] = field(default_factory=list)  # problems with folded solutions
    solution_count: int = 0
    figures: list[dict] = field(default_factory=list)  # every figure of the cells' outputs, measured
    screenshot: Path | None = None


MATH_STATE = """() => {
  const math = [...document.querySelectorAll('span.math, div.math')];
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight')
    .forEach(e => e.remove());
  const text = clone.textContent;
  const raw = [];
  for (const mark of ['$$', '\\\\(', '\\\\[']) {
    const at = text.indexOf(mark);
    if (at >= 0) raw.push(text.slice(Math.max(0, at - 30), at + 40).replace(/\\s+/g, ' '));
  }
  return {
    formulas: math.length,
    typeset: document.querySelectorAll('mjx-container').length,
    untypeset: math.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60)),
    errors: document.querySelectorAll('mjx-merror').length
      + (document.body.textContent.includes('Math input error') ? 1 : 0),
    raw: raw,
  };
}"""

WAIT_FOR_IMAGES = """async (ms) => {
  const images = [...document.images];
  images.forEach(img => { img.loading = 'eager'; });
  const pending = images.filter(img => !img.complete).map(img => new Promise(done => {
    img.addEventListener('load', done); img.addEventListener('error', done);
  }));
  await Promise.race([Promise.all(pending), new Promise(done => setTimeout(done, ms))]);
  return images.filter(img => img.naturalWidth === 0)
    .map(img => (img.currentSrc || img.getAttribute('src') || img.outerHTML).slice(0, 120));
}"""

WIDGETS_DRAWN = """() => [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')].every(s => {
  const area = s.previousElementSibling;
  return area && area.classList.contains('widget-subarea') && area.querySelector('.jupyter-widgets');
})"""

LAYOUT = """(minSlider) => {
  const width = document.documentElement.clientWidth;
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const sliders = [...document.querySelectorAll('.widget-hslider')].filter(shown);
  const labels = [...document.querySelectorAll(
      '.jupyter-widgets .widget-label, .jupyter-widgets .widget-readout')].filter(shown);
  const images = [...document.querySelectorAll('.bd-article img')].filter(shown);
  const box = e => e.getBoundingClientRect();
  return {
    viewport: window.innerWidth,
    scroll_width: document.documentElement.scrollWidth,
    narrow_sliders: sliders.map(s => Math.round(box(s.querySelector('.slider-container') || s).width))
      .filter(w => w < minSlider),
    cut_labels: labels.filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
      .map(e => `${e.textContent.trim()} (${e.clientWidth} of ${e.scrollWidth} px shown)`),
    broken_words: [...document.querySelectorAll('.bd-article h1, .bd-article h2')].filter(shown)
      .flatMap(h => {
      const range = document.createRange();
      const broken = [];
      for (const node of [...h.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)) {
        for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
          if (lines.size > 1) broken.push(match[0]);
        }
      }
      return broken;
    }),
    wide_images: images.filter(img => {
      const scroller = img.closest('.cell_output');
      if (scroller && ['auto', 'scroll'].includes(getComputedStyle(scroller).overflowX)) {
        const r = box(scroller);  // a figure may be wider than its output box, which scrolls
        return r.left < -1 || r.right > width + 1;
      }
      const r = box(img);
      const column = img.closest('.cell_output, .jupyter-widgets, figure, p, div') || img.parentElement;
      return r.left < -1 || r.right > width + 1 || r.width > column.clientWidth + 1;
    }).map(img => `${(img.currentSrc || '').slice(-40)} (${Math.round(box(img).width)} px)`),
  };
}"""

# Every figure that a cell's output shows (a static twin shows one frame at a time), measured at once:
# its natural and its displayed width, its alt text and its figure's caption. A frame of a static
# twin is an ipywidgets image, which has no alt attribute: its figure's caption describes it.
FIGURES = """() => [...document.querySelectorAll('.bd-article .cell_output img')]
  .filter(img => img.getClientRects().length > 0)
  .map(img => {
    const figure = img.closest('figure');
    const caption = figure && figure.querySelector('figcaption');
    return {
      src: (img.getAttribute('src') || '').slice(-48),
      natural: img.naturalWidth,
      shown: img.getBoundingClientRect().width,
      alt: img.getAttribute('alt') || '',
      widget: img.closest('.jupyter-widgets') !== null,
      caption: caption ? caption.textContent.trim() : '',
    };
  })"""

# Code cells and tables that scroll sideways in the text column, and printed tables that wrap (a
# printed line wraps, as in JupyterLab; a table, told by three or more lines with columns aligned
# by runs of spaces, must not). Run after every folded cell and solution is opened (a folded cell
# has no width to measure); each is named by its longest line.
WIDE_BLOCKS = """() => {
  document.querySelectorAll('.bd-article details').forEach(d => { d.open = true; });
  const longest = e => e.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
  const wide = [];
  const scrolls = {'code': '.cell_input pre', 'table': '.bd-article .pst-scrollable-table-container'};
  for (const [kind, selector] of Object.entries(scrolls)) {
    for (const e of document.querySelectorAll(selector)) {
      if (e.getClientRects().length === 0 || e.scrollWidth <= e.clientWidth + 1) continue;
      wide.push(`${kind}, ${e.scrollWidth} px in ${e.clientWidth}: ${longest(e).trim().slice(0, 80)}`);
    }
  }
  const canvas = document.createElement('canvas').getContext('2d');
  for (const e of document.querySelectorAll('.cell_output pre')) {
    const lines = e.innerText.split('\\n');
    const aligned = lines.filter(line => /\\S {2,}\\S/.test(line));
    if (e.getClientRects().length === 0 || aligned.length < 3) continue;  // not a table
    const style = getComputedStyle(e);
    canvas.font = `${style.fontSize} ${style.fontFamily}`;
    const room = e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const row of aligned.filter(line => canvas.measureText(line).width > room + 1)) {
      wide.push(`printed table row, ${Math.round(canvas.measureText(row).width)} px in ${Math.round(room)}: `
                + row.trim().slice(0, 80));
    }
  }
  return wide;
}"""

TWIN_FRAME = """(i) => {
  const slider = document.querySelectorAll('.widget-subarea .widget-hslider')[i];
  const frame = [...slider.parentElement.querySelectorAll('img')].find(img => img.getClientRects().length);
  return frame ? frame.src : null;
}"""

SOLUTION_SHOWN = """(i) => {
  const solution = document.querySelectorAll('.solution.dropdown')[i];
  const body = [...solution.children].filter(e => !e.classList.contains('admonition-title'));
  const seen = e => e.checkVisibility({opacityProperty: true, visibilityProperty: true})
    && e.getBoundingClientRect().height > 0;
  return body.filter(seen).length;
}"""


def record_console(visit: Visit, message) -> None:
    if message.type in ("error", "warning", "assert"):
        where = message.location.get("url") or ""
        visit.console.append(f"{message.type}: {message.text} ({where})")


def open_page(context, page_path: Path, visit: Visit):
    """Open a built page from disk; any request that is not local is refused and recorded."""
    page = context.new_page()
    page.on("console", lambda message: record_console(visit, message))
    page.on("pageerror", lambda error: visit.console.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: request.url in visit.refused
            or visit.failed.append(f"{request.url}: {request.failure}"))

    def route(request_route):
        url = request_route.request.url
        if url.startswith(LOCAL):
            request_route.continue_()
        else:
            visit.refused.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(page_path.as_uri(), wait_until="load")
    return page


def wait_until(page, condition: str, problems: list[str], what: str, arg=None, timeout=WAIT_MS) -> bool:
    try:
        page.wait_for_function(condition, arg=arg, timeout=timeout)
        return True
    except sync_api.TimeoutError:
        problems.append(f"{what} (waited {timeout / 1000:.0f} s)")
        return False


def typeset(page, visit: Visit) -> None:
    """Wait for MathJax's first typesetting (its startup promise), if the page loads MathJax."""
    done = page.evaluate("""async (ms) => {
      if (!window.MathJax || !MathJax.startup) return true;
      const timer = new Promise(done => setTimeout(() => done(false), ms));
      return Promise.race([MathJax.startup.promise.then(() => true), timer]);
    }""", WAIT_MS)
    if not done:
        visit.console.append("MathJax did not finish typesetting")


def move_twins(page, visit: Visit) -> None:
    sliders = page.locator(".widget-subarea .widget-hslider")
    visit.twin_count = sliders.count()
    for i in range(visit.twin_count):
        before = page.evaluate(TWIN_FRAME, i)
        if before is None:
            visit.twins.append(f"twin {i + 1}: no figure shown beside its slider")
            continue
        sliders.nth(i).locator(".noUi-handle").first.focus()
        page.keyboard.press("End")
        wait_until(page, f"([i, before]) => ({TWIN_FRAME})(i) !== before", visit.twins,
                   f"twin {i + 1}: the slider did not change the figure", arg=[i, before], timeout=5_000)


def open_solutions(page, visit: Visit) -> None:
    solutions = page.locator(".solution.dropdown")
    visit.solution_count = solutions.count()
    for i in range(visit.solution_count):
        title = solutions.nth(i).locator(".admonition-title").first.inner_text().strip()
        if page.evaluate(SOLUTION_SHOWN, i):
            visit.solutions.append(f"{title!r} is shown before its toggle is clicked")
            continue
        solutions.nth(i).locator(".toggle-button").first.click()
        wait_until(page, f"(i) => ({SOLUTION_SHOWN})(i) > 0", visit.solutions,
                   f"{title!r} is still hidden after a click on its toggle", arg=i, timeout=3_000)


def full_page_screenshot(page, path: Path) -> None:
    """The whole page as a PNG. Chromium's own capture with fast PNG encoding (``optimizeForSpeed``):
    the screenshots are the slowest step of the visits, and this takes about 40 % less time than
    ``page.screenshot(full_page=True)``, for files about 25 % larger."""
    width, height = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    session = page.context.new_cdp_session(page)
    try:
        shot = session.send("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    finally:
        session.detach()
    path.write_bytes(base64.b64decode(shot["data"]))


def visit_page(browser, page_info: Page, width: str) -> Visit:
    visit = Visit()
    context = browser.new_context(viewport=WIDTHS[width], device_scale_factor=1)
    context.set_default_timeout(WAIT_MS)
    try:
        page = open_page(context, page_info.html, visit)
        typeset(page, visit)
        wait_until(page, WIDGETS_DRAWN, visit.widgets, "embedded widgets were not all drawn")
        visit.broken_images = page.evaluate(WAIT_FOR_IMAGES, WAIT_MS)
        visit.math = page.evaluate(MATH_STATE)
        visit.colab = page.eval_on_selector_all(
            'a[href^="https://colab.research.google.com"]', "links => links.map(a => a.href)")
        visit.launch_colab = page.eval_on_selector_all(
            '.dropdown-launch-buttons a[href^="https://colab.research.google.com"]',
            "links => links.map(a => a.href)")
        visit.links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        visit.ids = set(page.eval_on_selector_all("[id], a[name]", "es => es.map(e => e.id || e.name)"))
        visit.layout = page.evaluate(LAYOUT, SLIDER_MIN_PX)
        visit.figures = page.evaluate(FIGURES)
        if TAKE_SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            visit.screenshot = SCREENSHOTS / f"{page_info.name}-{width}.png"
            full_page_screenshot(page, visit.screenshot)
        move_twins(page, visit)
        open_solutions(page, visit)
        visit.wide_blocks = page.evaluate(WIDE_BLOCKS)
    finally:
        context.close()
    return visit


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(headless=True, executable_path=shutil.which("chromium"),
                                              args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def visits(browser):
    """Visits each (page, width) on first request, once, in one browser."""
    done: dict[tuple[str, str], Visit | Exception] = {}

    def get(page: Page, width: str) -> Visit:
        key = (page.entry, width)
        if key not in done:
            try:
                done[key] = visit_page(browser, page, width)
            except sync_api.Error as error:  # recorded once, reported by every check of the case
                done[key] = error
        if isinstance(done[key], Exception):
            pytest.fail(f"the visit of {page.entry} at the {width} width failed: {done[key]}")
        return done[key]

    return get


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


@cache
def ids_in(path: Path) -> frozenset[str]:
    parser = Ids()
    parser.feed(path.read_text(encoding="utf-8"))
    return frozenset(parser.ids)


# --- the checks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_console_has_no_error_or_warning(visits, case):
    visit = visits(*case)
    assert visit.console == [], "\n".join(visit.console)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_request_stays_in_the_site_and_succeeds(visits, case):
    visit = visits(*case)
    assert visit.refused == [], f"the page tried to load from outside the site: {visit.refused}"
    assert visit.failed == [], f"requests that failed: {visit.failed}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_formulas_are_typeset(visits, case):
    page, _ = case
    math = visits(*case).math
    if math["formulas"] or page.has_math():
        assert math["typeset"] >= 1, "the page has formulas and no mjx-container"
        assert math["untypeset"] == [], f"formulas left as TeX: {math['untypeset']}"
    assert math["errors"] == 0, "MathJax shows a math input error"
    assert math["raw"] == [], f"TeX delimiters left in the text: {math['raw']}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_image_loads(visits, case):
    broken = visits(*case).broken_images
    assert broken == [], f"images with no pixels (naturalWidth 0): {broken}"


@pytest.mark.parametrize("case", NOTEBOOK_CASES, ids=case_id)
def test_launch_button_opens_this_notebook_in_colab(visits, case):
    page, _ = case
    visit = visits(*case)
    assert visit.launch_colab == [colab_url(page)], f"launch button links {visit.launch_colab}"
    assert set(visit.colab) == {colab_url(page)}, f"Colab links on the page: {set(visit.colab)}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_internal_link_resolves(visits, case):
    page, _ = case
    visit = visits(*case)
    broken = []
    for href in visit.links:
        parts = urlsplit(href)
        if parts.scheme != "file":
            continue
        target = Path(unquote(parts.path))
        if not target.exists():
            broken.append(f"{href}: no such file")
            continue
        anchor = unquote(parts.fragment)
        if anchor and target.suffix == ".html":
            known = visit.ids if target == page.html.resolve() else ids_in(target)
            if anchor not in known:
                broken.append(f"{href}: no element with id {anchor!r}")
    assert broken == [], "\n".join(sorted(set(broken)))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_page_fits_the_screen(visits, case):
    layout = visits(*case).layout
    assert layout["scroll_width"] <= layout["viewport"] + 1, (
        f"the page is {layout['scroll_width']} px wide on a {layout['viewport']} px screen")
    assert layout["narrow_sliders"] == [], (
        f"slider tracks narrower than {SLIDER_MIN_PX} px: {layout['narrow_sliders']}")
    assert layout["cut_labels"] == [], f"widget labels cut off: {layout['cut_labels']}"
    assert layout["wide_images"] == [], f"images wider than their column: {layout['wide_images']}"
    assert layout["broken_words"] == [], f"heading words broken across lines: {layout['broken_words']}"


FIGURE_MIN_SCALE = 0.65  # with BOOK_STYLE's 10-point letters at 100 dpi: at least 9 pixels
FIGURE_CASES = [(p, w) for p, w in NOTEBOOK_CASES if "cell_output" in html_of(p)]


def is_a_path(text: str) -> bool:
    return bool(re.search(r"_images/|\.(png|svg|jpe?g|gif)\b", text))  # "1/4" may be in words


@pytest.mark.parametrize("case", [(p, w) for p, w in FIGURE_CASES if w == "desktop"], ids=case_id)
def test_every_figure_has_a_caption_and_alt_text(visits, case):
    """A figure of a cell's output says what it shows: a caption beneath it, and alt text for a
    reader who cannot see it (at least five words, not a file path). A static twin's frames are
    ipywidgets images without alt text; their caption describes them."""
    problems = []
    for figure in visits(*case).figures:
        where = f"{figure['src']}:"
        if len(figure["caption"].split()) < 5:
            problems.append(f"{where} no caption (figcaption) of at least five words")
        if not figure["widget"] and (len(figure["alt"].split()) < 5 or is_a_path(figure["alt"])):
            problems.append(f"{where} alt text {figure['alt'][:60]!r} is not a description of 5+ words")
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("case", FIGURE_CASES, ids=case_id)
def test_figures_are_shown_at_two_thirds_of_their_size_or_more(visits, case):
    """At 1280 px and at 390 px every figure is displayed at 0.65 of its natural width or more, so
    that no letter is smaller than 9 pixels (on a phone a wider figure scrolls in its output box)."""
    figures = visits(*case).figures
    small = [f"{f['src']}: {f['shown']:.0f} px of {f['natural']} ({f['shown'] / f['natural']:.2f})"
             for f in figures if f["natural"] and f["shown"] < FIGURE_MIN_SCALE * f["natural"] - 0.5]
    assert small == [], f"figures shown below {FIGURE_MIN_SCALE} of their size:\n" + "\n".join(small)


@pytest.mark.parametrize("case", [(p, w) for p, w in CASES if w == "desktop"], ids=case_id)
def test_code_and_printed_tables_fit_the_column_on_a_desktop(visits, case):
    """At 1280 px no code line or table scrolls sideways and no printed table wraps (on a phone
    they may)."""
    wide = visits(*case).wide_blocks
    assert wide == [], f"{len(wide)} blocks wider than the text column:\n" + "\n".join(wide)


if TAKE_SCREENSHOTS:  # make screenshots

    @pytest.mark.parametrize("case", CASES, ids=case_id)
    def test_a_full_page_screenshot_is_written(visits, case):
        shot = visits(*case).screenshot
        assert shot is not None and shot.exists() and shot.stat().st_size > 0


def test_some_page_embeds_a_static_twin():
    assert TWIN_CASES, "no page of the table of contents embeds a widget"


@pytest.mark.parametrize("case", TWIN_CASES, ids=case_id)
def test_static_twins_answer_their_slider_without_a_kernel(visits, case):
    visit = visits(*case)
    assert visit.widgets == [], visit.widgets
    assert visit.twin_count >= 1, "the page embeds widget state but shows no slider"
    assert visit.twins == [], "\n".join(visit.twins)


@pytest.mark.parametrize("case", SOLUTION_CASES, ids=case_id)
def test_solutions_stay_folded_until_their_toggle_is_clicked(visits, case):
    visit = visits(*case)
    assert visit.solution_count >= 1, "the page has solutions but none is a dropdown"
    assert visit.solutions == [], "\n".join(visit.solutions)


GENERATED = ["genindex.html", "py-modindex.html", "search.html"]  # pages Sphinx makes, not _toc.yml


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", GENERATED)
def test_the_generated_pages_fit_the_screen(browser, name, width):
    """The general index, the module index and the search page, which no chapter links to in the
    table of contents, are no wider than the screen either, and log nothing."""
    visit = Visit()
    context = browser.new_context(viewport=WIDTHS[width], device_scale_factor=1)
    try:
        layout = open_page(context, SITE / name, visit).evaluate(LAYOUT, SLIDER_MIN_PX)
    finally:
        context.close()
    assert layout["scroll_width"] <= layout["viewport"] + 1, (
        f"{name} is {layout['scroll_width']} px wide on a {layout['viewport']} px screen")
    assert visit.console == [] and visit.failed == [] and visit.refused == [], (
        visit.console, visit.failed, visit.refused)
