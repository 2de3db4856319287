/* Tercero form: the NIT's check digit (DV) as it is typed, and only the name fields of the
   person type chosen. Without this script the form still works: the server computes the DV
   and ignores the other type's names. */
(function () {
  "use strict";
  var form = document.querySelector("[data-party-form]");
  if (!form) { return; }
  var WEIGHTS = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
  var idType = form.querySelector("#f-id_type_code");
  var identification = form.querySelector("#f-identification");
  var dv = form.querySelector("#f-check_digit");
  var personType = form.querySelector("#f-person_type");

  function checkDigit(nit) {
    var total = 0;
    for (var i = 0; i < nit.length; i++) {
      total += Number(nit.charAt(nit.length - 1 - i)) * WEIGHTS[i];
    }
    var remainder = total % 11;
    return remainder < 2 ? remainder : 11 - remainder;
  }

  function updateDv() {
    if (!idType || !identification || !dv || idType.value !== "31") { return; }
    var nit = identification.value.replace(/[.\s,]/g, "").split("-")[0];
    if (/^\d{3,15}$/.test(nit)) { dv.value = String(checkDigit(nit)); }
  }

  function updateNames() {
    if (!personType) { return; }
    var company = personType.value === "company";
    form.querySelectorAll("[data-person-only]").forEach(function (el) { el.hidden = company; });
    form.querySelectorAll("[data-company-only]").forEach(function (el) { el.hidden = !company; });
  }

  if (identification) { identification.addEventListener("input", updateDv); }
  if (idType) { idType.addEventListener("change", updateDv); }
  if (personType) { personType.addEventListener("change", updateNames); }
  updateNames();
})();
