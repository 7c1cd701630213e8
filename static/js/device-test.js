// The device test: camera preview, microphone level, a test tone, and the connection to
// the server. Everything stays in the browser; the only requests are to this server.
(function () {
  "use strict";
  const config = document.getElementById("device-config");
  if (!config) return;
  const $ = (id) => document.getElementById(id);
  const say = config.dataset;
  let stream = null;
  let audio = null;

  async function devices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    for (const [kind, select] of [["videoinput", $("device-camera")], ["audioinput", $("device-microphone")]]) {
      const current = select.value;
      select.replaceChildren(...all.filter((d) => d.kind === kind).map((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId; o.textContent = d.label || `${kind} ${i + 1}`;
        return o;
      }));
      if (current) select.value = current;
    }
  }

  async function open() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    const camera = $("device-camera").value, microphone = $("device-microphone").value;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: camera ? { deviceId: { exact: camera } } : true,
        audio: microphone ? { deviceId: { exact: microphone } } : true,
      });
    } catch (_e) {
      $("device-camera-result").textContent = say.noCamera;
      $("device-microphone-result").textContent = say.noMicrophone;
      return;
    }
    $("device-preview").srcObject = stream;
    $("device-camera-result").textContent = stream.getVideoTracks().length ? say.ok : say.noCamera;
    listen();
    await devices();
  }

  function listen() {
    audio = audio || new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let heard = false;
    const meter = $("device-level");
    (function tick() {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const level = Math.min(100, Math.round(Math.sqrt(sum / samples.length) * 300));
      meter.value = level;
      meter.textContent = String(level);
      if (level > 3) heard = true;
      $("device-microphone-result").textContent = heard ? say.ok : say.silent;
      requestAnimationFrame(tick);
    })();
  }

  function tone() {
    audio = audio || new AudioContext();
    const oscillator = audio.createOscillator(), gain = audio.createGain();
    oscillator.frequency.value = 440;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 1.2);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 1.2);
  }

  async function connection() {
    $("device-webrtc").textContent = "RTCPeerConnection" in window ? say.yes : say.no;
    try {
      const rtts = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await fetch(say.probe + "?bytes=0", { cache: "no-store" });
        rtts.push(performance.now() - t0);
      }
      rtts.sort((a, b) => a - b);
      const rtt = rtts[2];
      const size = 1000000, t0 = performance.now();
      const body = await (await fetch(say.probe + "?bytes=" + size, { cache: "no-store" })).arrayBuffer();
      const mbps = (body.byteLength * 8) / ((performance.now() - t0) / 1000) / 1e6;
      $("device-rtt").textContent = Math.round(rtt) + " ms";
      $("device-speed").textContent = mbps.toFixed(1) + " Mbit/s";
      const good = rtt < 300 && mbps > 1.5;
      const verdict = $("device-verdict");
      verdict.textContent = good ? say.good : say.weak;
      verdict.dataset.verdict = good ? "good" : "weak";
    } catch (_e) {
      $("device-verdict").textContent = say.none;
      $("device-verdict").dataset.verdict = "none";
    }
  }

  $("device-start").addEventListener("click", () => { open(); connection(); });
  $("device-camera").addEventListener("change", open);
  $("device-microphone").addEventListener("change", open);
  $("device-tone").addEventListener("click", tone);
})();
