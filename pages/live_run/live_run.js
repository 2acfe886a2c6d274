// The live view of one run, a Streamlit component (the postMessage protocol, no build step).
//
// Streamlit renders it once with {feed_url, plotly_url, status, figure}. From then on it asks the
// feed every POLL_MS for what is newer than the points it holds and appends them to the chart:
// the page never reruns while a run trains. When the run's status differs from the one the
// page was drawn with (paused, finished, ...), it sends that status back, and Streamlit reruns
// the page to redraw the run and its controls.
"use strict";

const POLL_MS = 2000;
let args = null;      // the latest render's arguments
let after = 0;        // the newest metric row drawn
let marks = 0;        // learning-rate changes marked on the chart
let reported = null;  // the status last sent to Streamlit

function post(type, data) {
  window.parent.postMessage({isStreamlitMessage: true, type, ...data}, "*");
}

function fitHeight() {
  post("streamlit:setFrameHeight", {height: document.body.scrollHeight});
}

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${url}`));
    document.head.appendChild(script);
  });
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
  show("chart", progress !== null);
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

function drawPoints(points, newMarks) {
  if (points.length) {
    Plotly.extendTraces("chart", {x: points.map((p) => p.x), y: points.map((p) => p.y)},
                        points.map((p) => p.trace));
  }
  if (newMarks) {
    marks = newMarks.count;
    Plotly.relayout("chart", {shapes: newMarks.shapes, annotations: newMarks.annotations});
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
      const response = await fetch(`${args.feed_url}?after=${after}&marks=${marks}`, {cache: "no-store"});
      if (response.status === 404) {
        drawNote("This run was deleted.");
        report("deleted");
        return;
      }
      if (!response.ok) throw new Error((await response.json()).error);
      const update = await response.json();
      drawNote(update.note);
      const shown = !document.getElementById("chart").hidden;
      drawProgress(update.progress);
      drawPoints(update.points, update.marks);
      after = update.after;
      if (shown !== !document.getElementById("chart").hidden) {
        Plotly.Plots.resize("chart");
        fitHeight();
      }
      if (update.status !== args.status) report(update.status);
    } catch (error) {
      drawNote(`No news from the dashboard (${error.message}); trying again.`);
      fitHeight();
    }
  }
  setTimeout(poll, POLL_MS);
}

async function start() {
  try {
    await loadScript(args.plotly_url);
  } catch (error) {
    drawNote(error.message);
    fitHeight();
    return;
  }
  await Plotly.newPlot("chart", args.figure.data, args.figure.layout,
                       {displaylogo: false, responsive: true});
  new ResizeObserver(fitHeight).observe(document.body);
  poll();
}

window.addEventListener("message", (event) => {
  if (event.data.type !== "streamlit:render") return;
  const first = args === null;
  args = event.data.args;
  const theme = event.data.theme;
  if (theme) {
    const style = document.documentElement.style;
    style.setProperty("--primary", theme.primaryColor);
    style.setProperty("--text", theme.textColor);
    style.setProperty("--font", theme.font);
  }
  if (first) {
    fitHeight();
    start();
  }
});
post("streamlit:componentReady", {apiVersion: 1});
