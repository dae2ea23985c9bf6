/* The 報表 charts: reads the numbers the page embeds (#report-data, JSON, not executed) and draws them with the
   vendored Chart.js (static/vendor/chart.umd.min.js). Every chart's numbers are also in a table on the page. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var GREEN = "#06c755", BLUE = "#0a66c2", GREY = "#aab4bb", RED = "#c0392b", AMBER = "#e6a700";
  var PALETTE = [GREEN, BLUE, AMBER, RED, "#7b57c9", "#1aa3a3", GREY];

  Chart.defaults.font.family = 'system-ui, -apple-system, "Noto Sans TC", "PingFang TC", sans-serif';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  function percent(value) { return value === null ? null : Math.round(value * 1000) / 10; }
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }
  var percentAxis = { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } };

  draw("chart-sales", {
    type: "bar",
    data: {
      labels: data.weeks.map(function (w) { return w.start.slice(5).replace("-", "/"); }),
      datasets: [{ label: "營業額（NT$）", data: data.weeks.map(function (w) { return w.sales; }), backgroundColor: GREEN }]
    },
    options: { plugins: { legend: { display: false } }, scales: { x: { ticks: { maxRotation: 0, autoSkipPadding: 8 } } } }
  });

  draw("chart-buyers", {
    type: "bar",
    data: {
      labels: data.months.map(function (m) { return m.month; }),
      datasets: [
        { label: "新客", data: data.months.map(function (m) { return m.new; }), backgroundColor: BLUE },
        { label: "回購客", data: data.months.map(function (m) { return m.returning; }), backgroundColor: GREEN }
      ]
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } }
  });

  draw("chart-repurchase", {
    type: "bar",
    data: {
      labels: data.cohorts.map(function (c) { return c.month; }),
      datasets: [{ label: "回購率（%）", data: data.cohorts.map(function (c) { return percent(c.rate); }), backgroundColor: GREEN }]
    },
    options: { plugins: { legend: { display: false } }, scales: { y: percentAxis } }
  });

  draw("chart-retention", {
    type: "line",
    data: {
      labels: ["+1月", "+2月", "+3月", "+4月", "+5月"],
      datasets: data.cohorts.slice(-6).map(function (c, i) {
        var colour = PALETTE[i % PALETTE.length];
        return { label: c.month + "（" + c.size + "人）", data: c.retention.map(percent), borderColor: colour,
                 backgroundColor: colour, spanGaps: false, tension: 0.2 };
      })
    },
    options: { scales: { y: percentAxis } }
  });

  draw("chart-segments", {
    type: "bar",
    data: {
      labels: data.segments.map(function (s) { return s.label; }),
      datasets: [{ label: "人數", data: data.segments.map(function (s) { return s.count; }),
                   backgroundColor: data.segments.map(function (s, i) { return PALETTE[i % PALETTE.length]; }) }]
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } }
  });

  draw("chart-nps", {
    type: "doughnut",
    data: {
      labels: ["推薦 9–10", "中立 7–8", "批評 0–6"],
      datasets: [{ data: [data.nps.promoters, data.nps.passives, data.nps.detractors], backgroundColor: [GREEN, GREY, RED] }]
    },
    options: { plugins: { legend: { position: "right" } } }
  });

  var effect = data.reminders;
  draw("chart-reminders", {
    type: "bar",
    data: {
      labels: ["有提醒（" + effect.reminded.members + "人）", "沒提醒（" + effect.not_reminded.members + "人）"],
      datasets: [{ label: "14 天內下單（%）", data: [percent(effect.reminded.rate), percent(effect.not_reminded.rate)],
                   backgroundColor: [GREEN, GREY] }]
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: percentAxis } }
  });
}());
