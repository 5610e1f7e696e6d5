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
  // Each pin carries its own number, as in the list: a label beside the pin (a tooltip)
  // ended up next to a neighbouring pin wherever reports lie close together.
  points.forEach(function (p) {
    var label = document.createElement("span");
    label.textContent = String(p.n);
    label.setAttribute("data-testid", "pin");
    label.setAttribute("data-n", String(p.n));
    var icon = L.divIcon({
      className: "board-pin" + (p.open ? " board-pin--open" : ""),
      html: label,
      iconSize: [30, 30],
      iconAnchor: [15, 15],
      popupAnchor: [0, -15]
    });
    var marker = L.marker([p.lat, p.lon], { icon: icon, title: p.n + ". " + p.label, zIndexOffset: -p.n });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.n + ". " + p.label;
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  // Fit again whenever the box changes size (the page's layout settling, a phone turned):
  // bounds fitted once to the first size left markers outside the box afterwards.
  function fit() {
    map.invalidateSize();
    if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18, animate: false }); }
  }
  fit();
  if (window.ResizeObserver) { new ResizeObserver(fit).observe(box); }
  window.addEventListener("load", fit);
})();
