// "Share to the Zalo group": no documented API posts into a Zalo group, so the page hands the
// announcement's text and public link to the phone's share sheet (Web Share API), or, where a
// browser has none, copies them for pasting into Zalo. Zalo's own SDK is not loaded: it would
// need a third-party script and tell Zalo who opens the page. Each completed share is counted.
(function () {
  "use strict";
  var box = document.querySelector("[data-share]");
  if (!box) { return; }
  var button = box.querySelector("[data-share-button]");
  var copied = box.querySelector("[data-share-copied]");
  var failed = box.querySelector("[data-share-failed]");
  var count = box.querySelector("[data-share-count]");
  var title = box.getAttribute("data-title");
  var text = box.getAttribute("data-text");
  var link = box.getAttribute("data-link");
  var busy = false;

  function csrfToken() {
    var input = box.querySelector("[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function record(via) {
    var body = new URLSearchParams();
    body.set("via", via);
    return fetch(box.getAttribute("data-share"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken()},
      body: body
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && count) {
        count.textContent = count.getAttribute("data-template")
          .replace("{shares}", data.shares).replace("{opens}", data.landings);
      }
    }).catch(function () { /* the share itself went through; only the count is missing */ });
  }

  function copy() {
    var whole = text + "\n" + link;
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      failed.hidden = false;
      return Promise.resolve();
    }
    return navigator.clipboard.writeText(whole).then(function () {
      failed.hidden = true;
      copied.hidden = false;
      return record("copy");
    }, function () {
      failed.hidden = false;
    });
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (busy) { return; }  // a double tap shares once (the server also ignores a quick repeat)
    busy = true;
    var done;
    if (navigator.share) {
      // The share target joins text and url (Chrome on Android sends "text url" to Zalo).
      done = navigator.share({title: title, text: text, url: link}).then(function () {
        return record("sheet");
      }, function (error) {
        // Cancelled by the person: nothing shared, nothing counted. Any other refusal: copy.
        if (error && error.name === "AbortError") { return null; }
        return copy();
      });
    } else {
      done = copy();
    }
    done.then(function () { busy = false; }, function () { busy = false; });
  });
})();
