// Every file of fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through the fuzzers' entry
// functions: each must end in success or a plexus::Error (which the entry catches), never in
// another exception or, in the sanitizer build, a sanitizer report. Regressions are inputs that
// once crashed a reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/targets.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzReplay : public ::testing::TestWithParam<plexus::fuzz::Target> {};

TEST_P(FuzzReplay, CorpusAndRegressionsEndInSuccessOrError) {
  const fs::path root = fs::path(PLEXUS_SOURCE_DIR) / "fuzz";
  const std::string name(GetParam().name);
  const auto corpus = files_in(root / "corpus" / name);
  EXPECT_FALSE(corpus.empty()) << "fuzz/corpus/" << name << " has no seed files";
  std::vector<fs::path> inputs = corpus;
  const auto regressions = files_in(root / "regressions" / name);
  inputs.insert(inputs.end(), regressions.begin(), regressions.end());
  for (const fs::path& file : inputs) {
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NO_THROW(GetParam().entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()))
        << file.filename().string();
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(plexus::fuzz::kTargets),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
