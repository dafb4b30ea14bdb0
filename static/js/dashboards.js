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

  // Category labels are cut to this many display cells (a Chinese character is two)
  // with an ellipsis; the tooltip names the category in full. Plots keep this height
  // whatever the labels and the legend take.
  var LABEL_CELLS = 14;
  var NARROW_LABEL_CELLS = 8;
  var MIN_PLOT_HEIGHT = 140;
  var WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

  function cellsOf(character) {
    return WIDE.test(character) ? 2 : 1;
  }

  function truncate(text, limit) {
    var characters = Array.from(String(text == null ? "" : text));
    var total = characters.reduce(function (sum, character) {
      return sum + cellsOf(character);
    }, 0);
    if (total <= limit) {
      return characters.join("");
    }
    var out = "";
    var width = 0;
    for (var i = 0; i < characters.length; i += 1) {
      var cells = cellsOf(characters[i]);
      if (width + cells > limit - 1) {
        break;
      }
      out += characters[i];
      width += cells;
    }
    return out + "\u2026";
  }

  function encode(text) {
    return window.echarts.format.encodeHTML(String(text == null ? "" : text));
  }

  function number(value) {
    return typeof value === "number" ? value.toLocaleString() : value == null ? "—" : value;
  }

  // An axis tooltip naming the category in full (the axis shows it cut), escaped.
  function axisTooltip(labels) {
    return function (params) {
      var list = Array.isArray(params) ? params : [params];
      if (!list.length) {
        return "";
      }
      var lines = ["<strong>" + encode(labels[list[0].dataIndex]) + "</strong>"];
      list.forEach(function (item) {
        lines.push(item.marker + encode(item.seriesName) + ": " + encode(number(item.value)));
      });
      return lines.join("<br>");
    };
  }

  // The legend wraps onto as many lines as it needs; the plot starts below it.
  function legendLines(element, names) {
    var width = element.clientWidth || 600;
    var used = 0;
    var lines = 1;
    names.forEach(function (name) {
      var item = 35 + Array.from(String(name)).reduce(function (sum, character) {
        return sum + cellsOf(character) * 7;
      }, 0);
      if (used > 0 && used + item > width) {
        lines += 1;
        used = 0;
      }
      used += item;
    });
    return lines;
  }

  function base(data) {
    return {
      color: COLORS,
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, left: 0, right: 0, type: "plain" },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    };
  }

  function bars(data, keys, options) {
    var option = base(data);
    var limit = narrow() ? NARROW_LABEL_CELLS : LABEL_CELLS;
    option.xAxis = {
      type: "category",
      data: data.labels,
      axisLabel: {
        interval: 0,
        rotate: narrow() || data.labels.length > 6 ? 40 : 0,
        hideOverlap: true,
        formatter: function (value) {
          return truncate(value, limit);
        },
      },
    };
    option.yAxis = { type: "value" };
    option.tooltip.formatter = axisTooltip(data.labels);
    option.series = keys.map(function (key) {
      return Object.assign({ name: data.names[key], type: "bar", data: data[key] }, options || {});
    });
    return option;
  }

  // Room for the legend above and the (cut, rotated) labels below, and never less
  // than MIN_PLOT_HEIGHT for the plot itself: the element grows if it must.
  function fit(element, option) {
    if (!option.grid || !option.legend || option.legend.show === false) {
      return option;
    }
    var names = (option.series || []).map(function (series) {
      return series.name;
    });
    var top = 12 + 24 * legendLines(element, names);
    option.grid.top = top;
    var label = option.xAxis && option.xAxis.axisLabel;
    var below = 24;
    if (label && label.show !== false) {
      var longest = (option.xAxis.data || []).reduce(function (widest, value) {
        var text = label.formatter ? label.formatter(value) : String(value);
        var width = Array.from(text).reduce(function (sum, character) {
          return sum + cellsOf(character) * 7;
        }, 0);
        return Math.max(widest, width);
      }, 0);
      below = 16 + Math.ceil(longest * Math.sin(((label.rotate || 0) * Math.PI) / 180));
    }
    var needed = top + below + MIN_PLOT_HEIGHT;
    if (element.clientHeight < needed) {
      element.style.height = needed + "px";
    }
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
      option.grid.top = 16;
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
      option.xAxis.axisLabel = Object.assign(option.xAxis.axisLabel, { show: !narrow(), rotate: 60 });
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
    // No entry animation: figures people read every morning should be there at once,
    // and a segment is where it will stay as soon as the chart says it is ready.
    var option = fit(element, build(data));
    var chart = window.echarts.init(element, null, { renderer: "svg" });
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
