// The page: controls, the URL that holds the whole state, and the drawing of what the engine's
// worker reports. window.playground is the handle the browser tests drive.
import { lessons } from './lessons.js';
import { strings, pickLanguage, translatePage } from './i18n.js';
import * as draw from './draw.js';
import { buildNetwork, renderNetwork, renderGradients } from './network.js';
import { resetExplore, sliceRequest, drawSlice, race } from './explore.js';
import { formulas } from './formulas.js';

// The engine's settings (playground/engine.hpp Config) with the page's defaults.
const defaults = {
  dataset: 'circle', noise: 0, points: 500, train_ratio: 0.5, classes: 2, seed: 1,
  features: ['x1', 'x2'], hidden: [4, 2], activation: 'tanh', loss: 'cross_entropy',
  optimizer: 'sgd', lr: 0.03, momentum: null, weight_decay: 0, schedule: 'none', epochs: 100,
  batch_size: 10, dropout: 0, batch_norm: false, init: 'default', init_std: 1, l1: 0, l2: 0,
  clip_norm: 0,
};
// Settings of the page alone.
const pageDefaults = { patience: 0, speed: 'epoch', show_test: false, discretize: false };
const resolution = 50;
const learningRates = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const regularizationRates = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const datasets = ['circle', 'xor', 'gauss', 'spiral', 'reg_plane', 'reg_gauss'];

const $ = (id) => document.getElementById(id);
const worker = new Worker('worker.js');
const pending = new Map();
let nextId = 0;
worker.onmessage = (event) => {
  pending.get(event.data.id)(event.data);
  pending.delete(event.data.id);
};
function call(cmd, args = {}) {
  return new Promise((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    worker.postMessage({ id, cmd, ...args });
  });
}

let state, page, hide, lessonId, lang, base, catalog;
let custom = null;
let layout = null;
let lastReport = null;
let lastGrid = null;
let curves = { train: [], test: [] };
let best = { loss: Infinity, epoch: 0 };
let playing = false;
let busy = false;
const timings = { stepMs: [], gridMs: [], epochMs: [] };

function parseValue(key, text, like) {
  if (key === 'hidden') return text === '' ? [] : text.split(',').map(Number);
  if (Array.isArray(like)) return text === '' ? [] : text.split(',');
  if (typeof like === 'boolean') return text === 'true' || text === '1';
  if (key === 'momentum') return text === '' ? null : Number(text);
  if (typeof like === 'number') return Number(text);
  return text;
}

function readUrl() {
  const query = new URLSearchParams(location.search);
  lessonId = query.get('lesson') || '';
  const lesson = lessons.find((l) => l.id === lessonId);
  base = { ...defaults, ...(lesson ? lesson.config : {}) };
  state = { ...base };
  page = { ...pageDefaults, ...(lesson && lesson.page ? lesson.page : {}) };
  hide = lesson ? [...lesson.hide] : [];
  for (const [key, text] of query) {
    if (key in defaults) state[key] = parseValue(key, text, defaults[key]);
    else if (key in pageDefaults) page[key] = parseValue(key, text, pageDefaults[key]);
  }
  if (query.has('hide')) hide = query.get('hide').split(',').filter(Boolean);
  lang = pickLanguage(query.get('lang'));
}

// The state as a link: the lesson, then every setting that differs from the lesson's.
function writeUrl() {
  const query = new URLSearchParams();
  if (lessonId) query.set('lesson', lessonId);
  for (const key of Object.keys(defaults)) {
    const value = state[key];
    if (JSON.stringify(value) !== JSON.stringify(base[key])) query.set(key, Array.isArray(value) ? value.join(',') : String(value ?? ''));
  }
  for (const key of Object.keys(pageDefaults)) if (page[key] !== pageDefaults[key]) query.set(key, String(page[key]));
  const lesson = lessons.find((l) => l.id === lessonId);
  if (JSON.stringify(hide) !== JSON.stringify(lesson ? lesson.hide : [])) query.set('hide', hide.join(','));
  if (new URLSearchParams(location.search).has('lang')) query.set('lang', lang);
  history.replaceState(null, '', `${location.pathname}?${query}`);
}

function t(key) {
  return strings[lang][key] ?? key;
}

function engineConfig() {
  const config = { ...state };
  if (config.momentum === null) delete config.momentum;
  if (custom) config.data = custom;
  if (custom) config.dataset = 'custom';
  return config;
}

function showMessage(text) {
  $('message').hidden = !text;
  $('message').textContent = text || '';
}

function setPlaying(on) {
  playing = on;
  $('play').classList.toggle('playing', on);
  $('play').textContent = on ? '⏸' : '▶';
  if (on) tick();
}

async function reset() {
  setPlaying(false);
  writeUrl();
  syncControls();
  curves = { train: [], test: [] };
  best = { loss: Infinity, epoch: 0 };
  resetExplore();
  showMessage('');
  const answer = await call('configure', { config: engineConfig(), resolution });
  if (answer.error) {
    showMessage(answer.error);
    return;
  }
  layout = answer.layout;
  buildNetwork(layout, state, { t, onChange: networkChanged });
  applyHide();
  $('click-class').innerHTML = '';
  for (let c = 0; c < layout.classes; c++) $('click-class').add(new Option(String(c), String(c)));
  onAnswer(answer);
}

function networkChanged(change) {
  Object.assign(state, change);
  reset();
}

function onAnswer(answer) {
  if (answer.error) {
    showMessage(answer.error);
    setPlaying(false);
    return;
  }
  lastReport = answer.report;
  if (answer.grid) lastGrid = answer.grid;
  if (answer.stepMs !== undefined) {
    timings.stepMs.push(answer.stepMs);
    if (answer.batches === layout.batches_per_epoch) timings.epochMs.push(answer.stepMs);
  }
  if (answer.gridMs !== undefined) timings.gridMs.push(answer.gridMs);
  if (answer.slice) drawSlice(answer.slice);
  curves.train.push(lastReport.train_loss ?? NaN);
  curves.test.push(lastReport.test_loss ?? NaN);
  render();
  if (lastReport.nan) {
    showMessage(lastReport.nan);
    setPlaying(false);
  }
  earlyStopping();
}

function earlyStopping() {
  const loss = lastReport.test_loss;
  if (!Number.isFinite(loss)) return;
  if (loss < best.loss - 1e-6) best = { loss, epoch: lastReport.epoch };
  else if (page.patience > 0 && lastReport.epoch - best.epoch >= page.patience && playing) {
    setPlaying(false);
    showMessage(t('stopped').replace('{n}', page.patience).replace('{best}', best.loss.toFixed(3))
      .replace('{epoch}', Math.round(best.epoch)));
  }
}

function batchesPerFrame() {
  if (page.speed === 'epoch') return layout.batches_per_epoch;
  if (page.speed === '10') return 10 * layout.batches_per_epoch;
  return 1;
}

async function step(batches) {
  busy = true;
  const answer = await call('step', { batches, resolution, dims: layout.dims, slice: sliceRequest() });
  answer.batches = batches;
  busy = false;
  onAnswer(answer);
  return answer;
}

async function tick() {
  if (!playing || busy || !layout) return;
  await step(batchesPerFrame());
  if (playing) requestAnimationFrame(tick);
}

function format(value, digits = 3) {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function render() {
  const report = lastReport;
  $('epoch').textContent = Math.floor(report.epoch).toString().padStart(3, '0');
  const accuracy = layout.classes ? ` · ${t('accuracy')} ${format(report.train_accuracy)} / ${format(report.test_accuracy)}` : '';
  $('scores').innerHTML = `${t('train_loss')} <b id="train-loss">${format(report.train_loss)}</b> · ` +
    `${t('test_loss')} <b id="test-loss">${format(report.test_loss)}</b>${accuracy} · lr ${report.lr.toPrecision(3)}`;
  draw.curves($('curve'), curves.train, curves.test);
  renderGradients($('grad-bars'), report.layers, t);
  renderConfusion(report.confusion);
  $('formulas').textContent = formulas(state, layout.classes === 0).join('\n');
  const output = $('output');
  const ctx = output.getContext('2d');
  if (layout.dims !== 2 || !lastGrid) {
    ctx.clearRect(0, 0, output.width, output.height);
    ctx.fillText(t('no_plane'), 10, 20);
    return;
  }
  const hiddenUnits = layout.hidden.reduce((a, b) => a + b, 0);
  const cells = resolution * resolution;
  renderNetwork(lastGrid, resolution);
  draw.outputMap(output, lastGrid, hiddenUnits * cells, resolution, layout.classes, page.discretize);
  draw.points(output, layout.train.inputs, layout.train.labels, layout.classes, false);
  if (page.show_test) draw.points(output, layout.test.inputs, layout.test.labels, layout.classes, true);
}

function renderConfusion(confusion) {
  const table = $('confusion');
  table.innerHTML = '';
  if (!confusion) return;
  const head = table.insertRow();
  head.insertCell().textContent = t('truth');
  confusion.forEach((_, c) => { head.insertCell().textContent = c; });
  confusion.forEach((row, truth) => {
    const tr = table.insertRow();
    tr.insertCell().textContent = truth;
    row.forEach((count) => { tr.insertCell().textContent = count; });
  });
}

function fillSelect(select, values, labels) {
  select.innerHTML = '';
  values.forEach((v, i) => select.add(new Option(labels ? labels[i] : String(v), String(v))));
}

function syncControls() {
  $('lr').value = String(state.lr);
  if ($('lr').value !== String(state.lr)) { $('lr').add(new Option(String(state.lr), String(state.lr))); $('lr').value = String(state.lr); }
  $('activation').value = state.activation;
  const regularization = state.l1 > 0 ? 'L1' : state.l2 > 0 ? 'L2' : 'none';
  $('regularization').value = regularization;
  $('reg_rate').value = String(state.l1 || state.l2 || 0);
  const regression = custom ? custom.regression : state.dataset.startsWith('reg_');
  fillSelect($('loss'), regression ? catalog.regression_losses : catalog.classification_losses);
  $('loss').value = state.loss;
  for (const button of $('datasets').children) button.classList.toggle('selected', !custom && button.dataset.name === state.dataset);
  $('classes').value = state.classes;
  $('train_ratio').value = Math.round(state.train_ratio * 100);
  $('train_ratio_out').textContent = `${Math.round(state.train_ratio * 100)}%`;
  $('noise').value = Math.round(state.noise * 100);
  $('noise_out').textContent = Math.round(state.noise * 100);
  $('batch_size').value = state.batch_size;
  $('batch_size_out').textContent = state.batch_size;
  $('seed').value = state.seed;
  for (const key of ['optimizer', 'schedule', 'epochs', 'weight_decay', 'dropout', 'init', 'init_std', 'clip_norm']) $(key).value = state[key];
  $('momentum').value = state.momentum ?? '';
  $('batch_norm').checked = state.batch_norm;
  $('patience').value = page.patience;
  $('speed').value = page.speed;
  $('show-test').checked = page.show_test;
  $('discretize').checked = page.discretize;
  applyHide();
  $('lesson').value = lessonId;
  renderLessonText();
}

// The controls a lesson or the link's hide= keeps out of the way.
function applyHide() {
  for (const element of document.querySelectorAll('[data-control]')) element.hidden = hide.includes(element.dataset.control);
}

function renderLessonText() {
  const lesson = lessons.find((l) => l.id === lessonId);
  const box = $('lesson-text');
  box.hidden = !lesson;
  if (!lesson) return;
  const [title, text] = lesson[lang];
  const primer = lang === 'zh' ? 'primer/zh/README.md' : 'primer/README.md';
  box.innerHTML = '';
  const heading = document.createElement('h2');
  heading.textContent = title;
  const body = document.createElement('p');
  body.textContent = text;
  const link = document.createElement('a');
  link.href = `${primer}#${lesson.primer}`;
  link.textContent = t('read_more');
  box.append(heading, body, link);
}

function fillLessons() {
  const select = $('lesson');
  select.innerHTML = '';
  select.add(new Option(t('free'), ''));
  for (const lesson of lessons) select.add(new Option(lesson[lang][0], lesson.id));
  select.value = lessonId;
}

function openLesson(id) {
  const query = new URLSearchParams();
  if (id) query.set('lesson', id);
  if (new URLSearchParams(location.search).has('lang')) query.set('lang', lang);
  history.replaceState(null, '', `${location.pathname}?${query}`);
  custom = null;
  readUrl();
  return reset();
}

function parseCsv(text) {
  const rows = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    const numbers = cells.map(Number);
    if (numbers.some((n) => !Number.isFinite(n))) {
      if (rows.length === 0) continue;  // a header
      throw new Error(`not a number in: ${line}`);
    }
    rows.push(numbers);
  }
  if (rows.length < 2 || rows[0].length < 2) throw new Error('the CSV needs 2 rows and 2 columns or more');
  const labels = rows.map((r) => r[r.length - 1]);
  const regression = labels.some((l) => !Number.isInteger(l) || l < 0 || l > 7);
  return { dims: rows[0].length - 1, rows, regression };
}

function bindControls() {
  const set = (change) => { Object.assign(state, change); reset(); };
  fillSelect($('lr'), learningRates);
  fillSelect($('reg_rate'), regularizationRates);
  fillSelect($('activation'), catalog.activations);
  fillSelect($('optimizer'), catalog.optimizers.map((o) => o.name));
  fillSelect($('schedule'), catalog.schedules);
  fillSelect($('init'), ['default', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'lecun_normal', 'orthogonal', 'normal']);
  for (const name of datasets) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.name = name;
    button.textContent = name.replace('reg_', 'reg. ');
    button.onclick = () => {
      custom = null;
      const regression = name.startsWith('reg_');
      const loss = regression ? (catalog.regression_losses.includes(state.loss) ? state.loss : 'mse')
        : (catalog.classification_losses.includes(state.loss) ? state.loss : 'cross_entropy');
      set({ dataset: name, loss });
    };
    $('datasets').append(button);
  }
  $('lr').onchange = () => set({ lr: Number($('lr').value) });
  $('activation').onchange = () => set({ activation: $('activation').value });
  const regularize = () => {
    const rate = Number($('reg_rate').value);
    const kind = $('regularization').value;
    set({ l1: kind === 'L1' ? rate : 0, l2: kind === 'L2' ? rate : 0 });
  };
  $('regularization').onchange = regularize;
  $('reg_rate').onchange = regularize;
  $('loss').onchange = () => set({ loss: $('loss').value });
  $('classes').onchange = () => set({ classes: Number($('classes').value) });
  $('train_ratio').oninput = () => set({ train_ratio: Number($('train_ratio').value) / 100 });
  $('noise').oninput = () => set({ noise: Number($('noise').value) / 100 });
  $('batch_size').oninput = () => set({ batch_size: Number($('batch_size').value) });
  $('seed').onchange = () => set({ seed: Number($('seed').value) });
  $('regenerate').onclick = () => set({ seed: state.seed + 1 });
  for (const key of ['optimizer', 'schedule', 'init']) $(key).onchange = () => set({ [key]: $(key).value });
  for (const key of ['epochs', 'weight_decay', 'dropout', 'init_std', 'clip_norm']) $(key).onchange = () => set({ [key]: Number($(key).value) });
  $('momentum').onchange = () => set({ momentum: $('momentum').value === '' ? null : Number($('momentum').value) });
  $('batch_norm').onchange = () => set({ batch_norm: $('batch_norm').checked });
  $('patience').onchange = () => { page.patience = Number($('patience').value); writeUrl(); };
  $('speed').onchange = () => { page.speed = $('speed').value; writeUrl(); };
  $('show-test').onchange = () => { page.show_test = $('show-test').checked; writeUrl(); render(); };
  $('discretize').onchange = () => { page.discretize = $('discretize').checked; writeUrl(); render(); };
  $('play').onclick = () => setPlaying(!playing);
  $('step').onclick = () => { if (!busy && layout) step(1); };
  $('reset').onclick = () => reset();
  $('lesson').onchange = () => openLesson($('lesson').value);
  $('lang').onclick = () => {
    lang = lang === 'en' ? 'zh' : 'en';
    const query = new URLSearchParams(location.search);
    query.set('lang', lang);
    history.replaceState(null, '', `${location.pathname}?${query}`);
    applyLanguage();
    if (layout) { buildNetwork(layout, state, { t, onChange: networkChanged }); render(); }
  };
  $('output').onclick = async (event) => {
    if (!layout || layout.dims !== 2 || layout.classes === 0) return;
    const box = $('output').getBoundingClientRect();
    const x1 = (event.clientX - box.left) / box.width * 12 - 6;
    const x2 = 6 - (event.clientY - box.top) / box.height * 12;
    const answer = await call('addPoint', { x1, x2, label: Number($('click-class').value), resolution });
    layout = answer.layout;
    onAnswer(answer);
  };
  $('csv-file').onchange = async () => { $('csv').value = await $('csv-file').files[0].text(); };
  $('csv-use').onclick = () => {
    try {
      custom = parseCsv($('csv').value);
    } catch (error) {
      showMessage(error.message);
      return;
    }
    const loss = custom.regression ? 'mse' : 'cross_entropy';
    set({ loss });
  };
  $('race-run').onclick = () => race(call, engineConfig(), catalog.optimizers.map((o) => o.name), 30);
  $('csv-clear').onclick = () => { custom = null; reset(); };
  $('export').onclick = async () => {
    const { bytes } = await call('exportModel');
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    link.download = 'playground.plx';
    link.click();
  };
}

function applyLanguage() {
  translatePage(lang);
  $('lang').textContent = lang === 'en' ? '中文' : 'English';
  fillLessons();
  renderLessonText();
}

async function start() {
  readUrl();
  catalog = (await call('catalog')).catalog;
  bindControls();
  applyLanguage();
  await reset();
}

const ready = start();

window.playground = {
  ready,
  lessons: lessons.map((l) => l.id),
  timings,
  state: () => ({ ...state }),
  report: () => lastReport,
  layout: () => layout,
  configure: async (change) => { Object.assign(state, change); await reset(); return lastReport; },
  play: (on) => setPlaying(on),
  step: async (batches) => (await step(batches)).report,
  epoch: async () => (await step(layout.batches_per_epoch)).report,
  openLesson: async (id) => { await openLesson(id); return lastReport; },
  exportModel: async () => Array.from((await call('exportModel')).bytes),
  probabilities: async () => {
    const answer = await call('probabilities');
    return { probabilities: Array.from(answer.probabilities), csv: answer.csv };
  },
  grid: async (res) => call('grid', { resolution: res }),
  race: async (epochs) => race(call, engineConfig(), catalog.optimizers.map((o) => o.name), epochs),
  openSlice: () => { $('slice-panel').open = true; },
};
