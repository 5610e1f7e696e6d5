// Live reach on an announcement's page: the figures follow the workers without a reload.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-reach]");
  if (!box || !window.WebSocket) { return; }
  var id = box.getAttribute("data-announcement");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + box.getAttribute("data-live-reach"));
  socket.onmessage = function (event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.kind !== "announcement_reach" || String(data.announcement) !== id) { return; }
    ["total", "sent", "queued", "failed"].forEach(function (name) {
      var el = box.querySelector("[data-field=" + name + "]");
      if (el) { el.textContent = data[name]; }
    });
  };
})();
