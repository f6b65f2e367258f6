// A chart of the contact-center pages: bars and lines over the page's intervals (or groups) on two value axes,
// drawn in SVG from the JSON the page wrote with json_script, redrawn when the window is resized. `build(data,
// names)` gives the colours, the two axes and the series; the legend lists the series in their order.
window.guanxiContactCenterChart = function (nodeId, dataId, build) {
  var node = document.getElementById(nodeId);
  var source = document.getElementById(dataId);
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var parts = build(data, data.names);
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: parts.color,
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: parts.series.map(function (series) { return series.name; }) },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.labels, axisTick: { alignWithLabel: true } },
    yAxis: parts.yAxis,
    series: parts.series
  });
  window.addEventListener("resize", function () { chart.resize(); });
};
