// statsmix dashboard: live charts and small form conveniences.
//
// The pages carry no inline script (the Content-Security-Policy forbids it):
// every chart is a <div class="chart" data-src="..."> whose data this file
// fetches as JSON, and text from the server only ever reaches the page
// through textContent.
(function () {
  "use strict";

  var PALETTE = [
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2",
    "#64748b",
  ];

  function seriesOptions(series, index) {
    var colour = PALETTE[index % PALETTE.length];
    return {
      label: series.label,
      stroke: colour,
      width: 2,
      spanGaps: false,
    };
  }

  function drawnPoints(data) {
    var count = 0;
    data.series.forEach(function (series) {
      series.values.forEach(function (value) {
        if (value !== null && value !== 0) {
          count += 1;
        }
      });
    });
    return count;
  }

  // "2026-12-03T19:58:48.318134Z" as "2026-12-03 19:58:48", as the
  // server renders it.
  function shortTime(text) {
    return String(text).replace("T", " ").replace(/(\.\d+)?Z$/, "");
  }

  function fillTable(tbody, stats) {
    var rows = stats.map(function (stat) {
      var row = document.createElement("tr");
      var meta = Object.keys(stat.meta || {}).length
        ? JSON.stringify(stat.meta)
        : "";
      var cells = [
        shortTime(stat.generated_at), stat.value, stat.ref_id || "", meta,
      ];
      cells.forEach(function (text) {
        var cell = document.createElement("td");
        cell.textContent = String(text);
        row.appendChild(cell);
      });
      return row;
    });
    tbody.replaceChildren.apply(tbody, rows);
  }

  function LiveChart(box) {
    this.box = box;
    this.plotArea = box.querySelector(".chart-plot");
    this.status = box.querySelector(".chart-status");
    this.table = box.dataset.table
      ? document.getElementById(box.dataset.table)
      : null;
    this.interval = Number(box.dataset.poll || "1000");
    this.plot = null;
    this.shape = "";
    this.failures = 0;
    this.refresh = this.refresh.bind(this);
  }

  LiveChart.prototype.draw = function (data) {
    var shape = data.series
      .map(function (series) { return series.label; })
      .join("\u0000");
    var columns = [data.x].concat(
      data.series.map(function (series) { return series.values; })
    );

    if (this.plot && shape === this.shape) {
      this.plot.setData(columns);
      return;
    }

    if (this.plot) {
      this.plot.destroy();
    }
    this.shape = shape;
    this.plot = new window.uPlot(
      {
        width: Math.max(this.plotArea.clientWidth, 240),
        height: Number(this.box.dataset.height || "260"),
        series: [{}].concat(data.series.map(seriesOptions)),
        scales: { y: { range: function (u, min, max) {
          return [Math.min(0, min), max > 0 ? max * 1.1 : 1];
        } } },
        legend: { show: data.series.length > 1 || !!data.group_by },
      },
      columns,
      this.plotArea
    );
  };

  LiveChart.prototype.show = function (data) {
    this.draw(data);
    if (this.table && data.latest) {
      fillTable(this.table, data.latest);
    }
    this.box.dataset.total = String(data.total);
    this.box.dataset.points = String(drawnPoints(data));
    this.box.dataset.state = "ready";
    if (this.status) {
      this.status.textContent =
        data.total + (data.total === 1 ? " stat" : " stats") +
        " in range, updated " +
        new Date().toLocaleTimeString();
    }
  };

  LiveChart.prototype.fail = function (message) {
    this.box.dataset.state = "error";
    if (this.status) {
      this.status.textContent = message;
    }
  };

  LiveChart.prototype.refresh = function () {
    var self = this;
    fetch(self.box.dataset.src, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("could not load the chart (" + response.status + ")");
        }
        return response.json();
      })
      .then(function (data) {
        self.show(data);
        self.failures = 0;
      })
      .catch(function (error) {
        self.fail(String(error.message || error));
        self.failures += 1;
      })
      .finally(function () { window.setTimeout(self.refresh, self.delay()); });
  };

  // Poll at the chart's pace while it is seen; slower in a hidden tab, and
  // backing off while the server keeps refusing (a revoked share, say).
  LiveChart.prototype.delay = function () {
    var delay = this.interval;
    if (document.hidden) {
      delay = Math.max(delay, 10000);
    }
    if (this.failures > 0) {
      delay = Math.min(delay * Math.pow(2, this.failures), 60000);
    }
    return delay;
  };

  LiveChart.prototype.resize = function () {
    if (this.plot) {
      this.plot.setSize({
        width: Math.max(this.plotArea.clientWidth, 240),
        height: this.plot.height,
      });
    }
  };

  function autoSubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
      field.addEventListener("change", function () {
        // A custom range needs its two times before it means anything.
        if (field.name === "range" && field.value === "custom") {
          return;
        }
        if (field.form.requestSubmit) {
          field.form.requestSubmit();
        } else {
          field.form.submit();
        }
      });
    });
  }

  function toggleCustomRange() {
    document.querySelectorAll("select[name=range]").forEach(function (select) {
      var custom = select.form.querySelector(".custom-range");
      if (!custom) {
        return;
      }
      var update = function () { custom.hidden = select.value !== "custom"; };
      select.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = [];
    document.querySelectorAll(".chart[data-src]").forEach(function (box) {
      var chart = new LiveChart(box);
      charts.push(chart);
      chart.refresh();
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
    toggleCustomRange();
    autoSubmit();
  });
})();
