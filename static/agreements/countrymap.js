// A sending state's own country page: the same map as the map page (mapview.js), drawn for this sending state.
// Choosing a country with an arrangement brings its evidence block on this page into view; the full map page
// (panels, as-of date) is one link away.
import { createMap, showError } from "./mapview.js";

const mapEl = document.getElementById("map");
const query = new URLSearchParams({ sending_state: mapEl.dataset.sendingState }).toString();

const view = createMap(mapEl, (iso2) => {
  // Each evidence block's heading links to its receiving country's page.
  const link = document.querySelector(`#sending-h ~ .arrangement h3 a[href$="/countries/${CSS.escape(iso2)}/"]`);
  if (!link) return;
  view.restyle(iso2);
  link.closest(".arrangement").scrollIntoView({ behavior: "smooth", block: "start" });
  link.focus({ preventScroll: true });
});

view.start(query).catch((error) => showError(mapEl, error));
