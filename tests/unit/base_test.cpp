// The base layer's helpers: joined lists, the lookup error's wording, and the atomic writer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <plexus/base/atomic_file.hpp>
#include <plexus/base/text.hpp>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

TEST(Join, ListsEveryItemWithCommas) {
  EXPECT_EQ(plexus::join({}), "");
  EXPECT_EQ(plexus::join({"a"}), "a");
  EXPECT_EQ(plexus::join({"a", "b", "c"}), "a, b, c");
}

TEST(Join, PastTheLimitCountsTheRest) {
  EXPECT_EQ(plexus::join({"a", "b", "c"}, 2), "a, b, ... (3 in all)");
  EXPECT_EQ(plexus::join({"a", "b"}, 2), "a, b");
  EXPECT_EQ(plexus::join({"a", "b"}, 0), ", ... (2 in all)");
}

TEST(UnknownNameMessage, NamesTheKindTheNameAndEveryKnownOne) {
  EXPECT_EQ(plexus::unknown_name_message("loss", "msx", {"mse", "mae"}),
            "unknown loss \"msx\"; known: mse, mae");
}

TEST(AtomicFile, WritesTextWholeAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / "plexus_base_atomic_file";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path path = dir / "out.txt";
  const std::string first = "first version\n";
  plexus::write_file_atomically(path, first);
  plexus::write_file_atomically(path, std::string("second\n"));
  std::ostringstream read;
  read << std::ifstream(path).rdbuf();
  EXPECT_EQ(read.str(), "second\n");
  EXPECT_FALSE(fs::exists(dir / "out.txt.tmp"));
  fs::remove_all(dir);
}
