// The map page: a Leaflet choropleth of receiving countries by status, a side panel with the evidence, and the
// state (sending state, as-of date, selected country) kept in the URL. Text from the database reaches the DOM only
// through textContent.
import { decodeFeatures } from "./topojson.js";

const L = window.L;
const mapEl = document.getElementById("map");
const panel = document.getElementById("panel");
const form = document.getElementById("map-controls");
const sendingSelect = document.getElementById("sending-state");
const asOfInput = document.getElementById("as-of");
const countrySelect = document.getElementById("country-select");
const legendList = document.getElementById("legend-list");
const reportsBody = document.querySelector(".reports tbody");

const state = {
  sending: mapEl.dataset.sendingState,
  asOf: mapEl.dataset.asOf || "",
  selected: mapEl.dataset.selected || "",
};
let data = null; // the /api/v1/map/ payload
const layersByIso = new Map(); // iso2 -> [layer, ...]
let panelRequest = 0;

// ---- small DOM helpers (text only) -------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "href") el.href = safeHref(value);
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === "") continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function safeHref(url) {
  // Only http(s) links and our own paths; anything else (javascript:, data:) becomes inert.
  if (typeof url !== "string") return "#";
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "#";
  } catch {
    return "#";
  }
}

function query(extra = {}) {
  const params = new URLSearchParams();
  params.set("sending_state", state.sending);
  if (state.asOf) params.set("as_of", state.asOf);
  for (const [k, v] of Object.entries(extra)) if (v) params.set(k, v);
  return params.toString();
}

function pushUrl(replace = false) {
  const url = `${location.pathname}?${query({ country: state.selected })}`;
  if (replace) history.replaceState({ ...state }, "", url);
  else history.pushState({ ...state }, "", url);
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// ---- map ----------------------------------------------------------------------------------------------------

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

function colourOf(entry) {
  return entry && entry.status ? data.colours[entry.status] : data.no_reports_colour;
}

function styleOf(entry) {
  const reported = entry && entry.status;
  return {
    fillColor: colourOf(entry),
    fillOpacity: 1,
    color: entry && entry.disputed ? "#000000" : reported ? "#333333" : "#9a9a9a",
    weight: entry && entry.disputed ? 2.5 : reported ? 1 : 0.5,
    dashArray: entry && entry.stale ? "4 3" : null,
  };
}

function labelOf(entry) {
  const notes = [];
  if (entry.disputed) notes.push("disputed");
  if (entry.stale) notes.push("not verified recently");
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
  const byIso = new Map(data.results.map((e) => [e.iso2, e]));
  for (const [iso2, layers] of layersByIso) {
    const entry = byIso.get(iso2);
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

function buildLayers(topology) {
  const names = new Map(data.results.map((e) => [e.iso2, e.name]));
  const features = decodeFeatures(topology, "countries").sort((a, b) =>
    (names.get(a.id) || "~").localeCompare(names.get(b.id) || "~"),
  );
  const shaped = new Set();
  L.geoJSON(features, {
    style: { fillColor: data.no_reports_colour, fillOpacity: 1, color: "#9a9a9a", weight: 0.5 },
    onEachFeature(feature, layer) {
      if (!feature.id) {
        layer.options.interactive = false; // no single ISO country (e.g. Siachen Glacier)
        return;
      }
      shaped.add(feature.id);
      if (!layersByIso.has(feature.id)) layersByIso.set(feature.id, []);
      layersByIso.get(feature.id).push(layer);
      layer.on("click", () => select(feature.id));
      layer.on("add", () => decorate(layer, feature.id));
    },
  }).addTo(map);
  // Countries too small for a polygon at this scale are markers.
  for (const entry of data.results) {
    if (shaped.has(entry.iso2)) continue;
    const marker = L.circleMarker([entry.latitude, entry.longitude], { radius: 5 });
    marker.on("click", () => select(entry.iso2));
    marker.on("add", () => {
      decorate(marker, entry.iso2);
      marker.getElement().classList.add("microstate");
    });
    layersByIso.set(entry.iso2, [marker]);
    marker.addTo(map);
  }
}

// ---- legend and table ---------------------------------------------------------------------------------------

function updateLegend() {
  const counts = {};
  for (const e of data.results) if (e.status) counts[e.status] = (counts[e.status] || 0) + 1;
  for (const li of legendList.querySelectorAll("li[data-status]")) {
    const count = li.querySelector(".count");
    if (count) count.textContent = String(counts[li.dataset.status] || 0);
  }
  const heading = document.getElementById("legend-h");
  heading.textContent = state.asOf ? `Status as of ${state.asOf}` : "Status";
}

function updateTable() {
  const rows = data.results.filter((e) => e.status);
  reportsBody.replaceChildren(
    ...(rows.length
      ? rows.map((e) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, h("a", { href: `/countries/${e.iso2}/` }, e.name)),
            h("td", {}, h("span", { class: `swatch status-${e.status}` }), e.status_label),
            h("td", {}, e.status_since || ""),
            h("td", {}, e.people_transferred === null ? "—" : String(e.people_transferred)),
            h("td", {}, String(e.sources_count)),
            h("td", {}, [e.disputed ? "Disputed " : "", e.stale ? "Not verified recently" : ""].join("")),
          ),
        )
      : [h("tr", {}, h("td", { colspan: "6" }, "No reports by this date."))]),
  );
  const heading = document.getElementById("reports-h");
  heading.textContent = state.asOf ? `Countries with reports as of ${state.asOf}` : "Countries with reports";
}

// ---- panel --------------------------------------------------------------------------------------------------

function sourceItem(s) {
  return h(
    "li",
    {},
    h("a", { href: s.url, rel: "noopener noreferrer nofollow", class: "source-link" }, s.publisher, s.title ? `: ${s.title}` : ""),
    s.published_display ? ` · ${s.published_display}` : "",
    s.dead ? h("span", { class: "dead-link" }, " link dead") : "",
  );
}

function renderPanel(p) {
  const title = h("h2", { id: "panel-title", tabindex: "-1" }, p.country.name);
  const parts = [title];
  const a = p.arrangement;
  if (!a) {
    parts.push(h("p", { class: "status-line" }, h("span", { class: "swatch status-none" }), "No reports"));
    parts.push(h("p", {}, `Nothing on record of ${p.sending_state.name} approaching ${p.country.name}${p.as_of ? ` by ${p.as_of}` : ""}.`));
  } else {
    parts.push(
      h(
        "p",
        { class: "status-line" },
        h("span", { class: `swatch status-${a.status}` }),
        h("strong", { class: "status" }, a.status_label),
        ` since ${a.status_since_display}`,
      ),
    );
    parts.push(h("p", { class: "sub" }, `Sending state: ${p.sending_state.name} · backed by ${a.sources_count} publisher${a.sources_count === 1 ? "" : "s"}`));
    if (a.summary) parts.push(h("p", {}, a.summary));
    if (a.people_transferred !== null) parts.push(h("p", {}, `People transferred so far: ${a.people_transferred}`));
    if (a.disputed) parts.push(h("p", { class: "note disputed" }, "Disputed: the two governments' latest statements contradict each other."));
    if (a.stale) parts.push(h("p", { class: "note stale" }, a.last_confirmed_display ? `Not verified since ${a.last_confirmed_display}.` : "Not verified recently."));
  }
  if (p.statements.length) {
    parts.push(h("h3", {}, "Latest statements"));
    parts.push(
      h(
        "ul",
        { class: "statements" },
        p.statements.map((s) =>
          h(
            "li",
            { class: `stance-${s.stance}` },
            h("p", { class: "meta" }, s.date_display, " · ", h("a", { href: s.actor_url }, s.actor), s.actor_role ? `, ${s.actor_role}` : "", " · ", h("span", { class: "stance" }, s.stance_label)),
            s.quote ? h("blockquote", {}, `“${s.quote}”`) : "",
            s.paraphrase ? h("p", {}, s.paraphrase) : "",
          ),
        ),
      ),
    );
  }
  if (p.sources.length) {
    parts.push(h("h3", {}, "Sources"));
    parts.push(h("ul", { class: "sources" }, p.sources.map(sourceItem)));
  }
  parts.push(h("p", {}, h("a", { href: p.country.url, class: "country-link" }, `Everything on ${p.country.name} →`)));
  const close = h("button", { type: "button", class: "panel-close", "aria-label": "Close panel" }, "×");
  close.addEventListener("click", () => select(""));
  panel.replaceChildren(close, ...parts);
  panel.classList.add("is-open");
}

async function select(iso2, { push = true, focus = true } = {}) {
  state.selected = iso2;
  countrySelect.value = iso2;
  if (push) pushUrl();
  if (data) restyle();
  if (!iso2) {
    panel.classList.remove("is-open");
    panel.replaceChildren(h("h2", { id: "panel-title" }, "Choose a country"), h("p", { class: "panel-hint" }, "Click a country on the map, Tab to one, or choose it above."));
    return;
  }
  const request = ++panelRequest;
  try {
    const payload = await getJson(`${mapEl.dataset.panelUrl}${encodeURIComponent(iso2)}/?${query()}`);
    if (request !== panelRequest) return; // a later selection won
    renderPanel(payload);
    if (focus) document.getElementById("panel-title").focus({ preventScroll: window.innerWidth > 800 });
  } catch (error) {
    panel.replaceChildren(h("h2", { id: "panel-title" }, "Could not load this country"), h("p", {}, String(error.message)));
  }
}

// ---- loading and controls -----------------------------------------------------------------------------------

async function loadData() {
  data = await getJson(`${mapEl.dataset.mapUrl}?${query()}`);
}

async function refresh() {
  await loadData();
  restyle();
  updateLegend();
  updateTable();
  if (state.selected) await select(state.selected, { push: false, focus: false });
}

function readControls() {
  state.sending = sendingSelect.value || state.sending;
  state.asOf = asOfInput.value || "";
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  readControls();
  const chosen = countrySelect.value;
  pushUrl();
  refresh().then(() => (chosen !== state.selected ? select(chosen) : null));
});
sendingSelect.addEventListener("change", () => {
  readControls();
  pushUrl();
  refresh();
});
asOfInput.addEventListener("change", () => {
  readControls();
  pushUrl();
  refresh();
});
countrySelect.addEventListener("change", () => select(countrySelect.value));
document.querySelector("#map-controls .today").addEventListener("click", (event) => {
  event.preventDefault();
  asOfInput.value = "";
  readControls();
  pushUrl();
  refresh();
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
  updateLegend();
  mapEl.dataset.ready = "true";
  pushUrl(true);
  if (state.selected) await select(state.selected, { push: false, focus: false });
}

start().catch((error) => {
  mapEl.replaceChildren(h("p", { class: "map-error" }, `The map could not be drawn: ${error.message}`));
});
