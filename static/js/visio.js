// The councillors' video: signalling through Django's websocket only; the same messages
// whatever relays the media (Janus or the embedded relay).
(function () {
  "use strict";
  const config = document.getElementById("visio-config");
  if (!config) return;
  const $ = (id) => document.getElementById(id);
  const say = config.dataset;
  const state = { socket: null, local: null, publisher: null, feeds: {}, me: null };
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

  async function publish() {
    const pc = new RTCPeerConnection();
    state.publisher = pc;
    state.local.getTracks().forEach((track) => pc.addTrack(track, state.local));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    send({ action: "publish", sdp: pc.localDescription.sdp });
  }

  async function receive(feed, sdp) {
    if (state.feeds[feed]) state.feeds[feed].close();
    const pc = new RTCPeerConnection();
    state.feeds[feed] = pc;
    const stream = new MediaStream();
    pc.ontrack = (event) => {
      stream.addTrack(event.track);
      const video = tile(feed).querySelector("video");
      video.srcObject = stream;
      video.play().catch(() => {});
    };
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    send({ action: "answer", feed, sdp: pc.localDescription.sdp });
  }

  function participants(list) {
    const ul = $("visio-participants");
    ul.replaceChildren(...list.map((p) => {
      const li = document.createElement("li");
      li.dataset.member = p.member;
      li.textContent = p.name + (p.muted ? " (" + say.mutedLabel + ")" : "");
      if (state.me && p.id !== state.me) {
        const caption = tile(p.id).querySelector("figcaption");
        caption.textContent = li.textContent;
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

  function leave(message) {
    Object.values(state.feeds).forEach((pc) => pc.close());
    if (state.publisher) state.publisher.close();
    if (state.local) state.local.getTracks().forEach((t) => t.stop());
    if (state.socket) state.socket.close();
    state.feeds = {}; state.publisher = null; state.socket = null;
    document.querySelectorAll(".visio-tile:not(.self)").forEach((f) => f.remove());
    $("visio-status").textContent = message || "";
    $("visio-join-button").hidden = false;
    $("visio-leave").hidden = true;
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
        $("visio-status").textContent = say.joined;
        $("visio-join-button").hidden = true;
        $("visio-leave").hidden = false;
        await publish();
      } else if (m.type === "answer") {
        await state.publisher.setRemoteDescription({ type: "answer", sdp: m.sdp });
      } else if (m.type === "offer") {
        await receive(m.feed, m.sdp);
      } else if (m.type === "participants") {
        participants(m.participants);
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
        const pc = m.feed ? state.feeds[m.feed] : state.publisher;
        if (pc && m.candidate && !m.candidate.completed) {
          await pc.addIceCandidate({ candidate: m.candidate.candidate, sdpMid: m.candidate.sdpMid,
            sdpMLineIndex: m.candidate.sdpMLineIndex });
        }
      } else if (m.type === "error") {
        $("visio-error").textContent = m.message;
      }
    }
  }

  $("visio-join").addEventListener("submit", join);
  $("visio-leave").addEventListener("click", () => leave(""));
  $("visio-unmute-accept").addEventListener("click", () => {
    state.local.getAudioTracks().forEach((t) => { t.enabled = true; });
    $("visio-unmute-request").hidden = true;
    $("visio-status").textContent = say.joined;
    send({ action: "unmute" });
  });
})();
