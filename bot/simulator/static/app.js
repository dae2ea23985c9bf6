// LINE simulator page: pick a person, chat in the group or 1:1 with the bot, watch the bot answer.
"use strict";

const state = { people: [], bot: { name: "機器人" }, group: { id: "", name: "" }, me: null, chat: "group",
  entries: [], lastText: "", quota: null, usage: 0 };
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const options = body instanceof FormData ? { method: "POST", body }
    : body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {};
  const response = await fetch("/simulator/api/" + path, options);
  const data = await response.json();
  if (body && !data.ok) toast(data.error || "機器人沒有回應", true);
  return data;
}

function toast(text, isError) {
  const el = $("toast");
  el.textContent = text;
  el.className = "toast" + (isError ? " error" : "");
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 3000);
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

const person = (id) => state.people.find((p) => p.id === id);
const me = () => person(state.me);
const chatId = () => (state.chat === "group" ? state.group.id : state.me);
const hhmm = (ms) => new Date(ms).toLocaleTimeString("zh-TW", { hour: "2-digit", minute: "2-digit", hour12: false });

async function loadState() {
  const data = await api("state");
  Object.assign(state, { people: data.people, bot: data.bot, group: data.group, quota: data.quota, usage: data.usage });
  if (!state.me) state.me = (data.people.find((p) => p.role !== "host") || data.people[0]).id;
  renderSidebar();
  renderHeader();
}

function renderSidebar() {
  $("people").replaceChildren(...state.people.map((p) => el("li", {
    class: "person" + (p.id === state.me ? " active" : ""), "data-id": p.id, "data-name": p.name,
    onclick: () => { state.me = p.id; renderSidebar(); renderHeader(); renderChat(true); $("text").focus(); },
  }, el("span", { class: "avatar" }, p.avatar), el("span", { class: "name" }, p.name),
  p.role === "host" ? el("span", { class: "badge host" }, "團主") : null,
  p.friend ? el("span", { class: "badge friend" }, "好友") : null,
  p.role === "host" ? el("button", { type: "button", class: "console-button", title: "以團主身分私訊 /後台，打開後台",
    onclick: (event) => { event.stopPropagation(); openConsole(p); } }, "後台") : null)));
  const quota = state.quota === null ? "無上限" : state.quota;
  $("quota").replaceChildren(el("div", {}, "本月推播用量 ", el("b", {}, state.usage), " / " + quota),
    el("p", { class: "small" }, "回覆免費；推播到群組按成員數計算"));
}

function renderHeader() {
  $("tab-group").textContent = `${state.group.name}（${state.people.length}）`;
  $("tab-dm").textContent = `${me() ? me().name : ""} ↔ ${state.bot.name}`;
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.chat === state.chat);
  $("dm-actions").hidden = state.chat !== "dm";
  $("attach").hidden = state.chat !== "dm";
  const friend = me() && me().friend;
  const button = $("friend-toggle");
  button.textContent = friend ? "封鎖機器人" : "＋ 加入好友";
  button.className = "pill" + (friend ? " danger" : "");
  $("text").placeholder = state.chat === "group" ? "在群組留言，例如 A+2"
    : `私訊${state.bot.name}`;
}

// ---- message rendering ------------------------------------------------------------------------
// LINE makes web addresses in a message tappable; so does the simulator (a sign-in link from /後台, say).
function linkify(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"'）」]+/g)) {
    parts.push(text.slice(last, match.index));
    parts.push(el("a", { href: match[0], target: "_blank", rel: "noopener", class: "link" }, match[0]));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function renderTextV2(message) {
  const parts = [];
  const pattern = /\{([^{}]+)\}/g;
  let last = 0;
  for (const match of message.text.matchAll(pattern)) {
    const sub = (message.substitution || {})[match[1]];
    if (!sub) continue;
    parts.push(...linkify(message.text.slice(last, match.index)));
    if (sub.type === "mention") {
      const target = sub.mentionee || {};
      const name = target.type === "all" ? "All" : (person(target.userId) || { name: target.userId }).name;
      parts.push(el("span", { class: "mention" }, "@" + name));
    } else {
      parts.push("😀");
    }
    last = match.index + match[0].length;
  }
  parts.push(...linkify(message.text.slice(last)));
  return parts;
}

function actionButton(action, primary) {
  return el("button", { type: "button", class: primary ? "primary" : "", onclick: () => tap(action) },
    action.label || action.text || "按鈕");
}

function flexNodes(node, out) {
  if (!node || typeof node !== "object") return out;
  switch (node.type) {
    case "bubble":
      ["header", "hero", "body", "footer"].forEach((part) => flexNodes(node[part], out));
      break;
    case "carousel":
      (node.contents || []).forEach((bubble) => { flexNodes(bubble, out); out.push(el("hr")); });
      break;
    case "box": {
      const inline = node.layout === "horizontal" || node.layout === "baseline";
      if (inline) {
        const texts = (node.contents || []).filter((c) => c.type === "text").map((c) => c.text
          || (c.contents || []).map((s) => s.text).join(""));
        const others = (node.contents || []).filter((c) => c.type !== "text");
        if (texts.length) out.push(el("div", {}, texts.join("　")));
        others.forEach((c) => flexNodes(c, out));
      } else {
        (node.contents || []).forEach((c) => flexNodes(c, out));
      }
      break;
    }
    case "text": {
      const text = node.text || (node.contents || []).map((s) => s.text).join("");
      const cls = [node.weight === "bold" ? "t-bold" : "", ["lg", "xl", "xxl"].includes(node.size) ? "t-lg" : "",
        ["xs", "xxs", "sm"].includes(node.size) ? "t-sm" : ""].join(" ");
      out.push(el("div", { class: cls }, text));
      break;
    }
    case "button":
      out.push(actionButton(node.action || {}, node.style === "primary"));
      break;
    case "separator":
      out.push(el("hr"));
      break;
    case "image":
      out.push(el("div", { class: "t-sm" }, "🖼 圖片"));
      break;
    default:
      break;
  }
  return out;
}

function renderTemplate(message) {
  const template = message.template || {};
  const columns = template.type === "carousel" ? template.columns || [] : [template];
  return columns.map((col) => el("div", { class: "card" },
    el("div", { class: "body" }, col.title ? el("div", { class: "t-bold" }, col.title) : null, col.text || ""),
    el("div", { class: "buttons" }, (col.actions || template.actions || []).map((a) => actionButton(a, false)))));
}

function renderContent(entry) {
  const m = entry.message;
  switch (m.type) {
    case "text":
      return el("div", { class: "bubble" }, entry.quoted ? el("div", { class: "quote" },
        `${entry.quoted.senderName}：${entry.quoted.text}`) : null, linkify(m.text),
      entry.edited ? el("span", { class: "edited" }, "（已編輯）") : null);
    case "textV2":
      return el("div", { class: "bubble" }, entry.quoted ? el("div", { class: "quote" },
        `${entry.quoted.senderName}：${entry.quoted.text}`) : null, renderTextV2(m));
    case "flex":
      return el("div", {}, el("div", { class: "card" }, el("div", { class: "body" }, flexNodes(m.contents, []))),
        el("div", { class: "alt" }, "通知文字：" + m.altText));
    case "template":
      return el("div", {}, renderTemplate(m), el("div", { class: "alt" }, "通知文字：" + m.altText));
    case "file":
      return el("div", { class: "bubble file" }, el("span", { class: "icon" }, "📄"),
        el("span", {}, m.fileName, el("small", {}, `${(m.fileSize / 1024).toFixed(1)} KB`)));
    case "image":
      return el("div", { class: "bubble" }, "🖼 圖片");
    case "sticker":
      return el("div", { class: "bubble" }, "（貼圖）");
    default:
      return el("div", { class: "bubble" }, `（${m.type} 訊息）`);
  }
}

function renderEntry(entry) {
  if (entry.message.type === "system") return el("div", { class: "system" }, entry.message.text);
  if (entry.unsent) return el("div", { class: "system" }, `${entry.senderName}已收回訊息`);
  const isBot = entry.senderId === null;
  const mine = entry.senderId === state.me;
  const sender = isBot ? { name: state.bot.name, avatar: "🤖" } : person(entry.senderId) || { name: entry.senderName };
  const ops = mine && entry.via === "user" ? el("div", { class: "ops" },
    el("a", { onclick: () => redeliver(entry), title: "LINE 重送同一個 webhook（isRedelivery）" }, "重送"),
    entry.message.type === "text" ? el("a", { onclick: () => unsend(entry) }, "收回") : null,
    state.chat === "group" && entry.message.type === "text" ? el("a", { onclick: () => edit(entry) }, "編輯")
      : null) : null;
  return el("div", { class: "row" + (mine ? " mine" : "") + (isBot ? " bot" : ""), "data-seq": entry.seq,
    "data-sender": isBot ? "bot" : entry.senderId },
  mine ? null : el("span", { class: "avatar" }, sender.avatar || "🙂"),
  el("div", { class: "stack" }, mine ? null : el("div", { class: "sender" }, sender.name),
    el("div", { class: "line" }, renderContent(entry), el("span", { class: "meta" }, hhmm(entry.timestamp))), ops));
}

function renderQuickReplies(visible) {
  const last = visible[visible.length - 1];
  const items = last && last.senderId === null && !last.unsent && last.message.quickReply
    ? last.message.quickReply.items || [] : [];
  $("quick-replies").replaceChildren(...items.map((item) => el("button", { type: "button", class: "chip",
    onclick: () => tap(item.action) }, (item.action || {}).label || "")));
}

function renderChat(scroll) {
  const visible = state.entries.filter((e) => e.chatId === chatId());
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...(visible.length ? visible.map(renderEntry) : [el("div", { class: "empty" },
    state.chat === "group" ? "群組裡還沒有訊息。\n試著以團主身分貼一則開團公告！"
      : "這是你和機器人的 1:1 聊天。\n先「加入好友」，機器人才能推播給你。")]));
  renderQuickReplies(visible);
  if (scroll || atBottom) box.scrollTop = box.scrollHeight;
}

// ---- actions ----------------------------------------------------------------------------------
async function send(text) {
  if (!text.trim()) return;
  await api("say", { as: state.me, chat: chatId(), text });
  await poll();
}

async function tap(action) {
  if (!action) return;
  if (action.type === "message") return send(action.text);
  if (action.type === "postback") {
    await api("postback", { as: state.me, chat: chatId(), data: action.data, displayText: action.displayText || null });
    return poll();
  }
  if (action.type === "uri") return window.open(action.uri, "_blank");
  toast(`模擬器不支援「${action.type}」動作`, true);
}

// The host's console, the LINE way: the host sends /後台 in the 1:1 chat and opens the link the bot replies with.
async function openConsole(host) {
  const tab = window.open("", "_blank");  // opened on the click, so no pop-up blocker stops it
  state.me = host.id;
  state.chat = "dm";
  renderSidebar();
  renderHeader();
  const before = state.entries.length;
  await send("/後台");
  for (let i = 0; i < 40; i += 1) {
    const reply = state.entries.slice(before).find((e) => e.senderId === null && e.chatId === host.id
      && /\/console\/login\?t=/.test(e.message.text || ""));
    if (reply) {
      const url = reply.message.text.match(/https?:\/\/\S+\/console\/login\?t=[^\s]+/)[0];
      if (tab) tab.location = url; else window.open(url, "_blank");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    await poll();
  }
  if (tab) tab.close();
  toast("機器人沒有回覆後台連結", true);
}

async function unsend(entry) {
  await api("unsend", { messageId: entry.messageId });
  await poll();
}

async function redeliver(entry) {
  const data = await api("redeliver", { messageId: entry.messageId });
  if (data.ok) toast("已重送 webhook（isRedelivery: true）");
}

async function edit(entry) {
  const text = window.prompt("編輯訊息", entry.message.text);
  if (text === null || text === entry.message.text) return;
  await api("edit", { messageId: entry.messageId, text });
  await poll();
}

async function poll() {
  try {
    const response = await fetch("/simulator/api/timeline");
    const text = await response.text();
    if (text !== state.lastText) {
      state.lastText = text;
      state.entries = JSON.parse(text).entries;
      renderChat(false);
      loadState();
    }
  } catch (err) {
    toast("和模擬器的連線中斷", true);
  }
}

function wire() {
  const submit = () => {
    const input = $("text");
    const text = input.value;
    input.value = "";
    input.rows = 1;
    send(text);
  };
  $("composer").addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); submit(); }
  });
  $("text").addEventListener("input", (event) => {
    event.target.rows = Math.min(5, event.target.value.split("\n").length);
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => { state.chat = tab.dataset.chat; renderHeader(); renderChat(true); });
  }
  $("friend-toggle").addEventListener("click", async () => {
    await api("friend", { as: state.me, friend: !me().friend });
    await loadState();
    await poll();
  });
  $("invite").addEventListener("click", async () => { await api("invite", {}); await poll(); });
  $("file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("as", state.me);
    form.append("chat", chatId());
    form.append("file", file);
    await api("upload", form);
    event.target.value = "";
    await poll();
  });
}

wire();
loadState().then(() => { renderChat(true); poll(); setInterval(poll, 500); });
