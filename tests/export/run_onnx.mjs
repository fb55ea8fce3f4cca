// Runs each exported ONNX model in onnxruntime (the npm package onnxruntime-node, CPU) on the rows
// make_models wrote, and compares with plexus' outputs.
//   node run_onnx.mjs NPM_PREFIX MODELS_DIR   exits 77 when the runtime or the .onnx files are
//   missing (plexus built without protobuf), 1 when an output is off by more than the tolerance.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [prefix, dir] = process.argv.slice(2);
const tolerance = 1e-5;  // relative, above a floor near zero that models.txt gives per model
if (!existsSync(join(prefix, 'node_modules', 'onnxruntime-node'))) {
  console.log(`onnxruntime-node is not installed under ${prefix}: skipped`);
  process.exit(77);
}
const ort = createRequire(resolve(prefix, 'node_modules', 'x.js'))('onnxruntime-node');

const matrix = (path) => {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const [rows, cols] = lines[0].split(' ').map(Number);
  const data = new Float32Array(rows * cols);
  lines.slice(1).forEach((line, r) =>
    line.split(' ').forEach((v, c) => { data[r * cols + c] = v === 'nan' ? NaN : Number(v); }));
  return { rows, cols, data };
};

let failed = false;
for (const line of readFileSync(join(dir, 'models.txt'), 'utf8').trim().split('\n')) {
  const [name, classifier, floorText] = line.split(' ');
  const floor = Number(floorText);
  const file = join(dir, `${name}.onnx`);
  if (!existsSync(file)) {
    console.log(`${file} is missing (plexus built without ONNX export): skipped`);
    process.exit(77);
  }
  const rows = matrix(join(dir, `${name}.rows`));
  const expected = matrix(join(dir, `${name}.expected`));
  const session = await ort.InferenceSession.create(file);
  const output = classifier === '1' ? 'probabilities' : 'predictions';
  const result = await session.run(
      { features: new ort.Tensor('float32', rows.data, [rows.rows, rows.cols]) });
  const got = result[output];
  if (!got || got.dims.join() !== [expected.rows, expected.cols].join()) {
    console.log(`${name}: output ${output} missing or of shape ${got && got.dims}`);
    failed = true;
    continue;
  }
  let worst = 0;
  expected.data.forEach((e, i) => {
    const error = Math.abs(got.data[i] - e) / Math.max(Math.abs(e), floor);
    worst = Number.isNaN(error) ? Infinity : Math.max(worst, error);
  });
  console.log(`${name}: ${rows.rows} rows, max relative error ${worst.toPrecision(3)} (floor ${floor})`);
  if (!(worst <= tolerance)) failed = true;
}
process.exit(failed ? 1 : 0);
