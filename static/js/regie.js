// The technician's pages: the control room (previews, cut, picture in picture, slate,
// lower third, protected speech, direction) and the stream health. Forms work without
// this script; with it they are sent in the background and the page follows the
// broadcast's status every second.
(function () {
  "use strict";
  const config = document.getElementById("regie-config");
  if (!config) return;
  const $ = (id) => document.getElementById(id);
  const errorBox = $("regie-error");
  let failures = 0;

  function show(status) {
    const state = $("broadcast-state") || $("health-state");
    if (state) { state.textContent = status.state_label; state.dataset.state = status.state; }
    const viewers = $("broadcast-viewers") || $("health-viewers");
    if (viewers) viewers.textContent = String(status.viewers);
    document.querySelectorAll("[data-when]").forEach((button) => {
      button.disabled = !button.dataset.when.split(" ").includes(status.state);
    });
    const p = status.programme || {};
    // The camera asked for has lost its feed: another one stands in for it on air.
    const standIn = (status.health || {}).stand_in;
    const replaced = standIn && standIn.for === p.cut ? standIn : null;
    const onAir = replaced ? replaced.camera : p.cut;
    document.querySelectorAll(".preview").forEach((figure) => {
      const input = Number(figure.dataset.input);
      figure.querySelector(".on-air").hidden = !(onAir === input && !p.slate);
      figure.querySelector(".in-pip").hidden = p.pip !== input;
      figure.classList.toggle("live", p.cut === input);
    });
    const direction = $("direction-state");
    if (direction) {
      const lines = [p.auto === false ? config.dataset.autoOff : config.dataset.autoOn];
      if (p.muted) lines.push(config.dataset.muted);
      if (replaced) {
        const name = (i) => (document.querySelector(`.preview[data-input="${i}"]`) || {}).dataset?.name || String(i);
        // Replaced by functions: a camera named "$&" stays its name, not a pattern.
        lines.push(config.dataset.standIn.replace("{lost}", () => name(replaced.for))
          .replace("{shown}", () => name(replaced.camera)));
      }
      direction.textContent = lines.join(" ");
    }
    const lowerThird = $("lower-third-state");
    if (lowerThird) {
      const lt = p.lower_third;
      const text = lt ? [lt.name, lt.role, lt.item].filter(Boolean).join(" — ") : "";
      lowerThird.textContent = text ? config.dataset.lowerThird.replace("{text}", () => text) : "";
    }
    healthTable(status);
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
    body.replaceChildren(...(h.inputs || []).map((input) => {
      const row = document.createElement("tr");
      row.className = "input-" + input.state;
      // The remote speaker's input shows the slate while nobody by video has the floor.
      const waiting = input.remote ? config.dataset.waiting : config.dataset.slate;
      const cells = [input.name, input.state === "live" ? config.dataset.live : waiting,
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

  async function poll() {
    try {
      const response = await fetch(config.dataset.health, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      show(await response.json());
      if (errorBox && failures) errorBox.textContent = "";
      failures = 0;
    } catch (_e) {
      failures += 1;
      if (errorBox && failures > 2) errorBox.textContent = config.dataset.lost;
    }
    refreshPreviews();
    setTimeout(poll, 1000);
  }

  document.querySelectorAll("form.regie-form").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submitter = event.submitter;
      if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) return;
      const data = new FormData(form, submitter);
      // Not form.action: the buttons named "action" shadow that property.
      const response = await fetch(form.getAttribute("action"), {
        method: "POST", body: data,
        headers: { Accept: "application/json", "X-CSRFToken": data.get("csrfmiddlewaretoken") },
      });
      const body = await response.json().catch(() => ({ message: config.dataset.lost }));
      if (!response.ok) { errorBox.textContent = body.message; return; }
      errorBox.textContent = "";
      show(body);
    });
  });

  const initial = document.getElementById("regie-status");
  if (initial) show(JSON.parse(initial.textContent));
  poll();
})();
