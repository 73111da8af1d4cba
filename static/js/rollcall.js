// The roll call on a tablet: a tap marks a person found (or not) without reloading the
// page; the count still missing follows. Without JavaScript the forms post as usual.
(function () {
  "use strict";
  var labels = document.getElementById("mark-labels");
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form.mark-form");
    if (!form || !window.fetch) { return; }
    event.preventDefault();
    var data = new FormData(form);
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) { window.location.reload(); return; }
        var on = answer.body.accounted;
        var button = form.querySelector("button");
        form.querySelector("input[name=accounted]").value = on ? "0" : "1";
        button.classList.toggle("on", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.textContent = on ? labels.dataset.on : labels.dataset.off;
        form.closest("tr").classList.toggle("accounted", on);
        document.getElementById("missing-count").textContent = answer.body.missing;
      })
      .catch(function () { form.submit(); });
  });
})();
