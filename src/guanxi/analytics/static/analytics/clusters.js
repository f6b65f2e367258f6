// The clusters page's charts: how far each cluster's mean lies from the whole base's on each feature
// (blue below, red above), and the mean silhouette of each k tried, the chosen one darker.
(function () {
  var source = document.getElementById("cluster-data");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var charts = [];

  var profile = document.getElementById("cluster-chart");
  if (profile) {
    var chart = echarts.init(profile, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) {
        return data.clusters[p.value[1]] + "<br>" + data.features[p.value[0]] + ": " + p.value[2] + " " +
          data.words.deviation; } },
      grid: { left: 8, right: 8, top: 8, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: data.features, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "category", data: data.clusters, inverse: true },
      visualMap: { min: -2, max: 2, calculable: false, orient: "horizontal", left: "center", bottom: 0,
                   itemHeight: 120, inRange: { color: ["#2458d6", "#f4f6fb", "#c62f3a"] } },
      series: [{ type: "heatmap", data: data.deviations, label: { show: true } }]
    });
    charts.push(chart);
  }

  var silhouette = document.getElementById("silhouette-chart");
  if (silhouette) {
    var bars = echarts.init(silhouette, null, { renderer: "svg" });
    bars.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", name: "k", data: data.k },
      yAxis: { type: "value", name: data.words.silhouette },
      series: [{ type: "bar", name: data.words.silhouette, data: data.silhouettes.map(function (value, i) {
        return { value: value, itemStyle: { color: data.k[i] === data.chosen ? "#2458d6" : "#c5d3f6" } };
      }) }]
    });
    charts.push(bars);
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
