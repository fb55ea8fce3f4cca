// The optimizer and schedule tables: each entry's name, description and factory in one place.
#include "plexus/optim/registry.hpp"

#include <algorithm>
#include <functional>

#include "base/check.hpp"
#include "plexus/base/text.hpp"
#include "plexus/optim/adadelta.hpp"
#include "plexus/optim/adagrad.hpp"
#include "plexus/optim/adam.hpp"
#include "plexus/optim/nadam.hpp"
#include "plexus/optim/rmsprop.hpp"
#include "plexus/optim/sgd.hpp"

namespace plexus::optim {

namespace {

// ---- optimizers --------------------------------------------------------------------------------

struct OptimizerEntry {
  OptimizerInfo info;
  std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>, const OptimizerSettings&)> make;
};

// The Options of optimizers that take a momentum (SGD, RMSprop).
template <typename Options>
concept HasMomentum = requires(Options options) {
  options.momentum;
};

// The Options of optimizers with a second-moment decay (Adam, AdamW, Nadam).
template <typename Options>
concept HasBeta2 = requires(Options options) {
  options.beta2;
};

// Fills an Options struct from the shared settings, leaving what is unset at its default.
template <typename O>
O options_from(const OptimizerSettings& s) {
  O options;
  if (s.lr) options.lr = *s.lr;
  if (s.weight_decay) options.weight_decay = *s.weight_decay;
  if constexpr (HasMomentum<O>) {
    if (s.momentum) options.momentum = *s.momentum;
  }
  if constexpr (HasBeta2<O>) {
    if (s.beta2) options.beta2 = *s.beta2;
  }
  return options;
}

template <typename T>
OptimizerEntry optimizer(std::string name, std::string type, std::string description) {
  using Options = typename T::Options;
  OptimizerInfo info{std::move(name),      std::move(type),   Options{}.lr,
                     HasMomentum<Options>, HasBeta2<Options>, std::move(description)};
  return {std::move(info), [](std::vector<Tensor> params, const OptimizerSettings& s) {
            return std::unique_ptr<Optimizer>(
                std::make_unique<T>(std::move(params), options_from<Options>(s)));
          }};
}

const std::vector<OptimizerEntry>& optimizer_table() {
  static const std::vector<OptimizerEntry> table = {
      optimizer<SGD>("sgd", "SGD", "stochastic gradient descent, with optional momentum"),
      optimizer<Adagrad>("adagrad", "Adagrad",
                         "per-parameter steps shrinking with the squared gradients seen so far"),
      optimizer<Adadelta>("adadelta", "Adadelta",
                          "Adagrad with running averages; lr 1 needs no tuning"),
      optimizer<RMSprop>("rmsprop", "RMSprop",
                         "steps scaled by a running mean of squared gradients"),
      optimizer<Adam>("adam", "Adam", "adaptive moments (Kingma & Ba); the usual default"),
      optimizer<AdamW>("adamw", "AdamW", "Adam with decoupled weight decay (default 0.01)"),
      optimizer<Nadam>("nadam", "Nadam", "Adam with Nesterov momentum"),
  };
  return table;
}

// ---- schedules ---------------------------------------------------------------------------------

struct ScheduleEntry {
  ScheduleInfo info;
  std::function<std::unique_ptr<LRScheduler>(Optimizer&, const ScheduleSettings&)> make;
};

int64_t at_least_one(size_t n) { return static_cast<int64_t>(std::max<size_t>(n, 1)); }

const std::vector<ScheduleEntry>& schedule_table() {
  static const std::vector<ScheduleEntry> table = {
      {{"step", "StepLR", false, "lr times gamma (0.1) every third of the epochs"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<StepLR>(o, at_least_one(s.epochs / 3), s.gamma.value_or(0.1));
       }},
      {{"multistep", "MultiStepLR", false, "lr times gamma (0.1) at 50% and 75% of the epochs"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         const auto epochs = static_cast<int64_t>(s.epochs);
         return std::make_unique<MultiStepLR>(
             o,
             std::vector<int64_t>{std::max<int64_t>(epochs / 2, 1),
                                  std::max<int64_t>(epochs * 3 / 4, 2)},
             s.gamma.value_or(0.1));
       }},
      {{"exponential", "ExponentialLR", false, "lr times gamma (0.95) every epoch"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<ExponentialLR>(o, s.gamma.value_or(0.95));
       }},
      {{"cosine", "CosineAnnealingLR", false, "cosine from lr down to eta_min over the epochs"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<CosineAnnealingLR>(o, at_least_one(s.epochs), s.eta_min);
       }},
      {{"cosine_warm_restarts", "CosineAnnealingWarmRestarts", false,
        "cosine restarts, cycles of 1, 2, 4, ... tenths of the epochs"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<CosineAnnealingWarmRestarts>(o, at_least_one(s.epochs / 10), 2,
                                                              s.eta_min);
       }},
      {{"linear", "LinearLR", false, "warm-up from lr / 3 to lr over the first tenth of epochs"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<LinearLR>(o, 1.0 / 3.0, 1.0, at_least_one(s.epochs / 10));
       }},
      {{"one_cycle", "OneCycleLR", true,
        "1cycle per batch: up to lr over 30% of the steps, then down (momentum the other way)"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<OneCycleLR>(o, o.lr(), at_least_one(s.epochs * s.steps_per_epoch));
       }},
      {{"coslog4", "CosLogLR", true,
        "4 cosine cycles per batch, each from 0 up to lr and back, longer and longer (RealMLP)"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<CosLogLR>(o, at_least_one(s.epochs * s.steps_per_epoch), 4);
       }},
      {{"plateau", "ReduceLROnPlateau", false,
        "lr times gamma (0.1) after 10 epochs without improvement of the monitored loss"},
       [](Optimizer& o, const ScheduleSettings& s) -> std::unique_ptr<LRScheduler> {
         return std::make_unique<ReduceLROnPlateau>(
             o, ReduceLROnPlateauOptions{.factor = s.gamma.value_or(0.1)});
       }},
  };
  return table;
}

template <typename Entry>
const Entry& find(const std::vector<Entry>& table, std::string_view name, const char* kind) {
  for (const Entry& entry : table)
    if (entry.info.name == name) return entry;
  std::vector<std::string> known;
  for (const Entry& entry : table) known.push_back(entry.info.name);
  detail::throw_error(unknown_name_message(kind, name, known));
}

}  // namespace

std::vector<OptimizerInfo> optimizers() {
  std::vector<OptimizerInfo> out;
  for (const auto& entry : optimizer_table()) out.push_back(entry.info);
  return out;
}

std::unique_ptr<Optimizer> make_optimizer(std::string_view name, std::vector<Tensor> params,
                                          const OptimizerSettings& settings) {
  const OptimizerEntry& entry = find(optimizer_table(), name, "optimizer");
  PLEXUS_CHECK(!settings.momentum || entry.info.has_momentum, "make_optimizer: ", entry.info.type,
               " takes no momentum setting (sgd and rmsprop do)");
  PLEXUS_CHECK(!settings.beta2 || entry.info.has_beta2, "make_optimizer: ", entry.info.type,
               " takes no beta2 setting (adam, adamw and nadam do)");
  return entry.make(std::move(params), settings);
}

std::vector<ScheduleInfo> schedules() {
  std::vector<ScheduleInfo> out;
  for (const auto& entry : schedule_table()) out.push_back(entry.info);
  return out;
}

std::unique_ptr<LRScheduler> make_schedule(std::string_view name, Optimizer& optimizer,
                                           const ScheduleSettings& settings) {
  return find(schedule_table(), name, "schedule").make(optimizer, settings);
}

}  // namespace plexus::optim
