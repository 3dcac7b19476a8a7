// restock web UI: draws the charts a page embeds as JSON (with the locally served plotly.js) and
// lets a buyer tick every approvable PO at once. Pages work without it, charts aside.
(function () {
  "use strict";

  function drawCharts() {
    if (typeof window.Plotly === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, figure.data, figure.layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["lasso2d", "select2d"],
      }).then(function () {
        el.setAttribute("data-drawn", "true");
      });
    });
  }

  function selectAll() {
    var all = document.getElementById("select-all");
    if (!all) return;
    all.addEventListener("change", function () {
      document.querySelectorAll('#bulk input[name="po"]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  }

  function start() {
    selectAll();
    drawCharts();
  }

  // Scripts are deferred: plotly.min.js (when the page has charts) runs before this one.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
