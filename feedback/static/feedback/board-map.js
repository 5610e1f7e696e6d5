// Reports on the public board's map. The page draws them as a plain SVG that needs no
// script; where Leaflet loads, the tiled map replaces that drawing, with the same numbers.
(function () {
  "use strict";
  var box = document.getElementById("feedback-map");
  var data = document.getElementById("feedback-points");
  if (!box || !data || !window.L) { return; }
  var points = JSON.parse(data.textContent);
  box.textContent = "";
  box.classList.remove("map--static");
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
    link.textContent = p.n + ". " + p.label;
    marker.bindPopup(link);
    marker.bindTooltip(String(p.n), { permanent: true, direction: "right", offset: [6, 0] });
    marker.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 }); }
})();
