"use strict";
// Exam taking: every answer is saved the moment it is given (kept in localStorage until the server confirms, so a
// dropped request or a browser crash loses nothing), with a visible saved state, retries with back-off, the
// server's deadline as a live countdown, and an automatic submission when time is up. The form works without it.
(function () {
  const form = document.getElementById("exam-form");
  if (!form) return;
  const attempt = form.dataset.attempt;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const state = document.getElementById("save-state");
  const key = "kefu-pending-" + attempt;
  let pending = {};
  try { pending = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { pending = {}; }
  let inflight = false;
  let retryDelay = 1000;
  let retryTimer = null;
  let submitting = false;

  function show(kind, text) {
    state.className = "save-state " + kind;
    state.textContent = text;
  }

  function persist() {
    try { localStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* private mode: memory only */ }
  }

  // The fields of one question, as the form would send them.
  function fieldsFor(pos) {
    const params = new URLSearchParams();
    params.append("p", pos);
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.name !== "a" + pos && !el.name.startsWith("m" + pos + "_")) continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      params.append(el.name, el.value);
    }
    return params.toString();
  }

  function markAnswered(pos, answered) {
    const button = form.querySelector('.qbtn[data-pos="' + pos + '"]');
    if (button) button.classList.toggle("answered", answered);
    const count = form.querySelectorAll(".qbtn.answered").length;
    const counter = document.getElementById("answered-count");
    if (counter) counter.textContent = String(count);
  }

  function queue(pos) {
    const body = fieldsFor(pos);
    pending[pos] = body;
    persist();
    let answered = false;
    new URLSearchParams(body).forEach(function (value, name) { if (name !== "p" && value.trim() !== "") answered = true; });
    markAnswered(pos, answered);
    flush();
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  }

  async function flush() {
    if (inflight) return;
    const positions = Object.keys(pending);
    if (positions.length === 0) return;
    inflight = true;
    const sent = Object.assign({}, pending);
    show("saving", state.dataset.saving);
    try {
      const response = await fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json", "X-CSRF-Token": csrf },
        body: positions.map(function (p) { return sent[p]; }).join("&"),
      });
      if (response.ok) {
        const result = await response.json();
        for (const p of positions) if (pending[p] === sent[p]) delete pending[p];
        persist();
        retryDelay = 1000;
        if (result.status !== "in-progress") { window.location.href = "/attempts/" + attempt; return; }
        if (result.refused.length > 0) {
          show("failed", state.dataset.failed + ": " + result.refused.map(function (r) { return (r.position + 1) + " " + r.reason; }).join("; "));
        } else {
          show("saved", state.dataset.saved + " " + new Date().toLocaleTimeString());
        }
      } else if (response.status === 409 || response.status === 404) {
        window.location.href = "/attempts/" + attempt;
        return;
      } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        const body = await response.json().catch(function () { return {}; });
        for (const p of positions) if (pending[p] === sent[p]) delete pending[p];
        persist();
        show("failed", (body.error && body.error.message) || state.dataset.failed);
      } else {
        throw new Error("HTTP " + response.status);
      }
    } catch (e) {
      show("failed", state.dataset.retrying);
      scheduleRetry();
    } finally {
      inflight = false;
    }
    if (Object.keys(pending).length > 0 && !retryTimer) flush();
  }

  function positionOf(el) {
    const fieldset = el.closest("fieldset[data-pos]");
    return fieldset ? fieldset.dataset.pos : null;
  }

  const typing = {};
  form.addEventListener("change", function (e) {
    const pos = positionOf(e.target);
    if (pos !== null) queue(pos);
  });
  form.addEventListener("input", function (e) {
    const pos = positionOf(e.target);
    if (pos === null || !(e.target.tagName === "TEXTAREA" || e.target.type === "text" || e.target.inputMode === "decimal")) return;
    clearTimeout(typing[pos]);
    typing[pos] = setTimeout(function () { queue(pos); }, 600);
  });

  form.addEventListener("submit", function (e) {
    const button = e.submitter;
    if (submitting || !button || button.value !== "submit") return;
    const left = form.querySelectorAll(".qbtn:not(.answered)").length;
    const question = form.dataset.confirmSubmit + (left > 0 ? "\n" + form.dataset.unanswered + " " + left : "");
    if (!window.confirm(question)) e.preventDefault();
  });

  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", function (e) {
    if (Object.keys(pending).length > 0 && !submitting) { e.preventDefault(); e.returnValue = ""; }
  });

  // Countdown to the server's deadline; submits by itself a moment before it.
  const countdown = document.getElementById("countdown");
  if (countdown) {
    const end = Date.now() + Number(countdown.dataset.remaining) * 1000;
    const tick = function () {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
      countdown.textContent = (h > 0 ? h + ":" + String(m).padStart(2, "0") : String(m).padStart(2, "0")) + ":" + String(s).padStart(2, "0");
      countdown.classList.toggle("low", left < 60);
      if (left <= 1 && !submitting) {
        submitting = true;
        flush().finally(function () {
          const go = document.createElement("input");
          go.type = "hidden"; go.name = "go"; go.value = "submit";
          form.appendChild(go);
          form.submit();
        });
        return;
      }
      setTimeout(tick, 1000 - (Date.now() % 1000));
    };
    tick();
  }

  // Answers not confirmed before a reload, a crash or a dropped request are put back into the form (so the page shows
  // them and a later form submission carries them) and sent again now.
  function restore(pos, body) {
    const values = {};
    new URLSearchParams(body).forEach(function (value, name) { (values[name] = values[name] || []).push(value); });
    let answered = false;
    for (const el of form.elements) {
      if (!el.name || (el.name !== "a" + pos && !el.name.startsWith("m" + pos + "_"))) continue;
      const given = values[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") el.checked = given.indexOf(el.value) >= 0;
      else el.value = given.length > 0 ? given[0] : "";
      if (given.some(function (v) { return v.trim() !== ""; })) answered = true;
    }
    markAnswered(pos, answered);
  }
  for (const pos of Object.keys(pending)) restore(pos, pending[pos]);
  flush();
})();
