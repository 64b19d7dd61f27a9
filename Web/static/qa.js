// QA pages: the import upload (raw file body, progress, the result as text nodes only), the review scorecard's
// keyboard shortcuts, and the print buttons. No HTML is ever built from server or file text: textContent only.
"use strict";

(function () {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ---------------------------------------------------------------- print buttons
  document.querySelectorAll("#qa-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // ---------------------------------------------------------------- import
  const importForm = document.getElementById("qa-import-form");
  if (importForm) {
    const labels = {};
    const template = document.getElementById("qa-kind-labels");
    if (template) {
      template.content.querySelectorAll("[data-kind]").forEach(function (node) {
        labels[node.dataset.kind] = node.textContent;
      });
    }
    const byId = function (id) { return document.getElementById(id); };
    const show = function (ok) {
      byId("qa-import-result").hidden = false;
      byId("qa-import-ok").hidden = !ok;
      byId("qa-import-failed").hidden = ok;
    };
    const item = function (list, text) {
      const li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    };
    const renderReport = function (report) {
      show(true);
      byId("qa-r-batch").textContent = report.batch;
      byId("qa-r-imported").textContent = String(report.imported);
      byId("qa-r-masked").textContent = String(report.masked);
      byId("qa-r-duplicates").textContent = String((report.duplicates || []).length);
      const body = byId("qa-r-kinds").querySelector("tbody");
      body.textContent = "";
      const kinds = report.maskedByKind || {};
      Object.keys(kinds).sort().forEach(function (kind) {
        const row = document.createElement("tr");
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = labels[kind] || kind;
        const td = document.createElement("td");
        td.textContent = String(kinds[kind]);
        td.dataset.kind = kind;
        row.append(th, td);
        body.appendChild(row);
      });
      const dups = byId("qa-r-duplist");
      dups.textContent = "";
      (report.duplicates || []).slice(0, 50).forEach(function (d) {
        item(dups, d.line + ": " + d.id + " — " + d.reason);
      });
    };
    const renderError = function (status, text) {
      show(false);
      const list = byId("qa-r-errors");
      list.textContent = "";
      let message = text;
      try { message = JSON.parse(text).error.message; } catch (e) { message = "HTTP " + status; }
      message.split("\n").filter(function (line) { return line.trim() !== ""; }).forEach(function (line) {
        item(list, line);
      });
      byId("qa-r-error").focus();
    };
    importForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const file = byId("qa-file").files[0];
      if (!file) { return; }
      const kinds = Array.from(importForm.querySelectorAll('input[name="mask"]:checked')).map(function (box) {
        return box.value;
      });
      const query = new URLSearchParams({
        format: byId("qa-format").value, batch: byId("qa-batch").value.trim(), mask: kinds.join(","),
      });
      const progress = byId("qa-progress");
      const button = byId("qa-upload");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/qa/import?" + query.toString());
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.setRequestHeader("Content-Type", file.type || (file.name.toLowerCase().endsWith(".csv") ? "text/csv" : "application/x-ndjson"));
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { progress.value = Math.round((e.loaded / e.total) * 100); }
      };
      xhr.onload = function () {
        button.disabled = false;
        progress.value = 100;
        if (xhr.status === 200) { renderReport(JSON.parse(xhr.responseText)); } else { renderError(xhr.status, xhr.responseText); }
      };
      xhr.onerror = function () { button.disabled = false; renderError(0, ""); };
      button.disabled = true;
      progress.value = 0;
      xhr.send(file);
    });
  }

  // ---------------------------------------------------------------- review scorecard
  const reviewForm = document.getElementById("qa-review-form");
  if (reviewForm) {
    const items = Array.from(reviewForm.querySelectorAll(".qa-item"));
    let current = 0;
    const reasonNeeded = function (fieldset) {
      const chosen = fieldset.querySelector('input[type="radio"]:checked');
      const auto = fieldset.dataset.auto;
      const reason = fieldset.querySelector(".qa-reason");
      // An override (a verdict other than the automatic one) needs a reason; blind reviews have no automatic one.
      const needs = !!(chosen && auto && chosen.value !== "agree" && chosen.value !== auto);
      reason.required = needs;
      fieldset.classList.toggle("qa-override", needs);
    };
    // Marks item `index` as the current one and highlights its evidence in the transcript.
    const select = function (index) {
      current = Math.max(0, Math.min(items.length - 1, index));
      items.forEach(function (fieldset, i) { fieldset.classList.toggle("qa-current", i === current); });
      const id = items[current].dataset.item;
      document.querySelectorAll("#transcript mark").forEach(function (mark) {
        mark.classList.toggle("qa-current", (mark.dataset.items || "").split(" ").indexOf(id) >= 0);
      });
    };
    const focusItem = function (index) {
      if (items.length === 0) { return; }
      select(index);
      items[current].focus();
      items[current].scrollIntoView({ block: "nearest" });
    };
    items.forEach(function (fieldset, index) {
      fieldset.addEventListener("change", function () { reasonNeeded(fieldset); });
      fieldset.addEventListener("focusin", function () {
        if (current !== index) { select(index); }
      });
      reasonNeeded(fieldset);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        reviewForm.requestSubmit();
        return;
      }
      const target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"))) {
        if (event.key === "Escape") { items[current].focus(); }
        return;
      }
      const key = event.key.toLowerCase();
      if (key === "j") { event.preventDefault(); focusItem(current + 1); return; }
      if (key === "k") { event.preventDefault(); focusItem(current - 1); return; }
      const fieldset = items[current];
      if (!fieldset) { return; }
      if (key === "o") {
        event.preventDefault();
        fieldset.querySelector(".qa-reason").focus();
        return;
      }
      const radio = fieldset.querySelector('input[type="radio"][data-key="' + key + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        reasonNeeded(fieldset);
        if (fieldset.querySelector(".qa-reason").required) {
          fieldset.querySelector(".qa-reason").focus();
        } else if (current < items.length - 1) {
          focusItem(current + 1);
        }
      }
    });
    if (items.length > 0) { select(0); }
  }
})();
