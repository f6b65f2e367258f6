// Open leads by age (bars) stacked by status: the older a lead, the colder the prospect.
(function () {
  var node = document.getElementById("ageing-chart");
  var source = document.getElementById("ageing-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#c5d3f6", "#2458d6", "#6137c2", "#a25a00", "#0c6f5f"],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 24, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.bands },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef1f6" } } },
    series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "open", data: s.data,
                                                     barMaxWidth: 48 }; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
