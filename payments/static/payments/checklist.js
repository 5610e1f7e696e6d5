// The door-to-door checklist: show "why not yet?" only under an answer that needs a reason.
// Without this script every item shows its reason box and the server applies the same rule.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=checklist]");
  if (!form) { return; }
  function update(item) {
    var chosen = item.querySelector("input[type=radio]:checked");
    var box = item.querySelector("[data-reason]");
    if (!box) { return; }
    var needed = !!(chosen && chosen.hasAttribute("data-needs-reason"));
    box.hidden = !needed;
    var select = box.querySelector("select");
    select.required = needed;
    select.setCustomValidity("");
    if (!needed) { select.value = ""; }
  }
  // The browser's own "select an item" bubble would speak the phone's language.
  var missing = form.getAttribute("data-reason-missing");
  Array.prototype.forEach.call(form.querySelectorAll("[data-reason] select"), function (select) {
    select.addEventListener("invalid", function () {
      select.setCustomValidity(select.value ? "" : missing);
    });
    select.addEventListener("change", function () { select.setCustomValidity(""); });
  });
  var items = form.querySelectorAll("[data-item]");
  Array.prototype.forEach.call(items, function (item) {
    update(item);
    item.addEventListener("change", function (event) {
      if (event.target.type === "radio") {
        update(item);
        var select = item.querySelector("[data-reason] select");
        if (select && !select.closest("[data-reason]").hidden) { select.focus(); }
      }
    });
  });
})();
