// Drawing: heatmaps of a neuron or of the output over [-6, 6]^2, the data points, the loss curves.
// Colours as TensorFlow Playground's: orange for negative (class 0), blue for positive (class 1);
// more classes take a palette.
export const palette = [[245, 147, 34], [8, 119, 189], [46, 160, 67], [214, 39, 40],
                        [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127]];
const white = [255, 255, 255];

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

// -1 .. 1 to orange .. white .. blue.
export function diverging(value) {
  const v = Math.max(-1, Math.min(1, value));
  return v < 0 ? mix(white, palette[0], -v) : mix(white, palette[1], v);
}

// Paints a resolution^2 block of `values` (from `offset`) into canvas, scaled so that max |v| = 1.
export function heatmap(canvas, values, offset, resolution, scale) {
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(resolution, resolution);
  let top = scale || 0;
  if (!scale) for (let i = 0; i < resolution * resolution; i++) top = Math.max(top, Math.abs(values[offset + i]));
  top = top || 1;
  for (let i = 0; i < resolution * resolution; i++) {
    const [r, g, b] = diverging(values[offset + i] / top);
    image.data.set([r, g, b, 255], i * 4);
  }
  paint(canvas, image, resolution);
}

// The output: class probabilities blended over the class colours (2 classes: p(1) on the
// diverging scale), or a regression's value in [-1, 1].
export function outputMap(canvas, values, offset, resolution, classes, discretize) {
  const cells = resolution * resolution;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(resolution, resolution);
  for (let i = 0; i < cells; i++) {
    let colour;
    if (classes === 0) {
      colour = diverging(discretize ? Math.sign(values[offset + i]) : values[offset + i]);
    } else if (classes === 2) {
      const p = values[offset + cells + i];
      colour = diverging(discretize ? (p > 0.5 ? 1 : -1) : 2 * p - 1);
    } else {
      let best = 0;
      colour = [0, 0, 0];
      for (let c = 0; c < classes; c++) {
        const p = values[offset + c * cells + i];
        if (p > values[offset + best * cells + i]) best = c;
        colour = [colour[0] + p * palette[c][0], colour[1] + p * palette[c][1], colour[2] + p * palette[c][2]];
      }
      if (discretize) colour = palette[best];
    }
    // Lighter than the points, so a point on its own class's side still shows.
    colour = mix(white, colour, 0.7);
    image.data.set([colour[0], colour[1], colour[2], 255], i * 4);
  }
  paint(canvas, image, resolution);
}

function paint(canvas, image, resolution) {
  const scratch = new OffscreenCanvas(resolution, resolution);
  scratch.getContext('2d').putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

export function toCanvas(canvas, x1, x2) {
  return [(x1 + 6) / 12 * canvas.width, (6 - x2) / 12 * canvas.height];
}

export function points(canvas, inputs, labels, classes, test) {
  const ctx = canvas.getContext('2d');
  for (let i = 0; i < labels.length; i++) {
    const [x, y] = toCanvas(canvas, inputs[2 * i], inputs[2 * i + 1]);
    const colour = classes === 0 ? diverging(labels[i]) : palette[labels[i]];
    ctx.beginPath();
    ctx.arc(x, y, 3, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${colour[0]},${colour[1]},${colour[2]})`;
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = test ? '#000' : '#fff';
    ctx.stroke();
  }
}

// Train (grey) and test (black) loss per report, on a common scale.
export function curves(canvas, train, test) {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const all = train.concat(test).filter(Number.isFinite);
  if (all.length < 2) return;
  const top = Math.max(...all) || 1;
  const line = (values, colour) => {
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = i / Math.max(1, values.length - 1) * canvas.width;
      const y = canvas.height - (Number.isFinite(v) ? v : top) / top * (canvas.height - 4) - 2;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  };
  line(train, '#999');
  line(test, '#000');
}

// A feature's values over the plane, computed here (the engine's inputs are these same formulas).
export const featureFunctions = {
  x1: (a) => a, x2: (a, b) => b, x1_squared: (a) => a * a, x2_squared: (a, b) => b * b,
  x1_x2: (a, b) => a * b, sin_x1: (a) => Math.sin(a), sin_x2: (a, b) => Math.sin(b),
};

export function featureMap(canvas, name, resolution) {
  const values = new Float32Array(resolution * resolution);
  for (let row = 0; row < resolution; row++) {
    for (let col = 0; col < resolution; col++) {
      const step = 12 / resolution;
      values[row * resolution + col] = featureFunctions[name](-6 + step * (col + 0.5), 6 - step * (row + 0.5));
    }
  }
  heatmap(canvas, values, 0, resolution);
}
