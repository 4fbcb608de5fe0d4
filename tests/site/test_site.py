"""Checks on the built website (_build/html), which `make test` builds just before.

Run alone, these tests skip when no site is built; `make test` sets MTL_REQUIRE_SITE=1 so that a
missing site fails instead.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tools import notebooks as nbtools

SITE = nbtools.ROOT / "_build" / "html"

if not (SITE / "index.html").exists():
    if os.environ.get("MTL_REQUIRE_SITE") == "1":
        raise RuntimeError(f"no website at {SITE}: the build step of `make test` failed")
    pytest.skip("the website is not built (run `make book`)", allow_module_level=True)

PAGES = sorted(p for p in SITE.rglob("*.html") if "_static" not in p.parts)


class Loads(HTMLParser):
    """Collects every address a page loads by itself (scripts, styles, images, frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []

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


def parse(page: Path) -> Loads:
    parser = Loads()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def page_of(notebook: Path) -> Path:
    return SITE / notebook.relative_to(nbtools.ROOT).with_suffix(".html")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_page_loads_nothing_from_outside(page):
    external = [u for u in parse(page).loads if re.match(r"^(https?:)?//", u)]
    assert external == [], f"{page.name} loads {external}"
    for url in parse(page).loads:
        target = (page.parent / url.split("?")[0].split("#")[0]).resolve()
        assert target.exists(), f"{page.name} loads {url}, which is not in the site"


def test_mathjax_is_served_by_the_site():
    page = page_of(nbtools.notebook_paths()[0])
    mathjax = [u for u in parse(page).loads if "mathjax" in u.lower()]
    assert mathjax and all("_static/vendor/mathjax/" in u for u in mathjax)
    fonts = SITE / "_static" / "vendor" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert any(fonts.glob("*.woff")), "MathJax fonts are missing from the site"


@pytest.mark.parametrize("notebook", nbtools.notebook_paths(),
                         ids=lambda p: str(p.relative_to(nbtools.ROOT)))
def test_colab_button_opens_this_notebook_on_main(notebook):
    url, branch = nbtools.repository()
    owner_repo = url.split("github.com/", 1)[1]
    relative = notebook.relative_to(nbtools.ROOT).as_posix()
    expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{relative}"
    assert expected in parse(page_of(notebook)).links, f"no Colab link {expected}"


@pytest.mark.parametrize("notebook", nbtools.chapter_paths(),
                         ids=lambda p: str(p.relative_to(nbtools.ROOT)))
def test_chapter_page_shows_executed_figures_and_formulas(notebook):
    page = page_of(notebook)
    html = page.read_text(encoding="utf-8")
    figures = [u for u in parse(page).loads if "_images/" in u and u.endswith((".png", ".svg", ".jpg"))]
    figures += ["inline"] * html.count("data:image/png")
    least = 5 if notebook.stem == "01_concepts" else 1
    assert len(figures) >= least, f"{len(figures)} executed figures; expected at least {least}"
    assert "class=\"math" in html or "\\(" in html, "no formula on the page"
    assert "Traceback" not in html, "an error is shown on the page"
    assert "assert " not in re.sub(r"<[^>]+>", "", html).replace("assert_", ""), (
        "a hidden assert cell is visible on the page")


@pytest.mark.skipif(os.environ.get("MTL_REQUIRE_SITE") != "1", reason="checks the build of `make test`")
def test_the_site_shows_the_execution_that_nbval_checked():
    """`make test` executes each notebook once, with nbval; the build must not have run one again."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(nbtools.ROOT / "_build" / ".jupyter_cache"))
    for notebook in nbtools.notebook_paths():
        record = cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
        assert record.data.get("executed_by") == "nbval", f"{notebook.name} was executed again by the build"


def test_execution_status_page_lists_every_chapter():
    html = (SITE / "book" / "appendix" / "execution_status.html").read_text(encoding="utf-8")
    for notebook in nbtools.notebook_paths():
        assert notebook.stem in html, f"{notebook.stem} missing from the execution table"
    assert "<table" in html
