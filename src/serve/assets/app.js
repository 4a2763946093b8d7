// The tapegrad playground: the page talks to the JSON API of `tapegrad serve` only.
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

// Four significant digits, as the picture shows numbers.
function short(v) {
  const x = num(v);
  if (!Number.isFinite(x)) return full(x);
  return String(Number(x.toPrecision(4)));
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

// ---- tabs ----
for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab);
    for (const v of document.querySelectorAll('.view')) v.classList.toggle('active', v.id === tab.dataset.view);
    if (tab.dataset.view === 'train-view' && train.id === null) train.reset();
  });
}

// ---- expression view ----
const expr = {
  values: { w: 0.5, x: 2, b: -1 }, // last value typed for each name
  inputs: [],
  result: null, // the last /api/expr answer
  done: 0, // steps of the sweep applied
};

// An error under the expression; a parser error gets a caret at its column.
function showExprError(e) {
  const box = $('expr-error');
  if (!e) {
    box.hidden = true;
    return;
  }
  let text = e.message;
  const d = e.data || {};
  if (d.line !== undefined) {
    const lines = $('expr').value.split('\n');
    const line = lines[d.line - 1] || '';
    text = `${line}\n${' '.repeat(Math.max(0, d.col - 1))}^ ${d.message}\nerror at ${d.line}:${d.col}`;
  }
  box.textContent = text;
  box.hidden = false;
}

function renderInputs(names) {
  const box = $('inputs');
  box.replaceChildren();
  for (const name of names) {
    const label = document.createElement('label');
    label.className = 'var';
    const input = document.createElement('input');
    input.type = 'number';
    input.step = 'any';
    input.dataset.var = name;
    input.className = 'var-input';
    input.value = name in expr.values ? expr.values[name] : 1;
    input.addEventListener('input', () => { expr.values[name] = Number(input.value); });
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') evaluate(); });
    label.append(`${name} =`, input);
    box.append(label);
  }
  expr.inputs = names;
}

let parseTimer = null;
async function parseNow() {
  try {
    const p = await api('POST', '/api/parse', { expr: $('expr').value });
    showExprError(null);
    renderInputs(p.inputs);
    return true;
  } catch (e) {
    showExprError(e);
    return false;
  }
}

async function evaluate() {
  if (!(await parseNow())) return;
  const at = {};
  for (const input of document.querySelectorAll('.var-input')) {
    at[input.dataset.var] = Number(input.value);
  }
  try {
    expr.result = await api('POST', '/api/expr', { expr: $('expr').value, at, hessian: $('hessian').checked });
  } catch (e) {
    showExprError(e);
    return;
  }
  $('graph').innerHTML = expr.result.svg;
  renderValue();
  renderHessian();
  restart();
}

function renderValue() {
  $('value-line').textContent = `f = ${full(expr.result.value)}`;
}

function renderHessian() {
  const table = $('hessian-table');
  const h = expr.result.hessian;
  table.hidden = !h;
  if (!h) return;
  const vars = expr.result.vars;
  const head = `<tr><th>Hessian</th>${vars.map((v) => `<th>${v}</th>`).join('')}</tr>`;
  const rows = h.map((row, i) => `<tr><th>${vars[i]}</th>${row.map((x) => `<td>${full(x)}</td>`).join('')}</tr>`);
  table.innerHTML = head + rows.join('');
}

// The gradient each node has accumulated after the first `expr.done` steps.
function accumulated() {
  const trace = expr.result.trace;
  const acc = { [trace.loss]: 1 };
  for (const step of trace.steps.slice(0, expr.done)) {
    for (const c of step.inputs) {
      if (c.accumulated !== null) acc[c.input] = c.accumulated;
    }
  }
  return acc;
}

function restart() {
  expr.done = 0;
  renderSweep();
}

function renderSweep() {
  const trace = expr.result.trace;
  const steps = trace.steps;
  const acc = accumulated();
  const svg = $('graph');
  // Gradients in the picture: what has arrived so far, '·' where nothing has yet.
  for (const node of svg.querySelectorAll('g.node')) {
    const text = node.querySelector('text.grad');
    const reached = node.id in acc;
    if (text) text.textContent = reached ? `grad ${short(acc[node.id])}` : 'grad ·';
    node.classList.toggle('reached', reached);
    node.classList.remove('current');
  }
  for (const edge of svg.querySelectorAll('path.edge')) edge.classList.remove('active');
  const detail = $('step-detail');
  if (expr.done === 0) {
    detail.textContent = `The sweep starts at the output ${trace.loss}: ∂f/∂${trace.loss} = 1.\nPress Step to send it back one node at a time.`;
  } else {
    const step = steps[expr.done - 1];
    const node = svg.querySelector(`g.node#${step.node}`);
    if (node) node.classList.add('current');
    for (const edge of svg.querySelectorAll(`path.edge[data-to="${step.node}"]`)) edge.classList.add('active');
    const label = (id) => { const n = trace.forward.find((m) => m.id === id); return (n && n.name) || id; };
    const computes = trace.forward.find((n) => n.id === step.node).computes;
    const lines = [`step ${step.step}: ${label(step.node)} = ${computes}, upstream ∂f/∂${label(step.node)} = ${full(step.upstream)}`];
    for (const c of step.inputs) {
      const to = label(c.input);
      if (c.sent === null) {
        lines.push(`  ${to}: a constant, no gradient   [${c.rule}]`);
      } else {
        lines.push(`  ${to}: upstream × local partial = ${full(step.upstream)} × ${full(c.partial)} = ${full(c.sent)}`);
        lines.push(`  ${' '.repeat(to.length)}  [${c.rule}]   ∂f/∂${to} so far = ${full(c.accumulated)}`);
      }
    }
    detail.textContent = lines.join('\n');
  }
  $('step-info').textContent = `step ${expr.done} of ${steps.length}` + (expr.done === steps.length ? ' (done)' : '');
  $('step').disabled = expr.done >= steps.length;
  $('run').disabled = expr.done >= steps.length;
  $('restart').disabled = false;
  // The variables' gradients as accumulated so far, at full precision.
  const body = $('grad-table').querySelector('tbody');
  body.replaceChildren();
  for (const v of trace.gradients) {
    const tr = document.createElement('tr');
    const reached = v.id in acc;
    const label = v.name || v.id;
    tr.innerHTML = `<th>${label}</th><td>${full(v.value)}</td><td class="grad" data-var="${label}">${reached ? full(acc[v.id]) : '—'}</td>`;
    body.append(tr);
  }
}

$('expr').addEventListener('input', () => {
  clearTimeout(parseTimer);
  parseTimer = setTimeout(parseNow, 250);
});
$('expr').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') evaluate(); });
$('evaluate').addEventListener('click', evaluate);
$('hessian').addEventListener('change', () => { if (expr.result) evaluate(); });
$('step').addEventListener('click', () => { expr.done += 1; renderSweep(); });
$('run').addEventListener('click', () => { expr.done = expr.result.trace.steps.length; renderSweep(); });
$('restart').addEventListener('click', restart);

// ---- training view ----
const train = {
  id: null,
  info: null,
  history: [],
  state: null,
  timer: null,
  generation: 0,

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

  // A new session with the form's configuration. Resets may overlap (every change of the form
  // starts one): only the newest one's answer is kept, the others' sessions are closed.
  async reset() {
    const generation = ++this.generation;
    await this.close();
    let answer;
    try {
      answer = await api('POST', '/api/train', this.config());
    } catch (e) {
      if (generation === this.generation) this.showError(e.message);
      return;
    }
    if (generation !== this.generation) {
      fetch(`/api/train/${answer.id}`, { method: 'DELETE' });
      return;
    }
    this.id = answer.id;
    this.info = answer;
    this.history = [];
    this.showError(null);
    $('train-model').textContent = answer.model;
    $('train-params').textContent = answer.parameters;
    this.update(answer);
    this.timer = setInterval(() => this.poll(), 200);
  },

  async close() {
    clearInterval(this.timer);
    const id = this.id;
    this.id = null;
    if (id !== null) {
      await fetch(`/api/train/${id}`, { method: 'DELETE', keepalive: true }).catch(() => {});
    }
  },

  async control(action) {
    if (this.id === null) return;
    try {
      this.update(await api('POST', `/api/train/${this.id}/${action}`));
    } catch (e) {
      this.showError(e.message);
    }
  },

  async poll() {
    if (this.id === null) return;
    try {
      this.update(await api('GET', `/api/train/${this.id}?since=${this.history.length}`));
    } catch (e) {
      this.showError(e.message);
      this.close();
    }
  },

  update(state) {
    if (state.history.since === this.history.length) {
      this.history.push(...state.history.loss.map(num));
    }
    this.state = state;
    $('train-steps').textContent = state.step + (state.done ? ' (stopped)' : state.running ? ' (running)' : '');
    $('train-loss').textContent = full(state.loss);
    $('train-accuracy').textContent = `${(100 * state.accuracy).toFixed(1)}%`;
    $('train-sps').textContent = state.steps_per_second.toFixed(0);
    if (state.error) this.showError(state.error);
    this.drawHeatmap();
    this.drawLoss();
  },

  drawHeatmap() {
    const canvas = $('heatmap');
    const ctx = canvas.getContext('2d');
    const { size, p } = this.state.heatmap;
    const cell = canvas.width / size;
    // Orange for label 0, white at 1/2, blue for label 1 (TensorFlow Playground's colours).
    const mix = (q) => {
      const [lo, hi] = q < 0.5 ? [[245, 147, 34], [255, 255, 255]] : [[255, 255, 255], [8, 119, 189]];
      const t = q < 0.5 ? q * 2 : q * 2 - 1;
      return `rgb(${lo.map((c, i) => Math.round(c + (hi[i] - c) * t)).join(',')})`;
    };
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        ctx.fillStyle = mix(num(p[r * size + c]));
        ctx.fillRect(c * cell, r * cell, cell + 1, cell + 1);
      }
    }
    const [x0, x1, y0, y1] = this.info.bounds;
    for (const [x, y, label] of this.info.points) {
      ctx.beginPath();
      ctx.arc((x - x0) / (x1 - x0) * canvas.width, (y1 - y) / (y1 - y0) * canvas.height, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = label > 0.5 ? '#0877bd' : '#f59322';
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
  },

  drawLoss() {
    const canvas = $('loss-curve');
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const h = this.history;
    if (h.length === 0) return;
    // One point per pixel column at most: the last loss of the steps that column covers.
    const columns = Math.min(h.length, canvas.width);
    const points = [];
    for (let c = 0; c < columns; c++) {
      const i = columns === 1 ? 0 : Math.round((c / (columns - 1)) * (h.length - 1));
      if (Number.isFinite(h[i])) points.push([c / Math.max(columns - 1, 1), h[i]]);
    }
    const top = points.reduce((m, p) => Math.max(m, p[1]), 0) * 1.05 || 1;
    ctx.strokeStyle = '#111827';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.forEach(([t, v], k) => {
      const x = t * canvas.width;
      const y = canvas.height - (v / top) * (canvas.height - 10);
      if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = '#6b7280';
    ctx.fillText(`${short(top)}`, 4, 12);
    ctx.fillText(`0 … ${h.length - 1} steps`, 4, canvas.height - 4);
  },
};

$('train-start').addEventListener('click', () => train.control('start'));
$('train-pause').addEventListener('click', () => train.control('pause'));
$('train-step').addEventListener('click', () => train.control('step'));
$('train-reset').addEventListener('click', () => train.reset());
$('train-form').addEventListener('change', () => train.reset());
$('train-form').addEventListener('submit', (ev) => ev.preventDefault());
window.addEventListener('pagehide', () => train.close());

parseNow();
