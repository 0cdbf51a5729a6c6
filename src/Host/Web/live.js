"use strict";
// Everything here comes from the service's REST API; see docs/REST.md.
const overlayAlpha = 0.45;
let stages = [];
const cards = new Map();

function cameraUrl(id) { return "/api/cameras/" + encodeURIComponent(id); }
async function json(url) { const r = await fetch(url, { cache: "no-store", credentials: "same-origin" }); if (!r.ok) throw new Error(r.status); return r.json(); }
function image(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("no image " + url));
    img.src = url + (url.includes("?") ? "&" : "?") + "t=" + Date.now();
  });
}
function colours(stageName) {
  const s = stages.find(x => x.name === stageName);
  return s && s.classes ? s.classes.map(c => c.color) : [];
}
function card(id) {
  if (cards.has(id)) return cards.get(id);
  const el = document.createElement("div");
  el.className = "camera";
  el.dataset.camera = id;
  // The card's markup is a fixed template; the camera's id (any characters a camera id may hold)
  // only ever goes in as text or as an encoded URL part, never as markup.
  el.appendChild(document.getElementById("camera-card").content.cloneNode(true));
  el.querySelector(".id").textContent = id;
  el.querySelector("form").addEventListener("submit", async ev => {
    ev.preventDefault();
    const q = ev.target.q.value;
    const out = el.querySelector(".answer");
    out.textContent = "asking…";
    const r = await fetch(`${cameraUrl(id)}/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: q }) });
    const body = await r.json().catch(() => ({}));
    out.textContent = r.ok ? `${body.answer} (${body.latency_ms} ms)` : (body.error || ("error " + r.status));
  });
  document.getElementById("cameras").appendChild(el);
  const entry = { el, busy: false };
  cards.set(id, entry);
  return entry;
}

// Class-index mask (8-bit grey PNG) → class colours, transparent for class 0.
async function drawMask(ctx, camera, stage, w, h) {
  const mask = await image(`${cameraUrl(camera)}/stages/${stage}/latest/mask`);
  const tmp = new OffscreenCanvas(mask.width, mask.height).getContext("2d");
  tmp.drawImage(mask, 0, 0);
  const ids = tmp.getImageData(0, 0, mask.width, mask.height);
  const palette = colours(stage);
  for (let i = 0; i < ids.data.length; i += 4) {
    const c = ids.data[i];
    const rgb = palette[c] || [255, 255, 0];
    ids.data[i] = rgb[0]; ids.data[i + 1] = rgb[1]; ids.data[i + 2] = rgb[2];
    ids.data[i + 3] = c === 0 ? 0 : Math.round(255 * overlayAlpha);
  }
  tmp.putImageData(ids, 0, 0);
  ctx.drawImage(tmp.canvas, 0, 0, w, h);
}
function turbo(t) { // compact approximation of a perceptual colour map
  const r = Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - 3))), g = Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - 2))), b = Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - 1)));
  return [r * 255, g * 255, b * 255];
}
async function drawDepth(canvas, camera, stage, result) {
  const map = await image(`${cameraUrl(camera)}/stages/${stage}/latest/depth`);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(map, 0, 0, canvas.width, canvas.height);
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const nearerIsLarger = (result.depth || result).nearer_is === "larger";
  for (let i = 0; i < px.data.length; i += 4) {
    let t = px.data[i] / 255;
    if (!nearerIsLarger) t = 1 - t;
    const [r, g, b] = turbo(t);
    px.data[i] = r; px.data[i + 1] = g; px.data[i + 2] = b; px.data[i + 3] = 255;
  }
  ctx.putImageData(px, 0, 0);
}
function drawBoxes(ctx, det, w, h) {
  const sx = w / det.frame.width, sy = h / det.frame.height;
  ctx.lineWidth = 2; ctx.strokeStyle = "#00ff66"; ctx.fillStyle = "#00ff66"; ctx.font = "12px sans-serif";
  for (const d of det.detections) {
    ctx.strokeRect(d.box.x * sx, d.box.y * sy, d.box.w * sx, d.box.h * sy);
    ctx.fillText(`${d.class}${d.track_id ? " #" + d.track_id : ""} ${d.score.toFixed(2)}`, d.box.x * sx + 2, d.box.y * sy + 12);
  }
}

async function refresh(camera) {
  const entry = card(camera.id);
  if (entry.busy) return;
  entry.busy = true;
  try {
    const el = entry.el;
    const state = el.querySelector(".state");
    state.textContent = camera.state; state.className = "state state-" + camera.state;
    el.querySelector(".stats").textContent = camera.stages.map(s =>
      `${s.name.padEnd(13)} ${s.enabled ? "on " : "off"} ${String(s.mean_ms).padStart(7)} ms  done ${s.processed}  dropped ${s.dropped}`).join("\n")
      + `\nframes ${camera.frames}  reconnects ${camera.reconnects}  max_fps ${camera.max_fps ?? "none"}`;
    const canvas = el.querySelector("canvas.main");
    const frame = await image(`${cameraUrl(camera.id)}/frame.jpg`);
    // Draw off screen and show the finished picture at once: a half-drawn overlay never flickers.
    const off = new OffscreenCanvas(canvas.width, Math.round(canvas.width * frame.height / frame.width));
    const ctx = off.getContext("2d");
    ctx.drawImage(frame, 0, 0, off.width, off.height);
    const names = stages.map(s => s.name);
    let drew = false;
    for (const stage of ["segmentation", "semdepth"].filter(n => names.includes(n))) {
      try { await drawMask(ctx, camera.id, stage, off.width, off.height); drew = true; break; } catch (e) { }
    }
    if (names.includes("detection")) {
      try { drawBoxes(ctx, await json(`${cameraUrl(camera.id)}/stages/detection/latest`), off.width, off.height); drew = true; } catch (e) { }
    }
    if (canvas.height !== off.height) canvas.height = off.height;
    canvas.getContext("2d").drawImage(off, 0, 0);
    for (const stage of ["depth", "semdepth"].filter(n => names.includes(n))) {
      try { await drawDepth(el.querySelector("canvas.depth"), camera.id, stage, await json(`${cameraUrl(camera.id)}/stages/${stage}/latest`)); break; } catch (e) { }
    }
    if (names.includes("flow")) {
      try { el.querySelector("canvas.flow").getContext("2d").drawImage(await image(`${cameraUrl(camera.id)}/stages/flow/latest/image`), 0, 0, 200, 112); } catch (e) { }
    }
    try {
      const n = await json(`${cameraUrl(camera.id)}/narration`);
      el.querySelector(".narration").textContent = n.text;
    } catch (e) { el.querySelector(".narration").textContent = "(no narration: the VideoLLM stage is not running)"; }
    if (drew) document.body.dataset.ready = "1";
  } catch (e) {
    // The camera may be reconnecting; the next round tries again.
  } finally {
    entry.busy = false;
  }
}

async function tick() {
  try {
    if (stages.length === 0) stages = await json("/api/stages");
    const cameras = await json("/api/cameras");
    document.getElementById("summary").textContent = `${cameras.length} camera(s), stages: ${stages.map(s => s.name).join(", ")}`;
    for (const [id, entry] of cards) if (!cameras.some(c => c.id === id)) { entry.el.remove(); cards.delete(id); }
    await Promise.all(cameras.map(refresh));
  } catch (e) { document.getElementById("summary").textContent = "service not reachable"; }
}
// Recent events (the events stage): the best snapshot of each object, what it did, and whether it is still in view.
async function refreshEvents() {
  if (!stages.some(s => s.name === "events")) return;
  try {
    const list = await json("/api/events?limit=12");
    const section = document.getElementById("events");
    section.hidden = false;
    const items = list.map(e => {
      const li = document.createElement("li");
      li.dataset.event = e.id;
      if (e.snapshot) {
        const img = document.createElement("img");
        img.alt = `${e.label} ${e.track_id}`;
        img.src = `/api/events/${encodeURIComponent(e.id)}/snapshot.jpg?seq=${e.snapshot.seq}`;
        li.append(img);
      }
      const what = document.createElement("div");
      what.textContent = `${e.label} #${e.track_id} on ${e.camera}`;
      const when = document.createElement("div");
      when.className = e.end_time ? "ended" : "open";
      when.textContent = `${new Date(e.start_time).toLocaleTimeString()} ${e.end_time ? "– " + new Date(e.end_time).toLocaleTimeString() : "(in view)"}`;
      const where = document.createElement("div");
      where.textContent = [e.entered_zones.length ? "zones: " + e.entered_zones.join(", ") : "",
        ...e.crossings.map(c => `crossed ${c.line} ${c.direction}`)].filter(x => x).join("; ");
      li.append(what, when, where);
      return li;
    });
    section.querySelector("ul").replaceChildren(...items);
  } catch (e) { }
}
tick();
setInterval(tick, 500);
setInterval(refreshEvents, 2000);
