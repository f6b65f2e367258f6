// The staffing chart: contacts per interval (bars) and agents needed / to schedule (lines).
window.guanxiContactCenterChart("staffing-chart", "staffing-data", function (data, n) {
  return {
    color: ["#c5d3f6", "#2458d6", "#c8102e"],
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
  };
});
