"""The chapters' figures follow the book's figure rules, checked on the sources (no execution here).

Every notebook applies ``mtl_lessons.plots.BOOK_STYLE`` before it draws; no code sets a font below
``SMALLEST_FONT_POINTS``; no figure is wider than 12 inches (1,200 px at 100 dpi); every cell that
shows a figure (``plt.show()`` or a static twin) carries a caption, a name and alt text for the
website (MyST-NB's cell metadata). The site's browser tests measure the rendered figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mtl_lessons.plots import BOOK_STYLE, SMALLEST_FONT_POINTS
from tools import notebooks as nbtools

ROOT = nbtools.ROOT
NOTEBOOKS = nbtools.notebook_paths()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
PACKAGE_PLOTTING = [ROOT / "mtl_lessons" / "plots.py",
                    *sorted((ROOT / "mtl_lessons" / "explorers").glob("*.py"))]
HIDDEN = {"remove-cell", "remove-output", "remove_cell", "remove_output"}
WIDEST_INCHES = 12.0

APPLY_STYLE = re.compile(r"^plt\.style\.use\(BOOK_STYLE\)", re.M)
IMPORT_STYLE = re.compile(r"^from mtl_lessons\.plots import[^\n]*\bBOOK_STYLE\b", re.M)
# A call that draws or shows (the style must already be applied), other than applying the style.
PLOTTING = re.compile(r"\bplt\.(?!style\b)\w+\(|\bstatic_twin\(|\.twin\(|\bdraw_architecture\("
                      r"|\blive_explorer\(")
SHOWS_FIGURE = re.compile(r"\bplt\.show\(\)|\bstatic_twin\(|\.twin\(")
FONT_SIZE = re.compile(r"\b(?:fontsize|labelsize|titlesize|size)\s*=\s*([0-9]+(?:\.[0-9]+)?)\b"
                       r"|\bset_fontsize\(\s*([0-9]+(?:\.[0-9]+)?)\s*\)"
                       r"|[\"'](?:size|fontsize)[\"']\s*:\s*([0-9]+(?:\.[0-9]+)?)")
FIGSIZE = re.compile(r"\bfigsize\s*=\s*\(\s*([0-9]+(?:\.[0-9]+)?)\s*,")


def code_cells(path: Path):
    """(index, cell) of every code cell of a notebook."""
    return [(k, c) for k, c in enumerate(nbtools.load(path).cells) if c.cell_type == "code"]


def small_fonts(source: str) -> list[str]:
    """The font sizes below SMALLEST_FONT_POINTS that a piece of code sets, as written."""
    found = []
    for match in FONT_SIZE.finditer(source):
        value = next(g for g in match.groups() if g is not None)
        if float(value) < SMALLEST_FONT_POINTS:
            found.append(match.group(0))
    return found


def shows_figure(cell) -> bool:
    tags = set(cell.metadata.get("tags", []))
    return not tags & HIDDEN and bool(SHOWS_FIGURE.search(nbtools.source_of(cell)))


def test_the_style_sets_no_text_under_the_smallest_size():
    sizes = {k: v for k, v in BOOK_STYLE.items() if "size" in k}
    assert sizes and min(sizes.values()) >= SMALLEST_FONT_POINTS, sizes
    assert BOOK_STYLE["figure.dpi"] == 100


def test_the_font_check_finds_small_sizes_and_only_those():
    code = ('ax.legend(fontsize=8)\nax.tick_params(labelsize=7)\nt.set_fontsize(9)\nprop={"size": 6}\n'
            'ax.set_title("x", fontsize=10)\nax.plot(x, markersize=4)\nfit(batch_size=8)')
    assert small_fonts(code) == ["fontsize=8", "labelsize=7", "set_fontsize(9)", '"size": 6']


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_applies_the_book_style_before_it_plots(path):
    cells = code_cells(path)
    plotting = [k for k, c in cells if PLOTTING.search(nbtools.source_of(c))]
    if not plotting:
        pytest.skip("draws no figure")
    styled = [k for k, c in cells if APPLY_STYLE.search(nbtools.source_of(c))]
    assert styled, "no code cell applies plt.style.use(BOOK_STYLE)"
    assert styled[0] <= plotting[0], f"cell {plotting[0]} plots before cell {styled[0]} applies BOOK_STYLE"
    first = dict(cells)[styled[0]]
    assert IMPORT_STYLE.search(nbtools.source_of(first)), (
        "the cell that applies BOOK_STYLE does not import it from mtl_lessons.plots")
    assert not set(first.metadata.get("tags", [])) & HIDDEN, "the style is applied in a hidden cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_sets_no_font_below_the_smallest_size(path):
    small = [f"cell {k}: {size}" for k, c in code_cells(path) for size in small_fonts(nbtools.source_of(c))]
    assert small == [], f"font sizes below {SMALLEST_FONT_POINTS} points:\n" + "\n".join(small)


@pytest.mark.parametrize("path", PACKAGE_PLOTTING, ids=lambda p: str(p.relative_to(ROOT)))
def test_package_plotting_sets_no_font_below_the_smallest_size(path):
    small = small_fonts(path.read_text(encoding="utf-8"))
    assert small == [], f"font sizes below {SMALLEST_FONT_POINTS} points: {small}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_figure_is_wider_than_twelve_inches(path):
    wide = [f"cell {k}: {m.group(0)}" for k, c in code_cells(path)
            for m in FIGSIZE.finditer(nbtools.source_of(c)) if float(m.group(1)) > WIDEST_INCHES]
    assert wide == [], (f"figures wider than {WIDEST_INCHES:g} in (stack the panels in rows):\n"
                        + "\n".join(wide))


def figure_problems(k: int, cell) -> list[str]:
    options = cell.metadata.get("mystnb", {})
    figure, image = options.get("figure", {}), options.get("image", {})
    caption, name, alt = figure.get("caption", ""), figure.get("name", ""), image.get("alt", "")
    found = []
    if len(caption.split()) < 5:
        found.append(f"cell {k}: no caption (mystnb.figure.caption) of at least five words")
    if not re.fullmatch(r"fig-[a-z0-9]+(?:-[a-z0-9]+)+", name):
        found.append(f"cell {k}: no name fig-<chapter>-<what> (mystnb.figure.name): {name!r}")
    if len(alt.split()) < 5 or re.search(r"_images/|\.(png|svg|jpe?g)\b", alt):  # "1/4" may be in words
        found.append(f"cell {k}: no alt text of at least five words that is not a path (mystnb.image.alt)")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_shown_figure_has_a_caption_a_name_and_alt_text(path):
    found = [p for k, c in code_cells(path) if shows_figure(c) for p in figure_problems(k, c)]
    assert found == [], "\n".join(found)


def test_figure_names_are_unique_across_the_book():
    seen: dict[str, str] = {}
    repeated = []
    for path in NOTEBOOKS:
        for k, cell in code_cells(path):
            name = cell.metadata.get("mystnb", {}).get("figure", {}).get("name")
            if name:
                where = f"{path.name} cell {k}"
                if name in seen:
                    repeated.append(f"{name}: {seen[name]} and {where}")
                seen.setdefault(name, where)
    assert repeated == [], "\n".join(repeated)
