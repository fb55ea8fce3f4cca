// Writes a report with every kind of figure into the directory given as argument, for the browser
// check (check_report.mjs) and for looking at the plots by eye; with --with-empty-figure first, it
// adds a figure with nothing drawn, which the check must reject. The data is made up but shaped
// like the real thing: learning curves, a learning-rate range test, decision regions, a
// confusion matrix, per-class precision and recall.
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <plexus/plot/figure.hpp>
#include <plexus/plot/report.hpp>
#include <random>
#include <string>
#include <vector>

namespace plot = plexus::plot;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

plot::Figure learning_curves() {
  std::vector<double> epochs, train, val;
  for (int e = 1; e <= 40; ++e) {
    epochs.push_back(e);
    train.push_back(2.3 * std::exp(-0.12 * e) + 0.05);
    val.push_back(2.3 * std::exp(-0.11 * e) + 0.12 + 0.0009 * (e - 18) * (e - 18) * (e > 18));
  }
  val[25] = kNan;  // a missing value: the line breaks there
  return plot::Figure()
      .title("Learning curves")
      .xlabel("epoch")
      .ylabel("loss (cross-entropy)")
      .log_y()
      .line({"train", epochs, train})
      .line({"validation", epochs, val}, {.dashed = true})
      .vline(19, "best epoch 19");
}

plot::Figure lr_range_test() {
  std::vector<double> lr, loss;
  for (int i = 0; i <= 60; ++i) {
    const double l = std::pow(10.0, -6 + 6.0 * i / 60);
    lr.push_back(l);
    loss.push_back(2.3 - 1.6 / (1 + std::exp(-(std::log10(l) + 3.5) * 2.5)) +
                   (l > 0.1 ? 5 * (l - 0.1) : 0));
  }
  return plot::Figure()
      .title("Learning-rate range test")
      .xlabel("learning rate")
      .ylabel("loss")
      .log_x()
      .line({"loss", lr, loss}, {.markers = true})
      .vline(3e-3, "suggested 3e-3");
}

// Three blobs and the regions of a nearest-centre classifier.
struct Blobs {
  std::vector<double> x, y;
  std::vector<int> cls;
};
const double centres[3][2] = {{-1.2, -0.6}, {1.3, -0.4}, {0.1, 1.4}};

Blobs blobs() {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 0.55);
  Blobs b;
  for (int i = 0; i < 150; ++i) {
    const int c = i % 3;
    b.x.push_back(centres[c][0] + noise(rng));
    b.y.push_back(centres[c][1] + noise(rng));
    b.cls.push_back(c);
  }
  return b;
}

plot::Figure decision_regions(const Blobs& b) {
  const auto xs = plot::cell_centres(-3, 3, 90), ys = plot::cell_centres(-2.5, 3.5, 90);
  std::vector<std::vector<int>> classes(ys.size(), std::vector<int>(xs.size()));
  for (size_t i = 0; i < ys.size(); ++i)
    for (size_t j = 0; j < xs.size(); ++j) {
      int best = 0;
      double best_d = 1e300;
      for (int c = 0; c < 3; ++c) {
        const double d = std::hypot(xs[j] - centres[c][0], ys[i] - centres[c][1]);
        if (d < best_d) best = c, best_d = d;
      }
      classes[i][j] = best;
    }
  return plot::Figure()
      .title("Decision regions")
      .xlabel("x1")
      .ylabel("x2")
      .regions(classes, -3, 3, -2.5, 3.5)
      .scatter_classes(b.x, b.y, b.cls, {"setosa", "versicolor", "virginica"});
}

plot::Figure probability_contour(const Blobs& b) {
  const auto xs = plot::cell_centres(-3, 3, 80), ys = plot::cell_centres(-2.5, 3.5, 80);
  std::vector<std::vector<double>> z(ys.size(), std::vector<double>(xs.size()));
  for (size_t i = 0; i < ys.size(); ++i)
    for (size_t j = 0; j < xs.size(); ++j)
      z[i][j] = 1 / (1 + std::exp(-(2.2 * xs[j] - 0.8 * ys[i] + 0.3 * xs[j] * ys[i])));
  return plot::Figure()
      .title("P(class = versicolor)")
      .xlabel("x1")
      .ylabel("x2")
      .contour(z, -3, 3, -2.5, 3.5, 10)
      .scatter_classes(b.x, b.y, b.cls, {"setosa", "versicolor", "virginica"});
}

plot::Figure confusion_matrix() {
  const std::vector<std::string> names = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",  "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  std::vector<std::vector<double>> counts(10, std::vector<double>(10, 0));
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 10; ++j) counts[i][j] = i == j ? 850 + 13 * i : (i * 7 + j * 3) % 23;
  counts[6][0] = 121;
  counts[4][2] = 96;
  return plot::Figure(640, 520)
      .title("Confusion matrix")
      .xlabel("predicted")
      .ylabel("true")
      .heatmap(counts, names, names);
}

plot::Figure precision_recall() {
  return plot::Figure()
      .title("Per-class precision and recall")
      .ylabel("score")
      .ylim(0, 1.05)
      .bars({"T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
             "Ankle boot"},
            {{"precision", {0.86, 0.98, 0.8, 0.88, 0.79, 0.97, 0.69, 0.94, 0.97, 0.95}},
             {"recall", {0.85, 0.97, 0.82, 0.9, 0.81, 0.96, 0.62, 0.95, 0.98, 0.96}}});
}

// Odd inputs on one figure: a constant series, a NaN, and text that needs escaping.
plot::Figure edge_cases() {
  return plot::Figure(480, 320)
      .title("Edge cases: <constant> & \"quoted\"")
      .xlabel("x < 1 & y > 0")
      .line({"constant 0.5", {0, 1, 2, 3}, {0.5, 0.5, 0.5, 0.5}})
      .scatter({"with a NaN", {0, 1, kNan, 3}, {0.4, kNan, 0.6, 0.55}});
}

}  // namespace

int main(int argc, char** argv) {
  const bool with_empty = argc == 3 && std::string(argv[1]) == "--with-empty-figure";
  if (argc != 2 && !with_empty) {
    std::fprintf(stderr, "usage: %s [--with-empty-figure] OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  try {
    const Blobs b = blobs();
    plot::Report report("plexus sample report <all figures>");
    report.paragraph("Every kind of plexus::plot figure, on made-up data.")
        .section("Run settings")
        .key_values({{"optimizer", "Adam(lr=1e-3)"},
                     {"epochs", "40"},
                     {"batch size", "64"},
                     {"layers", "784 -> 256 -> 10"}},
                    "settings")
        .table({"column", "kind", "missing"},
               {{"age", "numeric", "0"}, {"city", "categorical", "3"}, {"<id>", "ignored", "0"}},
               "inferred column kinds")
        .section("Training")
        .figure("learning_curves", learning_curves(), "Training and validation loss, log scale.")
        .figure("lr_range_test", lr_range_test(), "Loss against learning rate, log x.")
        .section("Classifier")
        .figure("decision_regions", decision_regions(b), "Nearest-centre regions and the data.")
        .figure("probability_contour", probability_contour(b), "A logistic probability surface.")
        .figure("confusion_matrix", confusion_matrix(), "Rows: true class; columns: predicted.")
        .figure("precision_recall", precision_recall())
        .key_values(
            {{"accuracy", plot::format_number(0.88312)}, {"macro F1", plot::format_number(0.8791)}},
            "metrics")
        .section("Edge cases")
        .figure("edge_cases", edge_cases(), "A constant line and a NaN point.");
    if (with_empty) report.figure("empty", plot::Figure().title("nothing drawn"));
    report.write(argv[argc - 1]);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sample_report: %s\n", error.what());
    return 1;
  }
  return 0;
}
