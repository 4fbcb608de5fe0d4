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
