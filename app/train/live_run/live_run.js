// The live view of one run: a Streamlit components v2 element, mounted into the page.
//
// Streamlit calls the default export with data {run_id, run_id_pattern, status, figure, base}. From then on it
// asks the live feed every POLL_MS for what is newer than the points it holds and appends them
// to its chart: the page never reruns while a run trains. When the run's status differs from
// the one the page was drawn with (paused, finished, ...), it sets the trigger value "status",
// and Streamlit reruns the page to redraw the run and its controls.
//
// Plotly's script comes from the dashboard (<base>lab/plotly.min.js) and is loaded once per
// page, however many runs are shown. Only a run id comes from the data; it is checked against
// the store's own pattern (run_id_pattern), so there is one definition of a run id. Text is
// written with textContent, never as HTML.

const POLL_MS = 2000;

function loadPlotly(base) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.mnistLabPlotly) {
    window.mnistLabPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${base}lab/plotly.min.js`;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.mnistLabPlotly = null;  // the next view tries again
        script.remove();
        reject(new Error(`Plotly could not be loaded from the dashboard (${script.src}).`));
      };
      document.head.appendChild(script);
    });
  }
  return window.mnistLabPlotly;
}

export default function liveRun({data, parentElement, setTriggerValue}) {
  const root = parentElement.querySelector(".live-run");
  const part = (name) => root.querySelector(`.live-run-${name}`);
  const chart = part("chart");
  let after = 0;        // the newest metric row drawn
  let marks = 0;        // learning-rate changes marked on the chart
  let reported = null;  // the status reported since this render
  let timer = null;
  let ended = false;

  const show = (element, visible) => { element.hidden = !visible; };

  function drawNote(text) {
    part("note").textContent = text || "";
    show(part("note"), Boolean(text));
  }

  function drawProgress(progress) {
    show(part("progress"), progress !== null);
    if (progress === null) return;
    const percent = Math.round(progress.fraction * 1000) / 10;
    const bar = part("bar");
    bar.setAttribute("aria-valuenow", percent);
    bar.firstElementChild.style.width = `${percent}%`;
    part("label").textContent = progress.label;
    for (const field of root.querySelectorAll("[data-field]")) {
      field.textContent = progress[field.dataset.field];
    }
  }

  function drawChart(visible, points, newMarks) {
    if (visible && chart.hidden) {
      show(chart, true);
      window.Plotly.Plots.resize(chart);  // drawn while hidden, it has no width yet
    } else if (!visible) {
      show(chart, false);
    }
    if (points.length) {
      window.Plotly.extendTraces(chart, {x: points.map((p) => p.x), y: points.map((p) => p.y)},
                                 points.map((p) => p.trace));
    }
    if (newMarks) {
      marks = newMarks.count;
      window.Plotly.relayout(chart, {shapes: newMarks.shapes, annotations: newMarks.annotations});
    }
  }

  function report(status) {
    if (status === reported) return;
    reported = status;
    setTriggerValue("status", status);
  }

  async function poll() {
    if (!document.hidden) {  // a hidden tab asks for nothing
      try {
        const response = await fetch(
          `${data.base}lab/live/${data.run_id}?after=${after}&marks=${marks}`, {cache: "no-store"});
        if (ended) return;
        if (response.status === 404) {
          drawNote("This run was deleted.");
          report("deleted");
          return;
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const update = await response.json();
        if (ended) return;
        drawNote(update.note);
        drawProgress(update.progress);
        drawChart(update.progress !== null, update.points, update.marks);
        after = update.after;
        if (update.status !== data.status) report(update.status);
      } catch (error) {
        drawNote(`No news from the dashboard (${error.message}); trying again.`);
      }
    }
    if (!ended) timer = setTimeout(poll, POLL_MS);
  }

  async function start() {
    if (!new RegExp(`^(?:${data.run_id_pattern})$`).test(data.run_id)) {
      drawNote(`Not a run id: ${data.run_id}`);
      return;
    }
    try {
      await loadPlotly(data.base);
    } catch (error) {
      drawNote(error.message);
      return;
    }
    if (ended) return;
    await window.Plotly.newPlot(chart, data.figure.data, data.figure.layout,
                                {...data.config, responsive: true});
    poll();
  }

  start();
  // Streamlit calls this before drawing the view again with new data, and when it goes away.
  return () => {
    ended = true;
    clearTimeout(timer);
    if (window.Plotly) window.Plotly.purge(chart);
  };
}
