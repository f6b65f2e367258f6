// A call list's outcomes: how many calls ended with each outcome code (bars), from the page's JSON (no inline
// script: the content security policy forbids it).
(function () {
  var node = document.getElementById("outbound-chart");
  var source = document.getElementById("outbound-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#2458d6"],
    tooltip: { trigger: "axis" },
    grid: { left: 150, right: 24, top: 12, bottom: 24 },
    xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef1f6" } } },
    yAxis: { type: "category", data: data.labels, inverse: true },
    series: [{ name: data.name, type: "bar", data: data.counts, barMaxWidth: 18 }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
