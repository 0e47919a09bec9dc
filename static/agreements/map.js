// The map page's script: it draws the choropleth (mapview.js, colours from /api/v1/map/) and keeps the state —
// sending state (or "all"), as-of date, selected country — in the URL. Everything else on the page (the panel
// with the evidence, the legend, figures, table and timeline) is server-rendered HTML that htmx swaps in: this
// script renders no text.
import { createMap, showError } from "./mapview.js";

const htmx = window.htmx;
const mapEl = document.getElementById("map");
const panel = document.getElementById("panel");
const form = document.getElementById("map-controls");
const sendingSelect = document.getElementById("sending-state");
const asOfInput = document.getElementById("as-of");
const countrySelect = document.getElementById("country-select");

const state = {
  sending: mapEl.dataset.sendingState,
  asOf: mapEl.dataset.asOf || "",
  selected: mapEl.dataset.selected || "",
};
const view = createMap(mapEl, (iso2) => select(iso2));

function query(extra = {}) {
  const params = new URLSearchParams({ sending_state: state.sending });
  if (state.asOf) params.set("as_of", state.asOf);
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  return params.toString();
}

function pushUrl(replace = false) {
  const url = `${location.pathname}?${query({ country: state.selected })}`;
  history[replace ? "replaceState" : "pushState"]({ ...state }, "", url);
}

// ---- server-rendered fragments ------------------------------------------------------------------------------

function showHint() {
  panel.classList.remove("is-open");
  const hint = document.getElementById("panel-hint");
  panel.replaceChildren(hint.content.cloneNode(true));
}

async function select(iso2, { push = true, focus = true } = {}) {
  state.selected = iso2;
  countrySelect.value = iso2;
  if (push) pushUrl();
  view.restyle(iso2);
  if (!iso2) return showHint();
  const url = `${mapEl.dataset.countriesUrl}${encodeURIComponent(iso2)}/panel/?${query()}`;
  await htmx.ajax("GET", url, { target: "#panel", swap: "innerHTML" });
  if (state.selected !== iso2) return; // a later selection won
  panel.classList.add("is-open");
  if (focus) document.getElementById("panel-title").focus({ preventScroll: window.innerWidth > 800 });
}

panel.addEventListener("click", (event) => {
  if (event.target.closest(".panel-close")) select("");
});

async function refresh() {
  // Other modules (the timeline slider) follow the map's date through this event.
  mapEl.dispatchEvent(new CustomEvent("mapstate", { detail: { sending: state.sending, asOf: state.asOf } }));
  await view.load(query());
  view.restyle(state.selected);
  await htmx.ajax("GET", `${mapEl.dataset.homeUrl}?${query()}`, { target: "#map-side", swap: "outerHTML" });
  if (state.selected) await select(state.selected, { push: false, focus: false });
}

// ---- controls -----------------------------------------------------------------------------------------------

function readControls() {
  state.sending = sendingSelect.value || state.sending;
  state.asOf = asOfInput.value || "";
}

function onControlsChange() {
  readControls();
  pushUrl();
  refresh();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  readControls();
  const chosen = countrySelect.value;
  pushUrl();
  refresh().then(() => (chosen !== state.selected ? select(chosen) : null));
});
sendingSelect.addEventListener("change", onControlsChange);
asOfInput.addEventListener("change", onControlsChange);
countrySelect.addEventListener("change", () => select(countrySelect.value));
document.querySelector("#map-controls .today").addEventListener("click", (event) => {
  event.preventDefault();
  asOfInput.value = "";
  onControlsChange();
});
window.addEventListener("popstate", () => {
  const params = new URLSearchParams(location.search);
  state.sending = params.get("sending_state") || mapEl.dataset.sendingState;
  state.asOf = params.get("as_of") || "";
  sendingSelect.value = state.sending;
  asOfInput.value = state.asOf;
  refresh().then(() => select(params.get("country") || "", { push: false, focus: false }));
});

view.restyle(state.selected); // no shapes yet: what start() will mark as selected
view
  .start(query())
  .then(() => pushUrl(true))
  .catch((error) => showError(mapEl, error));
