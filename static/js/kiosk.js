/* Gatekeeper kiosk: keeps the lane screen live and maps keys to the guard's actions.
 * Polls the panel fragment every 500 ms with If-None-Match (an unchanged lane answers
 * 304), so a new event shows within a second. Served locally; no framework. */
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var url = root.getAttribute("data-panel-url");
  // The version the page was rendered with: the first poll is answered 304 and the panel
  // is replaced only when something changed (not under a guard who has just focused a field).
  var etag = root.getAttribute("data-etag");
  var online = document.getElementById("kiosk-online");
  var INTERVAL = 500;

  function typing() {
    // A document being read (sent, waiting for the answer): keep its busy button shown.
    if (root.querySelector("form[data-sent='1']")) { return true; }
    var el = document.activeElement;
    if (!el || !root.contains(el)) { return false; }
    var tag = el.tagName;
    // Do not replace a form the guard is filling in.
    return (tag === "TEXTAREA" || (tag === "INPUT" && el.type !== "checkbox" && el.type !== "submit"))
      && el.value !== "" || el.form && el.form.classList.contains("crew-form") && el.form.dataset.dirty === "1";
  }

  function setOnline(ok) {
    if (!online) { return; }
    online.textContent = online.getAttribute(ok ? "data-online-text" : "data-offline-text");
    online.className = ok ? "live" : "offline";
  }

  function poll() {
    if (typing()) { return setTimeout(poll, INTERVAL); }
    var headers = { "X-Requested-With": "fetch" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { window.location.reload(); return; }
        setOnline(response.ok || response.status === 304);
        if (response.status === 200) {
          etag = response.headers.get("ETag");
          return response.text().then(function (html) {
            if (!typing()) { root.innerHTML = html; wire(); }
          });
        }
      })
      .catch(function () { setOnline(false); })
      .then(function () { setTimeout(poll, INTERVAL); });
  }

  function wire() {
    root.querySelectorAll(".crew-form").forEach(function (form) {
      form.addEventListener("change", function () { form.dataset.dirty = "1"; });
    });
    root.querySelectorAll("button[data-needs-reason]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var reason = root.querySelector("#decide-reason");
        if (reason && reason.value.trim() === "") {
          event.preventDefault();
          reason.classList.add("needs-input");
          reason.focus();
        }
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var el = document.activeElement;
    if (el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT")) {
      if (event.key === "Escape") { el.blur(); }
      return;
    }
    var target = root.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (target.tagName === "INPUT" || target.tagName === "TEXTAREA") {
      target.focus();
    } else {
      target.click();
    }
  });

  wire();
  setTimeout(poll, INTERVAL);
})();
