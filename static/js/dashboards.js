// Team dashboard: draws each chart with the vendored ECharts from the JSON the server
// put in <script type="application/json"> (labels already translated), sends a click
// on a segment to that segment's drill-down URL, and sorts the per-KAM table.
(function () {
  "use strict";

  var COLORS = ["#1d4ed8", "#93c5fd", "#1e7d4f", "#b7791f", "#b42318", "#6b7280", "#7c3aed"];
  var HEALTH_COLORS = { green: "#1e7d4f", amber: "#b7791f", red: "#b42318", "": "#9ca3af" };

  function read(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function narrow() {
    return window.matchMedia("(max-width: 576px)").matches;
  }

  function base(data) {
    return {
      color: COLORS,
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    };
  }

  function bars(data, keys, options) {
    var option = base(data);
    option.xAxis = {
      type: "category",
      data: data.labels,
      axisLabel: { interval: 0, rotate: narrow() || data.labels.length > 6 ? 40 : 0, hideOverlap: true },
    };
    option.yAxis = { type: "value" };
    option.series = keys.map(function (key) {
      return Object.assign({ name: data.names[key], type: "bar", data: data[key] }, options || {});
    });
    return option;
  }

  function pie(data, colors) {
    return {
      color: COLORS,
      animation: false,
      tooltip: { trigger: "item", confine: true },
      legend: { bottom: 0, itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 11 } },
      series: [
        {
          type: "pie",
          radius: ["30%", "58%"],
          top: 0,
          bottom: 56,
          label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" },
          labelLine: { show: false },
          // empty slices are left out; each slice carries its own drill-down URL
          data: data.labels
            .map(function (label, index) {
              var item = { name: label, value: data.values[index], url: data.urls[index] };
              if (colors && data.keys) {
                item.itemStyle = { color: colors[data.keys[index]] };
              }
              return item;
            })
            .filter(function (item) {
              return item.value > 0;
            }),
        },
      ],
    };
  }

  var BUILD = {
    attainment: function (data) {
      return bars(data, ["actual", "target"]);
    },
    pipeline: function (data) {
      return bars(data, ["amount", "weighted"]);
    },
    forecast: function (data) {
      return bars(data, ["commit", "best_case", "won"]);
    },
    visits: function (data) {
      var option = bars({ labels: data.labels, names: data.names, values: data.values }, ["values"]);
      option.legend = { show: false };
      option.yAxis.minInterval = 1;
      return option;
    },
    health: function (data) {
      return pie(data, HEALTH_COLORS);
    },
    tiers: function (data) {
      return pie(data);
    },
    pareto: function (data) {
      var option = bars({ labels: data.labels, names: data.names, revenue: data.revenue }, ["revenue"]);
      option.xAxis.axisLabel = { show: !narrow(), interval: 0, rotate: 60, hideOverlap: true };
      option.yAxis = [{ type: "value" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }];
      option.series.push({
        name: data.names.cumulative,
        type: "line",
        yAxisIndex: 1,
        data: data.cumulative,
      });
      return option;
    },
  };

  function draw(element) {
    var data = read(element.dataset.source);
    var build = BUILD[element.dataset.chart];
    if (!data || !build || !window.echarts) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    // No entry animation: figures people read every morning should be there at once,
    // and a segment is where it will stay as soon as the chart says it is ready.
    var option = build(data);
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = (params.data && params.data.url) || (data.urls && data.urls[params.dataIndex]);
      if (url) {
        window.location.assign(url);
      }
    });
    element.dataset.ready = "true";
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  function sortTable(table, index, kind) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
      return row.cells.length > index;
    });
    var header = table.tHead.rows[0].cells[index];
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = a.cells[index].dataset.value;
      var y = b.cells[index].dataset.value;
      var order = kind === "number" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  function init() {
    document.querySelectorAll(".kam-chart[data-chart]").forEach(draw);
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, index) {
        var button = cell.querySelector(".kam-sort");
        if (button) {
          button.addEventListener("click", function () {
            sortTable(table, index, cell.dataset.sort);
          });
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
