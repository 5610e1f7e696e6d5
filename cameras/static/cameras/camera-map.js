// Cameras on a map, coloured by status. Markers show whether or not the tiles load.
(function () {
  "use strict";
  var box = document.getElementById("camera-map");
  var data = document.getElementById("camera-points");
  if (!box || !data || !window.L) { return; }
  var colours = { online: "#0b6e4f", degraded: "#b45309", offline: "#b91c1c", unknown: "#6b7280", maintenance: "#1d4ed8" };
  var points = JSON.parse(data.textContent);
  var map = L.map(box);
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    var layer = L.tileLayer(tiles, { maxZoom: 20, attribution: box.getAttribute("data-attribution") });
    layer.on("tileerror", function () { box.setAttribute("data-tiles-failed", "true"); });
    layer.addTo(map);
  }
  var bounds = [];
  points.forEach(function (p) {
    var colour = colours[p.status] || colours.unknown;
    var marker = L.circleMarker([p.lat, p.lon], { radius: 8, color: colour, fillColor: colour, weight: 2, fillOpacity: 0.85, className: "cam-marker cam-marker--" + p.status });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.label + " — " + p.status_label;
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  // Fit again whenever the box changes size (the page's layout settling, a phone turned):
  // bounds fitted once to the first size left markers outside the box afterwards.
  function fit() {
    map.invalidateSize();
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18, animate: false }); }
  }
  fit();
  if (window.ResizeObserver) { new ResizeObserver(fit).observe(box); }
  window.addEventListener("load", fit);
  if (!bounds.length) { map.setView([16.0, 106.0], 5); }
  box.setAttribute("data-markers", String(bounds.length));
})();
