// The confusion matrix: a Streamlit components v2 element, mounted into the page.
//
// Streamlit calls the default export with data {title, classes, cells, scale, selected,
// clickable} (cells and scale from mnist_lab.figures.predictions.matrix_cells). Each cell is a button;
// a click marks it at once and sets the state value "click" to {cell: [true, predicted], at},
// which reruns the page (`at`, the click's time, makes a second click on one cell a new one).
// All text is written with textContent, never as HTML.

export default function confusionGrid({data, parentElement, setStateValue}) {
  const part = (name) => parentElement.querySelector(`.confusion-${name}`);
  part("title").textContent = data.title || "";
  part("title").hidden = !data.title;

  const grid = part("grid");
  const selected = data.selected || [];
  const ticks = (text) => {
    const tick = document.createElement("span");
    tick.className = "tick";
    tick.textContent = text;
    return tick;
  };
  const rows = [];
  for (const cell of data.cells) {
    if (cell.predicted === data.classes[0]) rows.push(ticks(String(cell.true)));
    const button = document.createElement("button");
    button.type = "button";
    button.className = cell.dark ? "cell dark" : "cell";
    button.dataset.true = cell.true;
    button.dataset.predicted = cell.predicted;
    button.textContent = cell.text;
    button.title = cell.label;
    button.setAttribute("aria-label", cell.label);
    button.style.backgroundColor = cell.colour;
    button.disabled = !data.clickable;
    if (data.clickable) {
      button.setAttribute("aria-pressed", String(cell.true === selected[0] && cell.predicted === selected[1]));
      button.addEventListener("click", () => {
        for (const other of grid.querySelectorAll('[aria-pressed="true"]')) other.setAttribute("aria-pressed", "false");
        button.setAttribute("aria-pressed", "true");
        setStateValue("click", {cell: [cell.true, cell.predicted], at: Date.now()});
      });
    }
    rows.push(button);
  }
  rows.push(ticks(""), ...data.classes.map((digit) => ticks(String(digit))));
  grid.replaceChildren(...rows);

  part("scale-title").textContent = data.scale.title;
  part("scale-high").textContent = data.scale.high;
  part("scale-low").textContent = data.scale.low;
  part("scale-bar").style.background = `linear-gradient(to top, ${data.scale.colours.join(", ")})`;
}
