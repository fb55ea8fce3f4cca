// The engine's thread: plexus compiled to WebAssembly (engine.js, engine.wasm) runs here, so the
// page never waits on training. Each message {id, cmd, ...} gets one answer {id, ...}.
importScripts('engine.js');

let engine = null;
let catalog = null;
let EngineModule = null;
const ready = createEngine().then((module) => {
  EngineModule = module;
  engine = new module.Engine();
  catalog = JSON.parse(module.catalog());
});

function withGrid(answer, resolution) {
  if (resolution > 0) {
    const started = performance.now();
    answer.grid = engine.neuronGrid(resolution);
    answer.gridMs = performance.now() - started;
  }
  return answer;
}

const commands = {
  catalog() {
    return { catalog };
  },
  configure({ config, resolution }) {
    const error = engine.configure(JSON.stringify(config));
    if (error) return JSON.parse(error);
    const layout = JSON.parse(engine.layout());
    const answer = { layout, report: JSON.parse(engine.report()) };
    return layout.dims === 2 ? withGrid(answer, resolution) : answer;
  },
  step({ batches, resolution, dims, slice }) {
    const started = performance.now();
    const report = JSON.parse(engine.step(batches));
    const stepMs = performance.now() - started;
    if (report.error) return report;
    const answer = withGrid({ report, stepMs }, dims === 2 ? resolution : 0);
    if (slice) answer.slice = engine.lossSlice(slice.resolution, slice.radius);
    return answer;
  },
  // The same data and start trained by each optimizer: the loss after each epoch.
  race({ config, optimizers, epochs }) {
    const curves = {};
    for (const optimizer of optimizers) {
      const racer = new EngineModule.Engine();
      const error = racer.configure(JSON.stringify({ ...config, optimizer }));
      if (error) return JSON.parse(error);
      const batches = JSON.parse(racer.layout()).batches_per_epoch;
      curves[optimizer] = [JSON.parse(racer.report()).train_loss];
      for (let epoch = 0; epoch < epochs; epoch++) curves[optimizer].push(JSON.parse(racer.step(batches)).train_loss);
      racer.delete();
    }
    return { curves };
  },
  addPoint({ x1, x2, label, resolution }) {
    engine.addPoint(x1, x2, label);
    return withGrid({ layout: JSON.parse(engine.layout()), report: JSON.parse(engine.report()) },
                    resolution);
  },
  grid({ resolution }) {
    return withGrid({}, resolution);
  },
  exportModel() {
    return { bytes: engine.exportModel() };
  },
  probabilities() {
    return { probabilities: engine.testProbabilities(), csv: engine.testCsv() };
  },
};

onmessage = async (event) => {
  const { id, cmd } = event.data;
  await ready;
  let answer;
  try {
    answer = commands[cmd](event.data);
  } catch (error) {
    answer = { error: String(error && error.message ? error.message : error) };
  }
  answer.id = id;
  const transfer = [];
  if (answer.grid) transfer.push(answer.grid.buffer);
  if (answer.bytes) transfer.push(answer.bytes.buffer);
  postMessage(answer, transfer);
};
