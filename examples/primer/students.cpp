// The primer's students (§ loss function, figure 9): each row of X is one student's grades in two
// homeworks, (4, 5), (2, 1), ...; y says whether they passed. "The loss is the mean over all
// students, not one student's loss": printed per student, then averaged, before and after
// training a logistic neuron y = sigmoid(w . x + b).
// Usage: students [--out DIR] [--full]
#include "common.hpp"

namespace px = plexus;
using primer::claim;

int main(int argc, char** argv) {
  const primer::Args args = primer::parse_args(argc, argv);

  // The first two rows are the primer's; the rest complete a small class (grades out of 5).
  const px::Tensor grades =
      px::Tensor::from({4, 5, 2, 1, 5, 4, 1, 2, 3, 4, 2, 3, 4, 3, 1, 1, 5, 5, 3, 2}, {10, 2});
  const px::Tensor passed = px::Tensor::from({1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, {10, 1});
  const size_t students = 10;

  px::nn::Linear neuron(2, 1, true, /*seed=*/0);
  auto per_student = [&] {
    return px::loss::binary_cross_entropy_with_logits(neuron(grades), passed,
                                                      px::loss::Reduction::none);
  };
  const std::vector<float> before = per_student().detach().to_vector();

  px::optim::SGD sgd(neuron.parameters(), {.lr = 0.5});
  std::vector<double> curve;
  const size_t epochs = args.full ? 2000 : 500;
  for (size_t epoch = 0; epoch < epochs; ++epoch) {
    const px::Tensor loss = px::mean(per_student());  // the mean over students
    curve.push_back(loss.item());
    sgd.zero_grad();
    loss.backward();
    sgd.step();
  }

  px::NoGradGuard no_grad;
  const px::Tensor losses = per_student();
  const px::Tensor probability = px::sigmoid(neuron(grades));
  const std::vector<float> after = losses.to_vector();
  double sum = 0;
  std::printf("student  grades  passed  p(pass)  loss\n");
  for (size_t i = 0; i < students; ++i) {
    std::printf("%7zu  (%g, %g)  %6g  %7.3f  %.4f\n", i + 1, grades.data()[2 * i],
                grades.data()[2 * i + 1], passed.data()[i], probability.data()[i], after[i]);
    sum += after[i];
  }
  const double mean = px::loss::binary_cross_entropy_with_logits(neuron(grades), passed).item();
  std::printf("sum of the losses / %zu = %.6f;  loss with mean reduction = %.6f\n", students,
              sum / students, mean);
  claim("mean_of_students", sum / students);
  claim("loss_mean", mean);
  claim("loss_before", curve.front());
  claim("p_pass_4_5", probability.data()[0]);
  claim("p_pass_2_1", probability.data()[1]);
  claim("accuracy", px::metrics::accuracy(probability, passed));

  std::vector<std::string> names;
  for (size_t i = 0; i < students; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "(%g,%g)", grades.data()[2 * i], grades.data()[2 * i + 1]);
    names.push_back(name);
  }
  px::plot::Figure bars(760, 420);
  bars.title("loss of each student, before and after training").ylabel("binary cross-entropy");
  bars.bars(names,
            {{"before", {before.begin(), before.end()}}, {"after", {after.begin(), after.end()}}});
  primer::save(bars, args, "students_loss");

  px::plot::Figure mean_curve;
  mean_curve.title("mean loss over the 10 students").xlabel("epoch").ylabel("loss").log_y();
  mean_curve.line({"mean loss", primer::iota(curve.size()), curve});
  primer::save(mean_curve, args, "students_mean_loss");
  return 0;
}
