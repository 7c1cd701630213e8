/* The chair's desk: the roll call at the top, the item, quorum and vote always in view,
   the floor, the agenda, closed session and suspension. Every action shows that it is
   pending, then its outcome in place (static/js/live/core.js). */
import {
  L, button, config, el, fmt, morph, on, onState, renderQueue, renderSitting, renderVoteBox,
  rerender, resultNodes, send, showOutcome, start, state, text,
} from "./core.js";
import { mountRoll } from "./roll.js";

function members(s) {
  ["secretary-select", "closed-requesters", "vote-requesters", "vote-candidates", "vote-chair", "waiver-objectors"].forEach((id) => {
    const select = document.getElementById(id);
    if (select && select.options.length <= 1 && s.members) {
      s.members.forEach((m) => select.append(el("option", { value: m.id }, m.name)));
    }
  });
}

function missingConfirm(vote) {
  const missing = vote.voices - vote.cast;
  if (missing <= 0 || vote.kind === "hands") return null;
  return fmt(missing > 1 ? L.missing_many : L.missing_one, { n: missing });
}

/* What the ballots offer (the regime's, in the snapshot): the roll call's answers, the
   show of hands' counts and the chair's own vote. */
function choices(vote) {
  return vote.choices || [];
}

function voteBody(vote) {
  const nodes = [];
  if (vote.state === "closed") {
    nodes.push(...resultNodes(vote));
    if (vote.result && vote.result.next_round) nodes.push(button(L.next_round, "vote_next_round", { vote: vote.id }, ""));
    return nodes;
  }
  if (vote.kind === "roll_call" || vote.kind === "hands") {
    const list = el("ul", { class: "roll-answers" });
    vote.eligible.forEach((v) => {
      const li = el("li", { "data-voice": v.member }, v.name + " ");
      if ((vote.voted || []).includes(v.member)) li.append(el("span", { class: "badge ok" }, L.has_voted));
      else choices(vote).forEach((c) =>
        li.append(button(c.label, "vote_answer", { vote: vote.id, member: v.member, choice: c.value })));
      list.append(li);
    });
    nodes.push(list);
  } else if (!vote.secret) {
    const voted = new Set(vote.voted || []);
    nodes.push(el("p", { class: "voted" }, vote.eligible.filter((v) => voted.has(v.member)).map((v) => v.name).join(", ")));
  }
  if (vote.kind === "hands") {
    const counts = el("fieldset", { class: "counts" });
    counts.append(el("legend", {}, L.record));
    choices(vote).forEach((c) => {
      const id = "count-" + c.value;
      counts.append(el("label", { for: id }, c.label),
        el("input", { id: id, type: "number", min: "0", value: "0", inputmode: "numeric", "data-keep": "" }));
    });
    // R16: the chair's own hand, entered with the counts; on a tie it decides.
    const chairVote = el("select", { id: "count-chair", "data-keep": "" });
    chairVote.append(el("option", { value: "" }, "—"));  // not entered: no tie, or none yet
    choices(vote).forEach((c) => chairVote.append(el("option", { value: c.value }, c.label)));
    counts.append(el("label", { for: "count-chair" }, L.chair_vote), chairVote);
    counts.append(el("button", { type: "button", id: "close-with-counts", "data-vote": vote.id,
      "data-key": "close-with-counts " + vote.id }, L.close_vote));
    nodes.push(counts);
  }
  const close = button(L.close_vote, "vote_close", { vote: vote.id }, "danger");
  const confirm = missingConfirm(vote);
  if (confirm) close.setAttribute("data-confirm", confirm);
  nodes.push(close);
  return nodes;
}

onState((s) => {
  renderSitting(s, { takeUp: true });
  renderQueue(s, true);
  if (s.proxies) morph("live-proxies", s.proxies.length ? s.proxies.map((p) =>
    el("li", {}, p.grantor + " → " + p.holder + (p.in_use ? " (" + L.in_use + ")" : ""))) : [el("li", {}, L.none)]);
  text("live-secretary", s.secretary || L.none);
  members(s);
  const leave = document.getElementById("closed-session-leave");
  if (leave) leave.hidden = !s.sitting.in_closed_session;
  renderVoteBox(s, voteBody);
});
on("voting.ballot_cast", (msg) => {
  const s = state();
  if (!s || !s.vote || s.vote.id !== msg.data.vote) return;
  s.vote.cast = msg.data.cast;
  if (msg.data.voted) s.vote.voted = msg.data.voted;
  rerender();
});
on("sittings.closed_session_entered", () => {
  const box = document.getElementById("outcome-closed");
  if (box) showOutcome(box, "done", L.closed_adopted);
});
on("sittings.closed_session_rejected", () => {
  const box = document.getElementById("outcome-closed");
  if (box) showOutcome(box, "done", L.closed_rejected);
});
on("ack", (msg) => {
  if (msg.action === "attendance_all" && msg.result) {
    // the generic "Recorded." is replaced by the count
    const box = document.getElementById("outcome-roll");
    if (box) showOutcome(box, "done", fmt(L.arrivals_recorded, { n: msg.result.recorded }));
  }
});

/* Refusals that ask the chair to confirm: a vote closed with voices missing (the server
   counted them), a sitting opened outside its convened time (a reason is logged). */
on("error", (msg) => {
  const asked = msg.request;
  if (!asked) return;
  if (msg.code === "vote_close_unconfirmed" && window.confirm(msg.message)) {
    send(Object.assign({}, asked, { ref: undefined, confirm: true }), document.querySelector("#live-vote [data-action=vote_close]"));
  }
  if (msg.code === "casting_vote_missing") {
    const chairVote = document.getElementById("count-chair");
    if (chairVote) chairVote.focus();
  }
  if (asked.action === "open" && /^opening_(before|after)_convened$/.test(msg.code)) {
    const form = document.getElementById("open-anyway-form");
    if (form) { form.hidden = false; document.getElementById("open-reason").focus(); }
  }
});
const openAnyway = document.getElementById("open-anyway-form");
if (openAnyway) openAnyway.addEventListener("submit", (e) => {
  e.preventDefault();
  send({ action: "open", open_anyway: true, reason: document.getElementById("open-reason").value }, openAnyway,
    { onAck: () => { openAnyway.hidden = true; return null; } });
});

const ids = (id) => Array.from(document.getElementById(id).selectedOptions).map((o) => Number(o.value));

document.addEventListener("click", (e) => {
  const b = e.target.closest("#close-with-counts");
  if (!b || b.disabled) return;
  const s = state();
  const counts = {};
  (s && s.vote ? choices(s.vote) : []).forEach((c) => {
    counts[c.value] = Number(document.getElementById("count-" + c.value).value || 0);
  });
  const chairVote = document.getElementById("count-chair").value;
  if (chairVote) counts.chair_choice = chairVote;
  send({ action: "vote_close", vote: Number(b.dataset.vote), counts: counts }, b);
});
const closedForm = document.getElementById("closed-session-form");
if (closedForm) closedForm.addEventListener("submit", (e) => {
  e.preventDefault();
  // R25: the council's own vote, closed like every vote in the vote box above.
  send({ action: "closed_session_vote_open", requested_by: ids("closed-requesters"),
    kind: document.getElementById("closed-kind").value }, closedForm,
  { onAck: () => L.closed_vote_opened });
});
const voteForm = document.getElementById("vote-form");
if (voteForm) voteForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const kind = document.getElementById("vote-kind").value;
  const payload = { action: "vote_open", kind: kind, question: document.getElementById("vote-question").value,
    candidates: ids("vote-candidates") };
  const requesters = ids("vote-requesters");
  if (kind === "roll_call") payload.roll_call = requesters;
  if (kind === "secret" || kind === "election") payload.secret = requesters;
  const chair = document.getElementById("vote-chair").value;
  if (chair) payload.chair = Number(chair);
  send(payload, voteForm);
});
const waiverForm = document.getElementById("waiver-form");
if (waiverForm) waiverForm.addEventListener("submit", (e) => {
  e.preventDefault();
  send({ action: "secret_waiver", objectors: ids("waiver-objectors") }, waiverForm,
    { onAck: (msg) => (msg.result && msg.result.waived ? L.waived : L.not_waived) });
});
/* R24: call a member present to order, or expel them, with a reason (the minutes say it);
   never the one who presides the sitting (the snapshot's chair_id), who polices it. */
function policingMembers(s) {
  const select = document.getElementById("policing-member");
  if (!select || !s.members) return;
  const chosen = select.value;
  const present = s.members.filter((m) => m.present && m.id !== s.chair_id);
  morph(select, [el("option", { value: "" }, "—")].concat(present.map((m) =>
    el("option", { value: m.id, selected: String(m.id) === chosen }, m.name))));
  if (chosen && !present.some((m) => String(m.id) === chosen)) select.value = "";
}
onState(policingMembers);
document.addEventListener("click", (e) => {
  const b = e.target.closest("#call-to-order, #expel");
  if (!b || b.disabled) return;
  const member = document.getElementById("policing-member").value;
  if (!member) {
    showOutcome(document.getElementById("outcome-policing"), "refused", L.choose_member);
    return;
  }
  if (b.id === "expel" && !window.confirm(b.getAttribute("data-ask"))) return;
  send({ action: b.id === "expel" ? "expel" : "call_to_order", member: Number(member),
    reason: document.getElementById("policing-reason").value }, b,
  { onAck: () => { document.getElementById("policing-reason").value = ""; return null; } });
});
const secretaryForm = document.getElementById("secretary-form");
if (secretaryForm) secretaryForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const v = document.getElementById("secretary-select").value;
  if (v) send({ action: "secretary", member: Number(v) }, secretaryForm);
});

mountRoll();
start();
if (config.role !== "chair") console.warn("chair.js on a page of role", config.role);

/* Keyboard shortcuts for the frequent steps (not while typing, nor with a modifier):
   data-shortcut on the element that lists them in the page. */
const SHORTCUTS = {
  n: () => document.querySelector("#live-agenda li[aria-current] ~ li button[data-action=take_up]")
    || document.querySelector("#live-agenda button[data-action=take_up]"),
  f: () => document.querySelector("#live-queue button[data-action=give_floor]"),
  e: () => document.querySelector("#live-queue button[data-action=end_floor]"),
  s: () => document.querySelector("button[data-action=suspend]:not([disabled]), button[data-action=resume]:not([disabled])"),
  v: () => document.getElementById("vote-kind"),
  c: () => document.querySelector("#live-vote button[data-action=vote_close]"),
  a: () => document.querySelector("#live-roll button"),
};
document.addEventListener("keydown", (e) => {
  if (e.altKey || e.ctrlKey || e.metaKey || e.repeat) return;
  if (e.target.closest("input, select, textarea, [contenteditable]")) return;
  const find = SHORTCUTS[e.key];
  const target = find && find();
  if (!target) return;
  e.preventDefault();
  target.focus();
  if (target.tagName === "BUTTON" && e.key !== "a") target.click();
});
