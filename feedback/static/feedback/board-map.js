// Reports on the public board's map; the list below the map has them all.
(function () {
  "use strict";
  var box = document.getElementById("feedback-map");
  var data = document.getElementById("feedback-points");
  if (!box || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  var map = L.map(box);
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 20, attribution: box.getAttribute("data-attribution") }).addTo(map);
  }
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#b5471b", weight: 2, fillOpacity: 0.8 });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.label;
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 }); }
})();
