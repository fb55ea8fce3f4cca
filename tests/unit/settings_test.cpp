// The table of training settings: every entry round-trips through JSON and through its flag's
// text, and every bound rejects a value past it with a message naming the setting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "plexus/train/settings.hpp"
#include "support/error_of.hpp"

namespace train = plexus::train;
using nlohmann::json;
using plexus::testing::error_of;
using ::testing::HasSubstr;
using train::SettingKind;

namespace {

/// A valid value of `setting` other than its default.
json other_value(const train::Setting& setting) {
  const train::Bounds& b = setting.bounds;
  const double low = b.min.value_or(0.0);
  switch (setting.kind) {
    case SettingKind::text:
      return "somewhere.csv";
    case SettingKind::text_list:
      return json::array({"a", "b c"});
    case SettingKind::integer_list:
      return json::array({7, 3});
    case SettingKind::integer:
      return static_cast<int64_t>(low) + 7;
    case SettingKind::number:
      return b.max ? (low + *b.max) / 4 : low + 0.25;
    case SettingKind::optional_number:
      return low + 0.5;
    case SettingKind::boolean:
      return true;
    case SettingKind::optional_boolean:
      return false;
    case SettingKind::choice:
      return setting.choices.back();
    case SettingKind::character:
      return ";";
  }
  return nullptr;
}

/// The flag's text for a JSON value: "7,3" for a list, "0.25" for a number.
std::string flag_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array()) return value.dump();
  std::string text;
  for (const auto& item : value) {
    if (!text.empty()) text += ',';
    text += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return text;
}

json dumped(const train::TrainSettings& settings) { return json::parse(train::to_json(settings)); }

}  // namespace

TEST(Settings, EveryEntryRoundTripsThroughJsonAndItsFlag) {
  const json defaults = dumped(train::TrainSettings{});
  for (const auto& setting : train::settings_table()) {
    SCOPED_TRACE(setting.key);
    ASSERT_TRUE(defaults.contains(setting.key));
    const json value = other_value(setting);
    ASSERT_NE(value, defaults[setting.key]) << "the test value is the default";

    train::TrainSettings from_json;
    train::apply_json(from_json, json{{setting.key, value}}.dump(), "test.json");
    EXPECT_EQ(dumped(from_json)[setting.key], value);
    train::TrainSettings again;
    train::apply_json(again, train::to_json(from_json), "dump");
    EXPECT_EQ(train::to_json(again), train::to_json(from_json));

    train::TrainSettings from_flag;
    train::set_from_text(from_flag, setting.key, flag_text(value));
    EXPECT_EQ(dumped(from_flag)[setting.key], value);
    EXPECT_NO_THROW(train::validate(from_flag));
  }
}

TEST(Settings, EveryBoundRejectsAValuePastItNamingTheSetting) {
  int bounds_checked = 0;
  for (const auto& setting : train::settings_table()) {
    const train::Bounds& b = setting.bounds;
    std::vector<double> outside;
    if (b.min) outside.push_back(b.min_open ? *b.min : *b.min - 1);
    if (b.max) outside.push_back(b.max_open ? *b.max : *b.max + 1);
    for (double number : outside) {
      SCOPED_TRACE(setting.key + " = " + std::to_string(number));
      ++bounds_checked;
      const bool integer =
          setting.kind == SettingKind::integer || setting.kind == SettingKind::integer_list;
      const json item = integer ? json(static_cast<int64_t>(number)) : json(number);
      const json value = setting.kind == SettingKind::integer_list ? json::array({item}) : item;

      train::TrainSettings settings;
      EXPECT_THAT(error_of([&] {
                    train::apply_json(settings, json{{setting.key, value}}.dump(), "run.json");
                  }),
                  HasSubstr("run.json: \"" + setting.key + "\": "));
      EXPECT_THAT(error_of([&] { train::set_from_text(settings, setting.key, flag_text(value)); }),
                  HasSubstr(setting.flag() + ": "));
      EXPECT_EQ(dumped(settings), dumped(train::TrainSettings{})) << "a rejected value was kept";
      EXPECT_EQ(error_of([&] { train::validate(settings); }), "no error");
    }
  }
  // dropout, lr, weight_decay, clip_grad, batch_size, epochs, early_stopping, validation_split
  // (both ends), ensemble, seed, threads, hidden; label_smoothing and beta2 (both ends).
  EXPECT_EQ(bounds_checked, 20);

  // The struct set directly is checked by validate, against the same bounds.
  train::TrainSettings settings;
  settings.dropout = 1.0;
  EXPECT_THAT(error_of([&] { train::validate(settings); }),
              HasSubstr("dropout: 1.0 is not a number in [0, 1)"));
  settings = {};
  settings.hidden = {32, 0};
  EXPECT_THAT(error_of([&] { train::validate(settings); }),
              HasSubstr("hidden: 0 is not a list of integers >= 1"));
}

TEST(Settings, BadKeysKindsAndNamesSayWhatIsAllowed) {
  train::TrainSettings settings;
  EXPECT_THAT(error_of([&] { train::apply_json(settings, R"({"bogus": 1})", "run.json"); }),
              HasSubstr("run.json: unknown key \"bogus\"; known: data, labels,"));
  EXPECT_THAT(error_of([&] { train::apply_json(settings, R"({"lr": "fast"})", "run.json"); }),
              HasSubstr("run.json: \"lr\": \"fast\" is not a positive number"));
  EXPECT_THAT(error_of([&] { train::apply_json(settings, "[1]", "run.json"); }),
              HasSubstr("must be a JSON object"));
  EXPECT_THAT(error_of([&] { train::set_from_text(settings, "activation", "nope"); }),
              HasSubstr("--activation: unknown activation \"nope\"; known: relu, "));
  EXPECT_THAT(error_of([&] { train::set_from_text(settings, "epochs", "many"); }),
              HasSubstr("--epochs: \"many\" is not an integer >= 1"));
  EXPECT_THAT(error_of([&] { train::set_from_text(settings, "hidden", "32,x"); }),
              HasSubstr("--hidden: \"x\" is not a list of integers >= 1"));
  // A seed takes all 64 bits, from a flag as from JSON.
  train::set_from_text(settings, "seed", "18446744073709551615");
  EXPECT_EQ(settings.seed, 18446744073709551615ULL);
  EXPECT_THAT(error_of([&] { train::set_from_text(settings, "threads", "18446744073709551615"); }),
              HasSubstr("--threads: \"18446744073709551615\" is not an integer >= 0"));
  // "layers" is another name of "hidden"; a column may be given by its index.
  train::apply_json(settings, R"({"layers": "8, 4", "target": 2, "loss": ""})", "run.json");
  EXPECT_EQ(settings.hidden, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(settings.target, "2");
  EXPECT_EQ(train::find_setting("layers").key, "hidden");
}

TEST(Settings, AResumedRunChangesOnlyItsOutputsEpochsAndThreads) {
  train::TrainSettings s;
  train::apply_json(s, R"({"data": "x.csv", "lr": 0.01, "epochs": 5})", "checkpoint");
  train::apply_json_on_resume(s, R"({"epochs": 9, "lr": 0.01, "save": "m.plx"})", "run.json",
                              "run.ckpt", false);
  EXPECT_EQ(s.epochs, 9);
  EXPECT_EQ(s.save, "m.plx");
  const std::string flag = error_of(
      [&] { train::apply_json_on_resume(s, R"({"lr": 0.1})", "command line", "run.ckpt", true); });
  EXPECT_THAT(flag, testing::HasSubstr("--lr 0.1 contradicts the checkpoint in run.ckpt, which "
                                       "has lr 0.01"));
  const std::string key = error_of(
      [&] { train::apply_json_on_resume(s, R"({"hidden": [8]})", "run.json", "run.ckpt", false); });
  EXPECT_THAT(key, testing::HasSubstr("run.json: \"hidden\": [8] contradicts"));
  EXPECT_DOUBLE_EQ(s.lr, 0.01);
  EXPECT_TRUE(train::may_differ_on_resume("threads"));
  EXPECT_FALSE(train::may_differ_on_resume("seed"));
}

TEST(Settings, DefaultsFollowTheDataUnlessChosen) {
  train::TrainSettings table;
  table.data = "houses.csv";
  train::resolve_defaults(table, {});
  EXPECT_EQ(table.weight_decay, train::kTabularWeightDecay);
  EXPECT_EQ(table.schedule, "none");
  EXPECT_EQ(table.epochs, 100);
  EXPECT_FALSE(table.beta2);
  EXPECT_FALSE(table.label_smoothing);

  train::TrainSettings images;
  images.data = "fashion-mnist";
  train::resolve_defaults(images, {});
  EXPECT_EQ(images.weight_decay, 0.0);
  EXPECT_EQ(images.schedule, "coslog4");
  EXPECT_EQ(images.epochs, 30);
  EXPECT_EQ(images.early_stopping, 30);  // never stops early; restores the best epoch
  EXPECT_EQ(images.beta2, 0.95);

  // What a flag or --config chose stays, even when it equals the table's default.
  train::TrainSettings chosen;
  chosen.data = "fashion-mnist";
  chosen.optimizer = "sgd";
  train::resolve_defaults(chosen, {"epochs", "schedule"});
  EXPECT_EQ(chosen.epochs, 100);
  EXPECT_EQ(chosen.early_stopping, 100);
  EXPECT_EQ(chosen.schedule, "none");
  EXPECT_FALSE(chosen.beta2);  // sgd has none
}
