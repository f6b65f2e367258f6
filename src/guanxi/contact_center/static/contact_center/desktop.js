// The agent desktop: a WebSocket says when something happened to one of the agent's contacts (push.py);
// the page then reloads its contact list and, for a new offer, pops the caller's card (again once answered:
// the card of a contact in hand carries the tools to transfer it or make records of it).
(function () {
  var root = document.getElementById("desktop");
  if (!root || typeof htmx === "undefined") return;
  var link = document.getElementById("desktop-link");
  var POPS = { offered: true, dialled: true, transferred: true, answered: true };
  var REFUSED = 4403; // signed out, second factor still due, or no longer on the roster: reload to sign in
  var wait = 1000;

  // Each reload names its own element as the source: htmx keeps one request per source and, while one is in
  // flight, only the last one asked for after it, so reloads of different parts sharing the page body as their
  // source dropped one another (a thread's reload lost to the contact list's).
  function refresh() {
    htmx.ajax("GET", root.dataset.contacts, { source: "#desktop-contacts", target: "#desktop-contacts" });
  }
  function pop(contactId) {
    var url = root.dataset.card.replace(/\/0\/$/, "/" + contactId + "/");
    htmx.ajax("GET", url, { source: "#desktop-pop", target: "#desktop-pop" });
  }
  // A customer wrote again, or a chat's visitor left or came back, on a conversation on screen: its thread is read
  // again (the reply being typed kept). One reload per conversation at a time, and one more after it if something
  // happened meanwhile: two in flight swapped into a thread the first had already replaced, losing a message.
  var reloading = {}; // contact id -> true while a reload is in flight, "again" if another is due after it
  function reloadThread(contactId) {
    if (reloading[contactId]) {
      reloading[contactId] = "again";
      return;
    }
    var panel = document.getElementById("conversation-" + contactId);
    var thread = document.getElementById("thread-" + contactId);
    if (!panel) return;
    reloading[contactId] = true;
    var loaded = thread
      ? htmx.ajax("GET", panel.dataset.url,
                  { source: panel, target: thread, select: "#thread-" + contactId, swap: "outerHTML" })
      : htmx.ajax("GET", panel.dataset.url, { source: panel, target: panel, swap: "outerHTML" });
    var done = false;
    function settled() {
      if (done) return;
      done = true;
      var again = reloading[contactId] === "again";
      delete reloading[contactId];
      if (again) reloadThread(contactId);
    }
    function stillThere() { // a reload whose panel a new card replaced meanwhile may never settle
      if (done) return;
      if (document.body.contains(panel)) window.setTimeout(stillThere, 5000);
      else settled();
    }
    Promise.resolve(loaded).then(settled, settled);
    window.setTimeout(stillThere, 5000);
  }
  var THREAD = { message: true, left: true, back: true };
  function connect() {
    var socket = new WebSocket(root.dataset.socket);
    socket.onopen = function () {
      link.textContent = link.dataset.online;
      wait = 1000;
      refresh();
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      refresh();
      if (POPS[event.kind]) pop(event.contact);
      if (THREAD[event.kind]) reloadThread(event.contact);
    };
    socket.onclose = function (closed) {
      link.textContent = link.dataset.offline;
      if (closed.code === REFUSED) {
        window.location.reload();
        return;
      }
      window.setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
    };
  }
  // A refused step (422: "finish the contacts in hand first") shows its reason in the list, as a page would.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && root.contains(event.detail.target)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // After-call work: counted down here, then the Available button is pressed for the agent (the worker's
  // minute job does it for a desktop that was closed).
  var countdown = null;
  function afterCallWork() {
    window.clearInterval(countdown);
    var note = root.querySelector("[data-after-call-work]");
    if (!note) return;
    var left = parseInt(note.dataset.afterCallWork, 10);
    var shown = note.querySelector(".after-call-work-left");
    function tick() {
      if (shown) shown.textContent = Math.max(left, 0);
      if (left <= 0) { // pressed once: the list drawn again after it starts the next countdown, if any
        window.clearInterval(countdown);
        var available = root.querySelector("form[data-state-button='available']");
        if (available) available.requestSubmit();
        return false;
      }
      left -= 1;
      return true;
    }
    if (tick()) countdown = window.setInterval(tick, 1000);
  }
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "desktop-contacts") afterCallWork();
  });
  afterCallWork();
  root.addEventListener("click", function (event) {
    var target = event.target.closest("a[data-card]");
    if (target) {
      event.preventDefault();
      pop(target.dataset.card);
    }
  });
  connect();
})();
