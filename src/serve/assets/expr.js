// The expression view: an expression, its inputs, the graph, and the backward sweep step by step.
'use strict';

const expr = {
  // The last value typed for each name. The default point gives every product of the sweep
  // distinct factors (at w·x + b = 0 they would all be 1 × 1).
  values: { w: 0.8, x: 1.5, b: -0.4 },
  inputs: [],
  result: null, // the last /api/expr answer
  asked: null, // what it answered: {expr, at}
  done: 0, // steps of the sweep applied
  zoom: null, // the graph's scale; null: fit to the width when it is wider
  quiz: new Quiz($('expr-quiz-box')),
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

// Nothing shown matches the inputs any more: remove it.
function clearResults() {
  expr.result = null;
  expr.asked = null;
  expr.quiz.cancel();
  $('expr-results').hidden = true;
  $('graph').replaceChildren();
  $('expr-stale').hidden = true;
}

// Marks the results as stale when the expression or an input differs from what they show.
function checkStale() {
  if (!expr.result) return;
  const now = currentInputs();
  const same = now.expr === expr.asked.expr && now.missing.length === 0
    && Object.keys(expr.asked.at).length === Object.keys(now.at).length
    && Object.entries(expr.asked.at).every(([k, v]) => now.at[k] === v);
  $('expr-results').classList.toggle('stale', !same);
  const note = $('expr-stale');
  note.hidden = same;
  note.textContent = 'The expression or an input has changed: what is shown below is for the old one. Press Evaluate.';
}

function renderInputs(names) {
  const box = $('inputs');
  const keep = names.join(',') === expr.inputs.join(',');
  if (keep) return;
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
    input.addEventListener('input', () => {
      if (input.value.trim() !== '') expr.values[name] = Number(input.value);
      input.classList.remove('invalid');
      checkStale();
    });
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') evaluate(); });
    label.append(`${name} =`, input);
    box.append(label);
  }
  expr.inputs = names;
}

// The expression and the inputs' values as typed; blank inputs are `missing`, not 0.
function currentInputs() {
  const at = {};
  const missing = [];
  for (const input of document.querySelectorAll('.var-input')) {
    if (input.value.trim() === '' || !Number.isFinite(Number(input.value))) missing.push(input);
    else at[input.dataset.var] = Number(input.value);
  }
  return { expr: $('expr').value, at, missing };
}

let parseTimer = null;
async function parseNow() {
  try {
    const p = await api('POST', '/api/parse', { expr: $('expr').value });
    showExprError(null);
    renderInputs(p.inputs);
    checkStale();
    return true;
  } catch (e) {
    showExprError(e);
    clearResults();
    return false;
  }
}

// Evaluates; `keepStep` keeps the sweep where it was (ticking Hessian changes nothing else).
async function evaluate(keepStep = false) {
  if (!(await parseNow())) return;
  const asked = currentInputs();
  if (asked.missing.length > 0) {
    for (const input of asked.missing) input.classList.add('invalid');
    const names = asked.missing.map((i) => i.dataset.var).join(', ');
    showExprError(new Error(`${names}: ${asked.missing.length === 1 ? 'has' : 'have'} no value; type a number`));
    clearResults();
    return;
  }
  let result;
  try {
    result = await api('POST', '/api/expr', { expr: asked.expr, at: asked.at, hessian: $('hessian').checked });
  } catch (e) {
    showExprError(e);
    clearResults();
    return;
  }
  const same = keepStep && expr.result && expr.asked.expr === asked.expr
    && JSON.stringify(expr.asked.at) === JSON.stringify(asked.at);
  expr.result = result;
  expr.asked = { expr: asked.expr, at: asked.at };
  $('expr-results').hidden = false;
  $('graph').innerHTML = result.svg;
  prepareGraph();
  renderValue();
  renderHessian();
  if (same) renderSweep(); else restart();
  checkStale();
}

// Once per picture: an orange arrowhead for highlighted edges, the hover texts kept aside
// (they are rewritten as the sweep goes), and the scale.
function prepareGraph() {
  const svg = $('graph').querySelector('svg');
  if (!svg) return;
  const defs = svg.querySelector('defs');
  if (defs) {
    defs.insertAdjacentHTML('beforeend', '<marker id="arrow-active" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#ea580c"/></marker>');
  }
  for (const title of svg.querySelectorAll('g.node > title')) title.dataset.original = title.textContent;
  svg.dataset.width = svg.getAttribute('width');
  svg.dataset.height = svg.getAttribute('height');
  applyZoom();
}

function applyZoom() {
  const svg = $('graph').querySelector('svg');
  if (!svg) return;
  const natural = Number(svg.dataset.width);
  const room = $('graph').clientWidth - 2;
  if (room <= 0) return; // not shown now; drawn when it is
  const base = settings.large ? 1.3 : 1;
  const zoom = expr.zoom === null ? Math.min(base, room / natural) : expr.zoom;
  svg.setAttribute('width', Math.round(natural * zoom));
  svg.setAttribute('height', Math.round(Number(svg.dataset.height) * zoom));
}

function renderValue() {
  $('value-line').innerHTML = `f = ${numHtml(expr.result.value)}`;
}

function renderHessian() {
  const table = $('hessian-table');
  const h = expr.result.hessian;
  table.hidden = !h;
  if (!h) return;
  const vars = expr.result.vars;
  const head = `<tr><th>Hessian</th>${vars.map((v) => `<th>${escapeHtml(v)}</th>`).join('')}</tr>`;
  const rows = h.map((row, i) => `<tr><th>${escapeHtml(vars[i])}</th>${row.map((x) => `<td>${numHtml(x)}</td>`).join('')}</tr>`);
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
  expr.quiz.cancel();
  renderSweep();
}

function label(trace, id) {
  const n = trace.forward.find((m) => m.id === id);
  return (n && n.name) || id;
}

// What node `id` computes, in terms of `nameOf` its inputs (the trace writes their labels: a
// name, or n{id}).
function computesText(trace, id, nameOf) {
  const node = trace.forward.find((n) => n.id === id);
  let text = node.computes;
  const inputs = node.inputs.map((i) => [label(trace, i), nameOf(i)]).sort((a, b) => b[0].length - a[0].length);
  for (const [from, to] of inputs) {
    const re = new RegExp(`${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.])`, 'g');
    text = text.replace(re, to);
  }
  return text;
}

// The lines of one step: `upstream × local partial = contribution` for each input.
function stepLines(trace, step, nameOf) {
  const computes = computesText(trace, step.node, nameOf);
  const node = nameOf(step.node);
  const lines = [`step ${step.step}: ${escapeHtml(node)} = ${escapeHtml(computes)}, upstream ∂f/∂${escapeHtml(node)} = ${numHtml(step.upstream)}`];
  for (const c of step.inputs) {
    const to = escapeHtml(nameOf(c.input));
    if (c.sent === null) {
      lines.push(`  ${to}: a constant, no gradient   [${escapeHtml(c.rule)}]`);
    } else {
      lines.push(`  ${to}: upstream × local partial = ${numHtml(step.upstream)} × ${numHtml(c.partial)} = ${numHtml(c.sent)}`);
      lines.push(`  ${' '.repeat(nameOf(c.input).length)}  [${escapeHtml(c.rule)}]   ∂f/∂${to} so far = ${numHtml(c.accumulated)}`);
    }
  }
  return lines;
}

// Quiz questions for one step: each input's local partial, or its contribution.
function stepQuestions(trace, step, nameOf, what) {
  const node = escapeHtml(nameOf(step.node));
  const computes = escapeHtml(computesText(trace, step.node, nameOf));
  return step.inputs.filter((c) => c.partial !== null).map((c) => {
    const to = escapeHtml(nameOf(c.input));
    const where = `${node} = ${computes}; the upstream gradient ∂f/∂${node} is ${numHtml(step.upstream)}.`;
    return what === 'contribution'
      ? { input: c.input, prompt: `${where}<br>What does ${to} receive, upstream × ∂${node}/∂${to}?`, answer: c.sent, hint: `upstream × local partial, where ${c.rule}` }
      : { input: c.input, prompt: `${where}<br>What is the local partial ∂${node}/∂${to}?`, answer: c.partial, hint: c.rule };
  });
}

// The table of every step, shown once the sweep has run to the end.
function sweepTable(trace, steps, nameOf) {
  const head = '<tr><th>step</th><th>node</th><th>upstream</th><th>input</th><th>rule</th><th>local partial</th><th>contribution</th><th>accumulated</th></tr>';
  const rows = [];
  for (const s of steps) {
    s.inputs.forEach((c, k) => {
      const first = k === 0 ? `<td rowspan="${s.inputs.length}">${s.step}</td><td rowspan="${s.inputs.length}">${escapeHtml(nameOf(s.node))}</td><td rowspan="${s.inputs.length}">${numHtml(s.upstream)}</td>` : '';
      const n = (v) => (v === null ? '—' : numHtml(v));
      rows.push(`<tr>${first}<td>${escapeHtml(nameOf(c.input))}</td><td class="rule">${escapeHtml(c.rule)}</td><td>${n(c.partial)}</td><td>${n(c.sent)}</td><td>${n(c.accumulated)}</td></tr>`);
    });
  }
  return head + rows.join('');
}

function renderSweep() {
  if (!expr.result) return;
  const trace = expr.result.trace;
  const steps = trace.steps;
  const acc = accumulated();
  const svg = $('graph');
  const nameOf = (id) => label(trace, id);
  // Gradients in the picture and in the hover texts: what has arrived so far, '·' where
  // nothing has yet (the final gradient would give the answer away).
  for (const node of svg.querySelectorAll('g.node')) {
    const text = node.querySelector('text.grad');
    const reached = node.id in acc;
    if (text) text.textContent = reached ? `grad ${short(acc[node.id])}` : 'grad ·';
    const title = node.querySelector('title');
    if (title && title.dataset.original) {
      const grad = reached ? `grad so far ${full(acc[node.id])}` : 'grad: not reached yet';
      title.textContent = title.dataset.original.replace(/\ngrad .*/, `\n${grad}`);
    }
    node.classList.toggle('reached', reached);
    node.classList.remove('current');
  }
  for (const edge of svg.querySelectorAll('path.edge')) {
    edge.classList.remove('active');
    edge.setAttribute('marker-end', 'url(#arrow)');
  }
  const detail = $('step-detail');
  if (expr.done === 0) {
    detail.textContent = `The sweep starts at the output ${trace.loss}: ∂f/∂${trace.loss} = 1.\nPress Step to send it back one node at a time.`;
  } else {
    const step = steps[expr.done - 1];
    const node = svg.querySelector(`g.node#${step.node}`);
    if (node) node.classList.add('current');
    for (const edge of svg.querySelectorAll(`path.edge[data-to="${step.node}"]`)) {
      edge.classList.add('active');
      edge.setAttribute('marker-end', 'url(#arrow-active)');
    }
    detail.innerHTML = stepLines(trace, step, nameOf).join('\n');
  }
  const finished = expr.done === steps.length;
  $('step-info').textContent = `step ${expr.done} of ${steps.length}` + (finished ? ' (done)' : '');
  $('step').disabled = finished || expr.quiz.active;
  $('run').disabled = finished;
  $('sweep-table-box').hidden = !finished || steps.length === 0;
  if (finished) $('sweep-table').innerHTML = sweepTable(trace, steps, nameOf);
  // The variables' gradients as accumulated so far.
  const body = $('grad-table').querySelector('tbody');
  body.replaceChildren();
  for (const v of trace.gradients) {
    const tr = document.createElement('tr');
    const reached = v.id in acc;
    const name = v.name || v.id;
    const grad = reached ? numHtml(acc[v.id]) : '—';
    tr.innerHTML = `<th>${escapeHtml(name)}</th><td>${numHtml(v.value)}</td><td class="grad" data-var="${escapeHtml(name)}">${grad}</td>`;
    body.append(tr);
  }
}

// One step; in quiz mode the student answers the step's questions first.
function stepOnce() {
  const steps = expr.result.trace.steps;
  if (expr.done >= steps.length) return;
  if ($('expr-quiz').checked) {
    const trace = expr.result.trace;
    const questions = stepQuestions(trace, steps[expr.done], (id) => label(trace, id), $('expr-quiz-what').value);
    if (questions.length > 0) {
      $('step').disabled = true;
      expr.quiz.ask(questions, () => { expr.done += 1; renderSweep(); });
      return;
    }
  }
  expr.done += 1;
  renderSweep();
}

$('expr').addEventListener('input', () => {
  clearTimeout(parseTimer);
  checkStale();
  parseTimer = setTimeout(parseNow, 250);
});
$('expr').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') evaluate(); });
$('evaluate').addEventListener('click', () => evaluate());
$('hessian').addEventListener('change', () => { if (expr.result) evaluate(true); });
$('step').addEventListener('click', stepOnce);
$('run').addEventListener('click', () => { expr.quiz.cancel(); expr.done = expr.result.trace.steps.length; renderSweep(); });
$('restart').addEventListener('click', restart);
$('expr-quiz').addEventListener('change', () => { if (!$('expr-quiz').checked) { expr.quiz.cancel(); renderSweep(); } });
$('zoom-in').addEventListener('click', () => { expr.zoom = currentZoom() * 1.25; applyZoom(); });
$('zoom-out').addEventListener('click', () => { expr.zoom = currentZoom() / 1.25; applyZoom(); });
$('zoom-fit').addEventListener('click', () => {
  const svg = $('graph').querySelector('svg');
  if (svg) { expr.zoom = ($('graph').clientWidth - 2) / Number(svg.dataset.width); applyZoom(); }
});
function currentZoom() {
  const svg = $('graph').querySelector('svg');
  return svg ? Number(svg.getAttribute('width')) / Number(svg.dataset.width) : 1;
}
settings.onChange(() => {
  if (!expr.result) return;
  renderValue();
  renderHessian();
  renderSweep();
  applyZoom();
});
window.addEventListener('resize', () => { if (expr.zoom === null) applyZoom(); });

// Open with the example drawn.
evaluate();
