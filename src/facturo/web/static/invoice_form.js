// Invoices: "Agregar línea", customer and product look-ups for the form's datalists, and
// "Seleccionar todas" in the list. Every page works without it (the form renders 5 lines).
"use strict";

(() => {
  const debounce = (fn, ms) => {
    let timer;
    return (...args) => { window.clearTimeout(timer); timer = window.setTimeout(() => fn(...args), ms); };
  };
  const getJson = async (url) => {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  };
  const fillList = (list, options) => {
    list.replaceChildren(...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.label = label;
      option.textContent = label;
      return option;
    }));
  };

  // "Seleccionar todas" in the list of invoices.
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.hidden = false;
    const name = box.getAttribute("data-select-all");
    box.addEventListener("change", () => {
      box.form.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((other) => { other.checked = box.checked; });
    });
  });

  const form = document.querySelector("form.invoice-form");
  if (!form) return;

  // One click saves once: the button waits for the answer.
  form.addEventListener("submit", () => {
    const button = form.querySelector("button[type=submit]");
    if (button) window.setTimeout(() => { button.disabled = true; }, 0);
  });
  window.addEventListener("pageshow", () => {
    form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = false; });
  });

  // Another line: a copy of the last one, emptied and renumbered.
  const lines = form.querySelector("[data-lines]");
  const add = form.querySelector("[data-add-line]");
  if (lines && add) {
    add.hidden = false;
    add.addEventListener("click", () => {
      const rows = lines.querySelectorAll("tr[data-line]");
      const last = rows[rows.length - 1];
      const from = Number(last.getAttribute("data-line"));
      const to = from + 1;
      const row = last.cloneNode(true);
      row.setAttribute("data-line", String(to));
      const renumber = (value) => value && value.replace(`items.${from}.`, `items.${to}.`).replace(`línea ${from + 1}`, `línea ${to + 1}`);
      row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach((element) => {
        ["name", "id", "for", "aria-describedby"].forEach((attribute) => {
          if (element.hasAttribute(attribute)) element.setAttribute(attribute, renumber(element.getAttribute(attribute)));
        });
      });
      row.querySelectorAll("label").forEach((label) => { label.textContent = renumber(label.textContent); });
      row.querySelectorAll(".error").forEach((element) => element.remove());
      row.querySelectorAll(".has-error").forEach((element) => element.classList.remove("has-error"));
      row.querySelectorAll("[aria-invalid]").forEach((element) => {
        element.removeAttribute("aria-invalid");
        element.removeAttribute("aria-describedby");
      });
      row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      row.querySelectorAll("select").forEach((select) => { if (!select.name.endsWith("warehouse_code")) select.selectedIndex = 0; });
      row.querySelectorAll("[data-stock]").forEach((element) => { element.textContent = ""; });
      row.querySelector("th").textContent = String(to + 1);
      lines.appendChild(row);
      const first = row.querySelector("input");
      if (first) first.focus();
    });
  }

  // Customers: the datalist follows what is typed.
  const customers = form.querySelector("#clientes");
  const customer = form.querySelector("#f-customer");
  const customersUrl = form.getAttribute("data-customers-url");
  if (customers && customer && customersUrl) {
    customer.addEventListener("input", debounce(async () => {
      const q = customer.value.trim();
      if (q.length < 2) return;
      try {
        const found = await getJson(`${customersUrl}?q=${encodeURIComponent(q)}`);
        fillList(customers, found.map((c) => [c.identification, c.name]));
      } catch (error) { /* the server-rendered list stays */ }
    }, 250));
  }

  // Products: the datalist follows what is typed; a chosen code shows its price and stock.
  const productList = form.querySelector("#productos");
  const productsUrl = form.getAttribute("data-products-url");
  if (productList && productsUrl) {
    const suggest = debounce(async (q) => {
      try {
        const found = await getJson(`${productsUrl}?q=${encodeURIComponent(q)}`);
        fillList(productList, found.map((p) => [p.code, p.price_text ? `${p.name} · ${p.price_text}` : p.name]));
      } catch (error) { /* keep the list */ }
    }, 250);
    form.addEventListener("input", (event) => {
      const input = event.target;
      if (input.matches("[data-product]") && input.value.trim().length >= 2) suggest(input.value.trim());
    });
    form.addEventListener("change", async (event) => {
      const input = event.target;
      if (!input.matches("[data-product]")) return;
      const row = input.closest("tr");
      const stock = row && row.querySelector("[data-stock]");
      const price = row && row.querySelector("[data-price]");
      const code = input.value.trim();
      if (!code || !row) { if (stock) stock.textContent = ""; return; }
      try {
        const found = await getJson(`${productsUrl}?codigo=${encodeURIComponent(code)}`);
        const product = found[0];
        if (!product) { if (stock) stock.textContent = "No existe un producto con ese código."; return; }
        if (stock) stock.textContent = `${product.name} · ${product.stock_text}`;
        // Never under the person's fingers: a price being typed is theirs.
        if (price && !price.value && document.activeElement !== price && product.price_input) {
          price.value = product.price_input;
        }
      } catch (error) { /* nothing to show */ }
    });
  }
})();
