/* The room's screen: the sitting as the members see it, in large type, from one read-only
   websocket. Every event carries the whole snapshot, or a change that the whole snapshot
   follows; the screen redraws from it, and reconnects by itself (the snapshot sent on
   each connection resynchronises it). */
import { patched } from "./live/patch.js";

(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("screen-config").textContent);
  const L = config.labels;
  let state = config.state;
  let retry = 0;
  let stopped = false;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function fmt(template, values) {
    return Object.entries(values).reduce((t, [k, v]) => t.replace("%(" + k + ")s", v), template);
  }
  function setText(id, value) { const n = $(id); if (n) n.textContent = value || ""; }

  function renderHead(s) {
    const badge = $("scr-state");
    badge.textContent = s.sitting.in_closed_session ? L.closed_session : s.sitting.state_label;
    badge.className = "scr-badge state-" + (s.sitting.in_closed_session ? "closed-session" : s.sitting.state);
    const q = s.quorum || {};
    const quorum = $("scr-quorum");
    quorum.textContent = (q.reached ? L.quorum_reached : L.quorum_missing)
      + " · " + (s.attendance ? s.attendance.present + " " + L.present + ", "
      + s.attendance.represented + " " + L.represented : "");
    quorum.className = "scr-quorum " + (q.reached ? "ok" : "bad");
    const closed = $("scr-closed");
    closed.hidden = !s.sitting.in_closed_session;
    closed.querySelector("span").textContent = L.closed_session_note;
    document.body.classList.toggle("in-closed-session", !!s.sitting.in_closed_session);
  }

  function renderItem(s) {
    const item = s.current_item;
    const extra = s.screen || {};
    if (!item) {
      setText("scr-item-number", s.sitting.state === "suspended" ? L.suspended : "");
      setText("scr-item-title", L.no_current_item);
      setText("scr-item-meta", "");
      $("scr-item-text").replaceChildren();
      setText("scr-item-papers", "");
      return;
    }
    setText("scr-item-number", fmt(L.item, { n: item.position }) + " · " + item.kind_label
      + (s.sitting.state === "suspended" ? " · " + L.suspended : ""));
    setText("scr-item-title", item.title);
    setText("scr-item-meta", item.rapporteur ? fmt(L.rapporteur, { name: item.rapporteur }) : "");
    const paragraphs = (extra.item_text || "").split(/\n\s*\n/).filter((p) => p.trim())
      .map((p) => el("p", null, p.trim()));
    $("scr-item-text").replaceChildren(...paragraphs);
    setText("scr-item-papers", (extra.item_papers || []).length
      ? L.papers + " " + extra.item_papers.join(" · ") : "");
  }

  function renderFloor(s) {
    const queue = s.queue || [];
    const speaking = queue.find((r) => r.state === "speaking");
    const speaker = $("scr-speaker");
    speaker.textContent = speaking ? speaking.name : L.nobody;
    speaker.classList.toggle("none", !speaking);
    const waiting = queue.filter((r) => r.state === "waiting");
    $("scr-queue").replaceChildren(...(waiting.length
      ? waiting.map((r) => el("li", null, r.name)) : [el("li", "none", L.queue_empty)]));
  }

  function resultNodes(vote) {
    const r = vote.result;
    if (!r) return [];
    if (vote.kind === "election") {
      const nodes = [el("p", "scr-result " + (r.winner ? "adopted" : "rejected"),
        r.winner ? fmt(L.elected, { name: r.winner }) : L.no_winner)];
      const ul = el("ul", "scr-tallies");
      Object.entries(r.tallies || {}).forEach(([name, n]) => ul.append(el("li", null, name + " : " + n)));
      if (r.blank !== undefined) ul.append(el("li", null, L.blank + " : " + r.blank));
      nodes.push(ul);
      return nodes;
    }
    const counts = el("ul", "scr-tallies");
    ["for", "against", "abstain"].forEach((c) => {
      if (r[c] === undefined || r[c] === null) return;
      const li = el("li", "tally-" + c);
      li.append(el("span", "n", String(r[c])), el("span", "l", L[c]));
      counts.append(li);
    });
    return [el("p", "scr-result " + (r.adopted ? "adopted" : "rejected"), r.adopted ? L.adopted : L.rejected), counts];
  }

  function renderVote(s) {
    const box = $("scr-vote");
    const vote = s.vote;
    box.hidden = !vote;
    if (!vote) { box.replaceChildren(); return; }
    const nodes = [el("h2", null, (vote.state === "open" ? L.vote_open : L.vote_closed) + " — " + vote.kind_label),
      el("p", "scr-question", vote.question)];
    if (vote.state === "open") {
      nodes.push(el("p", "scr-count", fmt(L.ballots_cast, { cast: vote.cast, voices: vote.voices })));
    } else {
      nodes.push(...resultNodes(vote));
    }
    box.className = "scr-vote " + vote.state;
    box.dataset.state = vote.state;
    box.replaceChildren(...nodes);
  }

  function renderRemote(s) {
    const extra = s.screen || {};
    const box = $("scr-remote");
    box.hidden = !extra.several_places;
    if (!extra.several_places) return;
    const remote = extra.remote || [];
    $("scr-remote-list").replaceChildren(...(remote.length
      ? remote.map((r) => { const li = el("li"); li.append(el("strong", null, r.name), el("span", null, " — " + r.where)); return li; })
      : [el("li", "none", L.remote_none)]));
    box.querySelector(".scr-note").textContent = L.remote_note;
  }

  function render(s) {
    state = s;
    renderHead(s);
    renderItem(s);
    renderFloor(s);
    renderVote(s);
    renderRemote(s);
    document.body.dataset.sitting = s.sitting.state;
  }

  function tick() {
    setText("scr-clock", new Date().toLocaleTimeString(document.documentElement.lang,
      { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" }));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + config.ws);
    const banner = $("scr-connection");
    socket.onopen = () => { retry = 0; banner.hidden = true; };
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "error" || msg.type === "sittings.screen_revoked") {
        if (msg.code === "screen_revoked" || msg.code === "forbidden") {
          stopped = true;
          banner.textContent = msg.message || L.revoked;
          banner.hidden = false;
          document.body.classList.add("revoked");
        }
        return;
      }
      if (msg.type === "sittings.snapshot") document.body.dataset.connected = "true";
      if (msg.state) { render(msg.state); return; }
      if (msg.patch && state) { render(patched(state, msg.patch)); return; }
      if (msg.type === "voting.ballot_cast" && state && state.vote && msg.data
          && msg.data.vote === state.vote.id && typeof msg.data.cast === "number") {
        state.vote.cast = msg.data.cast;
        renderVote(state);
      }
    };
    socket.onclose = () => {
      delete document.body.dataset.connected;
      if (stopped) return;
      banner.textContent = L.reconnecting;
      banner.hidden = false;
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);
    };
  }

  render(state);
  tick();
  setInterval(tick, 15000);
  // A closed sitting's screen looks again, now and then, for the next one convened.
  setInterval(() => { if (state && state.sitting.state === "closed") location.reload(); }, 300000);
  connect();
})();
