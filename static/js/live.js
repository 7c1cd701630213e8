/* Séance live pages: one websocket per page, state snapshots rendered into the DOM.
   No framework, no external asset. Reconnects by itself and resynchronises from the
   snapshot the server sends on every (re)connection. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("live-config").textContent);
  const L = config.labels;
  let socket = null;
  let retry = 0;
  let state = null;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.className = v; else node.setAttribute(k, v === true ? "" : v);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function fill(id, nodes) {
    const box = document.getElementById(id);
    if (!box) return;
    box.replaceChildren(...nodes);
  }
  function text(id, value) {
    const box = document.getElementById(id);
    if (box) box.textContent = value;
  }
  function clock(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
  }
  function button(label, action, params, cls) {
    const b = el("button", { type: "button", class: cls || "secondary", "data-action": action }, label);
    Object.entries(params || {}).forEach(([k, v]) => b.setAttribute("data-" + k, v));
    return b;
  }

  function render(s) {
    state = s;
    const sitting = s.sitting;
    const status = document.getElementById("live-state");
    if (status) { status.textContent = sitting.state_label; status.className = "badge state-" + sitting.state; }
    const closedBox = document.getElementById("live-closed-session");
    if (closedBox) closedBox.hidden = !sitting.in_closed_session;
    text("live-current-item", s.current_item ? s.current_item.position + ". " + s.current_item.title
      : (sitting.in_closed_session ? L.closed_session : L.no_current_item));
    fill("live-agenda", s.items.map((item) => {
      const li = el("li", { class: item.state, "data-item": item.id,
        "aria-current": s.current_item && s.current_item.id === item.id ? "step" : null });
      li.append(el("span", {}, item.position + ". " + item.title + " "),
                el("span", { class: "badge" }, item.state_label));
      if (config.role === "chair" && sitting.state === "open" && item.state !== "postponed"
          && !(s.current_item && s.current_item.id === item.id)) {
        li.append(button(L.take_up, "take_up", { item: item.id }));
      }
      return li;
    }));
    const q = s.quorum;
    const qbox = document.getElementById("live-quorum");
    if (qbox) {
      qbox.className = "quorum " + (q.reached ? "reached" : "missing");
      qbox.textContent = (q.reached ? L.quorum_reached : L.quorum_missing) + " — " + q.explanation;
    }
    const a = s.attendance;
    fill("live-attendance", [
      stat(L.present, a.present), stat(L.represented, a.represented), stat(L.absent, a.absent),
      stat(L.in_office, a.in_office)]);
    text("live-speaker", s.speaker ? s.speaker.name : L.nobody);
    if (s.queue) renderQueue(s);
    if (s.members) renderRoll(s);
    if (s.proxies) fill("live-proxies", s.proxies.length ? s.proxies.map((p) =>
      el("li", {}, p.grantor + " → " + p.holder + (p.in_use ? " (" + L.in_use + ")" : ""))) : [el("li", {}, L.none)]);
    text("live-secretary", s.secretary || L.none);
    renderSeat(s);
    renderChairButtons(s);
    renderVote(s);
  }

  /* --- votes --------------------------------------------------------- */
  const receipts = new Set(JSON.parse(sessionStorage.getItem("receipts-" + config.ws) || "[]"));
  function fmt(template, values) {
    return Object.entries(values).reduce((t, [k, v]) => t.replace("%(" + k + ")s", v), template);
  }
  function choiceButtons(vote, onBehalf) {
    const box = el("div", { class: "choices" });
    const options = vote.kind === "election"
      ? vote.candidates.map((c) => [String(c.id), c.name]).concat([["blank", L.blank]])
      : [["for", L.for], ["against", L.against], ["abstain", L.abstain]]
          .concat(vote.secret ? [["blank", L.blank]] : []);
    options.forEach(([value, label]) => {
      const b = el("button", { type: "button", class: value === "for" ? "" : "secondary",
        "data-ballot": value, "data-vote": vote.id }, label);
      if (onBehalf) b.setAttribute("data-on-behalf", onBehalf);
      box.append(b);
    });
    return box;
  }
  function resultNodes(vote) {
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
  function renderVote(s) {
    const box = document.getElementById("live-vote");
    if (!box) return;
    const vote = s.vote;
    box.hidden = !vote;
    if (!vote) { box.replaceChildren(); return; }
    const nodes = [el("h2", {}, (vote.state === "open" ? L.vote_open : L.vote_closed) + " — " + vote.kind_label
      + (vote.kind === "election" ? " · " + fmt(L.round, { n: vote.round }) : "")),
      el("p", { class: "question" }, vote.question),
      el("p", { id: "vote-count", "aria-live": "polite" }, fmt(L.ballots_cast, { cast: vote.cast, voices: vote.voices }))];
    if (vote.state === "open" && config.role === "seat" && vote.eligible) renderBallotButtons(s, vote, nodes);
    if (vote.state === "open" && config.role === "chair") renderChairVote(vote, nodes);
    if (vote.state === "closed") {
      nodes.push(...resultNodes(vote));
      if (config.role === "chair" && vote.result && vote.result.next_round) {
        nodes.push(button(L.next_round, "vote_next_round", { vote: vote.id }, ""));
      }
    }
    box.replaceChildren(...nodes);
  }
  function renderBallotButtons(s, vote, nodes) {
    const mine = new Set((s.my_ballots || []).concat(Array.from(receipts)
      .filter((r) => r.startsWith(vote.id + ":")).map((r) => Number(r.split(":")[1]))));
    vote.eligible.filter((v) => v.member === config.member_id || v.by === config.member_id).forEach((v) => {
      const own = v.member === config.member_id;
      const section = el("div", { class: "ballot", "data-voice": v.member });
      section.append(el("h3", {}, own ? L.my_vote : fmt(L.vote_for_grantor, { name: v.name })));
      if (mine.has(v.member)) section.append(el("p", { class: "receipt", role: "status" }, L.voted));
      else section.append(choiceButtons(vote, own ? null : v.member));
      nodes.push(section);
    });
  }
  function renderChairVote(vote, nodes) {
    if (vote.kind === "roll_call" || vote.kind === "hands") {
      const table = el("ul", { class: "roll" });
      vote.eligible.forEach((v) => {
        const li = el("li", { "data-voice": v.member }, v.name + " ");
        if ((vote.voted || []).includes(v.member)) li.append(el("span", { class: "badge ok" }, L.has_voted));
        else ["for", "against", "abstain"].forEach((c) =>
          li.append(button(L[c], "vote_answer", { vote: vote.id, member: v.member, choice: c })));
        table.append(li);
      });
      nodes.push(table);
    } else if (!vote.secret) {
      const voted = new Set(vote.voted || []);
      nodes.push(el("p", { class: "voted" }, vote.eligible.filter((v) => voted.has(v.member))
        .map((v) => v.name).join(", ")));
    }
    if (vote.kind === "hands") {
      const counts = el("fieldset", { class: "counts" });
      counts.append(el("legend", {}, L.record));
      ["for", "against", "abstain"].forEach((c) => {
        const id = "count-" + c;
        counts.append(el("label", { for: id }, L[c]),
          el("input", { id: id, type: "number", min: "0", value: "0", inputmode: "numeric" }));
      });
      const submit = el("button", { type: "button", id: "close-with-counts", "data-vote": vote.id }, L.close_vote);
      counts.append(submit);
      nodes.push(counts);
    }
    nodes.push(button(L.close_vote, "vote_close", { vote: vote.id }, "danger"));
  }
  document.addEventListener("click", (e) => {
    const b = e.target.closest("#close-with-counts");
    if (!b) return;
    const count = (c) => Number(document.getElementById("count-" + c).value || 0);
    window.seanceSend({ action: "vote_close", vote: Number(b.dataset.vote),
      counts: { for: count("for"), against: count("against"), abstain: count("abstain") } });
  });
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-ballot]");
    if (!b) return;
    const payload = { action: "ballot", vote: Number(b.dataset.vote), choice: b.dataset.ballot,
      client_id: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9_-]/g, "") };
    if (b.dataset.onBehalf) payload.on_behalf_of = Number(b.dataset.onBehalf);
    payload.ref = payload.client_id;
    pending[payload.ref] = payload;
    b.closest(".choices").querySelectorAll("button").forEach((x) => { x.disabled = true; });
    window.seanceSend(payload);
  });
  const pending = {};
  function onAck(msg) {
    if (msg.action !== "ballot" || !msg.result) return;
    receipts.add(msg.result.vote + ":" + msg.result.member);
    sessionStorage.setItem("receipts-" + config.ws, JSON.stringify(Array.from(receipts)));
    delete pending[msg.ref];
    if (state) renderVote(state);
  }
  function onBallotCast(msg) {
    if (!state || !state.vote || state.vote.id !== msg.data.vote) return;
    state.vote.cast = msg.data.cast;
    if (msg.data.voted) state.vote.voted = msg.data.voted;
    renderVote(state);
  }
  function stat(label, value) {
    const d = el("div");
    d.append(el("strong", {}, String(value)), el("span", {}, label));
    return d;
  }
  function renderQueue(s) {
    fill("live-queue", s.queue.length ? s.queue.map((r) => {
      const li = el("li", { "data-request": r.id, "data-member": r.member_id },
        r.name + " — " + (r.state === "speaking" ? L.speaking + " " + clock(r.started_at) : L.waiting + " " + clock(r.requested_at)) + " ");
      if (config.role === "chair") {
        if (r.state === "waiting") li.append(button(L.give_floor, "give_floor", { request: r.id }));
        else li.append(button(L.end_floor, "end_floor", {}));
      }
      return li;
    }) : [el("li", {}, L.queue_empty)]);
  }
  function renderRoll(s) {
    fill("live-roll", s.members.map((m) => {
      const li = el("li", { "data-member": m.id, class: m.present ? "present" : "absent" });
      const where = m.present ? (m.room ? m.room : L.remote) + " · " + clock(m.since) : L.absent_one;
      li.append(el("span", {}, (m.present ? "● " : "○ ") + m.name + " — " + where + " "));
      const keeper = config.role === "chair" || config.role === "roll";
      if (keeper && ["convened", "open", "suspended"].includes(s.sitting.state)) {
        if (m.present) li.append(button(L.departure, "attendance", { member: m.id, kind: "departure" }));
        else {
          li.append(button(L.arrival, "attendance", { member: m.id, kind: "arrival", mode: "chamber" }));
          config.rooms.forEach((r) => li.append(button(L.arrival_in.replace("%(room)s", r.name),
            "attendance", { member: m.id, kind: "arrival", mode: "remote_room", room: r.id })));
        }
      }
      return li;
    }));
    ["secretary-select", "closed-requesters", "vote-requesters", "vote-candidates", "vote-chair"].forEach((id) => {
      const select = document.getElementById(id);
      if (select && select.options.length <= 1) {
        s.members.forEach((m) => select.append(el("option", { value: m.id }, m.name)));
      }
    });
  }
  function renderSeat(s) {
    if (config.role !== "seat" || !config.member_id) return;
    const mine = (s.queue || []).find((r) => r.member_id === config.member_id);
    const raise = document.getElementById("raise-hand");
    const lower = document.getElementById("lower-hand");
    if (raise) { raise.hidden = !!mine; raise.disabled = s.sitting.state !== "open"; }
    if (lower) lower.hidden = !mine || mine.state !== "waiting";
    text("my-turn", mine ? (mine.state === "speaking" ? L.you_have_floor : L.you_are_waiting) : "");
    const current = s.current_item;
    const interest = document.getElementById("interest-toggle");
    if (interest) {
      interest.hidden = !current;
      if (current) {
        const declared = (current.interests || []).includes(config.member_id);
        interest.textContent = declared ? L.withdraw_interest : L.declare_interest;
        interest.setAttribute("data-item", current.id);
        interest.setAttribute("data-declared", declared ? "" : "1");
      }
    }
  }
  function renderChairButtons(s) {
    document.querySelectorAll("[data-when]").forEach((b) => {
      const ok = b.getAttribute("data-when").split(" ").includes(s.sitting.state);
      b.disabled = !ok;
    });
    const leave = document.getElementById("closed-session-leave");
    if (leave) leave.hidden = !s.sitting.in_closed_session;
  }

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

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + config.ws);
    socket.onopen = () => { retry = 0; connectionStatus(true); };
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === "error") {
        toast(msg.message);
        if (msg.action === "ballot" && state) renderVote(state);
        return;
      }
      if (msg.type === "ack") onAck(msg);
      if (msg.type === "voting.ballot_cast") onBallotCast(msg);
      if (msg.state) render(msg.state);
      document.body.setAttribute("data-last-event", msg.type);
    };
    socket.onclose = (e) => {
      connectionStatus(false);
      if (e.code >= 4400 && e.code < 4500) return;  // refused: do not hammer
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 250 * 2 ** retry);
    };
  }
  window.seanceSend = function (payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
    else toast(L.reconnecting);
  };
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-action]");
    if (!b) return;
    const payload = { action: b.getAttribute("data-action") };
    for (const [k, v] of Object.entries(b.dataset)) {
      if (k === "action" || k === "when") continue;
      payload[k] = /^-?\d+$/.test(v) ? Number(v) : v;
    }
    if (b.hasAttribute("data-confirm") && !window.confirm(b.getAttribute("data-confirm"))) return;
    window.seanceSend(payload);
  });
  const closedForm = document.getElementById("closed-session-form");
  if (closedForm) closedForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const requesters = Array.from(document.getElementById("closed-requesters").selectedOptions)
      .map((o) => Number(o.value));
    window.seanceSend({ action: "closed_session_enter", requested_by: requesters,
      votes_for: Number(document.getElementById("closed-votes").value) });
  });
  const voteForm = document.getElementById("vote-form");
  if (voteForm) voteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const ids = (id) => Array.from(document.getElementById(id).selectedOptions).map((o) => Number(o.value));
    const kind = document.getElementById("vote-kind").value;
    const payload = { action: "vote_open", kind: kind, question: document.getElementById("vote-question").value,
      candidates: ids("vote-candidates") };
    const requesters = ids("vote-requesters");
    if (kind === "roll_call") payload.roll_call = requesters;
    if (kind === "secret" || kind === "election") payload.secret = requesters;
    const chair = document.getElementById("vote-chair").value;
    if (chair) payload.chair = Number(chair);
    window.seanceSend(payload);
  });
  const secretaryForm = document.getElementById("secretary-form");
  if (secretaryForm) secretaryForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = document.getElementById("secretary-select").value;
    if (v) window.seanceSend({ action: "secretary", member: Number(v) });
  });
  if (config.state) render(config.state);
  connect();
})();
