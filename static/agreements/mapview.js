// The choropleth itself, shared by the map page (map.js) and a sending state's own country page (countrymap.js):
// Leaflet with no tile layer, country shapes from the project's boundaries files, fills from /api/v1/map/. The
// element says where to read (data-map-url; data-boundaries-url, the coarse shapes drawn first, and
// data-boundaries-detail-url, the full shapes swapped in once a reader zooms in); the caller says what to do when a
// country is chosen. It renders no text of its own beyond each shape's accessible name.
import { decodeFeatures } from "./topojson.js";

const L = window.L;
// Every word the map shows comes from the page (json_script "map-strings", in the reader's language): its error
// message, its notes, and the countries' names when the page is not in English.
const strings = JSON.parse(document.getElementById("map-strings")?.textContent || "{}");
const names = strings.names || {};
const nameOf = (entry) => names[entry.iso2] || entry.name;

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

export function showError(mapEl, error) {
  const message = document.createElement("p");
  message.className = "map-error";
  message.textContent = (strings.error || "%(error)s").replace("%(error)s", error.message);
  mapEl.replaceChildren(message);
}

// createMap(mapEl, onSelect) -> { start(query), load(query), restyle(selected) }; `query` is the URL query of
// /api/v1/map/ (sending_state, as_of); onSelect(iso2) runs on a click, Enter or Space on a country.
export function createMap(mapEl, onSelect) {
  let entries = new Map(); // iso2 -> entry of the /api/v1/map/ payload
  let colours = {};
  let noReports = "#F4F4F1";
  let selected = "";
  const layersByIso = new Map(); // iso2 -> [layer, ...]
  const layersByIndex = []; // geometry index in the boundaries file -> its layer (the detail file has the same order)
  const DETAIL_ZOOM = 3; // from here on a degree is more than a few pixels: the coarse shapes would show

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
    const notes = [entry.disputed && strings.disputed, entry.stale && strings.stale].filter(Boolean);
    return `${nameOf(entry)}: ${entry.status_label}${notes.length ? ` (${notes.join(", ")})` : ""}`;
  }

  // A shape's accessible name, status, tab stop and selection, from the current entries.
  function describe(layer, iso2, index) {
    const entry = entries.get(iso2);
    const el = layer.getElement();
    if (!el || !entry) return;
    el.setAttribute("aria-label", labelOf(entry));
    el.dataset.status = entry.status || "";
    // Only countries with reports are tab stops (one per country), in alphabetical order of the DOM.
    if (entry.status && index === 0) el.setAttribute("tabindex", "0");
    else el.removeAttribute("tabindex");
    el.classList.toggle("is-selected", iso2 === selected);
  }

  function decorate(layer, iso2) {
    const el = layer.getElement();
    if (!el) return;
    describe(layer, iso2, layersByIso.get(iso2).indexOf(layer));
    el.dataset.iso2 = iso2;
    el.setAttribute("role", "button");
    el.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onSelect(iso2);
      }
    });
  }

  function restyle(chosen = selected) {
    selected = chosen;
    for (const [iso2, layers] of layersByIso) {
      const entry = entries.get(iso2);
      layers.forEach((layer, index) => {
        layer.setStyle(styleOf(entry));
        describe(layer, iso2, index);
      });
    }
  }

  function addLayer(iso2, layer) {
    if (!layersByIso.has(iso2)) layersByIso.set(iso2, []);
    layersByIso.get(iso2).push(layer);
    layer.on("click", () => onSelect(iso2));
  }

  // The shapes are added a few at a time, each batch in its own task, so the page answers input while the map is
  // being drawn (no long task blocks the main thread). Each is styled and named as it is added.
  const BATCH = 8;
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

  async function buildLayers(topology) {
    const name = (iso2) => (entries.has(iso2) ? nameOf(entries.get(iso2)) : "~");
    // One collator, in the page's language (accents and case aside): localeCompare() builds one per call, ~100 ms
    // on a phone.
    const collator = new Intl.Collator(document.documentElement.lang, { sensitivity: "base" });
    const features = decodeFeatures(topology, "countries").sort((a, b) => collator.compare(name(a.id), name(b.id)));
    await nextTask();
    const shapes = L.geoJSON(null, {
      style: (feature) => styleOf(entries.get(feature.id)),
      onEachFeature(feature, layer) {
        layersByIndex[feature.properties.index] = layer;
        if (!feature.id) {
          layer.options.interactive = false; // no single ISO country (e.g. Siachen Glacier)
          return;
        }
        addLayer(feature.id, layer);
        layer.on("add", () => decorate(layer, feature.id));
      },
    }).addTo(map);
    for (let i = 0; i < features.length; i += BATCH) {
      shapes.addData(features.slice(i, i + BATCH));
      await nextTask();
    }
    // Countries too small for a polygon at this scale are markers.
    for (const entry of entries.values()) {
      if (layersByIso.has(entry.iso2)) continue;
      const marker = L.circleMarker([entry.latitude, entry.longitude], { radius: 5, ...styleOf(entry) });
      addLayer(entry.iso2, marker);
      marker.on("add", () => {
        decorate(marker, entry.iso2);
        marker.getElement().classList.add("microstate");
      });
      marker.addTo(map);
    }
  }

  async function load(query) {
    const data = await getJson(`${mapEl.dataset.mapUrl}?${query}`);
    colours = data.colours;
    noReports = data.no_reports_colour;
    entries = new Map(data.results.map((e) => [e.iso2, e]));
  }

  // The full shapes replace the coarse ones in place (same layers: styles, names and tab stops stay).
  let refined = null;
  function refine() {
    const url = mapEl.dataset.boundariesDetailUrl;
    if (refined || !url || map.getZoom() < DETAIL_ZOOM) return refined;
    refined = getJson(url)
      .then((topology) => {
        for (const feature of decodeFeatures(topology, "countries")) {
          const layer = layersByIndex[feature.properties.index];
          const depth = feature.geometry.type === "Polygon" ? 1 : 2;
          if (layer) layer.setLatLngs(L.GeoJSON.coordsToLatLngs(feature.geometry.coordinates, depth));
        }
        mapEl.dataset.detail = "true";
      })
      .catch(() => {
        refined = null; // the coarse shapes stay; the next zoom tries again
      });
    return refined;
  }

  async function start(query) {
    const [topology] = await Promise.all([getJson(mapEl.dataset.boundariesUrl), load(query)]);
    await buildLayers(topology);
    mapEl.dataset.ready = "true";
    map.on("zoomend", refine);
    refine();
  }

  return { start, load, restyle };
}
