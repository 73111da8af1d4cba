// The manager's dashboard: polls its JSON and redraws the tiles, tables, charts and the
// vehicles on the park map without a reload. Chart.js is served from static/vendor.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var L = JSON.parse(root.dataset.labels);
  var source = root.dataset.source;
  var interval = parseInt(root.dataset.interval, 10) || 2000;
  var charts = {};
  var SVG = "http://www.w3.org/2000/svg";

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }

  function fill(tableId, rows) {
    var body = document.querySelector("#" + tableId + " tbody");
    if (!body) { return; }
    body.replaceChildren();
    if (!rows.length) {
      var tr = document.createElement("tr");
      cell(tr, L.none);
      body.appendChild(tr);
      return;
    }
    rows.forEach(function (values) {
      var tr = document.createElement("tr");
      values.forEach(function (v) { cell(tr, v); });
      body.appendChild(tr);
    });
  }

  function of(n, cap) { return cap === null || cap === undefined ? String(n) : n + " / " + cap; }

  function chart(id, type, labels, datasets, options) {
    if (typeof Chart === "undefined") { return; }
    var existing = charts[id];
    if (existing) {
      existing.data.labels = labels;
      existing.data.datasets.forEach(function (ds, i) { ds.data = datasets[i].data; });
      existing.update("none");
      return;
    }
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    charts[id] = new Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { position: "bottom" } } }, options || {})
    });
  }

  function markers(positions) {
    var svg = document.querySelector("#dash-map svg");
    if (!svg) { return; }
    var layer = svg.querySelector("g.vehicles");
    if (!layer) {
      layer = document.createElementNS(SVG, "g");
      layer.setAttribute("class", "vehicles");
      svg.appendChild(layer);
    }
    layer.replaceChildren();
    var seen = {};
    positions.forEach(function (p) {
      var n = seen[p.node] = (seen[p.node] || 0) + 1;
      var g = document.createElementNS(SVG, "g");
      g.setAttribute("class", "vehicle" + (p.hazmat ? " hazmat" : ""));
      g.setAttribute("transform", "translate(" + (p.x + 16 * (n - 1)) + " " + (p.y + 22) + ")");
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("r", "7");
      var title = document.createElementNS(SVG, "title");
      title.textContent = p.plate;
      var label = document.createElementNS(SVG, "text");
      label.setAttribute("x", "9");
      label.setAttribute("y", "4");
      label.textContent = p.plate;
      g.append(dot, title, label);
      layer.appendChild(g);
    });
  }

  function draw(d) {
    var sev = d.alerts.by_severity;
    text("t-critical", sev.critical);
    text("t-warning", sev.warning);
    text("t-lot", d.lot.waiting);
    text("t-goods", d.goods_lines);
    text("t-people", d.zones.reduce(function (s, z) { return s + z.people; }, 0));
    fill("zones-table", d.zones.map(function (z) {
      return [z.code + " " + z.name, of(z.vehicles, z.capacity_vehicles),
        of(z.hazmat_vehicles, z.capacity_hazmat_vehicles), of(z.people, z.capacity_people),
        z.loaded_tankers + " " + L.loaded + L.sep + z.empty_tankers + " " + L.empty];
    }));
    fill("goods-table", d.goods.map(function (g) {
      var q = Object.keys(g.quantity).map(function (u) {
        return g.quantity[u] + " " + (L.units[u] || u);
      }).join(L.sep);
      return [g.un_number, g.description, g.hazard_class || "—", q, g.zones.join(", ")];
    }));
    var list = document.getElementById("alerts-list");
    if (list) {
      list.replaceChildren();
      d.alerts.latest.forEach(function (a) {
        var li = document.createElement("li");
        li.className = "sev-" + a.severity;
        li.dataset.alert = a.id;
        var badge = document.createElement("span");
        badge.className = "badge sev-" + a.severity;
        badge.textContent = a.severity_label;
        li.append(badge, " " + a.kind + ": " + a.message);
        list.appendChild(li);
      });
      if (!d.alerts.latest.length) { var none = document.createElement("li"); none.textContent = L.none; list.appendChild(none); }
    }
    var lanes = document.getElementById("lanes-list");
    if (lanes) {
      lanes.replaceChildren();
      (d.lanes || []).forEach(function (lane) {
        var li = document.createElement("li");
        li.className = lane.state === "emergency_open" ? "sev-critical" : "sev-warning";
        li.dataset.lane = lane.code;
        var badge = document.createElement("span");
        badge.className = "badge " + (lane.state === "emergency_open" ? "sev-critical" : "sev-warning");
        badge.textContent = lane.state === "emergency_open" ? L.emergency_open : L.lane_closed;
        var link = document.createElement("a");
        link.href = lane.url;
        link.textContent = lane.code + " " + lane.name;
        li.append(badge, " ", link);
        if (lane.note) { li.append(" · " + lane.note); }
        lanes.appendChild(li);
      });
      if (!(d.lanes || []).length) { var usual = document.createElement("li"); usual.textContent = L.lanes_usual; lanes.appendChild(usual); }
    }
    // Use of each zone's capacity, in per cent (a zone without that capacity: no bar).
    function share(n, cap) { return cap ? Math.round(100 * n / cap) : null; }
    var zoneCodes = d.zones.map(function (z) { return z.code; });
    chart("chart-zones", "bar", zoneCodes, [
      { label: L.vehicles, data: d.zones.map(function (z) { return share(z.vehicles, z.capacity_vehicles); }), backgroundColor: "#3b6ea5" },
      { label: L.hazmat, data: d.zones.map(function (z) { return share(z.hazmat_vehicles, z.capacity_hazmat_vehicles); }), backgroundColor: "#e07b00" },
      { label: L.people, data: d.zones.map(function (z) { return share(z.people, z.capacity_people); }), backgroundColor: "#6a994e" }
    ], { scales: { y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: L.capacity_pct } } } });
    var hours = Array.from({ length: 24 }, function (_, h) { return String(h).padStart(2, "0"); });
    chart("chart-hours", "bar", hours, [
      { label: L["in"], data: d.flows_today.vehicles_in, backgroundColor: "#3b6ea5" },
      { label: L.out, data: d.flows_today.vehicles_out, backgroundColor: "#9bb7d4" },
      { label: L.people_in, data: d.flows_today.people_in, backgroundColor: "#6a994e" }
    ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
    chart("chart-days", "line", d.flows_by_day.map(function (x) { return x.day.slice(5); }), [
      { label: L.allowed, data: d.flows_by_day.map(function (x) { return x.allowed; }), borderColor: "#3b6ea5" },
      { label: L.refused, data: d.flows_by_day.map(function (x) { return x.refused; }), borderColor: "#b00020" }
    ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
    chart("chart-dwell", "bar", L.dwell, [
      { label: L.inside, data: d.dwell, backgroundColor: ["#6a994e", "#6a994e", "#e0a800", "#e07b00", "#b00020"] }
    ], { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
    markers(d.positions);
    text("dash-updated", L.updated.replace("%(time)s", d.at_local));
    root.dataset.newestAlert = d.alerts.newest_id;
    root.dataset.refreshed = String((parseInt(root.dataset.refreshed || "0", 10)) + 1);
  }

  function poll() {
    fetch(source, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(draw)
      .catch(function () { text("dash-updated", L.offline); })
      .then(function () { setTimeout(poll, interval); });
  }
  poll();
})();
