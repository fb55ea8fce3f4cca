// The flags of plexus train's settings are made from the table: one per setting (and --no-header),
// read back through it, and only the flags given count as given.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "plexus/train/settings.hpp"
#include "support/error_of.hpp"
#include "tools/plexus/settings_flags.hpp"

namespace train = plexus::train;
using plexus::testing::error_of;
using ::testing::HasSubstr;
using train::SettingKind;

TEST(SettingFlags, TheCommandsFlagsAreTheTables) {
  CLI::App app;
  plexus::cli::SettingFlags flags(app);
  std::set<std::string> names;
  for (const CLI::Option* option : app.get_options())
    if (option->get_name() != "--help") names.insert(option->get_name());
  std::set<std::string> expected;
  for (const auto& setting : train::settings_table()) {
    expected.insert(setting.flag());
    if (setting.kind == SettingKind::optional_boolean)
      expected.insert("--no-" + setting.flag().substr(2));
  }
  EXPECT_EQ(names, expected);

  app.parse("--hidden 8,4 --lr 0.5 --no-header --batch-norm");
  train::TrainSettings settings;
  const std::vector<std::string> given = flags.apply(settings);
  EXPECT_EQ(given, (std::vector<std::string>{"header", "hidden", "batch_norm", "lr"}));
  EXPECT_EQ(settings.header, false);
  EXPECT_EQ(settings.hidden, (std::vector<int64_t>{8, 4}));
  EXPECT_TRUE(settings.batch_norm);
  EXPECT_EQ(settings.lr, 0.5);

  CLI::App both;
  plexus::cli::SettingFlags contradicting(both);
  both.parse("--header --no-header");
  EXPECT_THAT(error_of([&] { contradicting.apply(settings); }),
              HasSubstr("--header and --no-header contradict each other"));
}
