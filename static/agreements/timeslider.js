// The map's timeline slider: a range over the months of the record (stops and their labels come from the page's
// <datalist>) and a play button that steps through them. It moves the map by setting the as-of input and firing
// its `change` event, which map.js answers (redraw, URL in step); it follows the map through map.js's `mapstate`
// event (a typed date, "Today", Back/Forward). No text is made here: labels come from the server.
const byId = (id) => document.getElementById(id);
const [box, range, output, play] = ["time-slider", "time-range", "time-now", "time-play"].map(byId);
const [asOfInput, mapEl] = [byId("as-of"), byId("map")];
const STEP_MS = 1500;

const stops = Array.from(document.querySelectorAll("#time-steps option"), (option) => ({
  value: option.dataset.asOf,
  label: option.label,
}));
let timer = null;

function show(index, label = stops[index].label) {
  range.value = String(index);
  range.setAttribute("aria-valuetext", label);
  output.textContent = label;
}

function moveMap(index) {
  show(index);
  if (asOfInput.value === stops[index].value) return;
  asOfInput.value = stops[index].value;
  asOfInput.dispatchEvent(new Event("change"));
}

function stop() {
  window.clearInterval(timer);
  timer = null;
  play.textContent = play.dataset.play;
  play.setAttribute("aria-pressed", "false");
}

function start() {
  if (Number(range.value) >= stops.length - 1) moveMap(0); // at the end: play from the beginning
  play.textContent = play.dataset.pause;
  play.setAttribute("aria-pressed", "true");
  timer = window.setInterval(() => {
    const next = Number(range.value) + 1;
    if (next >= stops.length) return stop();
    moveMap(next);
    if (next === stops.length - 1) stop();
  }, STEP_MS);
}

// The stop holding an as-of date: the month it falls in (the last stop, today, when it is empty or later).
function stopFor(asOf) {
  if (!asOf) return stops.length - 1;
  const month = asOf.slice(0, 7);
  const found = stops.findIndex((s) => s.value && s.value.slice(0, 7) === month);
  if (found >= 0) return found;
  return asOf < stops[0].value ? 0 : stops.length - 1;
}

if (box && stops.length) {
  box.hidden = false;
  range.addEventListener("input", () => show(Number(range.value))); // dragging: announce, redraw on release
  range.addEventListener("change", () => {
    stop();
    moveMap(Number(range.value));
  });
  play.addEventListener("click", () => (timer ? stop() : start()));
  mapEl.addEventListener("mapstate", (event) => {
    const asOf = event.detail.asOf;
    const index = stopFor(asOf);
    if (stops[index].value === asOf) show(index);
    else show(index, asOf || stops[index].label); // a typed date between stops: shown as typed
  });
}
