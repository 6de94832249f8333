// behest dashboard: copy buttons, confirmations, and the usage charts. No framework.
"use strict";

function copyButtons() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = "Copied";
      } catch (_error) {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  }
}

function confirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

const PALETTE = ["#2357d6", "#e4572e", "#17a398", "#f3a712", "#8e44ad", "#5f6b7a",
                 "#29335c", "#db2b39", "#43aa8b", "#b56576"];

function stackedChart(canvas, series, label) {
  const datasets = series.models.map((model, index) => ({
    label: model,
    data: series.days.map((day) => series.values[model][day] || 0),
    backgroundColor: PALETTE[index % PALETTE.length],
    stack: "models",
  }));
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels: series.days, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { title: { display: true, text: label }, legend: { position: "bottom" } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
    },
  });
}

function usageCharts() {
  const data = document.getElementById("usage-data");
  if (!data || !window.Chart) return;
  const usage = JSON.parse(data.textContent);
  stackedChart(document.getElementById("cost-chart"), usage.cost, "Cost per day (USD)");
  stackedChart(document.getElementById("token-chart"), usage.tokens, "Tokens per day");
  document.body.dataset.chartsReady = "true";
}

// A page that answers a POST names its GET address: reloading it then shows the page
// again instead of posting again (which would, say, create a second API key).
function canonicalAddress() {
  const main = document.querySelector("main[data-canonical]");
  if (main) window.history.replaceState(null, "", main.dataset.canonical);
}

document.addEventListener("DOMContentLoaded", () => {
  canonicalAddress();
  copyButtons();
  confirmations();
  usageCharts();
});
