// The service-level chart: per group, the share of tickets answered and resolved within target.
(function () {
  var node = document.getElementById("attainment-chart");
  var source = document.getElementById("attainment-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#2458d6", "#126b3d"],
    legend: { top: 0 },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: data.labels },
    series: [
      { name: data.names.response, type: "bar", data: data.response },
      { name: data.names.resolution, type: "bar", data: data.resolution }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
