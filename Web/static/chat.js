"use strict";
// Scenario chat: sends replies with fetch (the CSRF token from <meta name="csrf-token"> as X-CSRF-Token), appends the
// customer's next lines and, in practice mode, the checks of each reply, and runs the reply countdown. Without
// JavaScript the form posts and the page reloads; this script only makes it faster. Text is always inserted with
// textContent, never as HTML.
(function () {
  var page = document.getElementById("chat-page");
  var form = document.getElementById("reply-form");
  if (!page || !form) { return; }
  var log = document.getElementById("chat-log");
  var textarea = document.getElementById("reply");
  var turnField = document.getElementById("reply-turn");
  var button = document.getElementById("send");
  var state = document.getElementById("chat-state");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var run = page.getAttribute("data-run");
  var timer = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function say(key, failed) {
    state.textContent = key ? (state.getAttribute("data-" + key) || "") : "";
    state.className = "save-state" + (failed ? " failed" : "");
  }

  function format(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return (m > 0 ? m + ":" + (r < 10 ? "0" : "") + r : String(r)) + " s";
  }

  function countdownNode() {
    var node = document.getElementById("countdown");
    if (!node) {
      var line = el("p", "countdown-line");
      node = el("span", "countdown");
      node.id = "countdown";
      line.appendChild(node);
      form.parentNode.insertBefore(line, form);
    }
    return node;
  }

  function startCountdown(seconds) {
    if (timer) { clearInterval(timer); timer = null; }
    var existing = document.getElementById("countdown");
    if (seconds === null || seconds === undefined) {
      if (existing) { existing.parentNode.hidden = true; }
      return;
    }
    var node = countdownNode();
    node.parentNode.hidden = false;
    var deadline = Date.now() + seconds * 1000;
    function tick() {
      var left = (deadline - Date.now()) / 1000;
      node.classList.toggle("low", left <= 10);
      node.textContent = left > 0 ? format(left) : (state.getAttribute("data-late") || "late");
      if (left <= 0 && timer) { clearInterval(timer); timer = null; }
    }
    tick();
    timer = setInterval(tick, 250);
  }

  function bubble(speaker, text, turn) {
    var node = el("div", "bubble " + speaker);
    node.setAttribute("data-turn", turn);
    node.appendChild(document.createTextNode(text));
    log.appendChild(node);
    node.scrollIntoView({ block: "nearest" });
  }

  function feedback(record) {
    var box = el("div", "reply-feedback");
    var line = el("p", "meta", record.seconds + " s" + (record.limit_seconds ? " / " + record.limit_seconds + " s" : ""));
    if (record.late) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("span", "badge fail late", state.getAttribute("data-late") || "late"));
    }
    box.appendChild(line);
    var list = el("ul", "checks");
    (record.checks || []).forEach(function (check) {
      var item = el("li", "check " + check.verdict);
      item.setAttribute("data-check", check.id);
      var mark = check.verdict === "pass" ? "✓" : (check.verdict === "na" ? "–" : "✗");
      item.appendChild(el("strong", null, mark + " " + check.id));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("small", null, check.message));
      (check.evidence || []).forEach(function (evidence) {
        item.appendChild(document.createElement("br"));
        var small = el("small", "evidence");
        small.appendChild(el("mark", null, evidence.text));
        item.appendChild(small);
      });
      list.appendChild(item);
    });
    box.appendChild(list);
    log.appendChild(box);
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // Posts the reply; retries network failures and 5xx answers with backoff. A retry after a lost answer is
  // refused by the server as already answered (409), and the page then reloads to show where the run stands.
  function send(body, attempt) {
    return fetch("/runs/" + encodeURIComponent(run) + "/reply", {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf,
        "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" }
    }).then(function (response) {
      if (response.status >= 500 && attempt < 3) { throw new Error("server " + response.status); }
      return response;
    }).catch(function (error) {
      if (attempt >= 3) { throw error; }
      say("retrying", true);
      return wait(1000 * Math.pow(2, attempt)).then(function () { return send(body, attempt + 1); });
    });
  }

  function apply(outcome, text, turn) {
    bubble("agent", text, turn);
    (outcome.feedback || []).forEach(feedback);
    (outcome.customer || []).forEach(function (line) { bubble("customer", line.text, line.turn); });
    var pending = null;
    (outcome.customer || []).forEach(function (line) { if (line.expects_reply) { pending = line; } });
    if (outcome.finished || !pending) {
      startCountdown(null);
      form.hidden = true;
      say("");
      var done = el("p", "muted", state.getAttribute("data-finished") || "");
      log.appendChild(done);
      setTimeout(function () { window.location.assign("/runs/" + encodeURIComponent(run)); }, 1200);
      return;
    }
    turnField.value = pending.turn;
    startCountdown(pending.limit_seconds ? outcome.seconds_left : null);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = textarea.value.trim();
    if (!text) { textarea.focus(); return; }
    var turn = Number(turnField.value) + 1;
    var body = new URLSearchParams();
    body.set("reply", text);
    body.set("turn", turnField.value);
    button.disabled = true;
    say("sending");
    send(body.toString(), 0).then(function (response) {
      if (response.status === 409) { window.location.reload(); return null; }
      return response.json().then(function (data) {
        if (!response.ok) {
          state.textContent = (data.error && data.error.message) || String(response.status);
          state.className = "save-state failed";
          return;
        }
        textarea.value = "";
        say("");
        apply(data, text, turn);
      });
    }).catch(function () {
      say("failed", true);
    }).then(function () {
      button.disabled = false;
      textarea.focus();
    });
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { button.click(); }
    }
  });

  var initial = document.getElementById("countdown");
  if (initial) { startCountdown(Number(initial.getAttribute("data-seconds-left"))); }
})();
