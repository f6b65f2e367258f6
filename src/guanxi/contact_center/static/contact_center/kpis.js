// The figures chart: contacts offered and answered per group (bars), the service level and the agents' occupancy
// (lines, right axis); and, with a staffing plan saved for the day, the day against it: forecast and offered
// contacts (bars), agents planned and logged in (lines, right axis).
window.guanxiContactCenterChart("kpi-chart", "kpi-data", function (data, n) {
  return {
    color: ["#c5d3f6", "#2458d6", "#c8102e", "#1f8a5b"],
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
  };
});

window.guanxiContactCenterChart("plan-chart", "plan-data", function (data, n) {
  return {
    color: ["#d9dee8", "#2458d6", "#c8102e", "#1f8a5b"],
    yAxis: [
      { type: "value", name: n.contacts, minInterval: 1, splitLine: { lineStyle: { color: "#eef1f6" } } },
      { type: "value", name: n.agents, minInterval: 1, splitLine: { show: false } }
    ],
    series: [
      { name: n.forecast, type: "bar", data: data.forecast, barMaxWidth: 22 },
      { name: n.offered, type: "bar", data: data.offered, barMaxWidth: 22 },
      { name: n.planned, type: "line", step: "middle", yAxisIndex: 1, data: data.planned, symbol: "none",
        lineStyle: { width: 2, type: "dashed" } },
      { name: n.staffed, type: "line", yAxisIndex: 1, data: data.staffed, symbolSize: 5, lineStyle: { width: 2.5 } }
    ]
  };
});
