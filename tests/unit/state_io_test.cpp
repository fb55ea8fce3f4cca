// Saving and restoring a module's parameters and buffers as safetensors: a round trip restores
// every value, and bad, truncated or mismatched files fail with a message naming the file and the
// tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <plexus/io/safetensors.hpp>
#include <plexus/plexus.hpp>
#include <string>

namespace px = plexus;
namespace fs = std::filesystem;
using px::Tensor;

namespace {

px::nn::Sequential small_model(uint64_t seed) {
  return px::nn::Sequential{px::nn::Linear(3, 4, true, seed), px::nn::BatchNorm1d(4),
                            px::nn::ReLU(), px::nn::Linear(4, 2, true, seed + 1)};
}

// A fresh directory per test, removed afterwards.
class StateIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("plexus_state_io_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path path(const std::string& name) const { return dir_ / name; }

  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const px::Error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

void expect_same_state(const px::nn::Module& a, const px::nn::Module& b) {
  const auto sa = a.state_dict();
  const auto sb = b.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].first, sb[i].first);
    EXPECT_EQ(sa[i].second.to_vector(), sb[i].second.to_vector()) << sa[i].first;
  }
}

}  // namespace

TEST_F(StateIo, StateDictListsParametersThenBuffers) {
  const auto state = small_model(1).state_dict();
  std::vector<std::string> names;
  for (const auto& [name, tensor] : state) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "3.weight",
                                             "3.bias", "1.running_mean", "1.running_var",
                                             "1.num_batches_tracked"}));
}

TEST_F(StateIo, RoundTripRestoresParametersAndRunningStatistics) {
  px::nn::Sequential trained = small_model(1);
  trained(Tensor::randn({8, 3}, 5));  // moves BatchNorm's running statistics off their defaults
  px::nn::Sequential fresh = small_model(7);
  const Tensor weight_handle = fresh.at<px::nn::Linear>(0).weight;

  px::io::save_state_dict(trained, path("model.plxs"));
  EXPECT_FALSE(fs::exists(path("model.plxs.tmp")));
  px::io::load_state_dict(fresh, path("model.plxs"));

  expect_same_state(trained, fresh);
  // Loaded in place: handles held elsewhere (an optimizer's) see the new values.
  EXPECT_EQ(weight_handle.to_vector(), trained.at<px::nn::Linear>(0).weight.to_vector());
  EXPECT_TRUE(fresh.at<px::nn::Linear>(0).weight.needs_grad());
  trained.eval();
  fresh.eval();
  const Tensor x = Tensor::randn({5, 3}, 9);
  EXPECT_EQ(trained(x).to_vector(), fresh(x).to_vector());
}

TEST_F(StateIo, ACopiedStateDictIsRestoredByLoadStateDict) {
  px::nn::Sequential model = small_model(1);
  px::NamedTensors best = model.state_dict();
  for (auto& [name, tensor] : best) tensor = tensor.clone();
  const std::vector<float> before = model.at<px::nn::Linear>(3).bias.to_vector();
  model.at<px::nn::Linear>(3).bias.data()[0] += 1.f;
  EXPECT_EQ(best[5].second.to_vector(), before);
  model.load_state_dict(best);
  EXPECT_EQ(model.at<px::nn::Linear>(3).bias.to_vector(), before);
}

TEST_F(StateIo, SavingAgainReplacesTheFileWhole) {
  px::nn::Sequential a = small_model(1), b = small_model(2), c = small_model(3);
  px::io::save_state_dict(a, path("m.plxs"));
  px::io::save_state_dict(b, path("m.plxs"));
  px::io::load_state_dict(c, path("m.plxs"));
  expect_same_state(b, c);
}

TEST_F(StateIo, MissingFileNamesThePath) {
  px::nn::Sequential model = small_model(1);
  const std::string message = error_of([&] { px::io::load_state_dict(model, path("none.plxs")); });
  EXPECT_EQ(message, "cannot open " + path("none.plxs").string() + ": No such file or directory");
}

TEST_F(StateIo, NotASafetensorsFile) {
  std::ofstream(path("notes.txt")) << "hello, this is text, not tensors";
  px::nn::Sequential model = small_model(1);
  // The first 8 bytes of text, read as the header length, are far more than the file holds.
  const std::string message = error_of([&] { px::io::load_state_dict(model, path("notes.txt")); });
  EXPECT_THAT(message, ::testing::StartsWith(path("notes.txt").string() + ": the header length "));
  EXPECT_THAT(message, ::testing::EndsWith("the file is damaged or not safetensors"));
}

TEST_F(StateIo, TruncatedFileIsReportedWithTheTensor) {
  px::nn::Sequential model = small_model(1);
  px::io::save_state_dict(model, path("m.plxs"));
  const auto size = fs::file_size(path("m.plxs"));
  // Cut inside the last tensor's data: num_batches_tracked, a scalar (4 bytes), loses 2.
  fs::resize_file(path("m.plxs"), size - 2);
  const std::string message = error_of([&] { px::io::load_state_dict(model, path("m.plxs")); });
  EXPECT_EQ(message, path("m.plxs").string() +
                         ": tensor \"1.num_batches_tracked\"'s data_offsets [168, 172] reach "
                         "beyond the data section (170 bytes)");
  // Cut in the middle of the header.
  fs::resize_file(path("m.plxs"), 10);
  EXPECT_NE(error_of([&] { px::io::load_state_dict(model, path("m.plxs")); }).find("truncated"),
            std::string::npos);
}

TEST_F(StateIo, TrailingBytesAreRejected) {
  px::nn::Sequential model = small_model(1);
  px::io::save_state_dict(model, path("m.plxs"));
  std::ofstream(path("m.plxs"), std::ios::app | std::ios::binary) << "xx";
  EXPECT_EQ(error_of([&] { px::io::load_state_dict(model, path("m.plxs")); }),
            path("m.plxs").string() +
                ": 2 bytes after the last tensor belong to no tensor; the file is damaged");
}

TEST_F(StateIo, ShapeMismatchNamesTensorAndBothShapes) {
  px::nn::Sequential model = small_model(1);
  px::io::save_state_dict(model, path("m.plxs"));
  px::nn::Sequential wider{px::nn::Linear(3, 5), px::nn::BatchNorm1d(5), px::nn::ReLU(),
                           px::nn::Linear(5, 2)};
  px::NamedTensors before = wider.state_dict();
  for (auto& [name, tensor] : before) tensor = tensor.clone();
  EXPECT_EQ(
      error_of([&] { px::io::load_state_dict(wider, path("m.plxs")); }),
      path("m.plxs").string() + ": tensor \"0.weight\" has shape [4, 3] but the model's is [5, 3]");
  // Nothing was changed by the failed load.
  const auto after = wider.state_dict();
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].second.to_vector(), after[i].second.to_vector()) << before[i].first;
}

TEST_F(StateIo, MissingAndExtraTensorsAreNamed) {
  px::nn::Sequential model = small_model(1);
  px::nn::Sequential no_norm{px::nn::Linear(3, 4), px::nn::ReLU(), px::nn::Linear(4, 2)};
  px::io::save_state_dict(no_norm, path("small.plxs"));
  EXPECT_EQ(error_of([&] { px::io::load_state_dict(model, path("small.plxs")); }),
            path("small.plxs").string() + ": the model's tensor \"1.weight\" ([4]) is missing");
  px::NamedTensors extra = no_norm.state_dict();
  extra.emplace_back("9.weight", Tensor::zeros({2, 2}));
  px::io::save_safetensors(path("extra"), extra, {});
  EXPECT_EQ(error_of([&] { px::io::load_state_dict(no_norm, path("extra")); }),
            path("extra").string() + ": tensor \"9.weight\" ([2, 2]) is not in the model");
}

TEST_F(StateIo, UnwritableDirectoryNamesTheFile) {
  px::nn::Sequential model = small_model(1);
  const fs::path bad = path("no/such/dir/m.plxs");
  EXPECT_EQ(error_of([&] { px::io::save_state_dict(model, bad); }),
            "cannot create " + bad.string() + ".tmp: No such file or directory");
}
