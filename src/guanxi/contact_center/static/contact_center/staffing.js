// The staffing chart: contacts per interval (bars) and agents needed / to schedule (lines).
(function () {
  var node = document.getElementById("staffing-chart");
  var source = document.getElementById("staffing-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var n = data.names;
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#c5d3f6", "#2458d6", "#c8102e"],
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [n.volume, n.agents, n.scheduled] },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.labels, axisTick: { alignWithLabel: true } },
    yAxis: [
      { type: "value", name: n.contacts, splitLine: { lineStyle: { color: "#eef1f6" } } },
      { type: "value", name: n.people, minInterval: 1, splitLine: { show: false } }
    ],
    series: [
      { name: n.volume, type: "bar", data: data.volume, barMaxWidth: 22 },
      { name: n.agents, type: "line", step: "middle", yAxisIndex: 1, data: data.agents, symbol: "none",
        lineStyle: { width: 2.5 } },
      { name: n.scheduled, type: "line", step: "middle", yAxisIndex: 1, data: data.scheduled, symbol: "none",
        lineStyle: { width: 2, type: "dashed" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
