// The figures chart: contacts offered and answered per group (bars), the service level and the agents' occupancy
// (lines, right axis).
(function () {
  var node = document.getElementById("kpi-chart");
  var source = document.getElementById("kpi-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var n = data.names;
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#c5d3f6", "#2458d6", "#c8102e", "#1f8a5b"],
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [n.offered, n.answered, n.service_level, n.occupancy] },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.labels, axisTick: { alignWithLabel: true } },
    yAxis: [
      { type: "value", name: n.contacts, minInterval: 1, splitLine: { lineStyle: { color: "#eef1f6" } } },
      { type: "value", name: n.percent, min: 0, max: 100, splitLine: { show: false } }
    ],
    series: [
      { name: n.offered, type: "bar", data: data.offered, barMaxWidth: 22 },
      { name: n.answered, type: "bar", data: data.answered, barMaxWidth: 22 },
      { name: n.service_level, type: "line", yAxisIndex: 1, data: data.service_level, connectNulls: false,
        symbolSize: 6, lineStyle: { width: 2.5 } },
      { name: n.occupancy, type: "line", yAxisIndex: 1, data: data.occupancy, connectNulls: false,
        symbolSize: 6, lineStyle: { width: 2, type: "dashed" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
