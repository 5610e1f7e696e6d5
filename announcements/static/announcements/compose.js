// The live recipient count on the compose page; without JavaScript the "Count" button does it.
(function () {
  "use strict";
  var form = document.getElementById("compose");
  var box = document.getElementById("audience-count");
  if (!form || !box || !window.fetch) { return; }
  var timer = null;
  function update() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (["audience", "lanes", "groups", "household", "channels"].indexOf(key) >= 0) { params.append(key, value); }
    });
    fetch(form.getAttribute("data-count-url") + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var text = data.people + " / " + data.households;
        Object.keys(data.channels).forEach(function (c) { text += " · " + c.toUpperCase() + ": " + data.channels[c]; });
        box.textContent = text;
        box.setAttribute("data-people", data.people);
      });
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(update, 200); });
  update();
})();
