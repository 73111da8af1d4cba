/* Pages that follow work done elsewhere (the holding lot, an import being checked, a document
 * being read) load themselves again every few seconds: <main data-refresh="20">. Unlike a
 * meta refresh, never under a person's hands: not while a field has the focus, not once
 * something was typed or chosen and not sent (a reason, a chosen file), not while a form is
 * being sent. Each reload is announced first by a cancelable "gatekeeper:refresh" event on
 * the document. */
(function () {
  "use strict";
  var main = document.querySelector("main[data-refresh]");
  if (!main) { return; }
  var seconds = parseInt(main.getAttribute("data-refresh"), 10);
  if (!(seconds > 0)) { return; }
  var touched = false;
  document.addEventListener("input", function () { touched = true; });
  document.addEventListener("change", function () { touched = true; });
  function busy() {
    var active = document.activeElement;
    var typing = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    return touched || typing || document.querySelector("form[data-sent]") !== null;
  }
  window.setInterval(function () {
    if (busy() || document.visibilityState !== "visible") { return; }
    var announced = new CustomEvent("gatekeeper:refresh", { cancelable: true });
    if (document.dispatchEvent(announced)) { window.location.reload(); }
  }, seconds * 1000);
})();
