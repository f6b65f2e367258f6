// The agent desktop: a WebSocket says when something happened to one of the agent's contacts (push.py);
// the page then reloads its contact list and, for a new offer, pops the caller's card.
(function () {
  var root = document.getElementById("desktop");
  if (!root || typeof htmx === "undefined") return;
  var link = document.getElementById("desktop-link");
  var POPS = { offered: true, dialled: true, transferred: true };

  function refresh() {
    htmx.ajax("GET", root.dataset.contacts, { target: "#desktop-contacts" });
  }
  function pop(contactId) {
    var url = root.dataset.card.replace(/\/0\/$/, "/" + contactId + "/");
    htmx.ajax("GET", url, { target: "#desktop-pop" });
  }
  function connect() {
    var socket = new WebSocket(root.dataset.socket);
    socket.onopen = function () {
      link.textContent = link.dataset.online;
      refresh();
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      refresh();
      if (POPS[event.kind]) pop(event.contact);
    };
    socket.onclose = function () {
      link.textContent = link.dataset.offline;
      window.setTimeout(connect, 2000);
    };
  }
  root.addEventListener("click", function (event) {
    var target = event.target.closest("a[data-card]");
    if (target) {
      event.preventDefault();
      pop(target.dataset.card);
    }
  });
  connect();
})();
