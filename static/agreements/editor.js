// Editor forms: after a source URL is pasted, say whether the source is on record (then its details are not asked
// again) without leaving the page; filter the receiving-country list as the editor types.
const form = document.querySelector("#statement-form, .editor-form");
const urlInput = document.getElementById("id_source_url");
const status = document.getElementById("source-status");
const newSource = document.getElementById("new-source");
const lookupUrl = form && (form.dataset.lookupUrl || "/editor/source-lookup/");
let timer = null;
// The words come from the page (json_script "editor-strings", in the editor's language).
const strings = JSON.parse(document.getElementById("editor-strings")?.textContent || "{}");

async function lookUp() {
  const url = urlInput.value.trim();
  // What the lookup found stays on the element (data-source: invalid, on-record or new) while the words change.
  status.dataset.source = "";
  if (!url) {
    status.textContent = "";
    if (newSource) newSource.hidden = false;
    return;
  }
  const response = await fetch(`${lookupUrl}?url=${encodeURIComponent(url)}`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const info = await response.json();
  if (urlInput.value.trim() !== url) return; // the editor has pasted another URL since
  if (!info.valid) {
    status.dataset.source = "invalid";
    status.textContent = info.error;
    if (newSource) newSource.hidden = false;
  } else if (info.exists) {
    status.dataset.source = "on-record";
    const cited = `${info.cited_as}${info.title ? ` — ${info.title}` : ""}${info.published ? ` (${info.published})` : ""}`;
    status.textContent = (strings.onRecord || "{source}").replace("{source}", cited);
    if (newSource) newSource.hidden = true;
  } else {
    status.dataset.source = "new";
    status.textContent = strings.newSource || "";
    if (newSource) newSource.hidden = false;
    await readPage(url);
  }
}

// A URL not on record: the server fetches the page (safe fetcher) and answers with what its metadata states. Only
// empty fields are filled, so nothing the editor typed is overwritten; the editor confirms or edits each one.
const FILLED = { publisher: "id_source_publisher", origin: "id_source_origin", title: "id_source_title", published: "id_source_date", kind: "id_source_kind" };
const LABELS = { publisher: strings.publisher, title: strings.title, published: strings.published, kind: strings.kind };
async function readPage(url) {
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  const body = new URLSearchParams({ url });
  const response = await fetch(lookupUrl, {
    method: "POST",
    body,
    headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
  });
  const info = await response.json();
  if (urlInput.value.trim() !== url) return; // the editor has pasted another URL since
  if (!info.valid || info.error) {
    status.textContent = `${info.error} ${strings.giveDetails || ""}`;
    return;
  }
  const filled = [];
  for (const [name, id] of Object.entries(FILLED)) {
    const input = document.getElementById(id);
    if (input && info[name] && !input.value) {
      input.value = info[name];
      filled.push(name);
    }
  }
  const missing = (info.missing || []).map((name) => LABELS[name] || name);
  status.textContent =
    (filled.length ? strings.filled || "" : strings.noDetails || "") +
    (missing.length ? ` ${(strings.notFound || "{fields}").replace("{fields}", missing.join(", "))}` : "");
}

if (urlInput && status) {
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 150);
  };
  urlInput.addEventListener("input", soon);
  urlInput.addEventListener("paste", soon);
  urlInput.addEventListener("change", lookUp);
  if (urlInput.value) lookUp();
}

const filter = document.getElementById("country-filter");
const countries = document.getElementById("id_receiving_countries");
if (filter && countries) {
  filter.addEventListener("input", () => {
    const needle = filter.value.trim().toLowerCase();
    for (const option of countries.options) {
      option.hidden = Boolean(needle) && !option.textContent.toLowerCase().includes(needle) && !option.selected;
    }
  });
}

// Nationalities of a transfer: rows beyond the filled ones (and one empty) are hidden until asked for.
for (const rows of document.querySelectorAll(".nationality-rows")) {
  const all = [...rows.querySelectorAll(".nationality-row")];
  const filled = (row) => [...row.querySelectorAll("input")].some((input) => input.value.trim());
  const shown = Math.max(2, all.findLastIndex(filled) + 2);
  all.forEach((row, index) => {
    row.hidden = index >= shown;
  });
  const more = document.createElement("button");
  more.type = "button";
  more.className = "link add-nationality";
  more.textContent = strings.addNationality || "+";
  more.hidden = all.every((row) => !row.hidden);
  more.addEventListener("click", () => {
    const next = all.find((row) => row.hidden);
    if (next) {
      next.hidden = false;
      next.querySelector("input").focus();
    }
    more.hidden = all.every((row) => !row.hidden);
  });
  rows.after(more);
}
