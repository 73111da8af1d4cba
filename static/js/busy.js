/* Forms whose answer takes a while (a document read before the answer in embedded mode, a
 * spreadsheet checked row by row) say so on their button once sent, and are not sent twice
 * by a second click. A form opts in with data-busy="<the button's text meanwhile>". */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-busy") || event.defaultPrevented) { return; }
    if (form.dataset.sent === "1") { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    if (button) {
      button.dataset.idleText = button.textContent;
      button.textContent = form.getAttribute("data-busy");
      button.setAttribute("aria-busy", "true");
      button.classList.add("busy");
    }
  });
  // A page shown again from the browser's history is usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[aria-busy]").forEach(function (button) {
        button.textContent = button.dataset.idleText;
        button.removeAttribute("aria-busy");
        button.classList.remove("busy");
      });
    });
  });
})();
