// Households on a map. Markers are drawn whether or not the tiles load: the map has a plain
// background, and a tile error only adds a note.
(function () {
  "use strict";
  var box = document.getElementById("household-map");
  var data = document.getElementById("household-points");
  if (!box || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  var map = L.map(box);
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    var layer = L.tileLayer(tiles, { maxZoom: 20, attribution: box.getAttribute("data-attribution") });
    var warned = false;
    layer.on("tileerror", function () {
      if (warned) { return; }
      warned = true;
      box.setAttribute("data-tiles-failed", "true");
    });
    layer.addTo(map);
  }
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lon], { radius: 6, color: "#0b6e4f", weight: 2, fillOpacity: 0.8 });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.label + (p.head ? " — " + p.head : "");
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 }); }
  else { map.setView([16.0, 106.0], 5); }
  box.setAttribute("data-markers", String(bounds.length));
})();
