// The admin's park map: click a node to choose it, click the map to put it there.
(function () {
  var svg = document.querySelector(".park-map.placing");
  var form = document.getElementById("place-form");
  if (!svg || !form) { return; }
  var select = document.getElementById("place-node");
  var x = document.getElementById("place-x");
  var y = document.getElementById("place-y");

  function mark() {
    svg.querySelectorAll(".node").forEach(function (node) {
      var chosen = node.getAttribute("data-node") === select.value;
      node.classList.toggle("selected", chosen);
      if (chosen && !x.value && !y.value) {  // where it is now, to nudge by typing
        x.value = node.getAttribute("data-x");
        y.value = node.getAttribute("data-y");
      }
    });
  }
  function choose(node) {
    select.value = node.getAttribute("data-node");
    x.value = y.value = "";
    mark();
  }
  svg.addEventListener("click", function (event) {
    var node = event.target.closest(".node");
    if (node) { choose(node); return; }
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var at = point.matrixTransform(svg.getScreenCTM().inverse());
    x.value = Math.max(0, Math.min(1000, at.x)).toFixed(1);
    y.value = Math.max(0, Math.min(600, at.y)).toFixed(1);
    form.submit();
  });
  svg.addEventListener("keydown", function (event) {
    var node = event.target.closest(".node");
    if (node && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); choose(node); }
  });
  select.addEventListener("change", function () { x.value = y.value = ""; mark(); });
  mark();
})();
