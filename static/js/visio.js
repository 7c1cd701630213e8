// The councillors' video: signalling through Django's websocket only; the same messages
// whatever relays the media (Janus or the embedded relay).
(function () {
  "use strict";
  const config = document.getElementById("visio-config");
  if (!config) return;
  const $ = (id) => document.getElementById(id);
  const say = config.dataset;
  // feeds: one peer connection per feed the server offers (the relay: one per
  // participant; Janus: one, "room", carrying everyone, renegotiated as people come and
  // go); streams: which participant each m-line of a feed carries.
  const state = { socket: null, local: null, publisher: null, feeds: {}, streams: {}, me: null,
    simulcast: false, speaking: false, present: false, iceServers: [] };
  window.visio = state; // for the browser tests: the peer connections and their stats

  function send(message) { state.socket.send(JSON.stringify(message)); }

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
    });
  }

  function tile(feed) {
    let figure = document.querySelector(`.visio-tile[data-feed="${feed}"]`);
    if (!figure) {
      figure = document.createElement("figure");
      figure.className = "visio-tile";
      figure.dataset.feed = feed;
      const video = document.createElement("video");
      video.autoplay = true; video.playsInline = true;
      const caption = document.createElement("figcaption");
      figure.append(video, caption);
      $("visio-grid").append(figure);
    }
    return figure;
  }

  // Simulcast layers for Janus (highest first, as Janus expects): the stage shows the
  // chair and the speaker on the top layer, thumbnails on the smallest.
  const LAYERS = [
    { rid: "h", maxBitrate: 900000 },
    { rid: "m", maxBitrate: 300000, scaleResolutionDownBy: 2 },
    { rid: "l", maxBitrate: 100000, scaleResolutionDownBy: 4 },
  ];

  async function publish() {
    const pc = new RTCPeerConnection({ iceServers: state.iceServers });
    state.publisher = pc;
    state.local.getTracks().forEach((track) => {
      if (track.kind === "video" && state.simulcast) {
        pc.addTransceiver(track, { direction: "sendonly", streams: [state.local], sendEncodings: LAYERS });
      } else {
        pc.addTrack(track, state.local);
      }
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    send({ action: "publish", sdp: pc.localDescription.sdp });
  }

  function show(participant, track) {
    const video = tile(participant).querySelector("video");
    const stream = video.srcObject || new MediaStream();
    stream.getTracks().filter((t) => t.kind === track.kind).forEach((t) => stream.removeTrack(t));
    stream.addTrack(track);
    video.srcObject = stream;
    video.play().catch(() => {});
  }

  // The room's programme, as the public sees it, with WebRTC delay.
  function programme(track) {
    const video = $("visio-programme");
    const stream = video.srcObject || new MediaStream();
    stream.addTrack(track);
    video.srcObject = stream;
    video.hidden = false;
    video.play().catch(() => {});
  }

  async function receive(feed, sdp) {
    let pc = state.feeds[feed];
    if (pc && feed !== "room") { pc.close(); pc = null; }
    if (!pc) {
      pc = new RTCPeerConnection({ iceServers: state.iceServers });
      state.feeds[feed] = pc;
      pc.ontrack = (event) => {
        if (feed === "programme") { programme(event.track); return; }
        const carried = (state.streams[feed] || {})[event.transceiver.mid];
        show(carried || feed, event.track);
      };
    }
    await pc.setRemoteDescription({ type: "offer", sdp });
    await flush(feed, pc);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    send({ action: "answer", feed, sdp: pc.localDescription.sdp });
  }

  // Janus may trickle a candidate before its answer reaches us (the publisher's answer
  // comes back once Janus has processed the offer, its candidates as it gathers them): keep
  // it until the description it belongs to is set. Dropping it would leave a browser that
  // can only use TURN (iceTransportPolicy "relay") without Janus's address to permit.
  const pending = {};
  async function candidate(feed, c) {
    const pc = feed ? state.feeds[feed] : state.publisher;
    const init = { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex };
    if (pc && pc.remoteDescription) await pc.addIceCandidate(init);
    else (pending[feed] = pending[feed] || []).push(init);
  }
  async function flush(feed, pc) {
    const waiting = pending[feed] || [];
    delete pending[feed];
    for (const init of waiting) await pc.addIceCandidate(init);
  }

  function participants(list, speaker) {
    const ul = $("visio-participants");
    ul.replaceChildren(...list.map((p) => {
      const li = document.createElement("li");
      li.dataset.member = p.member;
      li.textContent = p.name + (p.muted ? " (" + say.mutedLabel + ")" : "")
        + (p.member && p.member === speaker ? " — " + say.speakingLabel : "");
      if (state.me && p.id !== state.me) {
        const figure = tile(p.id);
        figure.dataset.layer = p.layer; // stage, thumbnail, or none: heard, not seen
        figure.dataset.member = p.member;
        figure.querySelector("figcaption").textContent = li.textContent;
      }
      if (say.chair && state.me && p.id !== state.me) {
        for (const [action, label] of [["mute", say.mute], ["ask_unmute", say.ask], ["remove", say.remove]]) {
          const button = document.createElement("button");
          button.type = "button"; button.className = "secondary";
          button.dataset.action = action; button.textContent = label;
          button.addEventListener("click", () => send({ action, member: p.member }));
          li.append(" ", button);
        }
      }
      return li;
    }));
  }

  // Leaving by choice ("Quitter", removed by the chair) says so to the server: the
  // departure is logged at once. A socket that drops gets the grace period instead.
  function leave(message) {
    Object.values(state.feeds).forEach((pc) => pc.close());
    if (state.publisher) state.publisher.close();
    if (state.local) state.local.getTracks().forEach((t) => t.stop());
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify({ action: "leave" }));
      state.socket.close(1000);
    } else if (state.socket) state.socket.close();
    state.feeds = {}; state.streams = {}; state.publisher = null; state.socket = null;
    Object.keys(pending).forEach((feed) => delete pending[feed]);
    state.speaking = false; // the floor is told again on joining, if still ours
    state.present = false;  // and the presence once media flows again
    $("visio-programme").srcObject = null;
    $("visio-programme").hidden = true;
    $("visio-programme-button").hidden = true;
    document.querySelectorAll(".visio-tile:not(.self)").forEach((f) => f.remove());
    $("visio-status").textContent = message || "";
    $("visio-join-button").hidden = false;
    $("visio-leave").hidden = true;
    $("visio-hand").hidden = true;
    $("visio-hand-lower").hidden = true;
    $("visio-hand-wait").hidden = true;
  }

  async function join(event) {
    event.preventDefault();
    $("visio-error").textContent = "";
    const audioOnly = $("visio-audio-only").checked;
    try {
      state.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: !audioOnly });
    } catch (e) {
      $("visio-error").textContent = String(e);
      return;
    }
    $("visio-self").srcObject = state.local;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + say.socket);
    state.socket = socket;
    socket.onopen = () => send({ action: "join", audio_only: audioOnly });
    socket.onclose = () => { if (state.socket === socket) leave(say.lost); };
    // One message at a time: a candidate must wait for the description it belongs to.
    let queue = Promise.resolve();
    socket.onmessage = (e) => { queue = queue.then(() => handle(JSON.parse(e.data))).catch(console.error); };
  }

  async function handle(m) {
    {
      if (m.type === "joined") {
        state.me = m.id;
        state.simulcast = Boolean(m.simulcast);
        // TURN (coturn) with a credential of this user for this sitting, valid for hours:
        // given by the websocket only, never written in the page.
        state.iceServers = m.ice_servers || [];
        // Councillors come in with the microphone closed; the chair or the floor opens it.
        state.local.getAudioTracks().forEach((t) => { t.enabled = !m.muted; });
        $("visio-status").textContent = m.muted ? say.startMuted : say.joined;
        hand(false);
        $("visio-join-button").hidden = true;
        $("visio-leave").hidden = false;
        $("visio-programme-button").hidden = !m.programme;
        await publish();
      } else if (m.type === "answer") {
        await state.publisher.setRemoteDescription({ type: "answer", sdp: m.sdp });
        await flush("", state.publisher);
      } else if (m.type === "offer") {
        await receive(m.feed, m.sdp);
      } else if (m.type === "participants") {
        participants(m.participants, m.speaker);
      } else if (m.type === "streams") {
        state.streams[m.feed] = Object.fromEntries(m.streams.map((s) => [s.mid, s.participant]));
      } else if (m.type === "floor") {
        // The floor given (the server has opened the microphone) or ended (closed).
        state.local.getAudioTracks().forEach((t) => { t.enabled = m.open; });
        // The programme carries the speaker's own voice: not played back to them.
        $("visio-programme").muted = m.open;
        $("visio-unmute-request").hidden = true;
        $("visio-status").textContent = m.open ? say.floor : say.floorEnded;
        state.speaking = m.open;
        hand(false);
      } else if (m.type === "present") {
        // The presence by video is recorded (media flows): the queue will take the request.
        state.present = true;
        hand(false);
      } else if (m.type === "hand") {
        hand(m.raised);
        if (m.raised) $("visio-status").textContent = say.handRaised;
      } else if (m.type === "left") {
        if (state.feeds[m.feed]) state.feeds[m.feed].close();
        delete state.feeds[m.feed];
        const figure = document.querySelector(`.visio-tile[data-feed="${m.feed}"]`);
        if (figure) figure.remove();
      } else if (m.type === "muted") {
        state.local.getAudioTracks().forEach((t) => { t.enabled = false; });
        $("visio-status").textContent = say.muted;
      } else if (m.type === "unmute_request") {
        $("visio-unmute-request").hidden = false;
      } else if (m.type === "removed") {
        leave(say.removed);
      } else if (m.type === "candidate") {
        // Janus trickles its candidates; the relay puts them in its descriptions.
        if (m.candidate && !m.candidate.completed) await candidate(m.feed || "", m.candidate);
      } else if (m.type === "error") {
        $("visio-error").textContent = m.message;
      }
    }
  }

  // Asking for the floor (the speaking queue), for a councillor without it. Not for the
  // chair, who gives it from the dashboard, nor for a remote room's agent.
  function hand(raised) {
    const member = config.dataset.asksFloor === "1";
    $("visio-hand").hidden = !member || raised || state.speaking;
    $("visio-hand").disabled = !state.present;  // not before the presence is recorded
    $("visio-hand-wait").hidden = !member || state.present || state.speaking;
    $("visio-hand-lower").hidden = !member || !raised || state.speaking;
  }

  $("visio-join").addEventListener("submit", join);
  $("visio-hand").addEventListener("click", () => send({ action: "raise_hand" }));
  $("visio-hand-lower").addEventListener("click", () => send({ action: "lower_hand" }));
  $("visio-leave").addEventListener("click", () => leave(""));
  $("visio-programme-button").addEventListener("click", () => send({ action: "programme" }));
  $("visio-unmute-accept").addEventListener("click", () => {
    state.local.getAudioTracks().forEach((t) => { t.enabled = true; });
    $("visio-unmute-request").hidden = true;
    $("visio-status").textContent = say.joined;
    send({ action: "unmute" });
  });
})();
