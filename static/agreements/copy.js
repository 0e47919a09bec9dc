// Copy buttons (citations, embed snippets): <button data-copy="ID"> copies the text of the element ID. The buttons
// stay hidden without this module; every word it shows comes from the page (#copy-status's data attributes).
const status = document.getElementById("copy-status");

function announce(key) {
  if (!status) return;
  status.textContent = "";
  // A fresh text node each time, so that a screen reader announces a second copy too.
  window.setTimeout(() => (status.textContent = status.dataset[key] || ""), 50);
}

function select(element) {
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      announce("copied");
    } catch {
      // No clipboard here (plain http, or permission refused): select the text for Ctrl+C / Cmd+C.
      select(source);
      announce("selected");
    }
  });
}
