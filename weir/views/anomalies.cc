#include "weir/views/anomalies.h"

#include <algorithm>
#include <cmath>

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/artifact_properties.h"
#include "weir/components/example_validator/example_validator_component.h"
#include "weir/stats/statistics.h"

namespace weir::views {
namespace fs = std::filesystem;
namespace {

// ---------------------------------------------------------------------------------------------
// Anomalies.

std::vector<std::pair<std::string, const tfmd::AnomalyInfo*>> SortedAnomalies(
    const tfmd::Anomalies& anomalies) {
  std::vector<std::pair<std::string, const tfmd::AnomalyInfo*>> sorted;
  for (const auto& [key, info] : anomalies.anomaly_info()) {
    std::string name = key;
    if (info.has_path() && info.path().step_size() > 0) {
      name.clear();
      for (const std::string& step : info.path().step())
        name += StrCat(name.empty() ? "" : ".", step);
    }
    sorted.emplace_back(name, &info);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return sorted;
}

// An anomaly's own descriptions, or its reasons' joined when the producer left the summary empty.
std::pair<std::string, std::string> AnomalyText(const tfmd::AnomalyInfo& info) {
  std::string short_description = info.short_description();
  std::string description = info.description();
  for (const auto& reason : info.reason()) {
    if (info.short_description().empty()) {
      short_description +=
          StrCat(short_description.empty() ? "" : "; ", reason.short_description());
    }
    if (info.description().empty()) {
      description += StrCat(description.empty() ? "" : " ", reason.description());
    }
  }
  return {short_description, description};
}

const char* SeverityStyle(tfmd::AnomalyInfo::Severity severity) {
  return severity == tfmd::AnomalyInfo::ERROR ? kRed : kYellow;
}

nlohmann::ordered_json AnomalyToJson(const std::string& feature, const tfmd::AnomalyInfo& info) {
  nlohmann::ordered_json reasons = nlohmann::ordered_json::array();
  for (const auto& reason : info.reason()) {
    reasons.push_back({{"type", tfmd::AnomalyInfo::Type_Name(reason.type())},
                       {"short_description", reason.short_description()},
                       {"description", reason.description()}});
  }
  auto [short_description, description] = AnomalyText(info);
  return {{"feature", feature},
          {"severity", tfmd::AnomalyInfo::Severity_Name(info.severity())},
          {"short_description", short_description},
          {"description", description},
          {"reasons", reasons}};
}

struct Measurement {
  std::string feature;
  std::string kind;  // "drift" or "skew".
  const tfmd::DriftSkewInfo::Measurement* measurement;
};

std::vector<Measurement> Measurements(const tfmd::Anomalies& anomalies) {
  std::vector<Measurement> out;
  for (const auto& info : anomalies.drift_skew_info()) {
    for (const auto& m : info.drift_measurements())
      out.push_back({stats::PathName(info.path()), "drift", &m});
    for (const auto& m : info.skew_measurements())
      out.push_back({stats::PathName(info.path()), "skew", &m});
  }
  return out;
}

std::string MeasureName(tfmd::DriftSkewInfo::Measurement::Type type) {
  switch (type) {
    case tfmd::DriftSkewInfo::Measurement::L_INFTY:
      return "L-infinity";
    case tfmd::DriftSkewInfo::Measurement::JENSEN_SHANNON_DIVERGENCE:
      return "Jensen-Shannon";
    default:
      return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------
// Loading.

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

absl::StatusOr<std::vector<LabeledAnomalies>> LoadAnomalies(const fs::path& path,
                                                            std::string_view split) {
  ASSIGN_OR_RETURN(std::vector<components::SplitFile> files,
                   components::ResolveSplitFiles(path, split, components::kAnomaliesFileName));
  std::vector<LabeledAnomalies> out;
  for (const components::SplitFile& file : files) {
    LabeledAnomalies anomalies{
        file.split.empty() ? file.file.stem().string() : file.split, file.file, {}};
    RETURN_IF_ERROR(EndsWith(file.file.string(), ".pbtxt")
                        ? base::ReadTextProto(file.file, &anomalies.anomalies)
                        : base::ReadBinaryProto(file.file, &anomalies.anomalies));
    out.push_back(std::move(anomalies));
  }
  return out;
}

std::string RenderAnomalies(const tfmd::Anomalies& anomalies, const TextOptions& options) {
  std::string out;
  Table table({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
               {"severity"},
               {"short description", Align::kLeft, Fit::kWrap},
               {"description", Align::kLeft, Fit::kWrap}});
  auto add = [&](const std::string& feature, const tfmd::AnomalyInfo& info) {
    auto [short_description, description] = AnomalyText(info);
    table.AddRow(
        {feature,
         Cell(tfmd::AnomalyInfo::Severity_Name(info.severity()), SeverityStyle(info.severity())),
         short_description, description});
  };
  for (const auto& [feature, info] : SortedAnomalies(anomalies)) add(feature, *info);
  if (anomalies.has_dataset_anomaly_info()) add("(dataset)", anomalies.dataset_anomaly_info());
  if (anomalies.data_missing()) out += Style("The dataset has no examples.", kRed, options) + "\n";
  if (table.empty()) {
    out += "No anomalies found.\n";
  } else {
    out += table.Render(options);
  }

  std::vector<Measurement> measurements = Measurements(anomalies);
  if (!measurements.empty()) {
    Table drift({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
                 {"check"},
                 {"measure"},
                 {"value", Align::kRight},
                 {"threshold", Align::kRight},
                 {"result"}});
    for (const Measurement& m : measurements) {
      bool over = m.measurement->value() > m.measurement->threshold();
      drift.AddRow({m.feature, m.kind, MeasureName(m.measurement->type()),
                    FormatNumber(m.measurement->value()), FormatNumber(m.measurement->threshold()),
                    over ? Cell("over threshold", kRed) : Cell("ok")});
    }
    out += "\n" + Title("Drift and skew", options) + "\n" + drift.Render(options);
  }
  return out;
}

nlohmann::ordered_json AnomaliesToJson(const tfmd::Anomalies& anomalies) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [feature, info] : SortedAnomalies(anomalies))
    list.push_back(AnomalyToJson(feature, *info));
  nlohmann::ordered_json drift_skew = nlohmann::ordered_json::array();
  for (const Measurement& m : Measurements(anomalies)) {
    drift_skew.push_back(
        {{"feature", m.feature},
         {"check", m.kind},
         {"measure", tfmd::DriftSkewInfo::Measurement::Type_Name(m.measurement->type())},
         {"value", m.measurement->value()},
         {"threshold", m.measurement->threshold()},
         {"over_threshold", m.measurement->value() > m.measurement->threshold()}});
  }
  nlohmann::ordered_json out = {
      {"anomalies", list}, {"data_missing", anomalies.data_missing()}, {"drift_skew", drift_skew}};
  out["dataset_anomaly"] = anomalies.has_dataset_anomaly_info()
                               ? AnomalyToJson("", anomalies.dataset_anomaly_info())
                               : nlohmann::ordered_json(nullptr);
  return out;
}

}  // namespace weir::views
