// Guanxi web chat widget: one tag on any page,
//   <script src="https://crm.example.cn/static/contact_center/chat-widget.js" data-guanxi="https://crm.example.cn" async></script>
// shows a chat button and panel and talks to the contact center over a WebSocket (contact_center/chat.py).
// No framework and nothing from elsewhere: the styles are chat-widget.css beside this file, the texts are below in
// Chinese and English (the page's <html lang> chooses), and the visitor's signed token stays in localStorage so
// that a reload continues the conversation. The page's own content and scripts are left alone: everything lives
// under one element, named gx-chat-*, and nothing the visitor or the agent writes is read as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.guanxiChat) return;
  window.guanxiChat = true;
  var guanxi = (script.dataset.guanxi || new URL(script.src).origin).replace(/\/+$/, "");
  var stored = "guanxi-chat:" + guanxi;
  var TEXTS = {
    zh: {
      button: "在线咨询", title: "在线客服", close: "关闭",
      intro: "请留下您的称呼，客服人员马上为您服务。留下手机号或邮箱，我们能更快查到您的资料。",
      name: "您的称呼", phone: "手机号（选填）", email: "电子邮箱（选填）", start: "开始咨询",
      placeholder: "请输入您的问题…", send: "发送", you: "我", agent: "客服",
      waiting: "已收到您的消息，正在为您安排客服，请稍候。", joined: "客服已接入，正在为您服务。",
      ended: "客服已结束本次会话，感谢您的咨询。如需继续，请直接发送新消息。",
      offline: "连接中断，正在重新连接…", restart: "以新身份开始",
      refused: {
        flood: "您发送得太快了，请稍候几秒再发。", too_long: "消息太长了，请分几条发送（每条不超过 2000 字）。",
        empty: "请先输入内容。", invalid: "内容中有无法显示的字符，请修改后再发。", no_session: "请先填写您的称呼。",
        required: "请填写此项。", unknown: "请刷新页面后重试。"
      },
      fields: { name: "称呼", phone: "手机号", email: "电子邮箱" }, wrong: "格式不正确或太长："
    },
    en: {
      button: "Chat with us", title: "Customer service", close: "Close",
      intro: "Tell us your name and an agent will be with you shortly. A phone number or e-mail address helps us " +
        "find your records.",
      name: "Your name", phone: "Phone (optional)", email: "E-mail (optional)", start: "Start chatting",
      placeholder: "Type your question…", send: "Send", you: "You", agent: "Agent",
      waiting: "We have your message; an agent will be with you shortly.", joined: "An agent is with you now.",
      ended: "The agent has ended this conversation. Thank you! Write again to start a new one.",
      offline: "Connection lost, reconnecting…", restart: "Start again as someone else",
      refused: {
        flood: "You are writing too fast: please wait a few seconds.", too_long: "That message is too long: " +
          "please split it (at most 2,000 characters each).", empty: "Write something first.",
        invalid: "The message has characters that cannot be shown: please edit it.",
        no_session: "Tell us your name first.", required: "Please fill this in.", unknown: "Please reload the page."
      },
      fields: { name: "name", phone: "phone", email: "e-mail" }, wrong: "Not valid or too long: "
    }
  };
  var t = /^zh/i.test(document.documentElement.lang || navigator.language || "") ? TEXTS.zh : TEXTS.en;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function field(form, name, label, type, required) {
    var wrap = el("label", "gx-chat-field");
    wrap.appendChild(el("span", "", label));
    var input = el("input");
    input.name = name;
    input.type = type;
    input.required = required;
    input.maxLength = name === "email" ? 80 : name === "phone" ? 30 : 50;
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }

  var style = el("link");
  style.rel = "stylesheet";
  style.href = script.src.replace(/\.js(\?.*)?$/, ".css");
  document.head.appendChild(style);

  var root = el("div", "gx-chat");
  var button = el("button", "gx-chat-button", t.button);
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  var panel = el("section", "gx-chat-panel");
  panel.hidden = true;
  panel.setAttribute("aria-label", t.title);
  var head = el("header", "gx-chat-head");
  head.appendChild(el("strong", "", t.title));
  var close = el("button", "gx-chat-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", t.close);
  head.appendChild(close);
  var log = el("ol", "gx-chat-log");
  log.setAttribute("aria-live", "polite");
  var status = el("p", "gx-chat-status");
  status.setAttribute("role", "status");

  var who = el("form", "gx-chat-who");
  who.appendChild(el("p", "", t.intro));
  var nameInput = field(who, "name", t.name, "text", true);
  var phoneInput = field(who, "phone", t.phone, "tel", false);
  var emailInput = field(who, "email", t.email, "email", false);
  var start = el("button", "gx-chat-send", t.start);
  start.type = "submit";
  who.appendChild(start);
  who.hidden = true;

  var say = el("form", "gx-chat-say");
  var line = el("textarea");
  line.name = "text";
  line.rows = 2;
  line.maxLength = 2000;
  line.placeholder = t.placeholder;
  line.setAttribute("aria-label", t.placeholder);
  var send = el("button", "gx-chat-send", t.send);
  send.type = "submit";
  var restart = el("button", "gx-chat-restart", t.restart);
  restart.type = "button";
  say.appendChild(line);
  say.appendChild(send);
  say.appendChild(restart);
  say.hidden = true;

  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(status);
  panel.appendChild(who);
  panel.appendChild(say);
  root.appendChild(panel);
  root.appendChild(button);
  document.body.appendChild(root);

  // pending: the line last sent, put back in the box if the server refuses it (too fast, too long)
  var socket = null, wait = 1000, shown = {}, joined = {}, waiting = false, pending = "";

  function token() {
    try { return window.localStorage.getItem(stored); } catch (e) { return null; }
  }
  function keep(value) {
    try {
      if (value) window.localStorage.setItem(stored, value); else window.localStorage.removeItem(stored);
    } catch (e) { /* private mode: the conversation lasts as long as the page */ }
  }
  function tell(text) { status.textContent = text || ""; }
  function frame(data) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
  }
  function show(message) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    var item = el("li", "gx-chat-line gx-chat-" + message.from);
    item.appendChild(el("span", "gx-chat-who-said", message.from === "agent" ? t.agent : t.you));
    item.appendChild(el("span", "gx-chat-text", message.text));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    if (message.from === "visitor") pending = "";
    if (message.from === "visitor" && !joined[message.contact] && !waiting) {
      waiting = true;
      tell(t.waiting);
    }
    if (message.from === "agent" && panel.hidden) button.classList.add("gx-chat-unread");
  }
  function notice(text) {
    var item = el("li", "gx-chat-notice", text);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }
  function onFrame(event) {
    var data;
    try { data = JSON.parse(event.data); } catch (e) { return; }
    if (data.type === "who") {
      keep(null);
      who.hidden = false;
      say.hidden = true;
    } else if (data.type === "session") {
      keep(data.token);
      who.hidden = true;
      say.hidden = false;
    } else if (data.type === "message") {
      show(data);
    } else if (data.type === "joined" && !joined[data.contact]) {
      joined[data.contact] = true;
      waiting = false;
      tell("");
      notice(t.joined);
    } else if (data.type === "ended") {
      waiting = false;
      tell("");
      notice(t.ended);
    } else if (data.type === "refused") {
      if (data.field) {
        tell((data.reason === "required" ? t.refused.required + " " : t.wrong) + (t.fields[data.field] || data.field));
        return;
      }
      tell(t.refused[data.reason] || t.refused.unknown);
      if (pending && !line.value) line.value = pending;
      pending = "";
    }
  }
  function connect() {
    fetch(guanxi + "/contact-center/chat/socket/", { credentials: "omit" })
      .then(function (response) { return response.json(); })
      .then(function (where) {
        socket = new WebSocket(where.socket);
        socket.onopen = function () {
          wait = 1000;
          tell(waiting ? t.waiting : "");
          frame({ type: "hello", token: token() });
        };
        socket.onmessage = onFrame;
        socket.onclose = retry;
      })
      .catch(retry);
  }
  function retry() {
    socket = null;
    tell(t.offline);
    window.setTimeout(connect, wait);
    wait = Math.min(wait * 2, 30000);
  }
  function toggle(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      button.classList.remove("gx-chat-unread");
      if (!socket) connect();
      (who.hidden ? line : nameInput).focus();
    }
  }

  button.addEventListener("click", function () { toggle(panel.hidden); });
  close.addEventListener("click", function () { toggle(false); });
  who.addEventListener("submit", function (event) {
    event.preventDefault();
    frame({ type: "start", name: nameInput.value, phone: phoneInput.value, email: emailInput.value });
  });
  say.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!line.value.trim()) return;
    tell("");
    pending = line.value;
    frame({ type: "line", text: pending });
    line.value = "";
  });
  line.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      say.requestSubmit();
    }
  });
  restart.addEventListener("click", function () {
    keep(null);
    log.textContent = "";
    shown = {};
    joined = {};
    waiting = false;
    tell("");
    who.hidden = false;
    say.hidden = true;
  });
  if (token()) connect(); // a conversation under way: its replies come in even before the panel is opened
})();
