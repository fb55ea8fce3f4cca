// Loads a plexus report (index.html, from disk) in headless Chromium and checks that every figure
// is there and drawn: one <svg> per figure, drawn marks (class "mark") with non-empty boxes, a
// matching <name>.svg file that parses on its own, no console error or page error, and no request
// for anything but local files. A page with headline scores has them above every figure, and a
// page with folded details has every figure above them, folded. PLEXUS_SCREENSHOT=FILE.png saves
// the top of the page as a picture. Usage: node check_report.mjs path/to/index.html
// playwright-core is looked up under $PLEXUS_NODE_PREFIX/node_modules (see setup.sh), else as
// usual; Chromium is $PLEXUS_CHROMIUM or Debian's /usr/bin/chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const fail = (message) => {
  console.error(`check_report: ${message}`);
  process.exit(1);
};

const page_path = process.argv[2];
if (!page_path) fail('usage: node check_report.mjs path/to/index.html');
if (!fs.existsSync(page_path)) fail(`${page_path} does not exist`);
const dir = path.dirname(path.resolve(page_path));

const prefix = process.env.PLEXUS_NODE_PREFIX;
const require = createRequire(prefix ? path.join(path.resolve(prefix), 'package.json')
                                     : import.meta.url);
const { chromium } = require('playwright-core');

// Without the background-networking flags Chromium stalls on a closed network.
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'plexus-chromium-'));
const problems = [];
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.PLEXUS_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    timeout: 60000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // A report is self-contained: anything but a local file or inline data is a fault.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    problems.push(`request for an external resource: ${url}`);
    return route.abort();
  });

  await page.goto(pathToFileURL(path.resolve(page_path)).href, { waitUntil: 'load' });
  const figures = await page.evaluate(() => {
    const nonEmpty = (box) => box.width > 0 || box.height > 0;
    return [...document.querySelectorAll('figure.plot')].map((figure) => {
      const svgs = figure.querySelectorAll(':scope > svg');
      const result = { name: figure.dataset.name, svgs: svgs.length, marks: 0, empty: 0,
                       visible: 0, kinds: {} };
      if (svgs.length !== 1) return result;
      const frame = svgs[0].getBoundingClientRect();
      result.frame = [frame.width, frame.height];
      for (const mark of svgs[0].querySelectorAll('.mark')) {
        const box = mark.getBoundingClientRect();
        result.marks += 1;
        const kind = [...mark.classList].find((c) => c !== 'mark') ?? '?';
        result.kinds[kind] = (result.kinds[kind] ?? 0) + 1;
        if (!nonEmpty(box)) result.empty += 1;
        if (box.right >= frame.left && box.left <= frame.right && box.bottom >= frame.top &&
            box.top <= frame.bottom) result.visible += 1;
      }
      return result;
    });
  });

  if (figures.length === 0) problems.push('the page has no figure');
  // The order a reader needs: headline, figures, details (folded).
  const order = await page.evaluate(() => {
    const top = (element) => element ? element.getBoundingClientRect().top + window.scrollY : null;
    const plots = [...document.querySelectorAll('figure.plot')].map(top);
    const details = document.querySelector('details');
    return { headline: top(document.querySelector('table.headline')),
             details: details && details.open ? -1 : top(details),
             firstFigure: Math.min(...plots), lastFigure: Math.max(...plots) };
  });
  if (order.headline !== null && !(order.headline < order.firstFigure))
    problems.push('the headline scores are not above the figures');
  if (order.details === -1) problems.push('the details are not folded');
  else if (order.details !== null && !(order.details > order.lastFigure))
    problems.push('a figure is below the details');
  if (process.env.PLEXUS_SCREENSHOT) {
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.screenshot({ path: process.env.PLEXUS_SCREENSHOT });
  }
  const names = new Set();
  for (const f of figures) {
    const label = `figure "${f.name}"`;
    names.add(f.name);
    if (f.svgs !== 1) { problems.push(`${label} has ${f.svgs} <svg> elements, not 1`); continue; }
    if (!(f.frame[0] > 0 && f.frame[1] > 0)) problems.push(`${label} has an empty <svg> box`);
    if (f.marks === 0) problems.push(`${label} draws no marks`);
    if (f.empty > 0) problems.push(`${label} has ${f.empty} marks with empty boxes`);
    if (f.marks > 0 && f.visible === 0) problems.push(`${label} draws nothing inside its <svg>`);
    const kinds = Object.entries(f.kinds).map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`${label}: ${f.marks} marks (${kinds})`);
  }

  // Each figure's own file: present, parsed as SVG (an XML error shows as <parsererror>), drawn.
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.svg')).map((f) => f.slice(0, -4));
  for (const name of names)
    if (!files.includes(name)) problems.push(`figure "${name}" has no file ${name}.svg`);
  for (const name of files) {
    if (!names.has(name)) problems.push(`${name}.svg is not in the page`);
    await page.goto(pathToFileURL(path.join(dir, `${name}.svg`)).href, { waitUntil: 'load' });
    const file = await page.evaluate(() => ({
      root: document.documentElement.localName,
      parseError: document.getElementsByTagName('parsererror').length > 0,
      marks: document.querySelectorAll('.mark').length,
    }));
    if (file.parseError || file.root !== 'svg') problems.push(`${name}.svg does not parse as SVG`);
    else if (file.marks === 0) problems.push(`${name}.svg draws no marks`);
  }
} catch (error) {
  problems.push(`browser failure: ${error.message}`);
} finally {
  if (context) await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

if (problems.length > 0) fail(`${problems.length} problem(s) in ${page_path}:\n  ` +
                              problems.join('\n  '));
console.log(`check_report: ${page_path}: all figures drawn, no console errors`);
