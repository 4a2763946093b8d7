// The network diagram of the training view, and stepping through the backward sweep of one
// point's loss through it, neuron by neuron. Every number shown comes from the server's trace
// of the engine's own sweep (POST /api/train/ID/backprop); nothing is differentiated here.
'use strict';

const network = {
  sizes: null, // [2, hidden…, 1]
  bounds: null,
  bp: null, // {result, done: groups shown, names}
  quiz: new Quiz($('bp-quiz-box')),

  // Lays the diagram out for a new session.
  build(info) {
    this.sizes = [2, ...info.config.hidden, 1];
    this.bounds = info.bounds;
    this.clearBackprop('Pause training and click a point on the map to step through the backward sweep of its loss.');
    const box = $('network');
    const S = settings.large ? 52 : 42; // a neuron's picture
    const gapY = 14;
    const cols = this.sizes.length;
    const W = Math.max(box.clientWidth, 320);
    const tallest = Math.max(...this.sizes);
    const H = tallest * (S + gapY) + gapY + 18;
    const x = (c) => 24 + c * (W - 48 - S) / (cols - 1);
    const y = (c, j) => (H - this.sizes[c] * (S + gapY) + gapY) / 2 + j * (S + gapY);
    this.layout = { S, x, y, W, H };
    const paths = [];
    for (let l = 1; l < cols; l++) {
      for (let j = 0; j < this.sizes[l]; j++) {
        for (let i = 0; i < this.sizes[l - 1]; i++) {
          const [x0, y0] = [x(l - 1) + S, y(l - 1, i) + S / 2];
          const [x1, y1] = [x(l), y(l, j) + S / 2];
          const mx = (x0 + x1) / 2;
          const [tx, ty] = [x1 - 0.28 * (x1 - x0), y0 + 0.72 * (y1 - y0)];
          paths.push(`<path class="weight" id="e-${l}-${j}-${i}" d="M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}"><title></title></path>`
            + `<text class="wgrad" id="g-${l}-${j}-${i}" x="${tx}" y="${ty}" hidden></text>`);
        }
      }
    }
    box.style.height = `${H}px`;
    box.innerHTML = `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><g class="weights">${paths.join('')}</g></svg>`;
    for (let c = 0; c < cols; c++) {
      for (let j = 0; j < this.sizes[c]; j++) {
        const div = document.createElement('div');
        div.className = c === 0 ? 'neuron input' : 'neuron';
        div.id = `u-${c}-${j}`;
        div.style.left = `${x(c)}px`;
        div.style.top = `${y(c, j)}px`;
        const canvas = document.createElement('canvas');
        canvas.width = S;
        canvas.height = S;
        div.append(canvas);
        const name = document.createElement('span');
        name.className = 'neuron-name';
        name.textContent = c === 0 ? ['x₁', 'x₂'][j] : c === cols - 1 ? 'z' : `h${c}.${j + 1}`;
        div.append(name);
        if (c > 0) div.addEventListener('click', () => this.showNeuron(c, j));
        box.append(div);
      }
    }
    // The inputs' pictures are the coordinates themselves.
    const n = 16;
    for (const j of [0, 1]) {
      const values = [];
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) values.push(j === 0 ? (2 * c + 1) / n - 1 : 1 - (2 * r + 1) / n);
      drawField($(`u-0-${j}`).querySelector('canvas'), values, n, (v) => diverging(v));
    }
  },

  // Colours the edges by the weights and draws each neuron's picture.
  update(state) {
    const net = state.network;
    if (!net || !this.sizes) return;
    net.layers.forEach((layer, l) => {
      const last = l === net.layers.length - 1;
      layer.neurons.forEach((neuron, j) => {
        const canvas = $(`u-${l + 1}-${j}`).querySelector('canvas');
        drawField(canvas, neuron.map, net.size, (v) => diverging(last ? 2 * v - 1 : v));
        $(`u-${l + 1}-${j}`).title = `bias ${full(neuron.bias)}`;
        neuron.weights.forEach((w, i) => {
          const path = $(`e-${l + 1}-${j}-${i}`);
          const v = num(w);
          const [r, g, b] = diverging(Math.sign(v));
          path.style.stroke = `rgb(${r},${g},${b})`;
          path.style.strokeWidth = `${0.6 + Math.min(Math.abs(v), 4) * 1.6}`;
          path.querySelector('title').textContent = `weight ${full(v)}`;
        });
      });
    });
    const bp = this.bp;
    if (bp && state.step > bp.result.step) this.clearBackprop('The network has trained since: click the point again to trace it now.');
  },

  showNeuron(c, j) {
    if (!this.bp) return;
    const k = this.bp.result.groups.findIndex((g) => g.layer === c - 1 && g.neuron === j);
    if (k >= 0) { this.quiz.cancel(); this.bp.done = k + 1; this.render(); }
  },

  clearBackprop(message) {
    this.bp = null;
    this.quiz.cancel();
    for (const id of ['bp-step', 'bp-run', 'bp-restart', 'bp-apply']) $(id).disabled = true;
    $('bp-info').textContent = message;
    $('bp-detail').replaceChildren();
    $('bp-grads').hidden = true;
    for (const el of document.querySelectorAll('#network .neuron')) el.classList.remove('current', 'reached');
    for (const el of document.querySelectorAll('#network text.wgrad')) el.setAttribute('hidden', '');
    for (const el of document.querySelectorAll('#network path.weight')) el.classList.remove('reached', 'active');
    if (train.info) train.drawHeatmap();
  },

  // Traces point `point`'s loss (training pauses); with `apply`, after one optimizer step on it.
  async trace(point, apply = false) {
    let result;
    try {
      result = await api('POST', `/api/train/${train.id}/backprop`, { point, apply });
    } catch (e) {
      train.showError(e.message);
      return;
    }
    this.quiz.cancel();
    this.bp = { result, done: 0, names: this.names(result) };
    for (const id of ['bp-step', 'bp-run', 'bp-restart', 'bp-apply']) $(id).disabled = false;
    this.render();
    await train.poll();
  },

  // Names for the trace's nodes: x₁ x₂, h{layer}.{neuron}, u (weighted sums), w and b, ℓ.
  names(result) {
    const names = { [result.trace.loss]: 'ℓ' };
    [names[result.inputs[0]], names[result.inputs[1]]] = ['x₁', 'x₂'];
    const layers = this.sizes.length - 1;
    for (const g of result.groups) {
      if (g.layer === null) continue;
      const id = `${g.layer + 1}.${g.neuron + 1}`;
      const last = g.layer + 1 === layers;
      names[g.output] = last ? 'z' : `h${id}`;
      if (g.sum !== g.output) names[g.sum] = `u${id}`;
      names[g.bias] = `b${id}`;
      g.weights.forEach((w, i) => { names[w] = `w${id}.${i + 1}`; });
    }
    for (const g of result.groups) {
      if (g.layer === null) continue;
      g.products.forEach((p, i) => { names[p] = `${names[g.weights[i]]}·${names[g.inputs[i]] || g.inputs[i]}`; });
    }
    return names;
  },

  render() {
    const { result, done, names } = this.bp;
    const trace = result.trace;
    const nameOf = (id) => names[id] || id;
    const groups = result.groups;
    const label = result.label > 0.5 ? 'blue (1)' : 'orange (0)';
    const moved = result.loss_before === undefined ? ''
      : `; one optimizer step on this point moved its loss from ${numHtml(result.loss_before)} to ${numHtml(result.loss)}`;
    $('bp-info').innerHTML = `point ${result.point} at (${numHtml(result.x[0])}, ${numHtml(result.x[1])}), label ${label}: score z = ${numHtml(result.score)}, loss ℓ = ${numHtml(result.loss)}${moved}. Neuron ${Math.max(0, done - 1)} of ${groups.length - 1}.`;
    // What the sweep has reached after `done` groups: every step of those groups.
    const shown = groups.slice(0, done).flatMap((g) => g.steps);
    const acc = {};
    for (const s of shown) for (const c of trace.steps[s].inputs) if (c.accumulated !== null) acc[c.input] = c.accumulated;
    for (const el of document.querySelectorAll('#network .neuron')) el.classList.remove('current', 'reached');
    for (const el of document.querySelectorAll('#network path.weight')) el.classList.remove('reached', 'active');
    groups.slice(0, done).forEach((g, k) => {
      if (g.layer === null) return;
      const el = $(`u-${g.layer + 1}-${g.neuron}`);
      el.classList.add(k === done - 1 ? 'current' : 'reached');
      g.weights.forEach((w, i) => {
        const path = $(`e-${g.layer + 1}-${g.neuron}-${i}`);
        path.classList.add(k === done - 1 ? 'active' : 'reached');
        const text = $(`g-${g.layer + 1}-${g.neuron}-${i}`);
        if (w in acc) { text.textContent = short(acc[w]); text.removeAttribute('hidden'); }
      });
    });
    for (const g of groups.slice(done)) {
      if (g.layer === null) continue;
      for (let i = 0; i < g.weights.length; i++) $(`g-${g.layer + 1}-${g.neuron}-${i}`).setAttribute('hidden', '');
    }
    if (done === 0) {
      $('bp-detail').textContent = `The sweep starts at the loss ℓ: ∂ℓ/∂ℓ = 1. Press Next neuron to send it back through the loss and then one neuron at a time.`;
    } else {
      const g = groups[done - 1];
      const head = g.layer === null ? 'The loss ℓ = max(z, 0) − z·t + log(1 + exp(−|z|)) (binary cross-entropy with logits, t the label):'
        : `Neuron ${nameOf(g.output)} (layer ${g.layer + 1}, neuron ${g.neuron + 1}):`;
      const lines = g.steps.flatMap((s) => stepLines(trace, trace.steps[s], nameOf).map((l) => l.replace(/∂f/g, '∂ℓ')));
      $('bp-detail').innerHTML = [escapeHtml(head), ...lines].join('\n');
    }
    $('bp-step').disabled = done >= groups.length || this.quiz.active;
    $('bp-run').disabled = done >= groups.length;
    this.renderGrads(acc, nameOf);
    train.drawHeatmap();
  },

  // Every parameter's gradient as far as the sweep has reached, at the end all of them.
  renderGrads(acc, nameOf) {
    const table = $('bp-grads');
    const rows = [];
    for (const v of this.bp.result.trace.gradients) {
      const grad = v.id in acc ? numHtml(acc[v.id]) : '—';
      rows.push(`<tr><th>${escapeHtml(nameOf(v.id))}</th><td>${numHtml(v.value)}</td><td class="pgrad" data-param="${v.id}">${grad}</td></tr>`);
    }
    table.innerHTML = `<tr><th>parameter</th><th>value</th><th>∂ℓ/∂parameter</th></tr>${rows.join('')}`;
    table.hidden = false;
  },

  // The next group; in quiz mode the student first answers for the neuron's activation and
  // its first weight.
  next() {
    const bp = this.bp;
    const g = bp.result.groups[bp.done];
    if (!g) return;
    if ($('bp-quiz').checked && g.layer !== null) {
      const trace = bp.result.trace;
      const nameOf = (id) => bp.names[id] || id;
      const what = $('bp-quiz-what').value;
      const questions = [];
      for (const s of g.steps) {
        const step = trace.steps[s];
        const qs = stepQuestions(trace, step, nameOf, what).map((q) => ({ ...q, prompt: q.prompt.replace(/∂f/g, '∂ℓ') }));
        if (step.node === g.output && g.output !== g.sum) questions.push(...qs);
        if (step.node === g.products[0]) questions.push(...qs.filter((q) => q.input === g.weights[0]));
      }
      if (questions.length > 0) {
        $('bp-step').disabled = true;
        this.quiz.ask(questions, () => { bp.done += 1; this.render(); });
        return;
      }
    }
    bp.done += 1;
    this.render();
  },
};

$('bp-step').addEventListener('click', () => network.next());
$('bp-run').addEventListener('click', () => { network.quiz.cancel(); network.bp.done = network.bp.result.groups.length; network.render(); });
$('bp-restart').addEventListener('click', () => { network.quiz.cancel(); network.bp.done = 0; network.render(); });
$('bp-apply').addEventListener('click', () => network.trace(network.bp.result.point, true));
$('bp-quiz').addEventListener('change', () => { if (!$('bp-quiz').checked && network.bp) { network.quiz.cancel(); network.render(); } });
settings.onChange(() => {
  if (!train.info) return;
  const bp = network.bp;
  network.build(train.info); // the pictures' size follows the text size
  if (train.state) network.update(train.state);
  if (bp) {
    network.bp = bp;
    for (const id of ['bp-step', 'bp-run', 'bp-restart', 'bp-apply']) $(id).disabled = false;
    network.render();
  }
});
