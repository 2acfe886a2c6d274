// Every Plotly chart's toolbar: Plotly's camera downloads a PNG; this adds "Download plot as
// an SVG" beside it. Plotly takes one format per camera and a button of one's own needs a
// JavaScript click function, which Streamlit's JSON config cannot carry: so the new button
// asks the camera for an SVG, by setting the chart's format for the one click it forwards.
// Installed once per browser tab; it watches the page for toolbars Plotly draws or redraws.
const CAMERA = 'button.modebar-btn[data-title="Download plot as a PNG"]';
const SVG_TITLE = "Download plot as an SVG";
// Two anchors and the curve between them: a vector drawing.
const ICON = "M40 660h300v300h-300z M660 40h300v300h-300z M340 750C640 750 360 250 660 250v120C480 370 760 870 340 870z";

function downloadSvg(camera) {
  const chart = camera.closest(".js-plotly-plot");
  const options = chart._context.toImageButtonOptions;
  chart._context.toImageButtonOptions = {...options, format: "svg"};
  try {
    camera.click();  // Plotly's own export reads the format as the click starts
  } finally {
    chart._context.toImageButtonOptions = options;
  }
}

function svgButton(camera) {
  const button = camera.cloneNode(true);  // Plotly's look; a clone has none of its listeners
  button.dataset.title = SVG_TITLE;
  button.setAttribute("aria-label", SVG_TITLE);
  button.querySelector("svg").setAttribute("viewBox", "0 0 1000 1000");
  const path = button.querySelector("path");
  path.setAttribute("d", ICON);
  path.removeAttribute("transform");
  button.addEventListener("click", () => downloadSvg(button.previousElementSibling));
  return button;
}

function addSvgButtons() {
  for (const camera of document.querySelectorAll(CAMERA)) {
    if (camera.nextElementSibling?.dataset.title !== SVG_TITLE) camera.after(svgButton(camera));
  }
}

export default function ({parentElement}) {
  // It draws nothing: no gap for its element in the sidebar (outside its shadow root, if any).
  const mount = parentElement.getRootNode().host ?? parentElement;
  const container = mount.closest('[data-testid="stElementContainer"]');
  if (container) container.style.display = "none";
  if (window.mnistLabChartDownloads) return;
  window.mnistLabChartDownloads = true;
  let scheduled = false;
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      addSvgButtons();
    });
  }).observe(document.body, {childList: true, subtree: true});
  addSvgButtons();
}
