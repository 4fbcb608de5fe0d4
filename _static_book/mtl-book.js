// The book's own small script (html_js_files in _config.yml).
//
// The article header's "Contents" button (sphinx-book-theme) opens nothing by itself: the theme
// underneath (pydata-sphinx-theme) wires only the first such button, the one in the page header,
// which sphinx-book-theme hides. A click on the visible button is passed on to the wired one, which
// opens the page's table of contents as a drawer.
document.addEventListener("DOMContentLoaded", () => {
  const wired = document.querySelector(".bd-header button.secondary-toggle");
  document.querySelectorAll(".bd-header-article button.secondary-toggle").forEach((button) => {
    if (wired && button !== wired) {
      button.addEventListener("click", () => wired.click());
    }
  });
});

// Phones: a figure of a cell's output is never shown at less than 0.65 of its natural width, so
// that its letters (at least 10 points at 100 dpi, mtl_lessons.plots.BOOK_STYLE) keep at least
// 9 pixels; a wider figure scrolls sideways inside its own output box (mtl-book.css), never the
// page. The script records each image's natural width as a CSS variable once it has loaded; the
// stylesheet applies it below 768 px only, so desktop widths keep max-width: 100 %. Images added
// later (the frames of a static twin, drawn by the widget manager) are caught when they are added.
const MTL_FIGURE_MIN_SCALE = 0.65;

function mtlRecordNaturalWidth(img) {
  if (img.naturalWidth) {
    const least = Math.ceil(MTL_FIGURE_MIN_SCALE * img.naturalWidth);
    img.style.setProperty("--mtl-figure-min-width", `${least}px`);
  }
}

function mtlWatchFigure(img) {
  if (!img.closest(".cell_output")) {
    return;
  }
  img.addEventListener("load", () => mtlRecordNaturalWidth(img));  // also when its source changes
  if (img.complete) {
    mtlRecordNaturalWidth(img);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".cell_output img").forEach(mtlWatchFigure);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node instanceof HTMLImageElement) {
          mtlWatchFigure(node);
        } else if (node instanceof Element) {
          node.querySelectorAll("img").forEach(mtlWatchFigure);
        }
      }
    }
  }).observe(document.body, {childList: true, subtree: true});
});
