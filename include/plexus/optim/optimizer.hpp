// px::optim::Optimizer: the base of every optimizer. It holds the parameters in groups (each with
// its own learning rate), each parameter's state (moment buffers, step count), and saves and
// restores that state. A subclass writes only the update of one parameter's elements.
// It computes no gradients; each training step is
//   opt.zero_grad();  loss.backward();  opt.step();
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plexus/base/named_scalars.hpp"
#include "plexus/tensor/named_tensors.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::optim {

/// Parameters that share hyper-parameters. Unset fields take the optimizer's Options, e.g.
/// `Adam opt({{.params = {w}}, {.params = {b}, .lr = 0.01, .weight_decay = 0}}, {.lr = 1e-3});`
struct ParamGroup {
  std::vector<Tensor> params;
  std::optional<double> lr;
  std::optional<double> weight_decay;
};

/// Everything an optimizer needs to resume exactly, in a form any writer can store: named numbers
/// (kept as double, so learning rates and step counts survive bit for bit) and named tensors.
/// Names: "group.<g>.lr", "group.<g>.weight_decay", "group.<g>.momentum", "group.<g>.params"
/// (the parameter count), "param.<i>.step" and "param.<i>.<buffer>" (e.g. "param.3.exp_avg"),
/// where i counts the parameters of all groups in order. Parameters not yet updated have no entry.
struct StateDict {
  std::string optimizer;  ///< the class name, e.g. "Adam"; load_state_dict checks it
  NamedScalars scalars;
  NamedTensors tensors;
};

class Optimizer {
 public:
  /// A parameter group as the optimizer holds it; schedules change lr (and momentum) here.
  struct Group {
    std::vector<Tensor> params;
    double lr = 0.0;
    double weight_decay = 0.0;
    /// SGD's and RMSprop's momentum, Adam's, AdamW's and NAdam's beta1; Adagrad and Adadelta
    /// have none (see has_momentum()).
    double momentum = 0.0;
  };
  /// A buffer each parameter gets on its first update (e.g. Adam's "exp_avg"): shaped like the
  /// parameter, or a scalar.
  struct BufferSpec {
    std::string name;
    float initial = 0.0f;
    bool scalar = false;
  };

  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Drops every parameter's gradient (the next backward() starts from nothing).
  void zero_grad();
  /// Updates every parameter that has a gradient; parameters without one are skipped.
  void step();

  /// The learning rate of the first group (the only one, unless groups were given).
  double lr() const { return groups_.front().lr; }
  /// Sets the learning rate of every group.
  void set_lr(double lr);
  std::vector<Group>& groups() { return groups_; }
  const std::vector<Group>& groups() const { return groups_; }
  /// The class name, e.g. "Adam" (as Module::type()).
  const std::string& type() const { return name_; }
  /// Whether Group::momentum is used (SGD and RMSprop built with momentum > 0, the Adams).
  bool has_momentum() const { return has_momentum_; }

  /// A copy of the state (hyper-parameters of each group, buffers and step counts).
  StateDict state_dict() const;
  /// Restores a state_dict() of an optimizer of the same class over parameters of the same shapes;
  /// throws plexus::Error naming the entry that does not fit, and then changes nothing.
  void load_state_dict(const StateDict& state);

 protected:
  struct ParamState {
    int64_t step = 0;  ///< updates applied so far (1 during the first update)
    std::vector<Tensor>
        buffers;  ///< in the order of the BufferSpecs; empty before the first update
  };
  /// The hyper-parameters a group takes unless its ParamGroup sets them.
  struct GroupDefaults {
    double lr = 0.0;
    double weight_decay = 0.0;
    double momentum = 0.0;
    bool has_momentum = false;
  };

  Optimizer(std::string name, std::vector<ParamGroup> groups, const GroupDefaults& defaults,
            std::vector<BufferSpec> buffers);

  /// One pass over one parameter's n elements: param -= f(grad, state). Runs inside a
  /// NoGradGuard, after state.step was incremented. plexus' rules compute in float32 operation by
  /// operation as PyTorch 1.13's single-tensor ("for-loop") code does, with scalars such as lr
  /// rounded to float where PyTorch rounds them, so results agree to a few ulp per step (either
  /// side may fuse a multiply-add).
  virtual void update(const Group& group, float* param, const float* grad, size_t n,
                      ParamState& state) = 0;
  /// Throws if a group's hyper-parameters are out of range. The base checks lr and weight_decay;
  /// subclasses add their momentum rule.
  virtual void check_group(const Group& group, size_t index) const;
  /// check_group() on every group: subclass constructors call it last, and so does every step(),
  /// since schedules and users change the groups.
  void check_groups() const;

  /// Throws "<name>: invalid <option> = <value>; it must be <rule>" unless ok.
  void check_option(bool ok, const char* option, double value, const char* rule) const;
  /// A single list of parameters as one group, for the subclasses' constructors.
  static std::vector<ParamGroup> one_group(std::vector<Tensor> params);

 private:
  std::string name_;
  std::vector<Group> groups_;
  bool has_momentum_ = false;
  std::vector<BufferSpec> buffer_specs_;
  std::vector<ParamState> states_;  // one per parameter, all groups in order
};

}  // namespace plexus::optim
