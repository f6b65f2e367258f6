// The wallboard's charts: agents by state (a ring) and, per queue, today's service level against the goal (bars,
// red below it) beside the contacts waiting now (bars, right axis). The page's live part is replaced every few
// seconds (htmx); the charts stay (hx-preserve) and are redrawn from the data that came with it.
(function () {
  if (typeof echarts === "undefined") return;
  var STATE_COLOURS = { available: "#1f8a5b", busy: "#2458d6", acw: "#d08a00", "break": "#e06c1f", offline: "#b8c0cc" };
  var charts = {};

  function chartIn(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    if (!charts[id] || charts[id].getDom() !== node) charts[id] = echarts.init(node, null, { renderer: "svg" });
    return charts[id];
  }

  function draw() {
    var source = document.getElementById("wallboard-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var n = data.names;
    var states = chartIn("wallboard-states");
    if (states) {
      states.setOption({
        animation: false,
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["45%", "72%"], center: ["50%", "44%"], avoidLabelOverlap: true,
          label: { formatter: "{c}", fontSize: 14, fontWeight: "bold" },
          data: data.states.map(function (s) {
            return { name: s.name, value: s.value, itemStyle: { color: STATE_COLOURS[s.state] || "#888" },
                     label: { show: s.value > 0 }, labelLine: { show: s.value > 0 } };
          })
        }]
      });
    }
    var queues = chartIn("wallboard-queues");
    if (queues) {
      queues.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [n.service_level, n.waiting] },
        grid: { left: 48, right: 48, top: 36, bottom: 56 },
        xAxis: { type: "category", data: data.queues, axisLabel: { interval: 0, rotate: data.queues.length > 4 ? 20 : 0 } },
        yAxis: [
          { type: "value", name: n.percent, min: 0, max: 100, splitLine: { lineStyle: { color: "#eef1f6" } } },
          { type: "value", name: n.contacts, minInterval: 1, splitLine: { show: false } }
        ],
        series: [
          { name: n.service_level, type: "bar", barMaxWidth: 36, itemStyle: { color: "#1f8a5b" },
            data: data.service_level.map(function (v) {
              return { value: v, itemStyle: { color: v !== null && v < data.goal ? "#c62f3a" : "#1f8a5b" } };
            }),
            markLine: { symbol: "none", silent: true, lineStyle: { color: "#596377", type: "dashed" },
                        label: { position: "insideEndTop", formatter: n.goal + " {c}%" },
                        data: [{ yAxis: data.goal }] } },
          { name: n.waiting, type: "bar", yAxisIndex: 1, barMaxWidth: 20, data: data.waiting,
            itemStyle: { color: "#2458d6" } }
        ]
      }, true);
    }
  }

  draw();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (document.getElementById("wallboard-live")) draw();
  });
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });
})();
