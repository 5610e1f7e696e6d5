// The report form's map pin and similar-report suggestions. Without JavaScript the lane list
// and the latitude/longitude fields do the same job.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=report-form]");
  if (!form) { return; }
  var lat = form.querySelector("[name=latitude]");
  var lng = form.querySelector("[name=longitude]");
  var box = document.getElementById("report-map");
  if (box && window.L) {
    box.hidden = false;
    document.getElementById("map-help").hidden = false;
    var map = L.map(box);
    var tiles = box.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 20, attribution: box.getAttribute("data-attribution") }).addTo(map);
    }
    var centre = (box.getAttribute("data-centre") || "16.0,106.0").split(",").map(Number);
    var marker = null;
    var place = function (latlng) {
      if (marker) { marker.setLatLng(latlng); }
      else { marker = L.marker(latlng, { draggable: true }).addTo(map); marker.on("dragend", function () { place(marker.getLatLng()); }); }
      lat.value = latlng.lat.toFixed(7);
      lng.value = latlng.lng.toFixed(7);
      box.setAttribute("data-pinned", "true");
      suggest();
    };
    if (lat.value && lng.value) {
      place(L.latLng(Number(lat.value), Number(lng.value)));
      map.setView([Number(lat.value), Number(lng.value)], 17);
    } else {
      map.setView(centre, box.hasAttribute("data-centre") ? 16 : 5);
    }
    map.on("click", function (e) { place(e.latlng); });
  }
  var timer = null;
  function suggest() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var params = new URLSearchParams({
        category: form.querySelector("[name=category]").value || "",
        lane: form.querySelector("[name=lane]").value || "",
        lat: lat.value || "",
        lng: lng.value || ""
      });
      fetch(form.getAttribute("data-similar-url") + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { document.getElementById("similar").innerHTML = html; })
        .catch(function () {});
    }, 400);
  }
  ["category", "lane"].forEach(function (name) {
    var field = form.querySelector("[name=" + name + "]");
    if (field) { field.addEventListener("change", suggest); }
  });
})();
