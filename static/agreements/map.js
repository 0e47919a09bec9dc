// The map page's script: it draws the Leaflet choropleth (colours from /api/v1/map/) and keeps the state —
// sending state, as-of date, selected country — in the URL. Everything else on the page (the panel with the
// evidence, the legend and the table) is server-rendered HTML that htmx swaps in: this script renders no text.
import { decodeFeatures } from "./topojson.js";

const L = window.L;
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
let entries = new Map(); // iso2 -> entry of the /api/v1/map/ payload
let colours = {};
let noReports = "#F4F4F1";
const layersByIso = new Map(); // iso2 -> [layer, ...]

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

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// ---- drawing ------------------------------------------------------------------------------------------------

const map = L.map(mapEl, {
  minZoom: 1,
  maxZoom: 7,
  zoomSnap: 0.25,
  worldCopyJump: false,
  maxBounds: [
    [-75, -220],
    [88, 220],
  ],
  attributionControl: false,
  keyboard: true,
});
map.fitBounds([
  [-50, -165],
  [72, 175],
]);

function styleOf(entry) {
  const reported = entry && entry.status;
  return {
    fillColor: reported ? colours[entry.status] : noReports,
    fillOpacity: 1,
    color: entry && entry.disputed ? "#000000" : reported ? "#333333" : "#9a9a9a",
    weight: entry && entry.disputed ? 2.5 : reported ? 1 : 0.5,
    dashArray: entry && entry.stale ? "4 3" : null,
  };
}

function labelOf(entry) {
  const notes = [entry.disputed && "disputed", entry.stale && "not verified recently"].filter(Boolean);
  return `${entry.name}: ${entry.status_label}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function decorate(layer, iso2) {
  const el = layer.getElement();
  if (!el) return;
  el.dataset.iso2 = iso2;
  el.setAttribute("role", "button");
  el.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      select(iso2);
    }
  });
}

function restyle() {
  for (const [iso2, layers] of layersByIso) {
    const entry = entries.get(iso2);
    layers.forEach((layer, index) => {
      layer.setStyle(styleOf(entry));
      const el = layer.getElement();
      if (!el || !entry) return;
      el.setAttribute("aria-label", labelOf(entry));
      el.dataset.status = entry.status || "";
      // Only countries with reports are tab stops (one per country), in alphabetical order of the DOM.
      if (entry.status && index === 0) el.setAttribute("tabindex", "0");
      else el.removeAttribute("tabindex");
      el.classList.toggle("is-selected", iso2 === state.selected);
    });
  }
}

function addLayer(iso2, layer) {
  if (!layersByIso.has(iso2)) layersByIso.set(iso2, []);
  layersByIso.get(iso2).push(layer);
  layer.on("click", () => select(iso2));
}

function buildLayers(topology) {
  const name = (iso2) => (entries.get(iso2) || {}).name || "~";
  const features = decodeFeatures(topology, "countries").sort((a, b) => name(a.id).localeCompare(name(b.id)));
  L.geoJSON(features, {
    style: { fillColor: noReports, fillOpacity: 1, color: "#9a9a9a", weight: 0.5 },
    onEachFeature(feature, layer) {
      if (!feature.id) {
        layer.options.interactive = false; // no single ISO country (e.g. Siachen Glacier)
        return;
      }
      addLayer(feature.id, layer);
      layer.on("add", () => decorate(layer, feature.id));
    },
  }).addTo(map);
  // Countries too small for a polygon at this scale are markers.
  for (const entry of entries.values()) {
    if (layersByIso.has(entry.iso2)) continue;
    const marker = L.circleMarker([entry.latitude, entry.longitude], { radius: 5 });
    addLayer(entry.iso2, marker);
    marker.on("add", () => {
      decorate(marker, entry.iso2);
      marker.getElement().classList.add("microstate");
    });
    marker.addTo(map);
  }
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
  restyle();
  if (!iso2) return showHint();
  const url = `/countries/${encodeURIComponent(iso2)}/panel/?${query()}`;
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
  await loadData();
  restyle();
  await htmx.ajax("GET", `${mapEl.dataset.homeUrl}?${query()}`, { target: "#map-side", swap: "outerHTML" });
  if (state.selected) await select(state.selected, { push: false, focus: false });
}

async function loadData() {
  const data = await getJson(`${mapEl.dataset.mapUrl}?${query()}`);
  colours = data.colours;
  noReports = data.no_reports_colour;
  entries = new Map(data.results.map((e) => [e.iso2, e]));
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

async function start() {
  const [topology] = await Promise.all([getJson(mapEl.dataset.boundariesUrl), loadData()]);
  buildLayers(topology);
  restyle();
  mapEl.dataset.ready = "true";
  pushUrl(true);
}

start().catch((error) => {
  const message = document.createElement("p");
  message.className = "map-error";
  message.textContent = `The map could not be drawn: ${error.message}`;
  mapEl.replaceChildren(message);
});
