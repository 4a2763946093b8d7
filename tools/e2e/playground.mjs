// Drives the tapegrad playground in headless Debian Chromium (playwright-core), at 1300 and
// 800 px wide:
// 1. the page opens with an example drawn; types tanh(w*x + b) and its inputs, steps the
//    backward sweep to the end, and checks that the gradients the page shows are the engine's
//    (`tapegrad grad --json`), digit for digit; stale and blank inputs are flagged;
// 2. the quiz: a wrong local partial gets the rule of `tapegrad trace` as a hint, the right
//    ones (from `tapegrad trace`) advance the sweep, and the score counts first tries;
// 3. trains a network on xor: the loss falls, and every point stays visible on the heat map
//    (its pixels differ from the heat map beneath);
// 4. clicks a point and steps the backward sweep of its loss through the live network: every
//    parameter's gradient shown is that of `tapegrad grad --json` of the same network written
//    as an expression, digit for digit; the network quiz takes those numbers; one optimizer
//    step on the point lowers its loss.
// Run through run.sh, which installs the browser and builds the binary.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.TAPEGRAD_BIN;
const shots = process.env.E2E_SCREENSHOTS;
const EXPR = 'tanh(w*x + b)';
const POINT = { w: 0.7, x: -1.3, b: 0.25 };
const AT = Object.entries(POINT).map(([k, v]) => `${k}=${v}`).join(',');

let passed = 0;
let failed = 0;

function check(ok, what) {
  if (!ok) throw new Error(what);
}

function tapegrad(...argv) {
  return JSON.parse(execFileSync(bin, argv, { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

// Starts `tapegrad serve --port 0`; resolves to its address once it prints it.
function startServer() {
  const server = spawn(bin, ['serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error(`tapegrad serve exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`tapegrad serve printed no address: ${out}`)), 30000);
  });
  return { server, url };
}

// A number shown by the page: its text (4 significant digits) and every digit (data-full).
async function shownNumber(locator) {
  const text = (await locator.textContent()).trim();
  const fullText = await locator.getAttribute('data-full');
  check(fullText !== null, `a number with every digit in data-full: ${text}`);
  check(text === String(Number(Number(fullText).toPrecision(4))), `shown to 4 digits: ${text} for ${fullText}`);
  return Number(fullText);
}

// Clicks a button of the backprop panel from the page itself: on a loaded machine, waiting
// for the element to be "stable" over animation frames can take longer than the whole test.
async function press(page, selector) {
  await page.locator(`${selector}:not([disabled])`).waitFor();
  await page.evaluate((s) => document.querySelector(s).click(), selector);
}

// Nothing runs off the side of the window.
async function fitsTheWidth(page, width, what) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  check(scroll <= width, `${what}: the page is ${scroll} px wide in a ${width} px window`);
}

async function sweepShowsTheEnginesGradients(page, url, width) {
  await page.goto(url);
  await page.locator('#graph svg').waitFor(); // the example is drawn on load
  check((await page.textContent('#step-info')).startsWith('step 0 of 3'), 'the example opens at step 0');
  await fitsTheWidth(page, width, 'the expression view');
  await page.fill('#expr', EXPR);
  for (const [name, value] of Object.entries(POINT)) {
    const input = page.locator(`.var-input[data-var="${name}"]`);
    await input.waitFor();
    await input.fill(String(value));
  }
  // The example shown before also has a `w` at step 0, so wait for this evaluation's answer,
  // not for the table to look right (under load the old results were still on screen).
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/expr')),
    page.click('#evaluate'),
  ]);
  await page.waitForFunction(() => document.querySelector('td.grad[data-var="w"]').textContent === '—');
  const fresh = await page.locator('#expr-stale').waitFor({ state: 'hidden', timeout: 10000 })
    .then(() => true, () => false);
  check(fresh, 'fresh results are not marked stale');
  let steps = 0;
  while (await page.isEnabled('#step')) {
    await page.click('#step');
    steps += 1;
    check(steps <= 3, 'the sweep ends after three steps');
    const current = await page.locator('#graph g.node.current').count();
    const edges = await page.locator('#graph path.edge.active[marker-end="url(#arrow-active)"]').count();
    check(current === 1 && edges >= 1, `step ${steps}: one node and its incoming edges highlighted`);
    if (steps === 1) {
      await shot(page, `expr-step-1-${width}`);
      const title = await page.textContent('#graph g.node#n0 > title');
      check(title.includes('not reached yet'), `the hover text does not give w's gradient away: ${title}`);
    }
  }
  await shot(page, `expr-done-${width}`);
  const engine = tapegrad('grad', EXPR, '--at', AT, '--json');
  for (const [i, name] of engine.vars.entries()) {
    const shown = await shownNumber(page.locator(`td.grad[data-var="${name}"] .num`));
    check(shown === engine.grad[i], `∂f/∂${name}: page ${shown}, engine ${engine.grad[i]}`);
  }
  check((await page.textContent('#step-detail')).includes('upstream × local partial'), 'the step shows upstream × local partial');
  check(await page.isVisible('#sweep-table'), 'the whole sweep as a table at the end');
  check((await page.locator('#sweep-table tr').count()) === 1 + 5, 'one row per contribution');

  // Ticking Hessian keeps the step; the Hessian is shown to 4 digits.
  await page.check('#hessian');
  await page.locator('#hessian-table:not([hidden])').waitFor();
  check((await page.textContent('#step-info')).startsWith('step 3 of 3'), 'Hessian keeps the sweep where it was');

  // An edited input marks the results stale; a blank one is refused, not read as 0.
  await page.fill('.var-input[data-var="x"]', '2');
  await page.locator('#expr-stale:not([hidden])').waitFor();
  await page.fill('.var-input[data-var="x"]', '');
  await page.click('#evaluate');
  await page.locator('#expr-error:not([hidden])').waitFor();
  check((await page.textContent('#expr-error')).includes('x: has no value'), 'a blank input is an error');
  check(await page.isHidden('#expr-results'), 'nothing is shown for a blank input');

  // A parser error appears at its column and clears the old results.
  await page.fill('#expr', '1 + 2*tahn(x)');
  await page.waitForFunction(() => document.getElementById('expr-error').textContent.includes('tahn'));
  const error = await page.textContent('#expr-error');
  check(error.includes("      ^ unknown function 'tahn'") && error.includes('error at 1:7'), `parser error: ${error}`);
  check(await page.isHidden('#expr-results'), 'a parser error clears the old results');
  await shot(page, `expr-error-${width}`);
}

async function theQuizChecksAgainstTheTrace(page) {
  await page.fill('#expr', EXPR);
  await page.locator('.var-input[data-var="x"]').waitFor();
  await page.fill('.var-input[data-var="x"]', String(POINT.x));
  await page.click('#evaluate');
  await page.locator('#expr-results:not([hidden])').waitFor();
  const trace = tapegrad('trace', EXPR, '--at', AT, '--format', 'json');
  await page.check('#expr-quiz');
  await page.selectOption('#expr-quiz-what', 'partial');
  await page.click('#restart');
  const before = await page.textContent('#quiz-score');
  const [right0, asked0] = before.match(/(\d+) \/ (\d+)/).slice(1).map(Number);
  let first = true;
  for (const [k, step] of trace.steps.entries()) {
    await page.click('#step');
    for (const c of step.inputs.filter((i) => i.partial !== null)) {
      await page.locator('#expr-quiz-box:not([hidden]) .quiz-answer').waitFor();
      check((await page.textContent('#step-info')).startsWith(`step ${k} of`), 'the step waits for the answer');
      if (first) {
        await page.fill('.quiz-answer', String(c.partial + 1));
        await page.click('.quiz-check');
        const feedback = await page.textContent('#expr-quiz-box .feedback');
        check(feedback.includes(`Hint: ${c.rule}`), `a wrong answer gets the rule ${c.rule}: ${feedback}`);
        await shot(page, 'quiz-hint');
        first = false;
      }
      await page.fill('.quiz-answer', String(c.partial));
      await page.click('.quiz-check');
    }
    await page.waitForFunction((n) => document.getElementById('step-info').textContent.startsWith(`step ${n} of`), k + 1);
  }
  const questions = trace.steps.flatMap((s) => s.inputs.filter((i) => i.partial !== null)).length;
  const score = await page.textContent('#quiz-score');
  check(score === `quiz: ${right0 + questions - 1} / ${asked0 + questions}`, `the score counts first tries: ${score}`);
  await page.uncheck('#expr-quiz');
}

async function trainingLowersTheLossAndPointsStayVisible(page, width) {
  await page.click('.tab[data-view="train-view"]');
  await page.waitForFunction(() => document.getElementById('train-model').textContent.startsWith('Mlp'));
  check((await page.inputValue('#dataset')) === 'xor', 'xor is the first data set');
  await page.waitForFunction(() => document.getElementById('train-steps').textContent === '0');
  const before = Number(await page.getAttribute('#train-loss .num', 'data-full'));
  await page.click('#train-start');
  await page.waitForFunction(
    () => parseInt(document.getElementById('train-steps').textContent, 10) >= 300,
    null,
    { timeout: 60000 },
  );
  await page.click('#train-pause');
  await page.waitForFunction(() => !document.getElementById('train-steps').textContent.includes('running'));
  await page.waitForTimeout(300); // one more poll, so the shown loss is the final one
  await shot(page, `train-${width}`);
  await fitsTheWidth(page, width, 'the training view');
  const after = Number(await page.getAttribute('#train-loss .num', 'data-full'));
  check(Number.isFinite(before) && after < 0.8 * before, `the loss falls: ${before} → ${after}`);
  check(Number.isFinite(Number(await page.getAttribute('#test-loss .num', 'data-full'))), 'the test loss is shown');
  // Every point's centre differs clearly from the heat map beneath it.
  const visibility = await page.evaluate(() => {
    const shown = document.getElementById('heatmap').getContext('2d');
    const beneath = document.getElementById('heatmap-bg').getContext('2d');
    const canvas = document.getElementById('heatmap');
    let worst = Infinity;
    for (const [x, y] of train.info.points) {
      const [cx, cy] = train.at(x, y, canvas).map(Math.round);
      const a = shown.getImageData(cx, cy, 1, 1).data;
      const b = beneath.getImageData(cx, cy, 1, 1).data;
      worst = Math.min(worst, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
    }
    return { worst, points: train.info.points.length, accuracy: train.state.accuracy };
  });
  check(visibility.accuracy > 0.7, `the model is sure of most points: accuracy ${visibility.accuracy}`);
  check(visibility.worst >= 60, `every point stands out from the heat map: the least by ${visibility.worst} of ${visibility.points}`);
}

// The session's network and the point as an expression of the parameters p{id} and the
// inputs x1, x2, in the order the server records it: neuron by neuron, Σ w·x + b, then the
// activation, then binary cross-entropy with logits.
function networkExpression(result, activation) {
  const neurons = result.groups.filter((g) => g.layer !== null).sort((a, b) => a.layer - b.layer || a.neuron - b.neuron);
  const last = Math.max(...neurons.map((g) => g.layer));
  const name = { [result.inputs[0]]: 'x1', [result.inputs[1]]: 'x2' };
  const lines = [];
  for (const g of neurons) {
    const sum = g.weights.map((w, i) => `p${w.slice(1)}*${name[g.inputs[i]]}`).concat(`p${g.bias.slice(1)}`).join(' + ');
    const h = `h_${g.layer}_${g.neuron}`;
    lines.push(g.layer === last || activation === 'linear' ? `${h} = ${sum}` : `${h} = ${activation}(${sum})`);
    name[g.output] = h;
  }
  const z = `h_${last}_0`;
  const loss = `max(${z}, 0) - ${z}*${result.label} + log(exp(-abs(${z})) + 1)`;
  const at = result.trace.gradients.map((v) => `p${v.id.slice(1)}=${v.value}`).concat([`x1=${result.x[0]}`, `x2=${result.x[1]}`]);
  return { text: `${lines.join('; ')}; ${loss}`, at: at.join(',') };
}

async function backpropOfTheLiveNetwork(page, width) {
  // Click the first point of the data set.
  const canvas = page.locator('#heatmap');
  const box = await canvas.boundingBox();
  const [px, py] = await page.evaluate(() => train.at(train.info.points[0][0], train.info.points[0][1], document.getElementById('heatmap')));
  const scale = box.width / 360;
  await page.mouse.click(box.x + px * scale, box.y + py * scale);
  await page.waitForFunction(() => document.getElementById('bp-info').textContent.startsWith('point 0 at'));
  const result = await page.evaluate(() => network.bp.result);
  const neurons = result.groups.length - 1;
  await press(page, '#bp-step'); // the loss
  await press(page, '#bp-step'); // the output neuron
  check((await page.locator('#network .neuron.current').count()) === 1, 'the current neuron is lit');
  check((await page.textContent('#bp-detail')).includes('upstream × local partial'), 'the neuron\'s step shows upstream × local partial');
  check((await page.locator('#network text.wgrad:not([hidden])').count()) === result.groups[1].weights.length, 'the output neuron\'s weight gradients appear on its edges');
  await shot(page, `backprop-neuron-${width}`);
  await press(page, '#bp-run');
  check((await page.textContent('#bp-info')).includes(`Neuron ${neurons} of ${neurons}`), 'the sweep reaches every neuron');

  // Every parameter's gradient is the one `tapegrad grad` computes for the same network.
  const { text, at } = networkExpression(result, 'tanh');
  const engine = tapegrad('grad', text, '--at', at, '--json');
  const grad = Object.fromEntries(engine.vars.map((v, i) => [v, engine.grad[i]]));
  const cells = page.locator('td.pgrad');
  const count = await cells.count();
  check(count === result.trace.gradients.length && count === 37, `one row per parameter: ${count}`);
  for (let k = 0; k < count; k++) {
    const cell = cells.nth(k);
    const id = await cell.getAttribute('data-param');
    const shown = await shownNumber(cell.locator('.num'));
    check(shown === grad[`p${id.slice(1)}`], `∂ℓ/∂${id}: page ${shown}, engine ${grad[`p${id.slice(1)}`]}`);
  }

  // The network quiz, on the contributions: ∂ℓ/∂u of a neuron is ∂ℓ/∂b, the contribution to
  // its first weight is ∂ℓ/∂w; both from the engine.
  await page.check('#bp-quiz');
  await page.selectOption('#bp-quiz-what', 'contribution');
  await press(page, '#bp-restart');
  const [right0, asked0] = (await page.textContent('#quiz-score')).match(/(\d+) \/ (\d+)/).slice(1).map(Number);
  await press(page, '#bp-step'); // the loss: no question
  const answers = [];
  for (const g of result.groups.slice(1, 3)) {
    await press(page, '#bp-step');
    const wanted = (g.output !== g.sum ? [grad[`p${g.bias.slice(1)}`]] : []).concat(grad[`p${g.weights[0].slice(1)}`]);
    for (const [k, want] of wanted.entries()) {
      await page.locator('#bp-quiz-box:not([hidden]) .quiz-answer').waitFor();
      if (answers.length === 0 && k === 0) {
        await page.fill('#bp-quiz-box .quiz-answer', String(want + 1));
        await page.click('#bp-quiz-box .quiz-check');
        const feedback = await page.textContent('#bp-quiz-box .feedback');
        check(feedback.includes('Hint: upstream × local partial, where ∂(a·b)/∂a = b'), `the hint is the rule: ${feedback}`);
      }
      await page.fill('#bp-quiz-box .quiz-answer', String(want));
      await page.click('#bp-quiz-box .quiz-check');
      answers.push(want);
    }
  }
  await page.waitForFunction(() => document.getElementById('bp-info').textContent.includes('Neuron 2 of'));
  const score = await page.textContent('#quiz-score');
  check(score === `quiz: ${right0 + answers.length - 1} / ${asked0 + answers.length}`, `the network quiz is scored: ${score}`);
  await page.uncheck('#bp-quiz');

  // One optimizer step on the point lowers its loss.
  await press(page, '#bp-apply');
  await page.waitForFunction(() => document.getElementById('bp-info').textContent.includes('moved its loss'));
  const moved = await page.locator('#bp-info .num').evaluateAll((els) => els.map((e) => Number(e.dataset.full)));
  const [lossBefore, lossAfter] = moved.slice(-2);
  check(lossAfter < lossBefore, `one step on the point lowers its loss: ${lossBefore} → ${lossAfter}`);
  await shot(page, `backprop-applied-${width}`);
}

const { server, url } = startServer();
const profile = mkdtempSync(join(tmpdir(), 'tapegrad-e2e-'));
let context;
try {
  const address = await url;
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1300, height: 900 },
  });
  for (const width of [1300, 800]) {
    const page = await context.newPage();
    await page.setViewportSize({ width, height: 900 });
    page.setDefaultTimeout(60000); // CI machines are shared and may be slow
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const tests = [
      ['the sweep shows the engine\'s gradients', () => sweepShowsTheEnginesGradients(page, address, width)],
      ['the quiz checks answers against the trace', () => theQuizChecksAgainstTheTrace(page)],
      ['training on xor lowers the loss, points stay visible', () => trainingLowersTheLossAndPointsStayVisible(page, width)],
      ['backprop of the live network is the engine\'s', () => backpropOfTheLiveNetwork(page, width)],
      ['no script errors', () => check(errors.length === 0, errors.join('; '))],
    ];
    for (const [name, test] of tests) {
      try {
        await test();
        passed += 1;
        console.log(`ok: ${name} (${width} px)`);
      } catch (e) {
        failed += 1;
        console.log(`FAILED: ${name} (${width} px): ${e.message}`);
      }
    }
    await page.evaluate(() => train.close());
    await page.close();
  }
} finally {
  if (context) await context.close();
  server.kill();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
