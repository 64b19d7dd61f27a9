"use strict";
// Team pages: print buttons, and the people import's file picker filling the CSV box (the form posts the text, so it
// works without JavaScript too: paste the CSV).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
  const picker = document.querySelector("input[type=file][data-fill]");
  if (picker) {
    picker.addEventListener("change", () => {
      const file = picker.files && picker.files[0];
      if (!file) return;
      const reader = new FileReader();
      reader.onload = () => {
        const text = String(reader.result || "");
        document.getElementById(picker.dataset.fill).value = text.replace(/^\uFEFF/, "");
        const name = document.getElementById("csv-filename");
        if (name) name.value = file.name;
      };
      reader.readAsText(file, "utf-8");
    });
  }
});
