// The report form: a category's own questions shown only with it, the map pin (tap the map or
// "use my location") in place of the latitude/longitude boxes, and similar-report suggestions.
// Without JavaScript every question, the lane list and the coordinate boxes do the same job,
// and the server reads only the chosen category's answers.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=report-form]");
  if (!form) { return; }
  var category = form.querySelector("[name=category]");
  var lat = form.querySelector("[name=latitude]");
  var lng = form.querySelector("[name=longitude]");
  var status = document.getElementById("place-status");
  var locate = document.getElementById("locate");
  var unpin = document.getElementById("unpin");

  function showQuestions() {
    var chosen = category ? category.value : "";
    Array.prototype.forEach.call(form.querySelectorAll("[data-category]"), function (box) {
      box.hidden = box.getAttribute("data-category") !== chosen;
    });
  }
  if (category) {
    category.addEventListener("change", showQuestions);
    showQuestions();
  }

  function say(key) { status.textContent = key ? status.getAttribute("data-" + key) : ""; }

  var box = document.getElementById("report-map");
  var map = null;
  var marker = null;
  function place(latlng, zoom) {
    lat.value = latlng.lat.toFixed(7);
    lng.value = latlng.lng.toFixed(7);
    if (map) {
      if (marker) { marker.setLatLng(latlng); }
      else {
        marker = L.marker(latlng, { draggable: true }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng()); });
      }
      if (zoom) { map.setView(latlng, zoom); }
      box.setAttribute("data-pinned", "true");
    }
    unpin.hidden = false;
    say("pinned");
    suggest();
  }
  if (box && window.L) {
    box.hidden = false;
    document.getElementById("map-help").hidden = false;
    // The map replaces the coordinate boxes; they still carry the point to the server.
    // A coordinate the server refused stays in sight with its message.
    var coords = document.getElementById("coords");
    coords.hidden = !coords.querySelector(".errorlist");
    map = L.map(box);
    var tiles = box.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 20, attribution: box.getAttribute("data-attribution") }).addTo(map);
    }
    var centre = (box.getAttribute("data-centre") || "16.0,106.0").split(",").map(Number);
    if (lat.value && lng.value) {
      place(L.latLng(Number(lat.value), Number(lng.value)), 17);
    } else {
      map.setView(centre, box.hasAttribute("data-centre") ? 16 : 5);
    }
    map.on("click", function (e) { place(e.latlng); });
  }
  document.getElementById("place-tools").hidden = false;
  unpin.hidden = !(lat.value && lng.value);
  unpin.addEventListener("click", function () {
    lat.value = "";
    lng.value = "";
    if (marker) { map.removeLayer(marker); marker = null; box.removeAttribute("data-pinned"); }
    unpin.hidden = true;
    say("");
  });
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say("locating");
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          locate.disabled = false;
          var here = { lat: position.coords.latitude, lng: position.coords.longitude };
          place(window.L ? L.latLng(here.lat, here.lng) : here, 18);
        },
        function (error) {
          locate.disabled = false;
          say(error.code === 1 ? "denied" : "failed");
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  }

  var timer = null;
  function suggest() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var params = new URLSearchParams({
        category: category ? category.value : "",
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
