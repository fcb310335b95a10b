// The dashboard's charts: each <canvas data-chart="chart-KEY"> draws the JSON in
// <script id="KEY" type="application/json"> with the vendored Chart.js (no CDN).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.Chart) return;
  const colours = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e"];
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart.replace(/^chart-/, ""));
    if (!source) return;
    const data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: data.series.length > 1 ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map((series, i) => ({
          label: series.label,
          data: series.values,
          borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length],
          spanGaps: true,
        })),
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
  });
});
