// Loaded on pages with widgets, between require.js and the widget manager (nb_ipywidgets_js in
// _config.yml). Two adjustments, so that the manager works with this site as it is served:
(function () {
  // 1. The manager's stylesheet asks for its icon fonts beside the module RequireJS loaded, which
  //    by default resolves against the page ("book/@jupyter-widgets/html-manager/dist/...") and
  //    answers 404. Map the module to the site's own copy, where the fonts are.
  var here = document.currentScript.src;
  window.require.config({
    paths: {"@jupyter-widgets/html-manager/dist": new URL("vendor/html-manager", here).href},
  });

  // 2. The controls typeset their descriptions with MathJax 2's call, MathJax.Hub.Queue, whenever
  //    window.MathJax exists. The site runs MathJax 3, which has no Hub: give that call its
  //    MathJax 3 meaning (typeset this element once the page's own typesetting is done). MathJax
  //    loads with "defer", so it is there when the document is parsed, before the widgets are
  //    drawn (on "load").
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub || !mathjax.startup) return;
    mathjax.Hub = {
      Queue: function (command) {
        var element = command[2];
        mathjax.startup.promise = mathjax.startup.promise.then(function () {
          return mathjax.typesetPromise([element]);
        });
      },
    };
  });
})();
