// Vender: conveniences over the server-rendered sale (it works without them).
"use strict";

// Enter in a search box runs that search (not the form's default "update").
document.querySelectorAll("[data-enter]").forEach((input) => {
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const button = document.getElementById(input.getAttribute("data-enter"));
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
});

// "1.234.567,89", "$ 50.000", "1234.5" → a number (NaN when it is not one).
function parseAmount(text) {
  let value = String(text || "").replace(/[$\s\u00a0]/g, "");
  if (!value) return NaN;
  if (value.includes(",")) {
    value = value.replace(/\./g, "").replace(",", ".");
  } else if (/^\d{1,3}(\.\d{3})+$/.test(value)) {
    value = value.replace(/\./g, "");
  }
  return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
}

function pesos(value) {
  const fixed = Math.abs(value).toFixed(2);
  const [whole, cents] = fixed.split(".");
  return `${value < 0 ? "-" : ""}$ ${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".")},${cents}`;
}

// The change due, live as the cashier types what the customer handed over.
const received = document.querySelector("[data-received]");
const total = document.querySelector("[data-total]");
const change = document.querySelector("[data-change]");
if (received && change) {
  const update = () => {
    const due = total ? Number(total.getAttribute("data-total")) : NaN;
    const given = parseAmount(received.value);
    change.textContent = Number.isFinite(due) && Number.isFinite(given) && given >= due ? pesos(given - due) : pesos(0);
  };
  received.addEventListener("input", update);
}

// Print buttons.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});

// "Cobrar" once: a second click while the sale is being issued is ignored (the server would
// find the same sale anyway).
const sale = document.getElementById("venta");
if (sale) {
  let charging = false;
  sale.addEventListener("submit", (event) => {
    const submitter = event.submitter;
    if (!submitter || submitter.value !== "cobrar") return;
    if (charging) {
      event.preventDefault();
      return;
    }
    charging = true;
  });
}
