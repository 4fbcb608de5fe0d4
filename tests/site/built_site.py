"""Where the built website is, and which of its pages the table of contents makes.

The site is `_build/html` unless ``MTL_SITE_DIR`` names another build (for instance one made with
``jupyter-book build . --path-output /tmp/site``: ``MTL_SITE_DIR=/tmp/site/_build/html``). Its
execution cache and screenshots sit beside it, in the same ``_build``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools import notebooks as nbtools

SITE = Path(os.environ.get("MTL_SITE_DIR") or nbtools.ROOT / "_build" / "html").resolve()
BUILD = SITE.parent
CACHE = BUILD / ".jupyter_cache"
SCREENSHOTS = BUILD / "screenshots"
REQUIRED = os.environ.get("MTL_REQUIRE_SITE") == "1"


@dataclass(frozen=True)
class Page:
    entry: str  # as _toc.yml lists it: "book/03_loss"
    html: Path  # the built page
    source: Path  # the .ipynb or .md it is made from

    @property
    def is_notebook(self) -> bool:
        return self.source.suffix == ".ipynb"

    @property
    def name(self) -> str:
        """A short file-name-safe name: the entry without the folder all entries share."""
        return self.entry[len(_common_folder()):].replace("/", "-")

    def __str__(self) -> str:
        return self.entry

    def has_math(self) -> bool:
        """Whether the page's own text writes a formula ($...$, $$...$$, {math}, \\(...\\), amsmath)."""
        if self.is_notebook:
            cells = nbformat.read(self.source, as_version=4).cells
            text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        else:
            text = self.source.read_text(encoding="utf-8")
        text = re.sub(r"(`{3,}|~{3,})(?!\{math\}).*?\1", "", text, flags=re.S)  # code blocks ...
        text = re.sub(r"`[^`\n]*`", "", text)  # ... and inline code are not formulas
        return bool(re.search(r"\$\$|\$[^$\s](?:[^$\n]*[^$\s\\])?\$|\{math\}|\\\(|\\begin\{", text))


def _common_folder() -> str:
    folders = {entry.rsplit("/", 1)[0] + "/" if "/" in entry else "" for entry in nbtools.toc_files()}
    common = os.path.commonprefix(sorted(folders))
    return common[: common.rfind("/") + 1]


def toc_pages() -> list[Page]:
    """Every page that _toc.yml makes (root, chapters, appendices), in the order it lists them."""
    pages = []
    for entry in nbtools.toc_files():
        sources = [nbtools.ROOT / f"{entry}{suffix}" for suffix in (".ipynb", ".md")]
        source = next((s for s in sources if s.exists()), sources[0])
        pages.append(Page(entry, SITE / f"{entry}.html", source))
    return pages


def colab_url(page: Page) -> str:
    """The address the page's launch button must open: the reader's edition of its notebook, the
    site's own copy in _sources/ on the branch the site is published on."""
    url, _ = nbtools.repository()
    owner_repo = url.split("github.com/", 1)[1]
    branch = nbtools.book_config()["sphinx"]["config"]["mtl_editions_branch"]
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/_sources/{page.entry}.ipynb"


def built() -> bool:
    return (SITE / "index.html").exists()
