// `plexus eval`: a saved model's metrics on labelled data, and the scoring train shares.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "plexus/error.hpp"
#include "plexus/ops/activation.hpp"

namespace plexus::cli {

Tensor predict_outputs(nn::Module& network, const Tensor& inputs) {
  NoGradGuard no_grad;
  network.eval();
  const int64_t n = inputs.shape(0);
  const int64_t batch = 1024;
  std::vector<float> out;
  int64_t width = 0;
  for (int64_t begin = 0; begin < n; begin += batch) {
    Tensor y = network.forward(inputs.slice_rows(begin, std::min(n, begin + batch)));
    width = y.rank() == 1 ? 1 : y.shape(1);
    auto values = y.to_vector();
    out.insert(out.end(), values.begin(), values.end());
  }
  if (n == 0) return Tensor::zeros({0, 1});
  return Tensor::from(std::span<const float>(out), {n, width});
}

Scores score(const Tensor& outputs, const Tensor& targets, bool classification, size_t classes) {
  Scores s;
  s.classification = classification;
  const int64_t n = outputs.shape(0);
  const float* y = targets.data();
  const float* o = outputs.data();
  if (classification) {
    const int64_t k = outputs.shape(1);
    s.confusion.assign(classes, std::vector<int64_t>(classes, 0));
    int64_t correct = 0;
    for (int64_t i = 0; i < n; ++i) {
      int64_t best = 0;
      for (int64_t j = 1; j < k; ++j)
        if (o[i * k + j] > o[i * k + best]) best = j;
      auto truth = static_cast<int64_t>(y[i]);
      if (truth == best) ++correct;
      if (truth >= 0 && static_cast<size_t>(truth) < classes && static_cast<size_t>(best) < classes)
        ++s.confusion[truth][best];
    }
    s.accuracy = n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
    // Macro F1 as scikit-learn: over the classes present in the targets or the predictions.
    double f1_sum = 0;
    size_t present = 0;
    for (size_t c = 0; c < classes; ++c) {
      int64_t tp = s.confusion[c][c], actual = 0, predicted = 0;
      for (size_t j = 0; j < classes; ++j) {
        actual += s.confusion[c][j];
        predicted += s.confusion[j][c];
      }
      double p = predicted > 0 ? static_cast<double>(tp) / static_cast<double>(predicted) : 0.0;
      double r = actual > 0 ? static_cast<double>(tp) / static_cast<double>(actual) : 0.0;
      double f = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
      s.precision.push_back(p);
      s.recall.push_back(r);
      s.f1.push_back(f);
      s.support.push_back(actual);
      if (actual > 0 || predicted > 0) {
        f1_sum += f;
        ++present;
      }
    }
    s.macro_f1 = present > 0 ? f1_sum / static_cast<double>(present) : 0.0;
  } else {
    double mean = 0;
    for (int64_t i = 0; i < n; ++i) mean += y[i];
    mean /= std::max<int64_t>(1, n);
    double se = 0, ae = 0, tot = 0;
    for (int64_t i = 0; i < n; ++i) {
      double d = static_cast<double>(o[i]) - y[i];
      se += d * d;
      ae += std::abs(d);
      tot += (y[i] - mean) * (y[i] - mean);
      s.predicted.push_back(o[i]);
      s.actual.push_back(y[i]);
    }
    double count = static_cast<double>(std::max<int64_t>(1, n));
    s.mse = se / count;
    s.mae = ae / count;
    s.r2 = tot > 0 ? 1.0 - se / tot : (se == 0 ? 1.0 : 0.0);
  }
  return s;
}

void add_scores(json& out, const Scores& s, const std::vector<std::string>& classes,
                bool with_confusion) {
  if (s.classification) {
    out["test_accuracy"] = s.accuracy;
    out["test_macro_f1"] = s.macro_f1;
    if (with_confusion) {
      out["classes"] = classes;
      out["confusion_matrix"] = s.confusion;
      json per_class = json::object();
      for (size_t c = 0; c < classes.size(); ++c)
        per_class[classes[c]] = {{"precision", s.precision[c]},
                                 {"recall", s.recall[c]},
                                 {"f1", s.f1[c]},
                                 {"support", s.support[c]}};
      out["per_class"] = per_class;
    }
  } else {
    out["test_mse"] = s.mse;
    out["test_mae"] = s.mae;
    out["test_r2"] = s.r2;
  }
}

std::string format_scores(const Scores& s, const std::vector<std::string>& classes, bool details) {
  std::ostringstream out;
  out << std::fixed;
  if (!s.classification) {
    out << std::setprecision(6) << "  MSE " << s.mse << "   MAE " << s.mae << "   R2 "
        << std::setprecision(4) << s.r2 << "\n";
    return out.str();
  }
  out << std::setprecision(4) << "  accuracy " << s.accuracy << "   macro F1 " << s.macro_f1
      << "\n";
  if (!details) return out.str();
  size_t width = 5;
  for (const auto& c : classes) width = std::max(width, c.size());
  out << "\n  " << std::left << std::setw(static_cast<int>(width)) << "class" << std::right
      << "  precision  recall      f1  support\n";
  for (size_t c = 0; c < classes.size(); ++c)
    out << "  " << std::left << std::setw(static_cast<int>(width)) << classes[c] << std::right
        << std::setw(11) << s.precision[c] << std::setw(8) << s.recall[c] << std::setw(8) << s.f1[c]
        << std::setw(9) << s.support[c] << "\n";
  out << "\n  confusion matrix (rows: true class, columns: predicted)\n";
  size_t cell = 6;
  for (const auto& row : s.confusion)
    for (auto v : row) cell = std::max(cell, std::to_string(v).size() + 1);
  out << "  " << std::setw(static_cast<int>(width)) << "";
  for (size_t c = 0; c < classes.size(); ++c)
    out << std::setw(static_cast<int>(cell)) << std::to_string(c);
  out << "\n";
  for (size_t r = 0; r < classes.size(); ++r) {
    out << "  " << std::left << std::setw(static_cast<int>(width))
        << (std::to_string(r) + " " + classes[r]).substr(0, width) << std::right;
    for (auto v : s.confusion[r]) out << std::setw(static_cast<int>(cell)) << v;
    out << "\n";
  }
  return out.str();
}

int run_evaluate(const EvalArgs& args) {
  io::Model model = io::load_model(args.model);
  SourceOptions options{
      .header = args.header, .delimiter = args.delimiter, .labels = args.labels, .train = false};
  Source source = load_source(args.data, options);
  std::vector<std::string> warnings;
  Tensor inputs = model_inputs(model, source, &warnings);
  for (const auto& w : warnings) warn(w);
  Tensor targets = model_targets(model, source, args.target);
  bool classification = model.info.task == "classification";
  Tensor outputs = predict_outputs(model.network, inputs);
  Scores s = score(outputs, targets, classification, model.info.classes.size());
  std::cout << "model " << args.model << " (" << model.info.task << ") on " << source.name << ": "
            << source.rows() << " rows\n"
            << format_scores(s, model.info.classes, true);
  if (args.json) {
    json out;
    out["task"] = model.info.task;
    out["model"] = args.model;
    out["data"] = source.name;
    out["rows"] = source.rows();
    add_scores(out, s, model.info.classes, true);
    print_json_line(out);
  }
  return kExitOk;
}

}  // namespace plexus::cli
