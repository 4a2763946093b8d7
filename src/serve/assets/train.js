// The training view: a session on the server, the heat map with the points, the loss curves
// and the gradient health plot.
'use strict';

const LAYER_COLOURS = ['#1d4ed8', '#ea580c', '#15803d', '#9333ea', '#b91c1c', '#0e7490', '#111827'];

const train = {
  id: null, // the session's id, an opaque string to the page
  info: null,
  history: [],
  testHistory: [],
  gradHistory: [],
  state: null,
  timer: null,
  generation: 0,
  kept: null, // the gradient health picture kept for comparison
  drawn: -Infinity, // when the pictures were last drawn

  config() {
    const n = (id) => Number($(id).value);
    const hidden = $('hidden').value.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
    return {
      dataset: $('dataset').value, points: n('points'), noise: n('noise'), seed: n('seed'), hidden,
      activation: $('activation').value, optimizer: $('optimizer').value,
      lr: n('lr'), l1: n('l1'), l2: n('l2'), batch: n('batch'), rate: n('rate'),
    };
  },

  showError(message) {
    $('train-error').textContent = message || '';
    $('train-error').hidden = !message;
  },

  // Nothing shown is of a model any more (the configuration was refused).
  clear() {
    this.info = null;
    this.state = null;
    for (const id of ['train-start', 'train-pause', 'train-step', 'keep-health']) $(id).disabled = true;
    for (const id of ['train-model', 'train-params', 'train-steps', 'train-loss', 'test-loss', 'train-accuracy', 'train-sps']) $(id).textContent = '–';
    for (const id of ['heatmap', 'heatmap-bg', 'loss-curve', 'grad-health']) {
      const c = $(id);
      c.getContext('2d').clearRect(0, 0, c.width, c.height);
    }
    $('network').replaceChildren();
    network.sizes = null;
    network.clearBackprop('No model: fix the configuration above.');
  },

  // A new session with the form's configuration. Resets may overlap (every change of the form
  // starts one): only the newest one's answer is kept, the others' sessions are closed.
  async reset() {
    const generation = ++this.generation;
    await this.close();
    let answer;
    try {
      answer = await api('POST', '/api/train', this.config());
    } catch (e) {
      if (generation === this.generation) {
        this.clear();
        this.showError(`${e.message}\nThe configuration was refused: nothing is trained until it is fixed.`);
      }
      return;
    }
    if (generation !== this.generation) {
      fetch(`/api/train/${encodeURIComponent(answer.id)}`, { method: 'DELETE' });
      return;
    }
    this.id = String(answer.id);
    this.info = answer;
    this.history = [];
    this.testHistory = [];
    this.gradHistory = [];
    this.state = null;
    this.showError(null);
    for (const id of ['train-start', 'train-pause', 'train-step', 'keep-health']) $(id).disabled = false;
    $('train-model').textContent = answer.model;
    $('train-params').textContent = answer.parameters;
    network.build(answer);
    this.update(answer);
    this.timer = setInterval(() => this.poll(), 200);
  },

  path(rest = '') {
    return `/api/train/${encodeURIComponent(this.id)}${rest}`;
  },

  async close() {
    clearInterval(this.timer);
    const id = this.id;
    this.id = null;
    if (id !== null) {
      await fetch(`/api/train/${encodeURIComponent(id)}`, { method: 'DELETE', keepalive: true }).catch(() => {});
    }
  },

  async control(action) {
    if (this.id === null) return;
    try {
      this.update(await api('POST', this.path(`/${action}`)));
    } catch (e) {
      this.showError(e.message);
    }
  },

  async poll() {
    if (this.id === null) return;
    try {
      this.update(await api('GET', this.path(`?since=${this.history.length}`)));
    } catch (e) {
      this.showError(e.message);
      this.close();
    }
  },

  update(state, redraw = false) {
    if (!this.info) return;
    // A paused session's polls change nothing: draw only what moved (the machine may be busy).
    const moved = redraw || !this.state || state.step !== this.state.step || state.running || state.error !== this.state.error;
    // While running, draw at most every 400 ms: a busy machine's browser keeps up and stays
    // responsive to Pause.
    const now = performance.now();
    const due = redraw || !state.running || !(now - this.drawn < 400);
    const h = state.history;
    if (h.since === this.history.length) {
      this.history.push(...h.loss.map(num));
      this.testHistory.push(...h.test_loss.map(num));
      this.gradHistory.push(...h.grad_norms.map((row) => (row === null ? null : row.map(num))));
    }
    this.state = state;
    $('train-steps').textContent = state.step + (state.done ? ' (stopped)' : state.running ? ' (running)' : '');
    $('train-loss').innerHTML = numHtml(state.loss);
    const test = this.testHistory[this.testHistory.length - 1];
    $('test-loss').innerHTML = test === undefined ? '–' : numHtml(test);
    $('train-accuracy').textContent = `${(100 * state.accuracy).toFixed(1)}%`;
    $('train-sps').textContent = state.steps_per_second.toFixed(0);
    if (state.error) this.showError(state.error);
    if (!moved || !due) return;
    this.drawn = now;
    network.update(state);
    this.drawHeatmap();
    this.drawLoss();
    this.drawHealth($('grad-health'), this.gradHistory, this.info.config);
  },

  // Canvas position of a data point.
  at(x, y, canvas) {
    const [x0, x1, y0, y1] = this.info.bounds;
    return [(x - x0) / (x1 - x0) * canvas.width, (y1 - y) / (y1 - y0) * canvas.height];
  },

  // The heat map, lighter than the points' colours and smoothed; the points over it in full
  // colour with a dark outline, so that they stay visible where the model is sure of them.
  drawHeatmap() {
    if (!this.state) return;
    const canvas = $('heatmap');
    const bg = $('heatmap-bg');
    const { size, p } = this.state.heatmap;
    drawField(bg, p, size, (q) => diverging(2 * q - 1, 0.45));
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bg, 0, 0);
    const selected = network.bp ? network.bp.result.point : null;
    this.info.points.forEach(([x, y, label], k) => {
      const [cx, cy] = this.at(x, y, canvas);
      ctx.beginPath();
      ctx.arc(cx, cy, 4, 0, 2 * Math.PI);
      ctx.fillStyle = label > 0.5 ? '#0877bd' : '#f59322';
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = '#1f2937';
      ctx.stroke();
      if (k === selected) {
        ctx.beginPath();
        ctx.arc(cx, cy, 9, 0, 2 * Math.PI);
        ctx.lineWidth = 2.5;
        ctx.strokeStyle = '#111827';
        ctx.stroke();
      }
    });
  },

  // The point nearest to a click, if one is within 10 pixels.
  pointAt(event) {
    const canvas = $('heatmap');
    const box = canvas.getBoundingClientRect();
    const px = (event.clientX - box.left) * canvas.width / box.width;
    const py = (event.clientY - box.top) * canvas.height / box.height;
    let best = null;
    let bestD = 10 * 10;
    this.info.points.forEach(([x, y], k) => {
      const [cx, cy] = this.at(x, y, canvas);
      const d = (cx - px) ** 2 + (cy - py) ** 2;
      if (d <= bestD) { best = k; bestD = d; }
    });
    return best;
  },

  // Axes with readable labels: `ticks` on y at the given values, the steps on x.
  axes(ctx, canvas, m, yTicks, yLabel, steps) {
    const font = canvasFont();
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.fillStyle = '#374151';
    ctx.strokeStyle = '#9ca3af';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(m.left, m.top);
    ctx.lineTo(m.left, canvas.height - m.bottom);
    ctx.lineTo(canvas.width - m.right, canvas.height - m.bottom);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const [y, text] of yTicks) ctx.fillText(text, m.left - 4, y);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText('0', m.left, canvas.height - m.bottom + 3);
    ctx.fillText(String(steps), canvas.width - m.right, canvas.height - m.bottom + 3);
    ctx.fillText('step', (m.left + canvas.width - m.right) / 2, canvas.height - m.bottom + 3);
    ctx.save();
    ctx.translate(font * 0.8, (m.top + canvas.height - m.bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(yLabel, 0, -font * 0.6);
    ctx.restore();
  },

  margins() {
    const f = canvasFont();
    return { left: 5.2 * f, right: 14, top: 1.6 * f, bottom: 1.8 * f };
  },

  drawLoss() {
    const canvas = $('loss-curve');
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const series = [[this.history, '#111827', [], 'training'], [this.testHistory, '#ea580c', [5, 3], 'test']];
    const n = this.history.length;
    if (n === 0) return;
    const m = this.margins();
    const top = Math.max(...series.flatMap(([h]) => h.filter(Number.isFinite)), 0) * 1.05 || 1;
    const w = canvas.width - m.left - m.right;
    const hgt = canvas.height - m.top - m.bottom;
    const Y = (v) => canvas.height - m.bottom - (v / top) * hgt;
    this.axes(ctx, canvas, m, [[Y(0), '0'], [Y(top / 2), short(top / 2)], [Y(top), short(top)]], 'loss', n - 1);
    for (const [h, colour, dash] of series) {
      // One point per pixel column at most.
      const columns = Math.min(h.length, w);
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash);
      ctx.lineWidth = 1.8;
      ctx.beginPath();
      let started = false;
      for (let c = 0; c < columns; c++) {
        const i = columns === 1 ? 0 : Math.round((c / (columns - 1)) * (h.length - 1));
        if (!Number.isFinite(h[i])) continue;
        const x = m.left + (n === 1 ? 0 : (i / (n - 1)) * w);
        if (started) ctx.lineTo(x, Y(h[i])); else { ctx.moveTo(x, Y(h[i])); started = true; }
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    this.legend(ctx, canvas, m, series.map(([, colour, dash, name]) => [name, colour, dash]));
  },

  legend(ctx, canvas, m, entries) {
    const font = canvasFont();
    ctx.font = `${font}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    let x = m.left + 8;
    for (const [name, colour, dash] of entries) {
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash || []);
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, m.top / 2);
      ctx.lineTo(x + 18, m.top / 2);
      ctx.stroke();
      ctx.fillStyle = '#111827';
      ctx.fillText(name, x + 22, m.top / 2);
      x += 30 + ctx.measureText(name).width;
    }
    ctx.setLineDash([]);
  },

  // Each layer's gradient norm per step, on a log scale.
  drawHealth(canvas, rows, config) {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const n = rows.length;
    const values = rows.flatMap((r) => r || []).filter((v) => v > 0 && Number.isFinite(v));
    if (values.length === 0) return;
    const layers = config.hidden.length + 1;
    const m = this.margins();
    let lo = Math.floor(Math.log10(Math.min(...values)));
    let hi = Math.ceil(Math.log10(Math.max(...values)));
    if (hi === lo) { lo -= 1; hi += 1; }
    const w = canvas.width - m.left - m.right;
    const hgt = canvas.height - m.top - m.bottom;
    const Y = (v) => canvas.height - m.bottom - ((Math.log10(v) - lo) / (hi - lo)) * hgt;
    const every = Math.max(1, Math.ceil((hi - lo) / 6));
    const ticks = [];
    for (let e = lo; e <= hi; e += every) ticks.push([Y(10 ** e), `1e${e}`]);
    this.axes(ctx, canvas, m, ticks, '‖gradient‖', n - 1);
    for (let l = 0; l < layers; l++) {
      ctx.strokeStyle = LAYER_COLOURS[l % LAYER_COLOURS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      const columns = Math.min(n, w);
      for (let c = 0; c < columns; c++) {
        const i = columns === 1 ? 0 : Math.round((c / (columns - 1)) * (n - 1));
        const v = rows[i] && rows[i][l];
        if (!(v > 0 && Number.isFinite(v))) continue;
        const x = m.left + (n === 1 ? 0 : (i / (n - 1)) * w);
        if (started) ctx.lineTo(x, Y(v)); else { ctx.moveTo(x, Y(v)); started = true; }
      }
      ctx.stroke();
    }
    const names = Array.from({ length: layers }, (_, l) => [l === layers - 1 ? 'output' : `layer ${l + 1}`, LAYER_COLOURS[l % LAYER_COLOURS.length]]);
    this.legend(ctx, canvas, m, names);
  },

  describe(config) {
    const hidden = config.hidden.length === 0 ? 'no hidden layer' : `hidden ${config.hidden.join(', ')} ${config.activation}`;
    return `${config.dataset}, ${hidden}, ${config.optimizer} lr ${config.lr}, step ${this.history.length - 1}`;
  },

  keep() {
    if (!this.info) return;
    this.kept = { rows: this.gradHistory.slice(), config: this.info.config, text: this.describe(this.info.config) };
    this.drawKept();
  },

  drawKept() {
    if (!this.kept) return;
    $('kept-figure').hidden = false;
    $('health-kept').textContent = `kept: ${this.kept.text}`;
    this.drawHealth($('grad-health-kept'), this.kept.rows, this.kept.config);
  },
};

$('train-start').addEventListener('click', () => { network.clearBackprop('Training: pause it and click a point to trace its loss.'); train.control('start'); });
$('train-pause').addEventListener('click', () => train.control('pause'));
$('train-step').addEventListener('click', () => train.control('step'));
$('train-reset').addEventListener('click', () => train.reset());
$('train-form').addEventListener('change', () => train.reset());
$('train-form').addEventListener('submit', (ev) => ev.preventDefault());
$('keep-health').addEventListener('click', () => train.keep());
$('heatmap').addEventListener('click', (ev) => {
  if (!train.info) return;
  const k = train.pointAt(ev);
  if (k !== null) network.trace(k);
});
window.addEventListener('pagehide', () => train.close());
views.shown.push(() => { if (train.id === null && train.info === null) train.reset(); });
settings.onChange(() => {
  if (!train.state) return;
  train.update({ ...train.state, history: { since: -1 } }, true); // nothing new to append
  train.drawKept();
});
