// Open tickets by age and type: a stacked bar per type, one colour per age band (older is redder).
(function () {
  var node = document.getElementById("age-chart");
  var source = document.getElementById("age-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#8ea7ea", "#2458d6", "#f0a23b", "#c62f3a"],
    legend: { top: 0 },
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.kinds },
    series: data.bands.map(function (band, i) {
      return { name: band, type: "bar", stack: "age", data: data.series[i] };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
