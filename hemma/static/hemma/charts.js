// The dashboard's charts: each <canvas data-chart="chart-KEY"> draws the JSON in
// <script id="KEY" type="application/json"> with the vendored Chart.js (no CDN).
// Numbers as hemma/clinical/numbers.py writes them: decimal comma, no-break space
// (U+00A0) between thousands, a real minus sign (U+2212). A bucket listed in
// data.partial (the month so far, a month the period cuts) is drawn hatched (bars) or
// dashed with a hollow point (lines), so it does not read as a drop.
(function () {
  const GROUP = "\u00a0";
  const MINUS = "\u2212";

  function formatNumber(value, decimals) {
    if (value === null || value === undefined || !Number.isFinite(Number(value))) return "–";
    const places = Math.max(0, decimals || 0);
    const factor = 10 ** places;
    // half up, away from zero, like the server's ROUND_HALF_UP
    const rounded = (Math.sign(value) * Math.round(Math.abs(value) * factor + 1e-9)) / factor;
    const [whole, fraction] = Math.abs(rounded).toFixed(places).split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, GROUP);
    return (rounded < 0 ? MINUS : "") + grouped + (fraction ? "," + fraction : "");
  }
  window.hemmaFormatNumber = formatNumber;

  function hatch(colour) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const pen = tile.getContext("2d");
    pen.fillStyle = "#ffffff";
    pen.fillRect(0, 0, 8, 8);
    pen.strokeStyle = colour;
    pen.lineWidth = 2;
    pen.beginPath();
    pen.moveTo(0, 8);
    pen.lineTo(8, 0);
    pen.stroke();
    return pen.createPattern(tile, "repeat");
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.Chart) return;
    const colours = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e"];
    document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const source = document.getElementById(canvas.dataset.chart.replace(/^chart-/, ""));
      if (!source) return;
      const data = JSON.parse(source.textContent);
      const partial = new Set(data.partial || []);
      const decimals = data.decimals || 0;
      const bar = data.series.length === 1;
      new window.Chart(canvas, {
        type: bar ? "bar" : "line",
        data: {
          labels: data.labels,
          datasets: data.series.map((series, i) => {
            const colour = colours[i % colours.length];
            const each = (whole, part) => series.values.map((_, j) => (partial.has(j) ? part : whole));
            return {
              label: series.label,
              data: series.values,
              borderColor: colour,
              backgroundColor: bar ? each(colour, hatch(colour)) : colour,
              borderWidth: bar ? each(0, 2) : 2,
              pointBackgroundColor: bar ? colour : each(colour, "#ffffff"),
              pointRadius: bar ? undefined : each(3, 5),
              spanGaps: true,
              segment: bar
                ? undefined
                : { borderDash: (ctx) => (partial.has(ctx.p1DataIndex) ? [6, 4] : undefined) },
            };
          }),
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          locale: "sv-SE",
          scales: {
            y: {
              beginAtZero: true,
              ticks: {
                precision: decimals,
                // as few decimals as the tick needs: 250, not 250,0
                callback: (value) => formatNumber(value, Number.isInteger(value) ? 0 : decimals),
              },
            },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (ctx) => `${ctx.dataset.label}: ${formatNumber(ctx.parsed.y, decimals)}`,
              },
            },
          },
        },
      });
    });
  });
})();
