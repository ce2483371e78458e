// Draw the reports page's charts with Chart.js (served from our origin, see assets.CHART_SCRIPT) from the JSON the
// server embedded in the page (#report-data). Each chart's sentence and table are in the page already; this only
// adds the picture, so the page says everything without JavaScript.
"use strict";

(function () {
  const zone = document.querySelector("input[data-zone]");
  const query = new URLSearchParams(location.search);
  if (zone && !query.has("tz")) {
    // The server drew "today" in UTC, knowing no better: draw it again in the browser's own zone (once: the
    // new address says the zone), so just after midnight the report is of the right day.
    let own = "";
    try { own = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* keep UTC */ }
    if (own && own !== zone.value) {
      query.set("tz", own);
      location.replace(location.pathname + "?" + query.toString() + location.hash);
      return;
    }
  }
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = ["#2f6fdb", "#d9822b", "#3a9d5d", "#c23b3b", "#8a8f99", "#7b5cc4"];
  const ratingColours = ["#c23b3b", "#e0843a", "#c9b037", "#7fb24a", "#3a9d5d"];
  const reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  for (const figure of document.querySelectorAll("figure[data-chart]")) {
    const name = figure.dataset.chart;
    const chart = data[name];
    const box = figure.querySelector(".chart-box");
    if (!chart || !box) continue;
    const kind = figure.dataset.kind;
    const stacked = figure.dataset.stacked === "1";
    const datasets = chart.series.map((series, index) => ({
      label: series.label,
      data: series.data,
      backgroundColor: kind === "doughnut" ? colours : name === "ratings" ? ratingColours : colours[index],
    }));
    box.hidden = false;
    figure.querySelector(".alt").setAttribute("aria-hidden", "true");  // the canvas says it as its label now
    const canvas = box.querySelector("canvas");
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      type: kind,
      data: { labels: chart.labels, datasets },
      options: {
        locale: document.documentElement.lang || "en",  // the axis and tooltip numbers as the page writes them
        animation: reduced ? false : { duration: 300 },
        maintainAspectRatio: false,
        plugins: { legend: { display: kind === "doughnut" || datasets.length > 1 } },
        scales: kind === "doughnut" ? {} : {
          x: { stacked },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }
})();
