// Learning-rate schedules. Each compute_lr() is the get_lr() of PyTorch 1.13's class of the same
// name, in the same order of double operations, so the sequences agree to the last bit.
#include "plexus/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "base/check.hpp"

namespace plexus::optim {

// ---- LRScheduler -------------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (const Optimizer::Group& group : optimizer.groups()) base_lrs_.push_back(group.lr);
}

void LRScheduler::step() {
  ++last_epoch_;
  apply();
}

void LRScheduler::step(double /*metric*/) { step(); }

void LRScheduler::apply() {
  std::vector<Optimizer::Group>& groups = optimizer_.groups();
  PLEXUS_CHECK(groups.size() == base_lrs_.size(), "LRScheduler: the optimizer had ",
               base_lrs_.size(), " parameter groups when the schedule was built, now ",
               groups.size());
  last_lr_.resize(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    groups[g].lr = compute_lr(g, groups[g].lr);
    last_lr_[g] = groups[g].lr;
  }
}

// ---- StepLR, MultiStepLR, ExponentialLR --------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  PLEXUS_CHECK(step_size >= 1, "StepLR: invalid step_size = ", step_size, "; it must be >= 1");
  PLEXUS_CHECK(gamma >= 0.0, "StepLR: invalid gamma = ", gamma, "; it must be >= 0");
  step();
}

double StepLR::compute_lr(size_t /*group*/, double current_lr) {
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return current_lr;
  return current_lr * gamma_;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  PLEXUS_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()),
               "MultiStepLR: the milestones must be in increasing order");
  PLEXUS_CHECK(gamma >= 0.0, "MultiStepLR: invalid gamma = ", gamma, "; it must be >= 0");
  step();
}

double MultiStepLR::compute_lr(size_t /*group*/, double current_lr) {
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return current_lr;
  return current_lr * std::pow(gamma_, static_cast<double>(hits));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  PLEXUS_CHECK(gamma >= 0.0, "ExponentialLR: invalid gamma = ", gamma, "; it must be >= 0");
  step();
}

double ExponentialLR::compute_lr(size_t /*group*/, double current_lr) {
  return last_epoch_ == 0 ? current_lr : current_lr * gamma_;
}

// ---- cosine annealing --------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  PLEXUS_CHECK(T_max >= 1, "CosineAnnealingLR: invalid T_max = ", T_max, "; it must be >= 1");
  PLEXUS_CHECK(eta_min >= 0.0, "CosineAnnealingLR: invalid eta_min = ", eta_min,
               "; it must be >= 0");
  step();
}

// The recursive form: each lr from the previous one, so changes made to the lr from outside carry
// on. At the bottom of each period (epoch = (2k + 1) T_max + 1) the ratio form would divide by
// 1 + cos(pi) = 0, so PyTorch adds the step up explicitly there.
double CosineAnnealingLR::compute_lr(size_t group, double current_lr) {
  const int64_t e = last_epoch_;
  const double T = static_cast<double>(T_max_);
  constexpr double pi = std::numbers::pi;
  if (e == 0) return current_lr;
  if ((e - 1 - T_max_) % (2 * T_max_) == 0)
    return current_lr + (base_lrs_[group] - eta_min_) * (1.0 - std::cos(pi / T)) / 2.0;
  return (1.0 + std::cos(pi * static_cast<double>(e) / T)) /
             (1.0 + std::cos(pi * static_cast<double>(e - 1) / T)) * (current_lr - eta_min_) +
         eta_min_;
}

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0,
                                                         int64_t T_mult, double eta_min)
    : LRScheduler(optimizer), T_i_(T_0), T_mult_(T_mult), eta_min_(eta_min) {
  PLEXUS_CHECK(T_0 >= 1, "CosineAnnealingWarmRestarts: invalid T_0 = ", T_0, "; it must be >= 1");
  PLEXUS_CHECK(T_mult >= 1, "CosineAnnealingWarmRestarts: invalid T_mult = ", T_mult,
               "; it must be >= 1");
  PLEXUS_CHECK(eta_min >= 0.0, "CosineAnnealingWarmRestarts: invalid eta_min = ", eta_min,
               "; it must be >= 0");
  step();
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ >= 0 && ++T_cur_ >= T_i_) {  // a restart
    T_cur_ -= T_i_;
    T_i_ *= T_mult_;
  }
  LRScheduler::step();
}

double CosineAnnealingWarmRestarts::compute_lr(size_t group, double /*current_lr*/) {
  const double pi = std::numbers::pi;
  return eta_min_ +
         (base_lrs_[group] - eta_min_) *
             (1.0 + std::cos(pi * static_cast<double>(T_cur_) / static_cast<double>(T_i_))) / 2.0;
}

// ---- LinearLR ----------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters)
    : LRScheduler(optimizer),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  PLEXUS_CHECK(start_factor > 0.0 && start_factor <= 1.0,
               "LinearLR: invalid start_factor = ", start_factor, "; it must be in (0, 1]");
  PLEXUS_CHECK(end_factor >= 0.0 && end_factor <= 1.0,
               "LinearLR: invalid end_factor = ", end_factor, "; it must be in [0, 1]");
  PLEXUS_CHECK(total_iters >= 1, "LinearLR: invalid total_iters = ", total_iters,
               "; it must be >= 1");
  step();
}

// Recursive: each epoch multiplies the lr by the ratio of this epoch's factor to the last one's.
double LinearLR::compute_lr(size_t /*group*/, double current_lr) {
  if (last_epoch_ == 0) return current_lr * start_factor_;
  if (last_epoch_ > total_iters_) return current_lr;
  const double change = end_factor_ - start_factor_;
  return current_lr * (1.0 + change / (static_cast<double>(total_iters_) * start_factor_ +
                                       static_cast<double>(last_epoch_ - 1) * change));
}

// ---- CosLogLR ----------------------------------------------------------------------------------

CosLogLR::CosLogLR(Optimizer& optimizer, int64_t total_steps, int64_t cycles)
    : LRScheduler(optimizer), total_steps_(total_steps), cycles_(cycles) {
  PLEXUS_CHECK(total_steps >= 1, "CosLogLR: invalid total_steps = ", total_steps,
               "; it must be >= 1");
  PLEXUS_CHECK(cycles >= 1 && cycles <= 30, "CosLogLR: invalid cycles = ", cycles,
               "; it must be in [1, 30]");
  step();
}

double CosLogLR::compute_lr(size_t group, double /*current_lr*/) {
  const double t =
      std::min(1.0, static_cast<double>(last_epoch_) / static_cast<double>(total_steps_));
  const double cycles_done = std::log2(1.0 + (std::exp2(static_cast<double>(cycles_)) - 1.0) * t);
  return base_lrs_[group] * (1.0 - std::cos(2.0 * std::numbers::pi * cycles_done)) / 2.0;
}

// ---- OneCycleLR --------------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, int64_t total_steps,
                       const Options& options)
    : LRScheduler(optimizer),
      total_steps_(total_steps),
      options_(options),
      cycle_momentum_(options.cycle_momentum && optimizer.has_momentum()) {
  PLEXUS_CHECK(max_lr > 0.0, "OneCycleLR: invalid max_lr = ", max_lr, "; it must be > 0");
  PLEXUS_CHECK(total_steps >= 1, "OneCycleLR: invalid total_steps = ", total_steps,
               "; it must be >= 1");
  PLEXUS_CHECK(options.pct_start >= 0.0 && options.pct_start <= 1.0,
               "OneCycleLR: invalid pct_start = ", options.pct_start, "; it must be in [0, 1]");
  PLEXUS_CHECK(options.div_factor > 0.0, "OneCycleLR: invalid div_factor = ", options.div_factor,
               "; it must be > 0");
  PLEXUS_CHECK(options.final_div_factor > 0.0,
               "OneCycleLR: invalid final_div_factor = ", options.final_div_factor,
               "; it must be > 0");
  const double initial_lr = max_lr / options.div_factor;
  const double min_lr = initial_lr / options.final_div_factor;
  const double total = static_cast<double>(total_steps);
  const double low = options.base_momentum, high = options.max_momentum;
  if (options.three_phase) {
    phases_ = {{options.pct_start * total - 1.0, initial_lr, max_lr, high, low},
               {2.0 * options.pct_start * total - 2.0, max_lr, initial_lr, low, high},
               {total - 1.0, initial_lr, min_lr, high, high}};
  } else {
    phases_ = {{options.pct_start * total - 1.0, initial_lr, max_lr, high, low},
               {total - 1.0, max_lr, min_lr, low, high}};
  }
  if (cycle_momentum_)
    for (Optimizer::Group& group : optimizer.groups()) group.momentum = high;
  step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == AnnealStrategy::linear) return (end - start) * pct + start;
  const double cos_out = std::cos(std::numbers::pi * pct) + 1.0;
  return end + (start - end) / 2.0 * cos_out;
}

double OneCycleLR::compute_lr(size_t group, double /*current_lr*/) {
  PLEXUS_CHECK(last_epoch_ <= total_steps_, "OneCycleLR: stepped ", last_epoch_ + 1,
               " times, but total_steps is ", total_steps_);
  const double step_num = static_cast<double>(last_epoch_);
  double start_step = 0.0;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& phase = phases_[i];
    if (step_num <= phase.end_step || i + 1 == phases_.size()) {
      const double pct = (step_num - start_step) / (phase.end_step - start_step);
      if (cycle_momentum_)
        optimizer_.groups()[group].momentum = anneal(phase.start_momentum, phase.end_momentum, pct);
      return anneal(phase.start_lr, phase.end_lr, pct);
    }
    start_step = phase.end_step;
  }
  PLEXUS_ASSERT(false);  // the last phase always matches
  return 0.0;
}

// ---- ReduceLROnPlateau -------------------------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const Options& options)
    : LRScheduler(optimizer),
      options_(options),
      best_(options.mode == PlateauMode::min ? std::numeric_limits<double>::infinity()
                                             : -std::numeric_limits<double>::infinity()) {
  PLEXUS_CHECK(options.factor >= 0.0 && options.factor < 1.0,
               "ReduceLROnPlateau: invalid factor = ", options.factor, "; it must be in [0, 1)");
  PLEXUS_CHECK(options.patience >= 0, "ReduceLROnPlateau: invalid patience = ", options.patience,
               "; it must be >= 0");
  PLEXUS_CHECK(options.threshold >= 0.0,
               "ReduceLROnPlateau: invalid threshold = ", options.threshold, "; it must be >= 0");
  PLEXUS_CHECK(options.cooldown >= 0, "ReduceLROnPlateau: invalid cooldown = ", options.cooldown,
               "; it must be >= 0");
  PLEXUS_CHECK(options.min_lr >= 0.0, "ReduceLROnPlateau: invalid min_lr = ", options.min_lr,
               "; it must be >= 0");
  last_epoch_ = 0;
  apply();  // reducing_ is false: records the current lrs
}

void ReduceLROnPlateau::step() {
  PLEXUS_CHECK(false,
               "ReduceLROnPlateau: step() needs the metric it watches; call step(metric), "
               "e.g. step(validation_loss)");
}

bool ReduceLROnPlateau::is_better(double metric) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::rel;
  if (options_.mode == PlateauMode::min)
    return rel ? metric < best_ * (1.0 - t) : metric < best_ - t;
  return rel ? metric > best_ * (t + 1.0) : metric > best_ + t;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {  // bad epochs during cooldown do not count
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  reducing_ = num_bad_epochs_ > options_.patience;
  apply();
  if (reducing_) {
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
    reducing_ = false;
  }
}

double ReduceLROnPlateau::compute_lr(size_t /*group*/, double current_lr) {
  if (!reducing_) return current_lr;
  const double reduced = std::max(current_lr * options_.factor, options_.min_lr);
  return current_lr - reduced > options_.eps ? reduced : current_lr;
}

// ---- state, for checkpoints -------------------------------------------------------------------

namespace {

double entry(const NamedScalars& state, const std::string& name) {
  for (const auto& [key, value] : state)
    if (key == name) return value;
  detail::throw_error("LRScheduler::load_state_dict: the state has no \"", name,
                      "\" (a state of another schedule?)");
}
}  // namespace

NamedScalars LRScheduler::state_dict() const {
  NamedScalars state{{"last_epoch", static_cast<double>(last_epoch_)}};
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    state.emplace_back("base_lr." + std::to_string(g), base_lrs_[g]);
    state.emplace_back("last_lr." + std::to_string(g), last_lr_[g]);
  }
  return state;
}

void LRScheduler::load_state_dict(const NamedScalars& state) {
  last_epoch_ = static_cast<int64_t>(entry(state, "last_epoch"));
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    base_lrs_[g] = entry(state, "base_lr." + std::to_string(g));
    last_lr_[g] = entry(state, "last_lr." + std::to_string(g));
  }
}

NamedScalars CosineAnnealingWarmRestarts::state_dict() const {
  NamedScalars state = LRScheduler::state_dict();
  state.emplace_back("T_i", static_cast<double>(T_i_));
  state.emplace_back("T_cur", static_cast<double>(T_cur_));
  return state;
}

void CosineAnnealingWarmRestarts::load_state_dict(const NamedScalars& state) {
  LRScheduler::load_state_dict(state);
  T_i_ = static_cast<int64_t>(entry(state, "T_i"));
  T_cur_ = static_cast<int64_t>(entry(state, "T_cur"));
}

NamedScalars ReduceLROnPlateau::state_dict() const {
  NamedScalars state = LRScheduler::state_dict();
  state.emplace_back("best", best_);
  state.emplace_back("num_bad_epochs", static_cast<double>(num_bad_epochs_));
  state.emplace_back("cooldown_counter", static_cast<double>(cooldown_counter_));
  state.emplace_back("reducing", reducing_ ? 1.0 : 0.0);
  return state;
}

void ReduceLROnPlateau::load_state_dict(const NamedScalars& state) {
  LRScheduler::load_state_dict(state);
  best_ = entry(state, "best");
  num_bad_epochs_ = static_cast<int64_t>(entry(state, "num_bad_epochs"));
  cooldown_counter_ = static_cast<int64_t>(entry(state, "cooldown_counter"));
  reducing_ = entry(state, "reducing") != 0.0;
}

}  // namespace plexus::optim
