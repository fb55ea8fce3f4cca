// The formulas behind the current settings (TensorFlow Playground's users asked for them): the
// layer, the activation, the loss with its penalties, and the optimizer's update, in the
// library's definitions (PyTorch's).
const activations = {
  relu: 'f(z) = max(0, z)', sigmoid: 'f(z) = 1 / (1 + e^−z)', tanh: 'f(z) = tanh z',
  leaky_relu: 'f(z) = z if z > 0, else 0.01 z', elu: 'f(z) = z if z > 0, else e^z − 1',
  selu: 'f(z) = 1.0507 (z if z > 0, else 1.6733 (e^z − 1))', gelu: 'f(z) = z Φ(z)',
  silu: 'f(z) = z sigmoid(z)', softplus: 'f(z) = log(1 + e^z)', linear: 'f(z) = z',
};
const losses = {
  cross_entropy: 'L = −mean log softmax(z)_y',
  binary_cross_entropy_with_logits: 'L = −mean [y log σ(z) + (1 − y) log(1 − σ(z))]',
  mse: 'L = mean (z − y)²', mae: 'L = mean |z − y|', huber: 'L = mean (½ e² if |e| < 1, else |e| − ½), e = z − y',
  smooth_l1: 'L = mean (½ e² if |e| < 1, else |e| − ½), e = z − y', log_cosh: 'L = mean log cosh(z − y)',
};
const optimizers = {
  sgd: 'w ← w − lr · g',
  sgd_momentum: 'v ← μ v + g;  w ← w − lr · v',
  adagrad: 's ← s + g²;  w ← w − lr · g / (√s + ε)',
  adadelta: 's ← ρ s + (1 − ρ) g²;  Δ = √(u + ε) / √(s + ε) · g;  u ← ρ u + (1 − ρ) Δ²;  w ← w − lr · Δ',
  rmsprop: 's ← α s + (1 − α) g²;  w ← w − lr · g / (√s + ε)',
  adam: 'm ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;  w ← w − lr · m̂ / (√v̂ + ε)',
  adamw: 'w ← w − lr λ w;  then Adam’s step',
  nadam: 'Adam with Nesterov momentum: m̂ looks one step ahead',
};

export function formulas(state, regression) {
  const lines = [`z = W x + b;  a = f(z)${state.batch_norm ? ' with z normalised per batch: γ (z − mean) / √(var + ε) + β' : ''}`,
    activations[state.activation] || ''];
  if (state.dropout > 0) lines.push(`dropout: a ← a · mask / (1 − ${state.dropout}), mask ~ Bernoulli(1 − ${state.dropout})`);
  let loss = losses[state.loss] || state.loss;
  if (state.l1 > 0) loss += ` + ${state.l1} Σ|W|`;
  if (state.l2 > 0) loss += ` + ${state.l2} Σ W²`;
  lines.push(regression ? loss.replace('softmax(z)_y', 'z') : loss);
  const momentum = state.optimizer === 'sgd' && state.momentum > 0 ? 'sgd_momentum' : state.optimizer;
  lines.push(`g = ∂L/∂w (backpropagation)${state.clip_norm > 0 ? `, scaled to norm ≤ ${state.clip_norm}` : ''}`);
  lines.push(optimizers[momentum] || state.optimizer);
  if (state.weight_decay > 0 && state.optimizer !== 'adamw') lines.push(`g ← g + ${state.weight_decay} w (weight decay)`);
  return lines;
}
