// Live events for the dashboard: a toast for each event pushed to the village group.
// The page works without it; when the socket drops it reconnects with a growing delay.
(function () {
  "use strict";
  var script = document.currentScript;
  var path = script && script.getAttribute("data-live-url");
  var box = document.getElementById("toasts");
  // A resident's feed tells the server which announcements its open page received.
  var ack = script && script.getAttribute("data-ack") === "received";
  if (!path || !box || !window.WebSocket) { return; }
  var delay = 1000;
  function toast(text) {
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "status");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    socket.onopen = function () { delay = 1000; document.body.setAttribute("data-live", "open"); };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; /* ignore malformed events */ }
      toast(data.message);
      if (ack && data.kind === "announcement" && data.code) {
        socket.send(JSON.stringify({received: data.code}));
      }
    };
    socket.onclose = function () {
      document.body.setAttribute("data-live", "closed");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 60000);
    };
  }
  connect();
})();
