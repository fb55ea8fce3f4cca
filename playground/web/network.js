// The network view: a column of input features (click one to use it or not), one column per
// hidden layer with a heatmap per neuron and buttons that add or remove neurons, and the
// gradient-norm bars with each layer's dead and saturated units.
import * as draw from './draw.js';

const allFeatures = Object.keys(draw.featureFunctions);
let neuronCanvases = [];

function button(text, onclick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.onclick = onclick;
  return element;
}

export function buildNetwork(layout, state, { t, onChange }) {
  const network = document.getElementById('network');
  network.innerHTML = '';
  neuronCanvases = [];
  document.getElementById('layer-count').textContent = state.hidden.length;
  document.getElementById('add-layer').onclick = () => {
    if (state.hidden.length < 8) onChange({ hidden: [...state.hidden, 4] });
  };
  document.getElementById('remove-layer').onclick = () => {
    if (state.hidden.length > 0) onChange({ hidden: state.hidden.slice(0, -1) });
  };
  if (layout.dims === 2) {
    const column = document.createElement('div');
    column.className = 'layer features';
    column.dataset.control = 'features';
    const title = document.createElement('div');
    title.className = 'title';
    title.textContent = t('features');
    column.append(title);
    for (const name of allFeatures) {
      const row = document.createElement('div');
      row.className = 'feature';
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 44;
      const on = state.features.includes(name);
      canvas.classList.toggle('off', !on);
      draw.featureMap(canvas, name, 22);
      row.append(canvas, document.createTextNode(name));
      row.onclick = () => {
        const features = on ? state.features.filter((f) => f !== name) : allFeatures.filter((f) => f === name || state.features.includes(f));
        if (features.length > 0) onChange({ features });
      };
      column.append(row);
    }
    network.append(column);
  }
  state.hidden.forEach((width, layer) => {
    const column = document.createElement('div');
    column.className = 'layer';
    const title = document.createElement('div');
    title.className = 'title';
    const change = (delta) => () => {
      const hidden = [...state.hidden];
      hidden[layer] = Math.max(1, Math.min(256, width + delta));
      onChange({ hidden });
    };
    title.append(button('+', change(1)), button('−', change(-1)), document.createElement('br'),
      document.createTextNode(`${width} ${t('neurons')}`));
    column.append(title);
    for (let unit = 0; unit < width; unit++) {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 44;
      canvas.title = `layer ${layer + 1}, neuron ${unit + 1}`;
      if (unit < 16) column.append(canvas);
      neuronCanvases.push(unit < 16 ? canvas : null);
    }
    network.append(column);
  });
}

export function renderNetwork(grid, resolution) {
  const cells = resolution * resolution;
  neuronCanvases.forEach((canvas, unit) => {
    if (canvas) draw.heatmap(canvas, grid, unit * cells, resolution);
  });
}

// log10 of each layer's gradient norm as a bar; orange below 1e-4 of the largest (vanishing),
// red above 1e3 (exploding).
export function renderGradients(container, layers, t) {
  container.innerHTML = '';
  const norms = layers.map((l) => l.grad_norm).filter((n) => n > 0);
  if (norms.length === 0) return;
  const top = Math.max(...norms);
  layers.forEach((layer, i) => {
    const row = document.createElement('div');
    row.className = 'bar';
    const fill = document.createElement('span');
    fill.className = 'fill';
    const magnitude = layer.grad_norm > 0 ? Math.log10(layer.grad_norm / top) : -12;
    fill.style.width = `${Math.max(2, 160 + magnitude * 20)}px`;
    if (layer.grad_norm > 1e3) row.classList.add('exploding');
    else if (magnitude < -4) row.classList.add('vanishing');
    const flat = layer.dead || layer.saturated ? ` · ${layer.dead} ${t('dead')}, ${layer.saturated} ${t('saturated')}` : '';
    const label = document.createElement('span');
    label.textContent = `${i + 1}: ${layer.grad_norm.toExponential(1)}${flat}`;
    row.append(fill, label);
    container.append(row);
  });
}
