// The minutes' editor: for each item, "Take up the transcript" fetches what was said on the
// item, speaker by speaker (streaming/transcript/minutes.py), lists the interventions with
// their times beside the field, and puts the text in the summary field.
//
// An empty field gets the transcript; a field that already holds text keeps it and gets the
// transcript after it. Never replaced: what the secretary wrote (notes from the room, what
// was said in closed session, which is never transcribed) is not lost to a click, and
// trimming what is not wanted is one selection, where a confirmation dialog would ask a
// question before the secretary has seen the text. Nothing is saved until the form is.
// Without this script the page works as before, without the buttons.
(function () {
  "use strict";
  const form = document.getElementById("debates");
  if (!form || !window.fetch) return;
  const say = form.dataset;
  form.querySelectorAll("[data-transcript-hint]").forEach((hint) => { hint.hidden = false; });

  // Each time opens the replay there (#t=), in a new tab: this page's edits stay.
  function listInterventions(list, interventions, replay) {
    list.replaceChildren(...interventions.map((one) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = replay + "#t=" + one.start;
      link.target = "_blank";
      link.rel = "noopener";
      const time = document.createElement("time");
      time.textContent = one.clock;
      const hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " " + say.msgReplay;
      link.append(time, hint);
      li.append(link, " — " + one.speaker);
      return li;
    }));
    list.hidden = interventions.length === 0;
  }

  function grow(field) {
    const lines = field.value.split("\n").length + Math.ceil(field.value.length / 90);
    field.rows = Math.min(20, Math.max(field.rows, lines));
  }

  function takeInto(field, draft) {
    const mine = field.value.replace(/\s+$/, "");
    if (mine.includes(draft)) return say.msgAlready;
    field.value = mine ? mine + "\n\n" + draft : draft;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    grow(field);
    return mine ? say.msgAppended : say.msgFilled;
  }

  async function load(url) {
    let response;
    try {
      response = await fetch(url, {
        headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin",
      });
    } catch (lost) {
      throw new Error(say.msgError); // offline, or the server is restarting
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || say.msgError);
    return answer;
  }

  form.querySelectorAll(".transcript-take").forEach((box) => {
    const button = box.querySelector("button");
    const status = box.querySelector("[role=status]");
    const list = box.querySelector("ol");
    const field = document.getElementById(box.dataset.target);
    if (!button || !status || !list || !field) return;
    box.hidden = false;
    let busy = false;
    button.addEventListener("click", async () => {
      if (busy) return;
      busy = true;
      button.setAttribute("aria-busy", "true");
      status.textContent = say.msgLoading;
      try {
        const answer = await load(box.dataset.transcript);
        listInterventions(list, answer.interventions || [], answer.replay || "");
        status.textContent = answer.draft
          ? takeInto(field, answer.draft) + " " + answer.message
          : answer.message;
        box.dataset.state = answer.state;
      } catch (error) {
        status.textContent = error.message;
      } finally {
        busy = false;
        button.removeAttribute("aria-busy");
      }
    });
  });
})();
