{% load i18n static %}// The portal's service worker: shows the announcements' push notifications (announcements/webpush.py
// sends them), opens the announcement when one is tapped, and keeps the subscription current.
"use strict";

var PUBLIC_KEY = "{{ push_public_key|escapejs }}";
var DEFAULT_TITLE = "{{ default_title|escapejs }}";
var ICON = "{% static 'img/icon-192.png' %}";
var RENEW_URL = "{% url 'announcement_push_renew' %}";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function sameOrigin(path) {
  var url = new URL(path || "/", self.location.origin);
  return url.origin === self.location.origin ? url.href : self.location.origin + "/";
}

function receipt(data, what) {
  if (!data || !data.receipt || !data.receipt_url) { return Promise.resolve(); }
  return fetch(sameOrigin(data.receipt_url), {
    method: "POST",
    credentials: "omit",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({token: data.receipt, event: what})
  }).catch(function () {});
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var options = {
    body: data.body || "",
    icon: ICON,
    badge: ICON,
    lang: "vi",
    // One notification per announcement: a message sent twice replaces the first.
    tag: data.code ? "announcement-" + data.code : undefined,
    requireInteraction: Boolean(data.urgent),
    data: {url: data.url || "/", receipt: data.receipt, receipt_url: data.receipt_url}
  };
  event.waitUntil(
    self.registration.showNotification(data.title || DEFAULT_TITLE, options)
      .then(function () { return receipt(data, "shown"); })
  );
});

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  var target = sameOrigin(data.url);
  event.notification.close();
  event.waitUntil(Promise.all([
    receipt(data, "clicked"),
    self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url === target && "focus" in list[i]) { return list[i].focus(); }
      }
      return self.clients.openWindow(target);
    })
  ]));
});

function keyBytes(base64) {
  var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  var raw = atob(padded);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
  return bytes;
}

self.addEventListener("pushsubscriptionchange", function (event) {
  if (!PUBLIC_KEY) { return; }
  var old = event.oldSubscription;
  event.waitUntil(
    self.registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes(PUBLIC_KEY)})
      .then(function (subscription) {
        return fetch(RENEW_URL, {
          method: "POST",
          credentials: "omit",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify({old_endpoint: old ? old.endpoint : "", subscription: subscription.toJSON()})
        });
      })
      .catch(function () {})
  );
});
