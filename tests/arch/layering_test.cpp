// The layering of docs/ARCHITECTURE.md, checked on the tree: every #include "..." line of src/,
// include/ and tools/ must point at its own layer or one below, public headers must include public
// headers only, and the graph internals stay with the code that records ops.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Rank of each layer, bottom up; a file may include its own layer and lower ranks. Layers of one
// rank are siblings and may not include each other, except tensor and autograd, which are one
// layer in two folders (the graph node lives inline in the tensor). plot draws from numbers and
// strings only, so it is a leaf over base, a sibling of cpu. io sits above data because a model
// file carries its preprocessing.
const std::map<std::string, int> kRank = {
    {"base", 0}, {"cpu", 1},         {"plot", 1},  {"tensor", 2}, {"autograd", 2},
    {"ops", 3},  {"nn", 4},          {"loss", 4},  {"optim", 4},  {"data", 5},
    {"io", 6},   {"distributed", 6}, {"train", 7}, {"tools", 8},
};

// Top-level public headers: the umbrellas and base's error.hpp, by the layer they serve.
const std::map<std::string, std::string> kTopLevelHeaders = {
    {"error.hpp", "base"},
    {"ops.hpp", "ops"},
    {"optim.hpp", "optim"},
    {"plexus.hpp", "tools"},
};

// Private headers that only some layers may include, whatever their rank.
const std::map<std::string, std::set<std::string>> kRestricted = {
    {"autograd/graph.hpp", {"autograd", "ops"}},
    {"tensor/tensor_impl.hpp", {"tensor", "autograd", "ops"}},
    {"tensor/storage.hpp", {"tensor", "autograd", "ops"}},
};

bool same_layer(const std::string& a, const std::string& b) {
  auto one = [](const std::string& l) { return l == "autograd" ? std::string("tensor") : l; };
  return one(a) == one(b);
}

std::string first_folder(const fs::path& relative) { return relative.begin()->string(); }

// The layer of a file of the tree: src/<layer>/..., include/plexus/<layer>/..., tools/...
std::optional<std::string> layer_of_file(const fs::path& relative) {
  auto it = relative.begin();
  const std::string top = (it++)->string();
  if (top == "tools") return "tools";
  if (top == "src") return it->string();
  if (top == "include") {
    ++it;  // plexus/
    const std::string next = it->string();
    if (std::next(it) == relative.end()) {
      const auto found = kTopLevelHeaders.find(next);
      if (found == kTopLevelHeaders.end()) return std::nullopt;
      return found->second;
    }
    return next;
  }
  return std::nullopt;
}

// The layer an include names: "plexus/<layer>/x.hpp", "plexus/x.hpp" or a private "<layer>/x.hpp".
std::optional<std::string> layer_of_include(const std::string& target) {
  const fs::path path(target);
  if (first_folder(path) == "plexus") return layer_of_file(fs::path("include") / path);
  return first_folder(path);
}

// The target of a line `#include "target"`; none for <system> includes and other lines.
std::optional<std::string> included(const std::string& line) {
  const size_t hash = line.find_first_not_of(" \t");
  if (hash == std::string::npos || line[hash] != '#') return std::nullopt;
  const size_t word = line.find_first_not_of(" \t", hash + 1);
  if (word == std::string::npos || line.compare(word, 7, "include") != 0) return std::nullopt;
  const size_t open = line.find_first_not_of(" \t", word + 7);
  if (open == std::string::npos || line[open] != '"') return std::nullopt;
  const size_t close = line.find('"', open + 1);
  if (close == std::string::npos) return std::nullopt;
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

// Every violation in the tree under `root`, one line each: "file:line: includes X: why".
std::vector<std::string> layering_violations(const fs::path& root) {
  std::vector<std::string> violations;
  for (const char* top : {"src", "include", "tools"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h")) continue;
      const fs::path relative = fs::relative(entry.path(), root);
      const auto from = layer_of_file(relative);
      if (!from) {
        violations.push_back(relative.string() + ": not in any layer (add it to the layering)");
        continue;
      }
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        const auto target_of = included(line);
        if (!target_of) continue;
        const std::string& target = *target_of;
        const std::string where =
            relative.string() + ":" + std::to_string(number) + ": includes \"" + target + "\": ";
        if (relative.begin()->string() == "include" && first_folder(target) != "plexus") {
          violations.push_back(where + "a public header includes a private one");
          continue;
        }
        // A header beside the including file ("cli.hpp" in tools/plexus/) is of its own folder.
        const auto to = fs::exists(entry.path().parent_path() / target) &&
                                first_folder(fs::path(target)) != "plexus" &&
                                !kRank.contains(first_folder(fs::path(target)))
                            ? from
                            : layer_of_include(target);
        if (!to || !kRank.contains(*to) || !kRank.contains(*from)) {
          violations.push_back(where + "names no known layer");
          continue;
        }
        if (const auto restricted = kRestricted.find(target);
            restricted != kRestricted.end() && !restricted->second.contains(*from)) {
          violations.push_back(where + "private to the layers that record ops, not " + *from);
          continue;
        }
        if (same_layer(*from, *to)) continue;
        if (kRank.at(*to) >= kRank.at(*from))
          violations.push_back(
              where + *from + " may not depend on " + *to +
              (kRank.at(*to) == kRank.at(*from) ? " (a sibling layer)" : " (a higher layer)"));
      }
    }
  }
  return violations;
}

TEST(Layering, TreeFollowsTheLayers) {
  const auto violations = layering_violations(PLEXUS_SOURCE_DIR);
  std::ostringstream all;
  for (const auto& v : violations) all << v << "\n";
  EXPECT_TRUE(violations.empty()) << all.str();
}

// The check itself can fail: a tree where nn/ includes the graph header, a loss includes a
// module of its sibling nn, ops includes a higher layer, and a public header a private one.
TEST(Layering, FlagsEachKindOfViolation) {
  const fs::path root = fs::path(::testing::TempDir()) / "layering_tree";
  fs::remove_all(root);
  auto write = [&](const std::string& file, const std::string& text) {
    fs::create_directories((root / file).parent_path());
    std::ofstream(root / file) << text;
  };
  write("src/nn/bad.cpp", "#include \"autograd/graph.hpp\"\n#include \"plexus/ops/matmul.hpp\"\n");
  write("src/loss/bad.cpp", "#include \"plexus/nn/module.hpp\"\n");
  write("src/ops/bad.cpp", "#include \"plexus/train/fit.hpp\"\n");
  write("include/plexus/ops/bad.hpp", "#include \"ops/common.hpp\"\n");
  const auto violations = layering_violations(root);
  using ::testing::HasSubstr;
  EXPECT_THAT(
      violations,
      ::testing::Contains(HasSubstr("src/nn/bad.cpp:1: includes \"autograd/graph.hpp\": private")));
  EXPECT_THAT(violations, ::testing::Contains(HasSubstr("loss may not depend on nn (a sibling")));
  EXPECT_THAT(violations, ::testing::Contains(HasSubstr("ops may not depend on train")));
  EXPECT_THAT(violations, ::testing::Contains(HasSubstr("a public header includes a private")));
  EXPECT_EQ(violations.size(), 4u);  // nn including ops/matmul.hpp is allowed
}

// plot is a leaf over base: it draws numbers it is given and may not reach for tensors or the
// training loop.
TEST(Layering, PlotIsALeafOverBase) {
  const fs::path root = fs::path(::testing::TempDir()) / "layering_plot_tree";
  fs::remove_all(root);
  fs::create_directories(root / "src/plot");
  std::ofstream(root / "src/plot/figure.cpp")
      << "#include \"base/check.hpp\"\n#include \"plexus/tensor/tensor.hpp\"\n";
  EXPECT_THAT(layering_violations(root),
              ::testing::ElementsAre(::testing::HasSubstr(
                  "figure.cpp:2: includes \"plexus/tensor/tensor.hpp\": plot may not depend on "
                  "tensor (a higher layer)")));
}
