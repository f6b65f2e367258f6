// The dashboard charts (ECharts, drawn on a canvas so that PNG export gives a picture): bar, line or
// pie from the figures the page carries (json_script), the chart form's preview each time htmx swaps
// it in, and a chart's PNG download. Tables are drawn by the server.
(function () {
  var language = document.documentElement.lang || "en";

  function formatter(plot) {
    var grouped = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
    var whole = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
    // as the pages write money (core.formatting): ¥1,234 in Chinese, CNY 1,234 in English
    var symbol = language.indexOf("zh") === 0 && plot.currency === "CNY" ? "¥" : plot.currency + " ";
    return function (value) {
      if (value === null || value === undefined) return "–";
      if (plot.unit === "money") return (value < 0 ? "-" : "") + symbol + whole.format(Math.abs(value));
      if (plot.unit === "percent") return grouped.format(value) + "%";
      if (plot.unit === "seconds") return grouped.format(value) + " s";
      return grouped.format(value);
    };
  }

  function option(plot) {
    var format = formatter(plot);
    if (plot.type === "pie") {
      return {
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) {
          return p.name + ": " + format(p.value) + " (" + p.percent + "%)"; } },
        legend: { type: "scroll", bottom: 0 },
        series: [{ type: "pie", name: plot.name, radius: ["35%", "65%"], center: ["50%", "45%"],
                   label: { formatter: "{b}" },
                   data: plot.labels.map(function (label, i) { return { name: label, value: plot.values[i] }; }) }]
      };
    }
    var crowded = plot.labels.length > 6 || plot.labels.join("").length > 40;
    return {
      animation: false,
      color: ["#2458d6"],
      tooltip: { trigger: "axis", valueFormatter: format },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: plot.labels,
               axisLabel: { interval: crowded ? "auto" : 0, rotate: crowded ? 30 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: format } },
      series: [{ type: plot.type, name: plot.name, data: plot.values, showSymbol: !crowded,
                 areaStyle: plot.type === "line" ? { opacity: 0.08 } : undefined }]
    };
  }

  function draw(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll(".dashboard-chart").forEach(function (node) {
      var source = document.getElementById(node.dataset.source);
      var plot = source && JSON.parse(source.textContent)[node.dataset.chart];
      if (!plot) return;
      var chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(option(plot), true);
    });
  }

  function savePng(button) {
    var node = document.querySelector('.dashboard-chart[data-chart="' + button.dataset.png + '"]');
    var chart = node && echarts.getInstanceByDom(node);
    if (!chart) return;
    var plot = JSON.parse(document.getElementById(node.dataset.source).textContent)[node.dataset.chart];
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    link.download = plot.file + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-png]");
    if (button) savePng(button);
  });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    event.detail.target.querySelectorAll(".dashboard-chart").forEach(function (node) {
      var chart = echarts.getInstanceByDom(node);
      if (chart) chart.dispose();
    });
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll(".dashboard-chart").forEach(function (node) {
      var chart = echarts.getInstanceByDom(node);
      if (chart) chart.resize();
    });
  });
  draw(document);
})();
