// What a finished `plexus tune` search gives besides the model: the --json object and the report.
#include <algorithm>
#include <cmath>

#include "plexus/plot/report.hpp"
#include "tune.hpp"

namespace plexus::cli {
namespace {

/// A number for JSON: null when not finite.
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

}  // namespace

json tune_json(const train::TuneResult& result, const data::PreparedData& data,
               const std::string& reproduce, const metrics::Scores* test) {
  json trials = json::array();
  for (const auto& t : result.trials)
    trials.push_back({{"trial", t.trial + 1},
                      {"configuration", json::parse(train::recipe_json(t.recipe))},
                      {"rung", t.rung},
                      {"epochs", t.recipe.epochs},
                      {"score", number(t.score)},
                      {"temperature", t.temperature},
                      {data.classification() ? "accuracy" : "r2", number(t.metric)},
                      {"seconds", t.seconds}});
  json members = json::array();
  for (const auto& m : result.members)
    members.push_back({{"trial", m.trial + 1}, {"weight", m.weight}});
  json out = {{"task", data.classification() ? "classification" : "regression"},
              {"score_name", data.classification() ? "log_loss" : "rmse"},
              {"folds", result.folds},
              {"trials_run", result.trials.size()},
              {"time_limit_reached", result.time_limit_reached},
              {"reproduce", reproduce},
              {"leaderboard", trials},
              {"ensemble",
               {{"members", members},
                {"partial", result.partial},
                {"refits", result.refits},
                {"score", number(result.score)},
                {data.classification() ? "accuracy" : "r2", number(result.metric)}}},
              {"seconds", result.seconds}};
  if (test) out["test"] = json::parse(metrics::scores_json(*test, data.classes, false));
  return out;
}

void write_tune_report(const std::string& dir, const train::TuneResult& result,
                       const data::PreparedData& data, const json& summary) {
  const std::string score = data.classification() ? "log loss" : "RMSE";
  const std::string metric = data.classification() ? "accuracy" : "R2";
  plot::Report report("plexus tune");
  report.section("Search").key_values(
      {{"trials", std::to_string(result.trials.size())},
       {"folds", std::to_string(result.folds)},
       {"time limit reached", result.time_limit_reached ? "yes" : "no"},
       {"seconds", plot::format_number(result.seconds)},
       {"to repeat it", summary.at("reproduce").get<std::string>()}});
  // Each trial's out-of-fold score against the training time spent when it finished, and the
  // best so far.
  std::vector<double> time, scores, best_time, best;
  double elapsed = 0;
  for (const auto& t : result.trials) {
    elapsed += t.seconds;
    if (!std::isfinite(t.score)) continue;
    time.push_back(elapsed);
    scores.push_back(t.score);
    if (best.empty() || t.score < best.back()) {
      best_time.push_back(elapsed);
      best.push_back(t.score);
    }
  }
  if (!time.empty())
    report.figure("score_vs_time",
                  plot::Figure()
                      .title("out-of-fold " + score + " of each trial")
                      .xlabel("training seconds")
                      .ylabel(score)
                      .scatter({"trials", time, scores})
                      .line({"best so far", best_time, best}),
                  "lower is better");
  std::vector<size_t> order(result.trials.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return result.trials[a].score < result.trials[b].score;
  });
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < std::min<size_t>(10, order.size()); ++i) {
    const auto& t = result.trials[order[i]];
    rows.push_back({std::to_string(t.trial + 1), std::to_string(t.recipe.epochs),
                    plot::format_number(t.score), plot::format_number(t.metric),
                    plot::format_number(t.seconds), train::describe_recipe(t.recipe)});
  }
  report.section("Best configurations")
      .table({"trial", "epochs", score, metric, "seconds", "configuration"}, rows,
             "out of fold, best first");
  std::vector<std::vector<std::string>> members;
  for (const auto& m : result.members)
    members.push_back({std::to_string(m.trial + 1), std::to_string(m.weight),
                       train::describe_recipe(result.trials[m.trial].recipe)});
  report.section("Ensemble")
      .paragraph(result.partial
                     ? "No trial finished in the time limit: the model is the cut-off trial's "
                       "fold models as they were."
                     : "Each member trial's fold models, counted weight times" +
                           (result.refits > 0 || result.refits_cut_short
                                ? " (" + std::to_string(result.refits) +
                                      " of them refit on every training row)"
                                : std::string()) +
                           "; out-of-fold " + score + " " + plot::format_number(result.score) +
                           ", " + metric + " " + plot::format_number(result.metric) + ".");
  if (!members.empty()) report.table({"trial", "weight", "configuration"}, members);
  if (summary.contains("test")) {
    std::vector<std::pair<std::string, std::string>> test;
    for (const auto& [name, value] : summary.at("test").items())
      test.emplace_back(name, plot::format_number(value.get<double>()));
    report.section("Test rows (not used by the search)").key_values(test);
  }
  report.write(dir);
}

}  // namespace plexus::cli
