// The tapegrad playground: the page talks to the JSON API of `tapegrad serve` only.
// This file: what every view shares (numbers, the API, tabs, the display settings).
// quiz.js, expr.js, network.js and train.js follow it, in that order.
'use strict';

const $ = (id) => document.getElementById(id);

// JSON numbers that JSON cannot carry arrive as the strings "inf", "-inf", "nan".
function num(v) {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan' || v === null) return NaN;
  return v;
}

// Full precision: the shortest text that reads back to the same number (as Rust prints it).
function full(v) {
  const x = num(v);
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return String(x);
}

// Four significant digits, as the picture of the graph shows numbers.
function short(v) {
  const x = num(v);
  if (!Number.isFinite(x)) return full(x);
  return String(Number(x.toPrecision(4)));
}

const settings = {
  full: false, // every digit instead of four
  large: false, // larger text, for a projector
  listeners: [],
  // Calls `f` whenever a setting changes (the views redraw their numbers).
  onChange(f) { this.listeners.push(f); },
  changed() { for (const f of this.listeners) f(); },
};

// A number as the settings show it.
function fmt(v) {
  return settings.full ? full(v) : short(v);
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// A number as HTML: shown as the settings say, every digit on hover and in data-full.
function numHtml(v) {
  return `<span class="num" title="${full(v)}" data-full="${full(v)}">${fmt(v)}</span>`;
}

// The canvas font size, larger on a projector.
function canvasFont() {
  return settings.large ? 16 : 12;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json();
  if (!response.ok) {
    const e = new Error(data.error || response.statusText);
    e.data = data;
    throw e;
  }
  return data;
}

// TensorFlow Playground's colours: orange for negative (label 0), white at 0, blue for
// positive (label 1). `t` in [-1, 1]; `light` mixes towards white, so that points drawn in the
// full colours stay visible on it.
const ORANGE = [245, 147, 34];
const BLUE = [8, 119, 189];
function diverging(t, light = 0) {
  const c = Number.isFinite(t) ? Math.max(-1, Math.min(1, t)) : 0;
  const end = c < 0 ? ORANGE : BLUE;
  const a = Math.abs(c);
  return end.map((e) => Math.round((255 + (e - 255) * a) * (1 - light) + 255 * light));
}

// Draws `values` (row-major, `size` × `size`, top row first) on `canvas`, smoothed: each value
// is the colour at its cell's centre, blended between centres.
function drawField(canvas, values, size, colour) {
  const small = document.createElement('canvas');
  small.width = size;
  small.height = size;
  const sctx = small.getContext('2d');
  const image = sctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = colour(num(values[i]));
    image.data.set([r, g, b, 255], 4 * i);
  }
  sctx.putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

// ---- tabs and settings ----
const views = { shown: [] }; // functions called when the training view is first shown
for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab);
    for (const v of document.querySelectorAll('.view')) v.classList.toggle('active', v.id === tab.dataset.view);
    if (tab.dataset.view === 'train-view') for (const f of views.shown) f();
  });
}
$('full-precision').addEventListener('change', () => {
  settings.full = $('full-precision').checked;
  settings.changed();
});
$('large-text').addEventListener('click', () => {
  settings.large = !settings.large;
  document.body.classList.toggle('large', settings.large);
  $('large-text').setAttribute('aria-pressed', String(settings.large));
  settings.changed();
});
