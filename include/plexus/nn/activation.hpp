// Activation functions as modules, named as PyTorch names them, for use in a Sequential:
// px::nn::Sequential{px::nn::Linear(2, 8), px::nn::ReLU(), px::nn::Linear(8, 1)}.
// Each forwards to the function of the same name in plexus/ops/activation.hpp; none has parameters.
// type() is the class name ("ReLU"); spec() adds the constructor's arguments where there are any.
#pragma once

#include <cstdint>
#include <string>

#include "plexus/nn/module.hpp"
#include "plexus/ops/activation.hpp"

namespace plexus::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;  ///< max(0, x)
  std::string name() const override { return "ReLU()"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;  ///< 1 / (1 + e^-x)
  std::string name() const override { return "Sigmoid()"; }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Tanh()"; }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(float negative_slope = 0.01f) : negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;  ///< x for x > 0, negative_slope * x otherwise
  std::string name() const override;
  /// {negative_slope}
  LayerSpec spec() const override;

 private:
  float negative_slope_;
};

class ELU : public Module {
 public:
  explicit ELU(float alpha = 1.0f) : alpha_(alpha) {}
  Tensor forward(const Tensor& x) override;  ///< x for x > 0, alpha (e^x - 1) otherwise
  std::string name() const override;
  /// {alpha}
  LayerSpec spec() const override;

 private:
  float alpha_;
};

class SELU : public Module {
 public:
  Tensor forward(const Tensor& x) override;  ///< scale * elu(x, alpha) with the SELU constants
  std::string name() const override { return "SELU()"; }
};

class GELU : public Module {
 public:
  explicit GELU(GeluApproximation approximate = GeluApproximation::none)
      : approximate_(approximate) {}
  Tensor forward(const Tensor& x) override;  ///< x * Phi(x) (erf form, or its tanh approximation)
  std::string name() const override;
  /// {approximate (1: the tanh approximation)}
  LayerSpec spec() const override;

 private:
  GeluApproximation approximate_;
};

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;  ///< x * sigmoid(x), also called swish
  std::string name() const override { return "SiLU()"; }
};

class Softplus : public Module {
 public:
  explicit Softplus(float beta = 1.0f, float threshold = 20.0f)
      : beta_(beta), threshold_(threshold) {}
  Tensor forward(const Tensor& x) override;  ///< log(1 + e^(beta x)) / beta
  std::string name() const override;
  /// {beta, threshold}
  LayerSpec spec() const override;

 private:
  float beta_;
  float threshold_;
};

class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim = -1) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;  ///< e^x / sum(e^x) along `dim`
  std::string name() const override;
  /// {dim}
  LayerSpec spec() const override;

 private:
  int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim = -1) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;  ///< x - log(sum(e^x)) along `dim`
  std::string name() const override;
  /// {dim}
  LayerSpec spec() const override;

 private:
  int64_t dim_;
};

}  // namespace plexus::nn
