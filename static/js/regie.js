// The technician's pages: the control room (previews, cut, picture in picture, slate,
// lower third, protected speech, direction) and the stream health. Forms work without
// this script; with it they are sent in the background and the page follows the
// broadcast's status every second, four times a second while a cut waits for the
// programme's report.
//
// A cut shows at once on the camera asked for ("Cutting…"), then "On air" when the
// runner reports it has applied the programme's revision that the cut wrote (status.rev
// against status.applied_rev), or it is rolled back with the reason: the camera has no
// signal (another stands in), the cut did not take, or no report came in time.
(function () {
  "use strict";
  const config = document.getElementById("regie-config");
  if (!config) return;
  const $ = (id) => document.getElementById(id);
  const say = config.dataset;
  const errorBox = $("regie-error");
  const doneBox = $("regie-done");
  const PENDING_TIMEOUT = 8000; // ms without the runner's report before giving up
  let failures = 0;
  let pending = null; // { camera, rev, since }
  let timer = null;

  const fill = (text, values) =>
    // Replaced by functions: a camera named "$&" stays its name, not a pattern.
    Object.entries(values).reduce((out, [key, value]) => out.replace(`{${key}}`, () => value), text);
  const nameOf = (i) => {
    const figure = document.querySelector(`.preview[data-input="${i}"]`);
    return figure ? figure.dataset.name : String(i);
  };
  function tell(box, text) { if (box) box.textContent = text || ""; }

  function show(status) {
    const state = $("broadcast-state") || $("health-state");
    if (state) { state.textContent = status.state_label; state.dataset.state = status.state; }
    const viewers = $("broadcast-viewers") || $("health-viewers");
    if (viewers) viewers.textContent = String(status.viewers);
    // A closed sitting's broadcast has ended for good: nothing to start again.
    const over = (status.programme_state || {}).kind === "ended";
    document.querySelectorAll("[data-when]").forEach((button) => {
      button.disabled = over || !button.dataset.when.split(" ").includes(status.state);
    });
    settle(status);
    forget(status);
    programmeState(status.programme_state);
    const cameras = status.cameras || [];
    document.querySelectorAll(".preview").forEach((figure) => {
      const input = Number(figure.dataset.input);
      const camera = cameras[input] || {};
      const waiting = pending !== null && pending.camera === input;
      figure.querySelector(".on-air").hidden = !camera.on_air;
      figure.querySelector(".held").hidden = !camera.held;
      figure.querySelector(".cut-pending").hidden = !waiting;
      figure.querySelector(".in-pip").hidden = !camera.in_pip;
      figure.querySelector(".camera-reason").textContent = camera.reason || "";
      figure.classList.toggle("live", Boolean(camera.asked));
      figure.classList.toggle("pending", waiting);
      figure.setAttribute("aria-busy", waiting ? "true" : "false");
    });
    direction(status);
    const lowerThird = $("lower-third-state");
    if (lowerThird) {
      const lt = (status.programme || {}).lower_third;
      const text = lt ? [lt.name, lt.role, lt.item].filter(Boolean).join(" — ") : "";
      lowerThird.textContent = text ? say.lowerThird.replace("{text}", () => text) : "";
    }
    healthTable(status);
  }

  function programmeState(said) {
    const box = $("programme-state");
    if (!box || !said) return;
    box.dataset.kind = said.kind;
    tell($("programme-title"), said.title);
    $("programme-lines").replaceChildren(...said.lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }

  function direction(status) {
    const box = $("direction-state");
    if (!box) return;
    const p = status.programme || {};
    const standIn = (status.health || {}).stand_in;
    const lines = [p.auto === false ? say.autoOff : say.autoOn];
    if (p.muted) lines.push(say.muted);
    if (standIn && standIn.for === p.cut && status.state !== "lost") {
      lines.push(fill(say.standIn, { lost: nameOf(standIn.for), shown: nameOf(standIn.camera) }));
    }
    box.textContent = lines.join(" ");
  }

  // The cut waiting for the runner: confirmed once the runner reports the revision it
  // wrote, rolled back if what is on air is another camera, or after PENDING_TIMEOUT. A
  // camera whose feed has just come back goes on air once steady (a second or two,
  // programme/state.cut_on_air): meanwhile the cut is still under way, not refused.
  function settle(status) {
    if (pending === null || pending.rev === null) return;
    const camera = pending.camera;
    const onAir = (status.cameras || []).find((c) => c.on_air || c.held);
    const shown = onAir ? onAir.name : say.nothing;
    const late = Date.now() - pending.since > PENDING_TIMEOUT;
    if (status.applied_rev >= pending.rev) {
      const mine = (status.cameras || [])[camera] || {};
      const standIn = (status.health || {}).stand_in;
      const standsIn = standIn && standIn.for === camera;
      if (standsIn && mine.feed === "live" && !late) return; // steadying
      pending = null;
      if (mine.on_air || mine.held) {
        tell(errorBox, "");
        tell(doneBox, fill(mine.held ? say.cutHeld : say.cutDone, { camera: nameOf(camera) }));
        told = { camera, box: doneBox };
      } else {
        tell(doneBox, "");
        tell(errorBox, fill(standsIn ? say.cutNoSignal : say.cutNotTaken, { camera: nameOf(camera), shown }));
        told = { camera, box: errorBox };
      }
    } else if (late) {
      const seconds = String(Math.round((Date.now() - pending.since) / 1000));
      tell(doneBox, "");
      tell(errorBox, fill(say.cutTimeout, { camera: nameOf(camera), seconds }));
      told = { camera, box: errorBox };
      pending = null;
    }
  }

  // What a cut's settling said stays until it no longer holds: the camera refused is on
  // air (or held) after all, the broadcast has stopped, or another cut is under way.
  let told = null; // { camera, box }
  function forget(status) {
    if (told === null || pending !== null) return;
    const camera = (status.cameras || [])[told.camera] || {};
    const stopped = !["starting", "live", "restarting"].includes(status.state);
    if (stopped || (told.box === errorBox && (camera.on_air || camera.held))) {
      tell(told.box, "");
      told = null;
    }
  }

  function healthTable(status) {
    const body = $("health-inputs");
    if (!body) return;
    const h = status.health || {};
    const progress = h.progress || {};
    $("health-restarts").textContent = String(status.restarts);
    $("health-fps").textContent = progress.fps || "—";
    $("health-dropped").textContent = progress.drop_frames || "0";
    $("health-dup").textContent = progress.dup_frames || "0";
    $("health-speed").textContent = progress.speed || "—";
    $("health-heartbeat").textContent = status.heartbeat_at ? new Date(status.heartbeat_at).toLocaleTimeString() : "—";
    $("health-error").textContent = status.last_error || "—";
    const reasons = (status.cameras || []).map((c) => c.reason);
    body.replaceChildren(...(h.inputs || []).map((input, i) => {
      const row = document.createElement("tr");
      row.className = "input-" + input.state;
      // The remote speaker's input shows the slate while nobody by video has the floor.
      const waiting = input.remote ? say.waiting : (reasons[i] || say.slate);
      const cells = [input.name, input.state === "live" ? say.live : waiting,
        String(input.kbps ?? "—"), String(input.camera_silent_for ?? "—"),
        String(input.restarts ?? 0)];
      cells.forEach((text) => { const td = document.createElement("td"); td.textContent = text; row.append(td); });
      return row;
    }));
  }

  function refreshPreviews() {
    document.querySelectorAll(".preview img").forEach((img) => {
      const next = new Image();
      next.onload = () => { img.src = next.src; };
      next.src = img.dataset.src + "?t=" + Date.now();
    });
  }

  let polls = 0;
  async function poll() {
    clearTimeout(timer);
    try {
      const response = await fetch(config.dataset.health, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      show(await response.json());
      if (failures) tell(errorBox, "");
      failures = 0;
    } catch (_e) {
      failures += 1;
      if (failures > 2) tell(errorBox, say.lost);
    }
    polls += 1;
    if (pending === null || polls % 4 === 0) refreshPreviews();
    timer = setTimeout(poll, pending === null ? 1000 : 250);
  }

  document.querySelectorAll("form.regie-form").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submitter = event.submitter;
      if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) return;
      const data = new FormData(form, submitter);
      const isCut = data.get("action") === "cut";
      if (isCut) {
        pending = { camera: Number(data.get("camera")), rev: null, since: Date.now() };
        tell(doneBox, fill(say.cutPending, { camera: nameOf(pending.camera) }));
        markPending();
      } else {
        tell(doneBox, say.pending);
      }
      if (submitter) { submitter.disabled = true; submitter.setAttribute("aria-busy", "true"); }
      let response, body;
      try {
        // Not form.action: the buttons named "action" shadow that property.
        response = await fetch(form.getAttribute("action"), {
          method: "POST", body: data,
          headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
        });
        body = await response.json().catch(() => ({ message: say.lost }));
      } catch (_e) {
        response = { ok: false }; body = { message: say.lost };
      } finally {
        if (submitter) { submitter.disabled = false; submitter.removeAttribute("aria-busy"); }
      }
      if (!response.ok) {
        if (isCut) pending = null;
        tell(doneBox, "");
        tell(errorBox, body.message);
        poll();
        return;
      }
      tell(errorBox, "");
      if (isCut && pending) pending.rev = body.rev;
      else tell(doneBox, "");
      show(body);
      poll();
    });
  });

  // At once, before the server answers: the camera asked for reads "Cutting…".
  function markPending() {
    document.querySelectorAll(".preview").forEach((figure) => {
      const waiting = Number(figure.dataset.input) === pending.camera;
      figure.querySelector(".cut-pending").hidden = !waiting;
      figure.classList.toggle("pending", waiting);
      figure.setAttribute("aria-busy", waiting ? "true" : "false");
    });
  }

  const initial = document.getElementById("regie-status");
  if (initial) show(JSON.parse(initial.textContent));
  poll();
})();
