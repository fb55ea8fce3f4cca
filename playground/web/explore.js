// Beyond the plane: a slice of the training loss through two weights of the real network with
// the path the optimizer took through them (in the spirit of Distill's momentum article), and a
// race of every optimizer from the same start on the same data.
import { palette } from './draw.js';

const sliceResolution = 25;
let path = [];
let radius = 1;

export function resetExplore() {
  path = [];
  radius = 1;
  const canvas = document.getElementById('slice');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

// What to ask the worker for with each step: a slice while its panel is open.
export function sliceRequest() {
  if (!document.getElementById('slice-panel').open) return null;
  return { resolution: sliceResolution, radius };
}

// Draws log(loss) over the slice (dark: low) and the weights' path, centred on where they are now;
// the next slice widens to keep the whole path in view.
export function drawSlice(slice) {
  const cells = sliceResolution * sliceResolution;
  const w0 = slice[cells];
  const w1 = slice[cells + 1];
  path.push([w0, w1]);
  const canvas = document.getElementById('slice');
  const ctx = canvas.getContext('2d');
  const logs = Array.from(slice.slice(0, cells), (v) => Math.log(Math.max(v, 1e-12)));
  const finite = logs.filter(Number.isFinite);
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  const image = ctx.createImageData(sliceResolution, sliceResolution);
  logs.forEach((v, i) => {
    const t = Number.isFinite(v) && high > low ? (v - low) / (high - low) : 1;
    image.data.set([24 + 231 * t, 61 + 194 * t, 78 + 177 * t, 255], i * 4);
  });
  const scratch = new OffscreenCanvas(sliceResolution, sliceResolution);
  scratch.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  const at = ([a, b]) => [(a - w0 + radius) / (2 * radius) * canvas.width,
                          (w1 + radius - b) / (2 * radius) * canvas.height];
  ctx.beginPath();
  path.forEach((point, i) => {
    const [x, y] = at(point);
    if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  });
  ctx.strokeStyle = '#f59322';
  ctx.lineWidth = 2;
  ctx.stroke();
  const far = Math.max(...path.map(([a, b]) => Math.max(Math.abs(a - w0), Math.abs(b - w1))));
  radius = Math.min(20, Math.max(0.5, far * 1.2));
}

export async function race(call, config, optimizers, epochs) {
  const answer = await call('race', { config, optimizers, epochs });
  const canvas = document.getElementById('race');
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (answer.error) return answer;
  const all = Object.values(answer.curves).flat().filter(Number.isFinite);
  const top = Math.max(...all);
  const legend = document.getElementById('race-legend');
  legend.innerHTML = '';
  Object.entries(answer.curves).forEach(([name, losses], k) => {
    const [r, g, b] = palette[k % palette.length];
    ctx.beginPath();
    losses.forEach((loss, i) => {
      const x = i / (losses.length - 1) * canvas.width;
      const y = canvas.height - 2 - (Number.isFinite(loss) ? loss : top) / top * (canvas.height - 4);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = `rgb(${r},${g},${b})`;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    const item = document.createElement('span');
    item.style.color = `rgb(${r},${g},${b})`;
    item.textContent = `${name} ${Number.isFinite(losses.at(-1)) ? losses.at(-1).toFixed(3) : 'NaN'}  `;
    legend.append(item);
  });
  return answer;
}
