// The funnel chart: deals per open stage, widest first, with the amount in the label.
(function () {
  var node = document.getElementById("funnel-chart");
  var source = document.getElementById("funnel-data");
  if (!node || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#2458d6", "#5b7fe0", "#8ea7ea", "#c5d3f6"],
    tooltip: { trigger: "item", formatter: function (p) {
      return p.name + "<br>" + data.names.count + ": " + p.value + "<br>" + data.names.amount + ": " +
        data.amounts[p.dataIndex].toLocaleString(); } },
    series: [{
      type: "funnel", left: "8%", width: "84%", top: 12, bottom: 12, sort: "none", gap: 4, minSize: "18%",
      label: { show: true, position: "inside", formatter: function (p) { return p.name + " · " + p.value; } },
      data: data.stages.map(function (name, i) { return { name: name, value: data.counts[i] }; })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
