/* Gatekeeper: the booking form's UN number fields suggest goods from the dangerous-goods
 * list as the dispatcher types (a number or a name) and show the chosen good's name, class
 * and HIN beside the field. Served locally; no framework. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-un-search]");
  if (!inputs.length) { return; }
  var url = inputs[0].getAttribute("data-un-search");
  var list = document.getElementById("un-options");
  var known = {};
  var timer = null;

  function describe(input) {
    var note = input.parentNode.querySelector(".un-note");
    var good = known[input.value.trim()];
    if (note) {
      note.textContent = good ? good.name + " · " + good["class"] + (good.hin.length ? " · HIN " + good.hin.join("/") : "") : "";
    }
  }

  function search(input) {
    var q = input.value.trim();
    if (q.length < 2) { return; }
    fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { goods: [] }; })
      .then(function (body) {
        list.innerHTML = "";
        body.goods.forEach(function (good) {
          known[good.un] = good;
          var option = document.createElement("option");
          option.value = good.un;
          option.label = good.name + " · " + good["class"];
          list.appendChild(option);
        });
        describe(input);
      })
      .catch(function () {});
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { search(input); }, 200);
    });
    input.addEventListener("change", function () { describe(input); });
    if (input.value) { search(input); }
  });
})();
