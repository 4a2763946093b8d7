// Drives the tapegrad playground in headless Debian Chromium (playwright-core):
// 1. types tanh(w*x + b) and its inputs, steps the backward sweep to the end, and checks that the
//    gradients the page shows are the engine's (`tapegrad grad --json`), digit for digit;
// 2. trains a network on xor and checks that the loss the page shows falls.
// Run through run.sh, which installs the browser and builds the binary.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.TAPEGRAD_BIN;
const shots = process.env.E2E_SCREENSHOTS;
const EXPR = 'tanh(w*x + b)';
const POINT = { w: 0.8, x: 1.5, b: -0.4 };

let passed = 0;
let failed = 0;

function check(ok, what) {
  if (!ok) throw new Error(what);
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

async function sweepShowsTheEnginesGradients(page, url) {
  await page.goto(url);
  await page.fill('#expr', EXPR);
  for (const [name, value] of Object.entries(POINT)) {
    const input = page.locator(`.var-input[data-var="${name}"]`);
    await input.waitFor();
    await input.fill(String(value));
  }
  await page.click('#evaluate');
  await page.locator('#graph svg').waitFor();
  check((await page.textContent('#step-info')).startsWith('step 0 of 3'), 'three steps: tanh, +, *');
  check((await page.textContent('td.grad[data-var="w"]')) === '—', 'no gradient before the sweep');
  let steps = 0;
  while (await page.isEnabled('#step')) {
    await page.click('#step');
    steps += 1;
    check(steps <= 3, 'the sweep ends after three steps');
    const current = await page.locator('#graph g.node.current').count();
    const edges = await page.locator('#graph path.edge.active').count();
    check(current === 1 && edges >= 1, `step ${steps}: one node and its incoming edges highlighted`);
    if (steps === 1) await shot(page, 'expr-step-1');
  }
  await shot(page, 'expr-done');
  const argv = ['grad', EXPR, '--at', Object.entries(POINT).map(([k, v]) => `${k}=${v}`).join(','), '--json'];
  const engine = JSON.parse(execFileSync(bin, argv, { encoding: 'utf8' }));
  for (const [i, name] of engine.vars.entries()) {
    const shown = await page.textContent(`td.grad[data-var="${name}"]`);
    check(Number(shown) === engine.grad[i], `∂f/∂${name}: page ${shown}, engine ${engine.grad[i]}`);
  }
  const detail = await page.textContent('#step-detail');
  check(detail.includes('upstream × local partial'), 'the step shows upstream × local partial');

  // A parser error appears at its column.
  await page.fill('#expr', '1 + 2*tahn(x)');
  await page.locator('#expr-error:not([hidden])').waitFor();
  const error = await page.textContent('#expr-error');
  check(error.includes("      ^ unknown function 'tahn'") && error.includes('error at 1:7'), `parser error: ${error}`);
  await shot(page, 'expr-error');
}

async function trainingLowersTheLoss(page) {
  await page.click('.tab[data-view="train-view"]');
  await page.waitForFunction(() => document.getElementById('train-model').textContent.startsWith('Mlp'));
  check((await page.inputValue('#dataset')) === 'xor', 'xor is the first data set');
  await page.waitForFunction(() => document.getElementById('train-steps').textContent === '0');
  const before = Number(await page.textContent('#train-loss'));
  await page.click('#train-start');
  await page.waitForFunction(
    () => parseInt(document.getElementById('train-steps').textContent, 10) >= 300,
    null,
    { timeout: 60000 },
  );
  await page.click('#train-pause');
  await page.waitForFunction(() => !document.getElementById('train-steps').textContent.includes('running'));
  await page.waitForTimeout(300); // one more poll, so the shown loss is the final one
  await shot(page, 'train');
  const after = Number(await page.textContent('#train-loss'));
  check(Number.isFinite(before) && after < 0.8 * before, `the loss falls: ${before} → ${after}`);
  const sps = Number(await page.textContent('#train-sps'));
  check(Number.isFinite(sps), 'steps per second shown');
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
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  for (const [name, test] of [
    ['the sweep shows the engine\'s gradients', () => sweepShowsTheEnginesGradients(page, address)],
    ['training on xor lowers the loss', () => trainingLowersTheLoss(page)],
  ]) {
    try {
      await test();
      passed += 1;
      console.log(`ok: ${name}`);
    } catch (e) {
      failed += 1;
      console.log(`FAILED: ${name}: ${e.message}`);
    }
  }
} finally {
  if (context) await context.close();
  server.kill();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
