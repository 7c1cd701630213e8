/* The councillor's seat: the vote (no choice looks chosen before voting; afterwards the
   choice this device recorded), the floor, declared interests. Every device of the
   councillor follows the names it has voted in (voting.my_ballots, never the choice). */
import {
  L, config, el, fmt, on, onState, renderQueue, renderSitting, renderVoteBox, rerender, resultNodes,
  send, start, state, text,
} from "./core.js";

/* The choices this device recorded, "vote:member" -> choice: in this tab's memory only,
   from the server's acknowledgement of the ballot it sent (a secret ballot's choice is
   kept nowhere else: the server stores no link between a voter and a choice). */
const storeKey = "ballots-" + config.ws;
const recorded = new Map(JSON.parse(sessionStorage.getItem(storeKey) || "[]"));
let mine = { vote: null, members: [] };
const inFlight = new Set();

function remember(key, choice) {
  recorded.set(key, choice);
  sessionStorage.setItem(storeKey, JSON.stringify(Array.from(recorded)));
}
/* The choices the ballot offers are the regime's, sent in the snapshot (vote.choices,
   voting.selectors.ballot_options): the server accepts these and no other. */
function options(vote) {
  return (vote.choices || []).map((c) => [c.value, c.label]);
}
function labelOf(vote, choice) {
  const found = options(vote).find(([value]) => value === choice);
  return found ? found[1] : choice;
}
function choiceButtons(vote, member, own) {
  const box = el("div", { class: "choices", role: "group", "aria-label": own ? L.my_vote : null });
  options(vote).forEach(([value, label]) => {
    const b = el("button", { type: "button", class: "secondary choice", "data-ballot": value, "data-vote": vote.id,
      "data-key": "ballot " + vote.id + " " + member + " " + value,
      disabled: inFlight.has(vote.id + ":" + member) }, label);
    if (!own) b.setAttribute("data-on-behalf", member);
    box.append(b);
  });
  return box;
}
function voteBody(vote) {
  if (vote.state === "closed") return resultNodes(vote);
  if (!vote.eligible) return [];
  if (vote.kind === "hands" || vote.kind === "roll_call") return [el("p", {}, L.chair_records)];
  const done = new Set(mine.vote === vote.id ? mine.members : []);
  return vote.eligible.filter((v) => v.member === config.member_id || v.by === config.member_id).map((v) => {
    const own = v.member === config.member_id;
    const section = el("div", { class: "ballot", "data-voice": v.member });
    section.append(el("h3", {}, own ? L.my_vote : fmt(L.vote_for_grantor, { name: v.name })));
    const choice = recorded.get(vote.id + ":" + v.member);
    if (choice) section.append(el("p", { class: "receipt", role: "status" }, fmt(L.voted_choice, { choice: labelOf(vote, choice) })));
    else if (done.has(v.member)) section.append(el("p", { class: "receipt", role: "status" }, L.voted_elsewhere));
    else section.append(choiceButtons(vote, v.member, own));
    return section;
  });
}
function renderSeat(s) {
  if (!config.member_id) return;
  const me = (s.queue || []).find((r) => r.member_id === config.member_id);
  const raise = document.getElementById("raise-hand");
  const lower = document.getElementById("lower-hand");
  if (raise) { raise.hidden = !!me; if (!raise.hasAttribute("aria-busy")) raise.disabled = s.sitting.state !== "open"; }
  if (lower) lower.hidden = !me || me.state !== "waiting";
  text("my-turn", me ? (me.state === "speaking" ? L.you_have_floor : L.you_are_waiting) : "");
  const current = s.current_item;
  const interest = document.getElementById("interest-toggle");
  if (interest) {
    interest.hidden = !current;
    if (current && !interest.hasAttribute("aria-busy")) {
      const declared = (current.interests || []).includes(config.member_id);
      interest.textContent = declared ? L.withdraw_interest : L.declare_interest;
      interest.setAttribute("data-item", current.id);
      interest.setAttribute("data-declared", declared ? "" : "1");
    }
  }
}

onState((s) => {
  if (s.my_ballots && s.vote) mine = { vote: s.vote.id, members: s.my_ballots };
  renderSitting(s);
  renderQueue(s, false);
  renderSeat(s);
  renderVoteBox(s, voteBody);
});
on("voting.my_ballots", (msg) => {
  mine = { vote: msg.data.vote, members: msg.data.my_ballots };
  rerender();
});
on("voting.ballot_cast", (msg) => {
  const s = state();
  if (!s || !s.vote || s.vote.id !== msg.data.vote) return;
  s.vote.cast = msg.data.cast;
  rerender();
});

document.addEventListener("click", (e) => {
  const b = e.target.closest("button[data-ballot]");
  if (!b || b.disabled) return;
  const vote = Number(b.dataset.vote);
  const member = b.dataset.onBehalf ? Number(b.dataset.onBehalf) : config.member_id;
  const choice = b.dataset.ballot;
  const payload = { action: "ballot", vote: vote, choice: choice,
    client_id: (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9_-]/g, "") };
  if (b.dataset.onBehalf) payload.on_behalf_of = member;
  const slot = vote + ":" + member;
  b.closest(".choices").querySelectorAll("button").forEach((x) => { if (x !== b) x.disabled = true; });
  inFlight.add(slot);
  const settled = () => { inFlight.delete(slot); rerender(); };
  send(payload, b, {
    onAck: (msg) => {
      remember(msg.result.vote + ":" + msg.result.member, choice);
      settled();
      const s = state();
      return fmt(L.voted_choice, { choice: s && s.vote ? labelOf(s.vote, choice) : choice });
    },
    onError: settled,
    onTimeout: settled,
  });
});

start();
