// plexus tune's trials dealt to the processes of an mpirun job (TuneOptions::distributed): every
// process ends with the leaderboard and the model one process gives, bit for bit, with a
// checkpoint written and read back across the job. Each process also runs the one-process
// search itself, so the comparison needs no files.
#include <gtest/gtest.h>

#include <filesystem>
#include <plexus/distributed/distributed.hpp>
#include <plexus/plexus.hpp>
#include <plexus/train/tune.hpp>
#include <string>
#include <vector>

namespace px = plexus;
namespace distributed = plexus::distributed;
namespace train = plexus::train;

namespace {

px::data::PreparedData three_classes() {
  std::vector<std::vector<std::string>> rows;
  px::Generator g(7);
  for (size_t i = 0; i < 240; ++i) {
    const float a = g.uniform(-2, 2), b = g.uniform(-2, 2);
    const float s = a + b + g.uniform(-0.4f, 0.4f);
    rows.push_back(
        {std::to_string(a), std::to_string(b), s < -0.7f ? "x" : (s < 0.7f ? "y" : "z")});
  }
  return px::data::prepare_table(px::data::Table("rows", {"a", "b", "label"}, rows),
                                 {.target = "label"}, {.validation_fraction = 0});
}

train::TuneOptions options(bool dealt) {
  train::TuneOptions o;
  o.space.depth = {1, 2};
  o.space.width = {8, 16};
  o.folds = 2;
  o.max_trials = 8;  // the floor and 7 of the first bracket's 9: the cut falls inside a round
  o.seed = 5;
  o.distributed = dealt;
  return o;
}

train::Recipe recipe() {
  return {.hidden = {8}, .batch_size = 32, .epochs = 9, .early_stopping = 0, .seed = 3};
}

std::vector<double> scores_of(const train::TuneResult& r) {
  std::vector<double> scores;
  for (const auto& t : r.trials) scores.push_back(t.score);
  return scores;
}

std::vector<float> weights_of(const px::nn::Sequential& network) {
  std::vector<float> out;
  for (const auto& [name, tensor] : network.state_dict()) {
    const auto values = tensor.to_vector();
    out.insert(out.end(), values.begin(), values.end());
  }
  return out;
}

}  // namespace

TEST(DistributedTune, DealtTrialsGiveTheOneProcessSearchOnEveryRank) {
  const auto data = three_classes();
  const train::TuneResult alone = train::Tuner(data, recipe(), options(false)).run();
  const train::TuneResult dealt = train::Tuner(data, recipe(), options(true)).run();
  ASSERT_EQ(dealt.trials.size(), 8u);
  EXPECT_EQ(scores_of(dealt), scores_of(alone));
  EXPECT_EQ(weights_of(dealt.network), weights_of(alone.network));
  // Every rank holds rank 0's model.
  std::vector<float> mine = weights_of(dealt.network), sum = mine;
  distributed::all_reduce_sum(sum);
  for (size_t i = 0; i < mine.size(); ++i)
    ASSERT_FLOAT_EQ(sum[i], mine[i] * static_cast<float>(distributed::world_size())) << i;
}

TEST(DistributedTune, AResumedDealtSearchEndsAsTheUninterruptedOne) {
  const auto data = three_classes();
  const auto dir = std::filesystem::temp_directory_path() / "plexus_distributed_tune_resume";
  if (distributed::rank() == 0) std::filesystem::remove_all(dir);
  std::vector<float> barrier(1);
  distributed::all_reduce_sum(barrier);
  train::TuneOptions first = options(true);
  first.checkpoint_dir = dir;
  first.max_trials = 3;
  train::Tuner(data, recipe(), first).run();
  train::TuneOptions rest = options(true);
  rest.checkpoint_dir = dir;
  rest.resume = true;
  size_t resumed = 0;
  rest.on_trial = [&](const train::TrialRecord&, bool was_resumed) { resumed += was_resumed; };
  const train::TuneResult continued = train::Tuner(data, recipe(), rest).run();
  const train::TuneResult alone = train::Tuner(data, recipe(), options(false)).run();
  EXPECT_EQ(resumed, 3u);
  EXPECT_EQ(scores_of(continued), scores_of(alone));
  EXPECT_EQ(weights_of(continued.network), weights_of(alone.network));
}
