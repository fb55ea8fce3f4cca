// The playground in headless Chromium, served from SITE by a static server of this script:
// the page loads without a console error; the spiral lesson's 2x8 network reaches 0.95 test
// accuracy; a seeded link gives the same loss twice; the exported .plx gives, through the native
// `plexus predict --proba`, the page's probabilities (<= 1e-5); the page's training matches the
// native engine's (playground_native) over 100 steps; the loss slice draws and every optimizer
// races from one start; a click adds a point and a pasted CSV trains; every lesson opens and
// trains. Prints the budgets measured (first paint, epoch ms, 100x100 heatmap ms).
// PLEXUS_SCREENSHOT=FILE.png saves the page after the spiral run.
// Usage: node check_playground.mjs SITE PLEXUS_COMMAND PLAYGROUND_NATIVE WORK_DIR
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const fail = (message) => {
  console.error(`check_playground: ${message}`);
  process.exit(1);
};
const [siteArgument, plexus, native, work] = process.argv.slice(2);
if (!work) fail('usage: node check_playground.mjs SITE PLEXUS_COMMAND PLAYGROUND_NATIVE WORK_DIR');
fs.mkdirSync(work, { recursive: true });
const site = path.resolve(siteArgument);

const prefix = process.env.PLEXUS_NODE_PREFIX;
const require = createRequire(prefix ? path.join(path.resolve(prefix), 'package.json') : import.meta.url);
const { chromium } = require('playwright-core');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css',
                '.wasm': 'application/wasm', '.md': 'text/plain; charset=utf-8' };
const server = http.createServer((request, response) => {
  const name = decodeURIComponent(new URL(request.url, 'http://x').pathname);
  const file = path.join(site, name.endsWith('/') ? `${name}index.html` : name);
  if (!file.startsWith(path.resolve(site)) || !fs.existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(response);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}/`;

const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-chromium-'));
const problems = [];
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.PLEXUS_CHROMIUM || '/usr/bin/chromium', headless: true, args,
  timeout: 60000, viewport: { width: 1280, height: 900 }, locale: 'en-US',
});
const page = context.pages()[0] ?? await context.newPage();
page.on('console', (message) => {
  if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
});
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
page.on('worker', (worker) => worker.on('console', (message) => {
  if (message.type() === 'error') problems.push(`worker console error: ${message.text()}`);
}));
// Everything the page needs is in its folder: any other request is a fault.
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
  problems.push(`request for an external resource: ${url}`);
  return route.abort();
});
const check = (ok, message) => {
  if (!ok) problems.push(message);
  return ok;
};
const open = async (query) => {
  await page.goto(`${origin}index.html${query}`, { waitUntil: 'load' });
  await page.evaluate(() => window.playground.ready);
};

try {
  // 1. Loads, and draws quickly.
  await open('');
  const paint = await page.evaluate(() =>
    performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime);
  const first = await page.evaluate(() => window.playground.report());
  check(first && Number.isFinite(first.train_loss), `the first report has no loss: ${JSON.stringify(first)}`);

  // A link's hide= hides those controls.
  await open('?hide=data,advanced');
  const hidden = await page.evaluate(() => [document.getElementById('data-panel').hidden,
                                            document.getElementById('advanced').hidden,
                                            document.getElementById('output').hidden]);
  check(hidden.join() === 'true,true,false', `hide=data,advanced hides ${hidden}`);

  // 2. The spiral lesson (500 points, 2 hidden layers of 8) to >= 0.95 test accuracy.
  await open('?lesson=hidden_layers');
  const state = await page.evaluate(() => window.playground.state());
  check(state.dataset === 'spiral' && state.hidden.length === 2, `hidden_layers is not a 2-layer spiral: ${JSON.stringify(state)}`);
  let report;
  let epochs = 0;
  for (; epochs < 400; epochs++) {
    report = await page.evaluate(() => window.playground.epoch());
    if (report.test_accuracy >= 0.95 && epochs >= 20) break;
  }
  check(report.test_accuracy >= 0.95, `spiral: test accuracy ${report.test_accuracy} after ${epochs} epochs`);
  const shownFormulas = await page.evaluate(() => document.getElementById('formulas').textContent);
  check(shownFormulas.includes('β₁') && shownFormulas.includes('tanh'), `the formulas show no Adam or tanh: ${shownFormulas}`);
  const epochMs = await page.evaluate(() => {
    const ms = [...window.playground.timings.epochMs].sort((a, b) => a - b);
    return ms[Math.floor(ms.length / 2)];
  });
  const heatmapMs = [];
  for (let i = 0; i < 5; i++) heatmapMs.push((await page.evaluate(() => window.playground.grid(100))).gridMs);
  heatmapMs.sort((a, b) => a - b);
  // While it plays, the page keeps drawing frames: the worker does the training.
  const worstFrameMs = await page.evaluate(async () => {
    window.playground.play(true);
    let last = performance.now();
    let worst = 0;
    const end = last + 2000;
    await new Promise((resolve) => {
      const frame = (now) => {
        worst = Math.max(worst, now - last);
        last = now;
        if (now < end) requestAnimationFrame(frame); else resolve();
      };
      requestAnimationFrame(frame);
    });
    window.playground.play(false);
    return worst;
  });
  check(worstFrameMs < 250, `the page froze for ${worstFrameMs} ms while training`);
  await page.evaluate(() => window.playground.step(1));
  if (process.env.PLEXUS_SCREENSHOT) await page.screenshot({ path: process.env.PLEXUS_SCREENSHOT });

  // 3. The exported model, through the native command, gives the page's probabilities.
  const bytes = await page.evaluate(() => window.playground.exportModel());
  const model = path.join(work, 'spiral.plx');
  fs.writeFileSync(model, Buffer.from(bytes));
  const { probabilities, csv } = await page.evaluate(() => window.playground.probabilities());
  const data = path.join(work, 'spiral_test.csv');
  fs.writeFileSync(data, csv);
  const predicted = execFileSync(plexus, ['predict', '--model', model, '--data', data, '--proba'],
                                 { encoding: 'utf8' }).trim().split('\n');
  const header = predicted[0].split(',');
  const columns = header.map((name, i) => (name.startsWith('proba_') ? i : -1)).filter((i) => i >= 0);
  let worst = 0;
  predicted.slice(1).forEach((line, row) => {
    const cells = line.split(',').map(Number);
    columns.forEach((column, c) => {
      worst = Math.max(worst, Math.abs(cells[column] - probabilities[row * columns.length + c]));
    });
  });
  check(predicted.length - 1 === probabilities.length / columns.length && columns.length === 2,
        `plexus predict gave ${predicted.length - 1} rows of ${columns.length} probabilities`);
  check(worst <= 1e-5, `plexus predict --proba differs from the page by ${worst}`);

  // 4. A seeded link reproduces its run.
  const link = '?dataset=spiral&seed=7&hidden=6,6&lr=0.1&noise=0.1&batch_size=16';
  const runs = [];
  for (let i = 0; i < 2; i++) {
    await open(link);
    runs.push((await page.evaluate(() => window.playground.step(200))).train_loss);
  }
  check(runs[0] === runs[1], `the same seeded link gave losses ${runs[0]} and ${runs[1]}`);

  // 5. The page trains as the native library does: 100 steps of a fixed-seed config.
  const config = { dataset: 'circle', noise: 0.1, seed: 11, hidden: [8, 8], activation: 'tanh',
                   optimizer: 'adam', lr: 0.01, batch_size: 10, features: ['x1', 'x2', 'x1_squared'] };
  const configFile = path.join(work, 'compare.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  const nativeLosses = execFileSync(native, [configFile, '100'], { encoding: 'utf8' }).trim().split('\n')
    .map((line) => Number(line.split(' ')[1]));
  await open('');
  await page.evaluate((c) => window.playground.configure(c), config);
  const pageLosses = [];
  for (let i = 0; i < 100; i++) pageLosses.push((await page.evaluate(() => window.playground.step(1))).train_loss);
  // Relative. The two builds may sum in different orders (native BLAS against the portable
  // kernels, SIMD widths, fused multiply-adds), so they may differ by float rounding that
  // training amplifies; measured 1.2e-7 over these 100 steps. 1e-4 leaves a margin of 1000 and
  // still catches a real divergence (another init, batch order or update moves the loss by 1e-2).
  const tolerance = 1e-4;
  let drift = 0;
  pageLosses.forEach((loss, i) => { drift = Math.max(drift, Math.abs(loss - nativeLosses[i]) / Math.abs(nativeLosses[i])); });
  check(nativeLosses.length === 100 && drift <= tolerance,
        `page and native losses differ by ${drift} (relative) over 100 steps; tolerance ${tolerance}`);

  // 6. The loss slice draws, and the optimizers race from one start.
  await open('?lesson=optimizers');
  await page.evaluate(() => window.playground.openSlice());
  await page.evaluate(() => window.playground.step(30));
  const shades = await page.evaluate(() => {
    const canvas = document.getElementById('slice');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return new Set(Array.from({ length: pixels.length / 4 }, (_, i) => pixels[4 * i])).size;
  });
  check(shades > 10, `the loss slice draws ${shades} shades`);
  const raced = await page.evaluate(() => window.playground.race(3));
  const names = Object.keys(raced.curves || {});
  const starts = new Set(names.map((name) => raced.curves[name][0]));
  const ends = new Set(names.map((name) => raced.curves[name][3]));
  check(names.length >= 7 && names.every((name) => raced.curves[name].length === 4),
        `the race ran ${JSON.stringify(raced)}`);
  check(starts.size === 1 && ends.size > 1, `the racers start at ${[...starts]} and end at ${[...ends]}`);

  // 7. A click adds a point of the chosen class; a pasted CSV of 3 features trains without a plane.
  await open('');
  const before = await page.evaluate(() => window.playground.layout().train.labels.length);
  await page.click('#output', { position: { x: 150, y: 40 } });
  await page.waitForFunction((n) => window.playground.layout().train.labels.length === n + 1, before);
  const rows = Array.from({ length: 60 }, (_, i) => [i % 7, (i * 3) % 5, i % 2, (i % 7) > 3 ? 1 : 0]);
  await page.click('details[data-control=csv] > summary');
  await page.fill('#csv', `a,b,c,label\n${rows.map((r) => r.join(',')).join('\n')}`);
  await page.click('#csv-use');
  await page.waitForFunction(() => window.playground.layout().dims === 3);
  const start = await page.evaluate(() => window.playground.report().train_loss);
  const pasted = await page.evaluate(() => window.playground.step(300));
  check(pasted.train_loss < 0.8 * start, `the pasted CSV's loss went from ${start} to ${pasted.train_loss}`);

  // 8. Every lesson opens, shows its text and trains.
  const lessons = await page.evaluate(() => window.playground.lessons);
  for (const lesson of lessons) {
    await open(`?lesson=${lesson}`);
    const shown = await page.evaluate(() => !document.getElementById('lesson-text').hidden);
    const after = await page.evaluate(() => window.playground.step(20));
    check(shown, `lesson ${lesson} shows no text`);
    check(after && (Number.isFinite(after.train_loss) || after.nan), `lesson ${lesson} did not train: ${JSON.stringify(after)}`);
  }
  await open('?lesson=perceptron&lang=zh');
  const zh = await page.evaluate(() => document.getElementById('lesson-text').textContent);
  check(zh.includes('感知机'), 'lang=zh shows no Chinese lesson text');

  console.log(`budgets: first contentful paint ${paint?.toFixed(0)} ms; spiral epoch (2x8, 250 training points of 500) median ${epochMs.toFixed(2)} ms; 100x100 heatmap of every neuron median ${heatmapMs[2].toFixed(1)} ms; longest frame while playing ${worstFrameMs.toFixed(0)} ms`);
  console.log(`race: ${names.length} optimizers; spiral: test accuracy ${report.test_accuracy} after ${epochs + 1} epochs; predict --proba max difference ${worst.toExponential(2)}; page vs native max relative loss difference ${drift.toExponential(2)}; ${lessons.length} lessons`);
} catch (error) {
  problems.push(`exception: ${error.stack || error}`);
} finally {
  await context.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
if (problems.length) fail(problems.join('\n'));
console.log('check_playground: all checks passed');
