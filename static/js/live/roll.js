/* The compact roll call (the chair's desk and the roll page of a remote room's agent):
   one toggle per member in a grid, "All present" in one action, then the few absent
   marked; arrow keys move between the members. */
import { L, config, el, fmt, morph, onState, renderSitting, start, state, rerender } from "./core.js";

const LIVE = ["convened", "open", "suspended"];
const doneKey = "roll-done-" + config.ws;

function place() {
  const select = document.getElementById("roll-place");
  const value = select ? select.value : "chamber";
  return value === "chamber" ? { mode: "chamber" } : { mode: "remote_room", room: Number(value) };
}

export function renderRoll(s) {
  const live = LIVE.includes(s.sitting.state);
  const where = place();
  morph("live-roll", s.members.map((m) => {
    const li = el("li", { "data-member": m.id, class: m.present ? "present" : "absent" });
    const params = m.present ? { member: m.id, kind: "departure" } : Object.assign({ member: m.id, kind: "arrival" }, where);
    const b = el("button", {
      type: "button", class: "toggle", "data-action": "attendance", "aria-pressed": m.present ? "true" : "false",
      title: fmt(m.present ? L.mark_absent : L.mark_present, { name: m.name }),
      "data-key": "attendance member=" + m.id, disabled: !live || m.expelled,
    });
    Object.entries(params).forEach(([k, v]) => b.setAttribute("data-" + k, v));
    b.append(el("span", { class: "name" }, m.name),
      el("span", { class: "where" }, m.expelled ? L.expelled : m.present ? (m.room || L.remote) : L.absent_one));
    li.append(b);
    return li;
  }));
  const all = document.getElementById("roll-all");
  if (all) {
    // in the chamber only: a remote room's members arrive one by one
    if (!all.hasAttribute("aria-busy")) {
      all.disabled = !live || where.mode !== "chamber" || s.members.every((m) => m.present);
    }
  }
  const present = s.members.filter((m) => m.present).length;
  const summary = document.getElementById("roll-summary");
  if (summary) summary.textContent = present + " " + L.present + " · " + (s.members.length - present) + " " + L.absent;
}

function showDone(done) {
  const body = document.getElementById("roll-body");
  const after = document.getElementById("roll-after");
  if (!body || !after) return;
  body.hidden = done;
  after.hidden = !done;
  if (done) sessionStorage.setItem(doneKey, "1"); else sessionStorage.removeItem(doneKey);
}

/* Arrow keys across the grid: left/right one member, up/down one row. */
function onKeys(e) {
  const here = e.target.closest("#live-roll button");
  if (!here) return;
  const all = Array.from(document.querySelectorAll("#live-roll button"));
  const i = all.indexOf(here);
  const top = here.getBoundingClientRect().top;
  const perRow = Math.max(1, all.filter((b) => b.getBoundingClientRect().top === top).length);
  const to = { ArrowRight: i + 1, ArrowLeft: i - 1, ArrowDown: i + perRow, ArrowUp: i - perRow,
    Home: 0, End: all.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  all[Math.min(Math.max(to, 0), all.length - 1)].focus();
}

export function mountRoll() {
  const select = document.getElementById("roll-place");
  if (select && select.options.length === 1) {
    config.rooms.forEach((r) => select.append(el("option", { value: r.id }, fmt(L.arrival_in, { room: r.name }))));
  }
  if (select) select.addEventListener("change", rerender);
  const grid = document.getElementById("live-roll");
  if (grid) grid.addEventListener("keydown", onKeys);
  const done = document.getElementById("roll-done");
  if (done) done.addEventListener("click", () => {
    showDone(true);
    const next = document.querySelector("button[data-action=open]:not([disabled])") || document.getElementById("roll-edit");
    if (next) next.focus();
  });
  const edit = document.getElementById("roll-edit");
  if (edit) edit.addEventListener("click", () => {
    showDone(false);
    const first = document.querySelector("#live-roll button");
    if (first) first.focus();
  });
  showDone(sessionStorage.getItem(doneKey) === "1");
  onState((s) => { if (s.members) renderRoll(s); });
}

if (config.role === "roll") {
  onState((s) => renderSitting(s));
  mountRoll();
  start();
}
export { state };
