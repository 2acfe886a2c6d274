// The live view of one run, a Streamlit component (the postMessage protocol, no build step).
//
// Streamlit renders it with {run_id, status, figure}. From then on it asks the live feed every
// POLL_MS for what is newer than the points it holds and appends them to the chart: the page
// never reruns while a run trains. When the run's status differs from the one the page was
// drawn with (paused, finished, ...), it sends that status back, and Streamlit reruns the page
// to redraw the run and its controls.
//
// Its URLs are relative to this file (<base>/component/<name>/index.html), so the dashboard
// works under any server.baseUrlPath; only a run id comes from outside, and it is checked.
"use strict";

const POLL_MS = 2000;
const FEED = "../../lab/live/";
const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
let args = null;      // the latest render's arguments
let after = 0;        // the newest metric row drawn
let marks = 0;        // learning-rate changes marked on the chart
let reported = null;  // the status sent to Streamlit since the latest render

function post(type, data) {
  window.parent.postMessage({isStreamlitMessage: true, type, ...data}, "*");
}

function fitHeight() {
  post("streamlit:setFrameHeight", {height: document.body.scrollHeight});
}

function show(id, visible) {
  document.getElementById(id).hidden = !visible;
}

function drawNote(text) {
  document.getElementById("note").textContent = text || "";
  show("note", Boolean(text));
}

function drawProgress(progress) {
  show("progress", progress !== null);
  if (progress === null) return;
  const percent = Math.round(progress.fraction * 1000) / 10;
  const bar = document.querySelector(".bar");
  bar.setAttribute("aria-valuenow", percent);
  bar.firstElementChild.style.width = `${percent}%`;
  document.querySelector(".label").textContent = progress.label;
  for (const field of document.querySelectorAll("[data-field]")) {
    field.textContent = progress[field.dataset.field];
  }
}

function drawChart(visible, points, newMarks) {
  const chart = document.getElementById("chart");
  if (visible && chart.hidden) {
    show("chart", true);
    Plotly.Plots.resize(chart);  // drawn while hidden, it has no width yet
  } else if (!visible) {
    show("chart", false);
  }
  if (points.length) {
    Plotly.extendTraces(chart, {x: points.map((p) => p.x), y: points.map((p) => p.y)},
                        points.map((p) => p.trace));
  }
  if (newMarks) {
    marks = newMarks.count;
    Plotly.relayout(chart, {shapes: newMarks.shapes, annotations: newMarks.annotations});
  }
}

function report(status) {
  if (status === reported) return;
  reported = status;
  post("streamlit:setComponentValue", {value: {status, at: Date.now()}, dataType: "json"});
}

async function poll() {
  if (!document.hidden) {  // a hidden tab asks for nothing
    try {
      const response = await fetch(`${FEED}${args.run_id}?after=${after}&marks=${marks}`,
                                   {cache: "no-store"});
      if (response.status === 404) {
        drawNote("This run was deleted.");
        report("deleted");
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const update = await response.json();
      drawNote(update.note);
      drawProgress(update.progress);
      drawChart(update.progress !== null, update.points, update.marks);
      after = update.after;
      if (update.status !== args.status) report(update.status);
    } catch (error) {
      drawNote(`No news from the dashboard (${error.message}); trying again.`);
    }
  }
  setTimeout(poll, POLL_MS);
}

async function start() {
  if (!RUN_ID.test(args.run_id)) {
    drawNote(`Not a run id: ${args.run_id}`);
    return;
  }
  if (typeof Plotly === "undefined") {
    drawNote("Plotly could not be loaded from the dashboard (lab/plotly.min.js).");
    return;
  }
  await Plotly.newPlot("chart", args.figure.data, args.figure.layout,
                       {displaylogo: false, responsive: true});
  poll();
}

window.addEventListener("message", (event) => {
  // Only the Streamlit page that holds this frame may drive it.
  if (event.source !== window.parent || event.origin !== window.location.origin) return;
  if (event.data.type !== "streamlit:render") return;
  const first = args === null;
  args = event.data.args;
  reported = null;  // the page was drawn again: a status differing from it is news again
  const theme = event.data.theme;
  if (theme) {
    const style = document.documentElement.style;
    style.setProperty("--primary", theme.primaryColor);
    style.setProperty("--text", theme.textColor);
    style.setProperty("--font", theme.font);
  }
  if (first) {
    new ResizeObserver(fitHeight).observe(document.body);  // the frame follows what is shown
    start();
  }
});
post("streamlit:componentReady", {apiVersion: 1});
