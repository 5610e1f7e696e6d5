// "Turn on notifications on this phone": registers the service worker (/sw.js), subscribes
// the browser to push with the portal's VAPID key and tells the server (POST), or unsubscribes
// (DELETE). Every state gets a sentence: not supported, blocked, iPhone outside the home screen.
(function () {
  "use strict";
  var box = document.querySelector("[data-push]");
  if (!box) { return; }
  var status = box.querySelector("[data-push-status]");
  var button = box.querySelector("[data-push-toggle]");
  var url = box.getAttribute("data-url");

  function say(name) { status.textContent = box.getAttribute("data-msg-" + name); box.setAttribute("data-state", name); }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function send(method, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.error || String(response.status)); }
        return data;
      });
    });
  }
  // The server's side of subscribing and unsubscribing, given a PushSubscription's JSON.
  function save(json) { return send("POST", json); }
  function remove(endpoint) { return send("DELETE", {endpoint: endpoint}); }
  function show(subscribed) {
    button.hidden = false;
    button.disabled = false;
    button.setAttribute("aria-pressed", subscribed ? "true" : "false");
    button.textContent = box.getAttribute(subscribed ? "data-label-off" : "data-label-on");
    say(subscribed ? "on" : "off");
  }
  window.villagePush = {save: save, remove: remove, show: show};

  var ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(ios && !standalone ? "ios" : "unsupported");
    return;
  }
  if (Notification.permission === "denied") { say("denied"); return; }

  var registration = null;
  navigator.serviceWorker.register(box.getAttribute("data-sw"), {scope: "/"})
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function (ready) {
      registration = ready;
      return ready.pushManager.getSubscription();
    })
    .then(function (subscription) { show(Boolean(subscription)); })
    .catch(function () { say("unsupported"); });

  function turnOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        say(permission === "denied" ? "denied" : "off");
        button.hidden = permission === "denied";
        return null;
      }
      return registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.getAttribute("data-key"))
      }).then(function (subscription) {
        return save(subscription.toJSON()).then(function () { show(true); });
      });
    });
  }
  function turnOff() {
    return registration.pushManager.getSubscription().then(function (subscription) {
      if (!subscription) { show(false); return null; }
      return remove(subscription.endpoint)
        .then(function () { return subscription.unsubscribe(); })
        .then(function () { show(false); });
    });
  }
  button.addEventListener("click", function () {
    if (!registration) { return; }
    var on = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    say("working");
    (on ? turnOff() : turnOn()).catch(function () {
      say("error");
      button.disabled = false;
    });
  });
})();
