"""Checks on the built website's files, which `make test` builds just before.

Run alone, these tests skip when no site is built; `make test` sets MTL_REQUIRE_SITE=1 so that a
missing site fails instead. MTL_SITE_DIR names another build than _build/html (see built_site.py).
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from built_site import CACHE, REQUIRED, SITE, built, colab_url, toc_pages

if not built():
    if REQUIRED:
        raise RuntimeError(f"no website at {SITE}: the build step of `make test` failed")
    pytest.skip("the website is not built (run `make book`)", allow_module_level=True)

ALL_HTML = sorted(p for p in SITE.rglob("*.html") if "_static" not in p.parts)
TOC = toc_pages()
NOTEBOOK_PAGES = [p for p in TOC if p.is_notebook]
CHAPTERS = [p for p in NOTEBOOK_PAGES if p.source.parent.name == "book" and p.source.name[:2].isdigit()]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


class Loads(HTMLParser):
    """Collects every address a page loads by itself (scripts, styles, images, frames) and links to."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href"):
            rel = (a.get("rel") or "").lower()
            if any(word in rel for word in ("stylesheet", "preload", "icon", "modulepreload")):
                self.loads.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self.classes.append(a.get("class") or "")


def parse(page: Path) -> Loads:
    parser = Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", ALL_HTML, ids=lambda p: str(p.relative_to(SITE)))
def test_page_loads_nothing_from_outside(page):
    external = [u for u in parse(page).loads if re.match(r"^(https?:)?//", u)]
    assert external == [], f"{page.name} loads {external}"
    for url in parse(page).loads:
        target = (page.parent / url.split("?")[0].split("#")[0]).resolve()
        assert target.exists(), f"{page.name} loads {url}, which is not in the site"


@pytest.mark.parametrize("page", ALL_HTML, ids=lambda p: str(p.relative_to(SITE)))
def test_page_names_the_site_icon(page):
    """A browser asks for /favicon.ico when a page names no icon; that request fails on every page."""
    html = page.read_text(encoding="utf-8")
    if 'http-equiv="Refresh"' in html:
        pytest.skip("a redirect: the browser shows the page it names")
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons, f"{page.name} names no icon"
    assert all((page.parent / icon).resolve().is_file() for icon in icons), icons


def test_every_toc_page_is_built():
    assert TOC, "_toc.yml lists no page"
    missing = [p.entry for p in TOC if not p.html.exists()]
    assert missing == [], f"pages of _toc.yml missing from {SITE}: {missing}"


def test_mathjax_is_served_by_the_site():
    page = NOTEBOOK_PAGES[0].html
    mathjax = [u for u in parse(page).loads if "mathjax" in u.lower()]
    assert mathjax and all("_static/vendor/mathjax/" in u for u in mathjax)
    fonts = SITE / "_static" / "vendor" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert any(fonts.glob("*.woff")), "MathJax fonts are missing from the site"


def test_the_widget_manager_finds_its_fonts_in_the_site():
    """The embed manager's stylesheet asks for its fonts beside its module, mapped to vendor/html-manager."""
    manager = SITE / "_static" / "vendor" / "html-manager"
    script = (manager / "embed-amd.js").read_text(encoding="utf-8")
    fonts = set(re.findall(r'"([0-9a-f]{20}\.(?:woff2?|ttf|eot|svg))"', script))
    assert fonts, "no font file named in the embed manager"
    assert [f for f in sorted(fonts) if not (manager / f).exists()] == []
    assert (SITE / "_static" / "mtl-widgets.js").exists()


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=str)
def test_download_button_gives_the_readers_edition(page):
    """The ".ipynb" button's file (_sources/) is the reader's edition, which Colab opens too."""
    from mtl_lessons.editions import leftover_markup

    edition = json.loads((SITE / "_sources" / f"{page.entry}.ipynb").read_text(encoding="utf-8"))
    assert edition["metadata"]["mtl_edition"] == {"kind": "reader", "source": f"{page.entry}.ipynb"}
    markdown = "\n".join("".join(c["source"]) for c in edition["cells"] if c["cell_type"] == "markdown")
    assert leftover_markup(markdown) == []
    code = [c for c in edition["cells"] if c["cell_type"] == "code"]
    assert any(c.get("outputs") for c in code), (
        "the edition should carry the build's outputs, so that it reads like the page before it runs")
    solutions = [c for c in code if "".join(c["source"]).startswith("# @title Solution")]
    assert not [c for c in solutions if c.get("outputs")], "a folded solution shows its output"


@pytest.mark.parametrize("page", CHAPTERS, ids=str)
def test_exercises_are_numbered_by_chapter_as_in_the_editions(page):
    import nbformat

    from mtl_lessons.editions import EXERCISE

    html = page.html.read_text(encoding="utf-8")
    cells = nbformat.read(page.source, as_version=4).cells
    count = sum(len(EXERCISE.findall(c.source)) for c in cells if c.cell_type == "markdown")
    chapter = int(page.source.name[:2])
    numbers = re.findall(r"Exercise (\d+(?:\.\d+)?)", html)
    assert sorted(set(numbers)) == sorted(f"{chapter}.{k}" for k in range(1, count + 1)), numbers


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=str)
def test_colab_button_opens_the_readers_edition(page):
    colab = [u for u in parse(page.html).links if "colab.research.google.com" in u]
    assert colab, f"no Colab link on {page.entry}"
    assert set(colab) == {colab_url(page)}, f"Colab links {set(colab)}; expected {colab_url(page)}"


@pytest.mark.parametrize("page", CHAPTERS, ids=str)
def test_chapter_page_shows_executed_figures_and_formulas(page):
    html = page.html.read_text(encoding="utf-8")
    figures = [u for u in parse(page.html).loads if "_images/" in u and u.endswith((".png", ".svg", ".jpg"))]
    figures += ["inline"] * html.count("data:image/png")
    least = 5 if page.source.stem == "01_concepts" else 1
    assert len(figures) >= least, f"{len(figures)} executed figures; expected at least {least}"
    assert "class=\"math" in html or "\\(" in html, "no formula on the page"
    assert "Traceback" not in html, "an error is shown on the page"
    assert "assert " not in re.sub(r"<[^>]+>", "", html).replace("assert_", ""), (
        "a hidden assert cell is visible on the page")


def executed(page):
    """The notebook of a page with the outputs the site was built from (the execution cache)."""
    import nbformat
    from jupyter_cache import get_cache

    notebook = nbformat.read(page.source, as_version=4)
    try:
        _, merged = get_cache(str(CACHE)).merge_match_into_notebook(notebook)
    except KeyError:
        pytest.fail(f"{page.source.name}: no execution in {CACHE} matches the notebook")
    return merged


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=str)
def test_a_live_explorer_says_where_it_runs_instead_of_showing_an_empty_cell(page):
    """A cell whose widget the site cannot show (output removed, or no saved state) gets the note."""
    html = page.html.read_text(encoding="utf-8")
    state = re.search(rf'<script type="{re.escape(WIDGET_STATE)}">(.*?)</script>', html, re.S)
    saved = set(json.loads(state.group(1))["state"]) if state else set()
    shown_views = re.findall(rf'<script type="{re.escape(WIDGET_VIEW)}">(.*?)</script>', html, re.S)
    unsaved = [v for v in shown_views if json.loads(v)["model_id"] not in saved]
    assert unsaved == [], f"widgets shown without their state (an empty box on the site): {unsaved}"
    live = 0
    for cell in executed(page).cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        views = [o["data"][WIDGET_VIEW]["model_id"] for o in cell.get("outputs", [])
                 if WIDGET_VIEW in o.get("data", {})]
        removed = "remove-output" in tags or "remove_output" in tags
        if "live-explorer" in tags or (views and (removed or not set(views) <= saved)):
            live += 1
    notes = re.findall(r'<div class="[^"]*\blive-explorer\b[^"]*">(.*?)</div>', html, re.S)
    assert len(notes) == live, f"{live} live explorers on the page, {len(notes)} notes saying where they run"
    for note in notes:
        assert f'href="{colab_url(page)}"' in note and "Jupyter" in note, note


@pytest.mark.skipif(not REQUIRED, reason="checks the build of `make test`")
def test_the_site_shows_the_execution_that_nbval_checked():
    """`make test` executes each notebook once, with nbval; the build must not have run one again."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(CACHE))
    for page in NOTEBOOK_PAGES:
        record = cache.match_cache_notebook(nbformat.read(page.source, as_version=4))
        assert record.data.get("executed_by") == "nbval", (
            f"{page.source.name} was executed again by the build")


def test_execution_status_page_lists_every_chapter():
    html = (SITE / "book" / "appendix" / "execution_status.html").read_text(encoding="utf-8")
    for page in NOTEBOOK_PAGES:
        assert page.source.stem in html, f"{page.source.stem} missing from the execution table"
    assert "<table" in html
