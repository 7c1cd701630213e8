/* Séance live pages, the part every surface shares: the socket (reconnects by itself and
   resynchronises from the snapshot the server sends on every connection), the snapshot
   rendered by morphing the changed regions (idiomorph: what a person is typing, the focus
   and the caret stay), and every action's feedback: pending at once, then done, refused
   in place with the server's French message, or "no answer from the server". */
import { Idiomorph } from "../../vendor/idiomorph/idiomorph.esm.js";
import { patched } from "./patch.js";

export const config = JSON.parse(document.getElementById("live-config").textContent);
export const L = config.labels;
const TIMEOUT_MS = 8000;

export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (v === null || v === undefined || v === false) return;
    if (k === "class") node.className = v;
    else node.setAttribute(k, v === true ? "" : v);
  });
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}
export function fmt(template, values) {
  return Object.entries(values).reduce((t, [k, v]) => t.split("%(" + k + ")s").join(v), template);
}
export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString(document.documentElement.lang,
    { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
}
/* A button that sends an action: its data-* are the frame's fields; data-key names the
   action so that its pending state survives a morph of the region that holds it. */
export function button(label, action, params, cls) {
  const b = el("button", { type: "button", class: cls || "secondary", "data-action": action }, label);
  Object.entries(params || {}).forEach(([k, v]) => b.setAttribute("data-" + k, v));
  b.setAttribute("data-key", keyOf(action, params || {}));
  return b;
}
function keyOf(action, params) {
  return [action].concat(Object.keys(params).sort().map((k) => k + "=" + params[k])).join(" ");
}
export function text(id, value) {
  const box = document.getElementById(id);
  if (box && box.textContent !== value) box.textContent = value;
}

/* Replace the children of #id by `nodes`, changing only what differs. Fields a person
   types in are marked data-keep and left alone (their value, the focus, the caret). */
export function morph(id, nodes) {
  const box = typeof id === "string" ? document.getElementById(id) : id;
  if (!box) return;
  Idiomorph.morph(box, nodes, {
    morphStyle: "innerHTML",
    ignoreActiveValue: true,
    callbacks: {
      beforeNodeMorphed: (old) => !(old.nodeType === 1 && old.hasAttribute("data-keep")),
    },
  });
  reapplyPending();
}

/* --- actions and their outcome ---------------------------------------------------- */
const pending = new Map();  // ref -> {key, outcome, timer, onAck, onError}
let seq = 0;

function newRef() {
  seq += 1;
  return "r" + Date.now().toString(36) + "-" + seq;
}
function outcomeBox(origin) {
  const host = origin && origin.closest("[data-outcome]");
  return document.getElementById(host ? host.getAttribute("data-outcome") : "live-outcome");
}
export function showOutcome(box, kind, message) {
  if (!box) return;
  box.hidden = false;
  box.className = "outcome " + kind;
  box.setAttribute("role", kind === "done" ? "status" : "alert");
  box.textContent = message;
}
function busy(button, on) {
  if (!button) return;
  if (on) {
    if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
    button.textContent = button.getAttribute("data-label") + " …";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  } else if (button.hasAttribute("data-label")) {
    button.textContent = button.getAttribute("data-label");
    button.removeAttribute("data-label");
    button.removeAttribute("aria-busy");
    button.disabled = button.hasAttribute("data-was-disabled");
  }
}
function buttonFor(key) {
  return key ? document.querySelector('button[data-key="' + CSS.escape(key) + '"]') : null;
}
function reapplyPending() {
  pending.forEach((p) => busy(buttonFor(p.key), true));
  applyWhen();
}
function settle(ref) {
  const p = pending.get(ref);
  if (!p) return null;
  pending.delete(ref);
  clearTimeout(p.timer);
  busy(buttonFor(p.key), false);
  applyWhen();
  return p;
}

/* Send `payload`; `origin` is the button or form that asked. Returns the ref. */
export function send(payload, origin, handlers) {
  const ref = newRef();
  const frame = Object.assign({}, payload, { ref: ref });
  const b = origin && origin.tagName === "FORM" ? origin.querySelector("button[type=submit]") : origin;
  let key = b && b.getAttribute("data-key");
  if (b && !key) {
    key = "k" + ref;
    b.setAttribute("data-key", key);
  }
  const box = outcomeBox(origin);
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showOutcome(box, "refused", L.reconnecting);
    return null;
  }
  const entry = Object.assign({ key: key, box: box, payload: frame }, handlers || {});
  entry.timer = setTimeout(() => {
    if (!pending.has(ref)) return;
    settle(ref);
    showOutcome(box, "refused", L.no_answer);
    if (entry.onTimeout) entry.onTimeout();
  }, TIMEOUT_MS);
  pending.set(ref, entry);
  if (box) { box.hidden = true; box.textContent = ""; }
  busy(b, true);
  socket.send(JSON.stringify(frame));
  return ref;
}

function onAnswer(msg) {
  const p = settle(msg.ref);
  if (!p) return false;
  msg.request = p.payload;  // for the listeners: what was asked
  if (msg.type === "error") {
    showOutcome(p.box, "refused", msg.message + " (" + msg.code + ")");
    if (p.box) p.box.setAttribute("data-code", msg.code);
    if (p.onError) p.onError(msg, p);
  } else {
    const said = p.onAck ? p.onAck(msg, p) : null;
    showOutcome(p.box, "done", said || L.done);
    if (p.box) p.box.removeAttribute("data-code");
  }
  return true;
}

/* Buttons enabled by the sitting's state (data-when="open suspended"). */
let sittingState = null;
function applyWhen() {
  if (!sittingState) return;
  document.querySelectorAll("[data-when]").forEach((b) => {
    const ok = b.getAttribute("data-when").split(" ").includes(sittingState);
    if (b.hasAttribute("aria-busy")) {
      if (ok) b.removeAttribute("data-was-disabled"); else b.setAttribute("data-was-disabled", "");
      return;
    }
    b.disabled = !ok;
  });
}

/* --- the socket ------------------------------------------------------------------- */
let socket = null;
let retry = 0;
let current = null;
const renderers = [];
const listeners = {};

export function onState(fn) { renderers.push(fn); }
export function on(type, fn) { (listeners[type] = listeners[type] || []).push(fn); }
export function state() { return current; }
export function render(s) {
  current = s;
  sittingState = s.sitting.state;
  renderers.forEach((fn) => fn(s));
  applyWhen();
}
export function rerender() { if (current) render(current); }

function toast(message) {
  const t = el("div", { class: "toast", role: "alert" }, message);
  document.body.append(t);
  setTimeout(() => t.remove(), 6000);
}
function connectionStatus(online) {
  const box = document.getElementById("live-connection");
  if (!box) return;
  box.textContent = online ? L.live : L.reconnecting;
  box.className = "live-status" + (online ? "" : " offline");
}
function receive(msg) {
  const answered = (msg.type === "ack" || msg.type === "error") && onAnswer(msg);
  if (msg.type === "error" && !answered) {
    const box = document.getElementById("live-outcome");
    if (box) showOutcome(box, "refused", msg.message);
    else toast(msg.message);
  }
  (listeners[msg.type] || []).forEach((fn) => fn(msg));
  if (msg.state) render(msg.state);
  else if (msg.patch && current) render(patched(current, msg.patch));
  document.body.setAttribute("data-last-event", msg.type);
}
function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + config.ws);
  socket.onopen = () => { retry = 0; connectionStatus(true); };
  socket.onmessage = (e) => receive(JSON.parse(e.data));
  socket.onclose = (e) => {
    connectionStatus(false);
    pending.forEach((p, ref) => {  // no answer will come on this socket
      settle(ref);
      showOutcome(p.box, "refused", L.no_answer);
    });
    if (e.code >= 4400 && e.code < 4500) return;  // refused: do not hammer
    retry = Math.min(retry + 1, 6);
    setTimeout(connect, 250 * 2 ** retry);
  };
}
/* The public page behind nginx: the same frames from nginx's nchan (config.events), as
   EventSource, which reconnects by itself and is given the latest state on (re)connect;
   no Python websocket per citizen (sessions/live/public_feed.py). */
function follow() {
  const source = new EventSource(config.events);
  source.onopen = () => connectionStatus(true);
  source.onmessage = (e) => receive(JSON.parse(e.data));
  source.onerror = () => connectionStatus(source.readyState === EventSource.OPEN);
}

/* A click on any button[data-action]: its data-* fields (numbers as numbers). */
document.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-action]");
  if (!b || b.disabled) return;
  const payload = { action: b.getAttribute("data-action") };
  for (const [k, v] of Object.entries(b.dataset)) {
    if (["action", "when", "key", "label", "confirm", "wasDisabled"].includes(k)) continue;
    payload[k] = /^-?\d+$/.test(v) ? Number(v) : v;
  }
  if (b.hasAttribute("data-confirm")) {
    if (!window.confirm(b.getAttribute("data-confirm"))) return;
    if (payload.action === "vote_close") payload.confirm = true;  // voices missing: closed knowingly
  }
  send(payload, b);
});

export function start() {
  if (config.state) render(config.state);
  if (config.events) follow();
  else connect();
}

/* --- what every surface shows of the snapshot --------------------------------------- */
export function stat(label, value) {
  const d = el("div");
  d.append(el("strong", {}, String(value)), el("span", {}, label));
  return d;
}
export function renderSitting(s, opts) {
  const sitting = s.sitting;
  const status = document.getElementById("live-state");
  if (status) {
    text("live-state", sitting.state_label);
    status.className = "badge state-" + sitting.state;
  }
  const closedBox = document.getElementById("live-closed-session");
  if (closedBox) closedBox.hidden = !sitting.in_closed_session;
  text("live-current-item", s.current_item ? s.current_item.position + ". " + s.current_item.title
    : (sitting.in_closed_session ? L.closed_session : L.no_current_item));
  morph("live-agenda", s.items.map((item) => {
    const current = s.current_item && s.current_item.id === item.id;
    const li = el("li", { class: item.state, "data-item": item.id, "aria-current": current ? "step" : null });
    li.append(el("span", {}, item.position + ". " + item.title + " "),
      el("span", { class: "badge" }, item.state_label));
    if (opts && opts.takeUp && sitting.state === "open" && item.state !== "postponed" && !current) {
      li.append(button(L.take_up, "take_up", { item: item.id }));
    }
    return li;
  }));
  const q = s.quorum;
  const qbox = document.getElementById("live-quorum");
  if (qbox) {
    qbox.className = "quorum " + (q.reached ? "reached" : "missing");
    text("live-quorum", (q.reached ? L.quorum_reached : L.quorum_missing) + " — " + q.explanation);
  }
  const a = s.attendance;
  morph("live-attendance", [stat(L.present, a.present), stat(L.represented, a.represented),
    stat(L.absent, a.absent), stat(L.in_office, a.in_office)]);
  text("live-speaker", s.speaker ? s.speaker.name : L.nobody);
  renderPolicing(s);
}

/* R24: the chair's calls to order and expulsions, with their time and reason. */
export function renderPolicing(s) {
  const list = document.getElementById("live-policing");
  if (!list || !s.policing) return;
  morph(list, s.policing.length ? s.policing.map((p) => el("li", { class: p.kind, "data-measure": p.id },
    fmt(p.kind === "expulsion" ? L.expulsion_line : L.call_to_order_line,
      { at: clock(p.at), name: p.name, reason: p.reason }))) : [el("li", { class: "muted" }, L.policing_none)]);
}

/* The queue: numbered only when someone is in it; for the chair, no "give the floor" to a
   member who is not present (a grantor gone after giving a proxy). */
export function renderQueue(s, chair) {
  const queue = s.queue || [];
  const present = new Set((s.members || []).filter((m) => m.present).map((m) => m.id));
  morph("live-queue", queue.map((r) => {
    const li = el("li", { "data-request": r.id, "data-member": r.member_id },
      r.name + " — " + (r.state === "speaking" ? L.speaking + " " + clock(r.started_at)
        : L.waiting + " " + clock(r.requested_at)) + " ");
    if (chair) {
      if (r.state !== "waiting") li.append(button(L.end_floor, "end_floor", {}));
      else if (s.members && !present.has(r.member_id)) {
        li.append(el("span", { class: "badge bad" }, L.absent_no_floor));
      } else li.append(button(L.give_floor, "give_floor", { request: r.id }));
    }
    return li;
  }));
  const list = document.getElementById("live-queue");
  if (list) list.hidden = !queue.length;
  const empty = document.getElementById("live-queue-empty");
  if (empty) { empty.hidden = !!queue.length; text("live-queue-empty", L.queue_empty); }
}

export function voteHead(vote) {
  return [el("h2", {}, (vote.state === "open" ? L.vote_open : L.vote_closed) + " — " + vote.kind_label
    + (vote.kind === "election" ? " · " + fmt(L.round, { n: vote.round }) : "")),
  el("p", { class: "question" }, vote.question),
  el("p", { id: "vote-count", "aria-live": "polite" }, fmt(L.ballots_cast, { cast: vote.cast, voices: vote.voices }))];
}
export function resultNodes(vote) {
  const r = vote.result;
  if (!r) return [];
  if (vote.kind === "election") {
    const nodes = [el("p", { class: "result" }, r.winner ? fmt(L.elected, { name: r.winner }) : L.no_winner)];
    const ul = el("ul");
    Object.entries(r.tallies).forEach(([name, n]) => ul.append(el("li", {}, name + " : " + n)));
    ul.append(el("li", {}, L.blank + " : " + r.blank));
    nodes.push(ul);
    return nodes;
  }
  const nodes = [el("p", { class: "result " + (r.adopted ? "adopted" : "rejected") },
    (r.adopted ? L.adopted : L.rejected) + (r.casting_vote ? " (" + L.casting + ")" : "")),
  el("p", {}, L.for + " " + r.for + " · " + L.against + " " + r.against + " · " + L.abstain + " " + r.abstain)];
  if (r.names) {
    const ul = el("ul", { class: "names" });
    ["for", "against", "abstain"].forEach((c) => {
      if (r.names[c].length) ul.append(el("li", {}, L[c] + " : " + r.names[c].join(", ")));
    });
    nodes.push(ul);
  }
  return nodes;
}
/* The vote box (#live-vote): its head and `body`, an outcome line kept across morphs. */
export function renderVoteBox(s, body) {
  const box = document.getElementById("live-vote");
  if (!box) return;
  const vote = s.vote;
  box.hidden = !vote;
  const nodes = vote ? voteHead(vote).concat(body(vote)) : [];
  nodes.push(el("p", { id: "outcome-vote", class: "outcome", hidden: true, "data-keep": "" }));
  morph(box, nodes);
}
