// Reply templates: a button fills the reply with its text.
(function () {
  "use strict";
  document.querySelectorAll("button[data-template]").forEach(function (button) {
    button.addEventListener("click", function () {
      button.form.elements.text.value = button.getAttribute("data-template");
    });
  });
})();
