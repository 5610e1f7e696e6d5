// The compose page: the live, labelled recipient count (without JavaScript the "Count
// recipients" button does it) and a search box over the household picker.
(function () {
  "use strict";
  var form = document.getElementById("compose");
  var box = document.getElementById("audience-count");
  if (!form || !box) { return; }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }

  // Household picker: typing a house number or part of the head's name keeps the matching
  // households only; the chosen one stays whatever is typed.
  var select = form.querySelector("select[data-searchable=household]");
  if (select) {
    var search = document.createElement("input");
    search.type = "search";
    search.id = "household-search";
    search.setAttribute("aria-label", form.getAttribute("data-household-search"));
    search.placeholder = form.getAttribute("data-household-search");
    search.setAttribute("data-testid", "household-search");
    select.parentNode.insertBefore(search, select);
    search.addEventListener("input", function () {
      var words = fold(search.value).split(" ").filter(Boolean);
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var haystack = option.getAttribute("data-search");
        if (haystack === null) { return; }
        var match = words.every(function (w) { return haystack.indexOf(w) >= 0; });
        option.hidden = !match && !option.selected;
        if (match && first === null) { first = option; }
      });
      if (first && words.length && !select.value) { first.selected = true; form.dispatchEvent(new Event("change")); }
    });
  }

  if (!window.fetch) { return; }
  var labels = {};
  try { labels = JSON.parse(document.getElementById("channel-labels").textContent); } catch (e) { labels = {}; }
  var timer = null;
  function put(name, value) {
    var el = box.querySelector("[data-field=" + name + "]");
    if (el) { el.textContent = value; }
  }
  function update() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (["audience", "lanes", "groups", "household", "channels", "loudspeakers"].indexOf(key) >= 0) { params.append(key, value); }
    });
    fetch(form.getAttribute("data-count-url") + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        put("households", data.households);
        put("people", data.people);
        var list = box.querySelector("[data-field=channels]");
        if (list) {
          list.textContent = "";
          Object.keys(data.channels).forEach(function (c) {
            var li = document.createElement("li");
            var strong = document.createElement("strong");
            strong.textContent = data.channels[c];
            li.textContent = (labels[c] || c.toUpperCase()) + ": ";
            li.appendChild(strong);
            list.appendChild(li);
          });
        }
        var speakers = box.querySelector("[data-field=loudspeakers]");
        if (speakers) {
          speakers.hidden = data.loudspeaker_households === undefined;
          put("loudspeaker-households", data.loudspeaker_households === undefined ? "" : data.loudspeaker_households);
        }
        box.setAttribute("data-people", data.people);
        box.setAttribute("data-households", data.households);
      });
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(update, 200); });
  update();
})();
