/**
 * The report page's own script: reads the chart specifications from the
 * page's JSON block and draws them with the inlined chart.js. Animations are
 * off so a chart is complete as soon as the page has loaded.
 */
export const CLIENT_SCRIPT = `"use strict";
(() => {
  const palette = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2",
    "#97bbf5", "#9c6b4e", "#9498a0"];
  const specs = JSON.parse(document.getElementById("chart-data").textContent);
  for (const spec of specs) {
    const canvas = document.getElementById(spec.id);
    if (!canvas) continue;
    const axis = (title, stacked) => ({
      stacked: !!stacked,
      title: { display: !!title, text: title || "" },
    });
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((d, i) => ({
          label: d.label,
          data: d.data,
          backgroundColor: palette[i % palette.length],
          borderColor: palette[i % palette.length],
          spanGaps: false,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { title: { display: true, text: spec.title } },
        scales: {
          x: axis(spec.xTitle, spec.stacked),
          y: { ...axis(spec.yTitle, spec.stacked), beginAtZero: true },
        },
      },
    });
  }
})();
`;
