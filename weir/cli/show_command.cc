// weir show: statistics, schemas, anomalies and model evaluations in the terminal (TFDV's and
// TFMA's notebook views).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "weir/base/json_text.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/views/anomalies.h"
#include "weir/views/evaluation.h"
#include "weir/views/schema.h"
#include "weir/views/statistics.h"
#include "weir/views/text.h"

namespace weir::cli {
namespace {

namespace fs = std::filesystem;

struct ShowFlags {
  std::string path;
  std::string split;
  std::string compare;
  bool json = false;
};

views::TextOptions OptionsFor(const ShowFlags& flags) {
  views::TextOptions options;
  options.color = !flags.json && views::ShouldUseColor(STDOUT_FILENO);
  return options;
}

// The last named folder of `path`, for labelling a side of a comparison: "7" for ".../stats/7/".
std::string Leaf(const fs::path& path) {
  fs::path clean = path.lexically_normal();
  if (clean.filename().empty()) clean = clean.parent_path();
  return clean.filename().string();
}

// Pairs the datasets of the two sides: the only one of each, or those with the same label.
absl::StatusOr<std::vector<std::pair<views::LabeledStatistics, views::LabeledStatistics>>> PairUp(
    std::vector<views::LabeledStatistics> left, std::vector<views::LabeledStatistics> right,
    const ShowFlags& flags) {
  std::vector<std::pair<views::LabeledStatistics, views::LabeledStatistics>> pairs;
  if (left.size() == 1 && right.size() == 1) {
    pairs.emplace_back(std::move(left[0]), std::move(right[0]));
  } else {
    for (views::LabeledStatistics& l : left) {
      for (views::LabeledStatistics& r : right) {
        if (l.label == r.label) pairs.emplace_back(std::move(l), std::move(r));
      }
    }
    if (pairs.empty()) {
      return absl::InvalidArgumentError(StrCat("--compare ", flags.compare, ": ", flags.path,
                                               " and ", flags.compare,
                                               " share no split name; pick one with --split"));
    }
  }
  // Two sides with the same split name (two spans, say) are told apart by their folders.
  for (auto& [l, r] : pairs) {
    if (l.label == r.label) {
      std::string left_leaf = Leaf(flags.path), right_leaf = Leaf(flags.compare);
      if (left_leaf == right_leaf) left_leaf = "A", right_leaf = "B";
      l.label = StrCat(left_leaf, "/", l.label);
      r.label = StrCat(right_leaf, "/", r.label);
    }
  }
  return pairs;
}

absl::Status ShowStatistics(const ShowFlags& flags) {
  ASSIGN_OR_RETURN(std::vector<views::LabeledStatistics> left,
                   views::LoadStatistics(flags.path, flags.split));
  const views::TextOptions options = OptionsFor(flags);
  if (flags.compare.empty()) {
    nlohmann::ordered_json datasets = nlohmann::ordered_json::array();
    for (size_t i = 0; i < left.size(); ++i) {
      if (flags.json) {
        datasets.push_back(views::StatisticsToJson(left[i]));
      } else {
        std::cout << (i ? "\n" : "") << views::RenderStatistics(left[i], options);
      }
    }
    if (flags.json)
      std::cout << base::JsonText(nlohmann::ordered_json{{"datasets", datasets}}, 2) << "\n";
    return absl::OkStatus();
  }

  std::vector<views::LabeledStatistics> right;
  std::error_code ec;
  if (fs::exists(flags.compare, ec)) {
    ASSIGN_OR_RETURN(right, views::LoadStatistics(flags.compare, flags.split));
  } else {
    // Not a path: a split of PATH, compared with the split that --split picked.
    absl::StatusOr<std::vector<views::LabeledStatistics>> other =
        views::LoadStatistics(flags.path, flags.compare);
    if (!other.ok()) {
      return absl::NotFoundError(StrCat("--compare ", flags.compare,
                                        " is neither a path nor a split of ", flags.path, " (",
                                        other.status().message(), ")"));
    }
    if (left.size() != 1) {
      return absl::InvalidArgumentError(
          StrCat("--compare ", flags.compare,
                 " is a split: say which split to compare it with, as in "
                 "--split train --compare ",
                 flags.compare));
    }
    right = *std::move(other);
  }
  ASSIGN_OR_RETURN(auto pairs, PairUp(std::move(left), std::move(right), flags));
  nlohmann::ordered_json comparisons = nlohmann::ordered_json::array();
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (flags.json) {
      comparisons.push_back({{"left", views::StatisticsToJson(pairs[i].first)},
                             {"right", views::StatisticsToJson(pairs[i].second)}});
    } else {
      std::cout << (i ? "\n" : "")
                << views::RenderStatisticsComparison(pairs[i].first, pairs[i].second, options);
    }
  }
  if (flags.json)
    std::cout << base::JsonText(nlohmann::ordered_json{{"comparisons", comparisons}}, 2) << "\n";
  return absl::OkStatus();
}

absl::Status ShowSchema(const ShowFlags& flags) {
  ASSIGN_OR_RETURN(views::tfmd::Schema schema, views::LoadSchema(flags.path));
  if (flags.json) {
    std::cout << base::JsonText(views::SchemaToJson(schema), 2) << "\n";
  } else {
    std::cout << views::RenderSchema(schema, OptionsFor(flags));
  }
  return absl::OkStatus();
}

absl::Status ShowAnomalies(const ShowFlags& flags) {
  ASSIGN_OR_RETURN(std::vector<views::LabeledAnomalies> all,
                   views::LoadAnomalies(flags.path, flags.split));
  nlohmann::ordered_json splits = nlohmann::ordered_json::array();
  for (size_t i = 0; i < all.size(); ++i) {
    if (flags.json) {
      nlohmann::ordered_json json = views::AnomaliesToJson(all[i].anomalies);
      json["name"] = all[i].label;
      json["file"] = all[i].file.string();
      splits.push_back(std::move(json));
    } else {
      std::cout << (i ? "\n" : "") << all[i].label << " (" << all[i].file.string() << ")\n"
                << views::RenderAnomalies(all[i].anomalies, OptionsFor(flags));
    }
  }
  if (flags.json)
    std::cout << base::JsonText(nlohmann::ordered_json{{"splits", splits}}, 2) << "\n";
  return absl::OkStatus();
}

absl::Status ShowEvaluation(const ShowFlags& flags) {
  ASSIGN_OR_RETURN(views::ModelEvaluation evaluation, views::LoadEvaluation(flags.path));
  if (flags.json) {
    std::cout << base::JsonText(views::EvaluationToJson(evaluation), 2) << "\n";
  } else {
    std::cout << views::RenderEvaluation(evaluation, OptionsFor(flags));
  }
  return absl::OkStatus();
}

// Adds `weir show NAME PATH [--split] [--json]`, running `show` on `flags` once parsed.
CLI::App* AddView(CLI::App& parent, const char* name, const char* description,
                  const char* path_help, std::shared_ptr<ShowFlags> flags,
                  absl::Status (*show)(const ShowFlags&), bool with_split, int& exit_code) {
  CLI::App* cmd = parent.add_subcommand(name, description);
  cmd->add_option("PATH", flags->path, path_help)->required();
  if (with_split)
    cmd->add_option("--split", flags->split, "Only this split (default: every split, in turn)");
  cmd->add_flag("--json", flags->json, "Print the same data as JSON (field names in docs/show.md)");
  cmd->callback([flags, show, &exit_code]() {
    if (absl::Status s = show(*flags); !s.ok()) exit_code = ReportError("show", s);
  });
  return cmd;
}

}  // namespace

void AddShowCommand(CLI::App& app, int& exit_code) {
  CLI::App* show = app.add_subcommand(
      "show",
      "Show statistics, a schema, anomalies or a model evaluation as tables in the terminal "
      "(what TFDV's visualize_statistics, display_schema and display_anomalies and TFMA's "
      "render_slicing_metrics show in a notebook).");
  show->require_subcommand(1);
  show->footer(
      "Colours are used only when standard output is a terminal and NO_COLOR is unset.\n\n"
      "Examples:\n"
      "  weir show stats out/statistics\n"
      "  weir show stats out/statistics --split train --compare eval\n"
      "  weir show schema out/schema\n"
      "  weir show anomalies out/anomalies --split eval --json\n"
      "  weir show evaluation out/evaluation --json | jq .overall.auc");

  auto stats_flags = std::make_shared<ShowFlags>();
  CLI::App* stats = AddView(*show, "stats",
                            "Per-feature statistics: numeric features (count, missing, mean, std, "
                            "zeros, min, median, max, "
                            "histogram) and string features (unique, average length, top values).",
                            "A statistics artifact (Split-<name>/FeatureStats.pb), one split's "
                            "folder, or a FeatureStats.pb",
                            stats_flags, ShowStatistics, /*with_split=*/true, exit_code);
  stats->add_option(
      "--compare", stats_flags->compare,
      "Show another split of PATH (with --split), or another statistics artifact or span, "
      "beside PATH, feature by feature");
  stats->footer(
      "Histograms are the 10 equal-width buckets, one block character each (a blank is an empty "
      "bucket). With --compare both histograms of a feature are redrawn over the same range.\n\n"
      "Examples:\n"
      "  weir show stats out/statistics                      (every split, one after another)\n"
      "  weir show stats out/statistics/Split-eval\n"
      "  weir show stats out/statistics --split train --compare eval\n"
      "  weir show stats runs/1/statistics --compare runs/2/statistics --split train\n"
      "  weir show stats out/csv_statistics/FeatureStats.pb --json");
  AddView(
      *show, "schema",
      "A schema: each feature's type, presence (required/optional), valency and domain, then the "
      "named domains' values.",
      "A schema.pbtxt (text format; .pb for binary) or the folder holding it",
      std::make_shared<ShowFlags>(), ShowSchema, /*with_split=*/false, exit_code)
      ->footer("Examples:\n  weir show schema out/schema\n  weir show schema schema.pbtxt --json");
  AddView(
      *show, "anomalies",
      "Anomalies found by validation: feature, severity and descriptions, or \"No anomalies "
      "found.\", "
      "then drift and skew measurements.",
      "An anomalies artifact (Split-<name>/SchemaDiff.pb), one split's folder, or a SchemaDiff.pb "
      "(binary; .pbtxt for text format)",
      std::make_shared<ShowFlags>(), ShowAnomalies, /*with_split=*/true, exit_code)
      ->footer(
          "Examples:\n  weir show anomalies out/anomalies\n  weir show anomalies out/anomalies "
          "--split eval "
          "--json");
  AddView(*show, "evaluation",
          "A model evaluation: the model and its baseline, the headline metrics per slice "
          "(Overall first), the overall change from the baseline, then BLESSED or NOT BLESSED "
          "with each failed threshold.",
          "A views::ModelEvaluation artifact (the Evaluator's evaluation output, holding "
          "evaluation.json) or its evaluation.json",
          std::make_shared<ShowFlags>(), ShowEvaluation, /*with_split=*/false, exit_code)
      ->footer(
          "Cells of metrics that failed a threshold are red (on a terminal). Confusion matrices "
          "and plot data (ROC, precision-recall, calibration) are in evaluation.json itself.\n\n"
          "Examples:\n"
          "  weir show evaluation out/evaluation\n"
          "  weir show evaluation out/evaluation/evaluation.json --json | jq .overall.auc");
}

}  // namespace weir::cli
