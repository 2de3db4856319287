// Small conveniences over server-rendered pages; every page works without them.
"use strict";

// Forms that ask before doing something that cannot be undone.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Live progress: an element with data-progress-url is refreshed from that JSON endpoint
// ({done, total, finished, html?}) until it says it finished.
function followProgress(element) {
  const url = element.getAttribute("data-progress-url");
  const bar = element.querySelector("progress");
  const label = element.querySelector("[data-progress-label]");
  const tick = async () => {
    let state;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      state = await response.json();
    } catch (error) {
      window.setTimeout(tick, 2000);
      return;
    }
    if (bar) { bar.max = state.total || 1; bar.value = state.done || 0; }
    if (label) { label.textContent = state.label || `${state.done} de ${state.total}`; }
    if (state.html !== undefined) {
      const target = element.querySelector("[data-progress-html]");
      if (target) target.innerHTML = state.html;
    }
    if (state.finished) {
      element.setAttribute("data-finished", "true");
      return;
    }
    window.setTimeout(tick, 700);
  };
  tick();
}

document.querySelectorAll("[data-progress-url]").forEach(followProgress);
