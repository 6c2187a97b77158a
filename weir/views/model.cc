#include "weir/views/model.h"

#include <algorithm>
#include <fstream>

#include "weir/base/artifact_layout.h"
#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/serving_model.h"

namespace weir::views {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

absl::StatusOr<ModelView> LoadModel(const fs::path& uri) {
  std::error_code error;
  const fs::path serving = fs::is_directory(uri / kServingDir, error) ? uri / kServingDir : uri;
  const fs::path file = serving / model::kModelSpecFileName;
  ModelView view;
  ASSIGN_OR_RETURN(view.spec_text, base::ReadFile(file));
  RETURN_IF_ERROR(base::ReadTextProto(file, &view.spec));
  return view;
}

Json ModelToJson(const ModelView& view) {
  Json features = Json::array();
  for (const model::ModelInput& input : view.spec.inputs()) features.push_back(input.name());
  return {{"model_spec", view.spec_text},
          {"family", view.spec.config().family()},
          {"label", view.spec.config().label()},
          {"features", std::move(features)}};
}

std::string RenderModel(const ModelView& view, const TextOptions& options) {
  const model::ModelSpec& spec = view.spec;
  const model::TrainerConfig& config = spec.config();
  auto join = [](const auto& names, auto name_of) {
    std::string out;
    for (const auto& item : names) out += StrCat(out.empty() ? "" : ", ", name_of(item));
    return out;
  };
  std::string out =
      Title(StrCat(config.family(), " model of '", config.label(), "'"), options) + "\n";
  Table fields({{"field"}, {"value", Align::kLeft, Fit::kWrap}});
  fields.AddRow({"task", model::Task_Name(config.task())});
  if (!spec.class_names().empty())
    fields.AddRow({"classes", join(spec.class_names(), [](const std::string& s) { return s; })});
  fields.AddRow(
      {"inputs", join(spec.inputs(), [](const model::ModelInput& i) { return i.name(); })});
  fields.AddRow(
      {"signature", join(spec.signature_inputs(), [](const auto& r) { return r.name(); })});
  if (!spec.unread_inputs().empty()) {
    fields.AddRow(
        {"also accepted", join(spec.unread_inputs(), [](const auto& r) { return r.name(); })});
  }
  fields.AddRow({"outputs", join(spec.outputs(), [](const std::string& s) { return s; })});
  std::vector<std::pair<std::string, double>> metrics(spec.validation_metrics().begin(),
                                                      spec.validation_metrics().end());
  std::sort(metrics.begin(), metrics.end());
  for (const auto& [name, value] : metrics)
    fields.AddRow({StrCat("validation ", name), FormatNumber(value)});
  return out + fields.Render(options);
}

absl::StatusOr<std::vector<CurvePoint>> LoadModelRun(const fs::path& uri) {
  std::ifstream in(uri / "curves.jsonl");
  if (!in) return absl::NotFoundError(StrCat("no curves.jsonl in ", uri.string()));
  std::vector<CurvePoint> curves;
  for (std::string line; std::getline(in, line);) {
    Json point = Json::parse(line, nullptr, false);
    if (!point.is_object()) continue;
    CurvePoint parsed{.step = point.value("step", int64_t{0}), .split = point.value("curve", "")};
    for (auto& [key, value] : point.items()) {
      if (key == "curve" || key == "step") continue;
      parsed.metrics.emplace_back(key, value.is_number() ? value.get<double>() : NAN);
    }
    curves.push_back(std::move(parsed));
  }
  return curves;
}

Json ModelRunToJson(const std::vector<CurvePoint>& curves) {
  Json out = Json::array();
  for (const CurvePoint& point : curves) {
    Json metrics = Json::object();
    for (const auto& [name, value] : point.metrics) metrics[name] = value;
    out.push_back({{"step", point.step}, {"split", point.split}, {"metrics", std::move(metrics)}});
  }
  return Json{{"curves", std::move(out)}};
}

std::string RenderModelRun(const std::vector<CurvePoint>& curves, const TextOptions& options) {
  std::vector<std::string> splits;
  for (const CurvePoint& point : curves) {
    if (std::find(splits.begin(), splits.end(), point.split) == splits.end())
      splits.push_back(point.split);
  }
  if (splits.empty()) return "No learning curves recorded.\n";
  std::string out;
  for (const std::string& split : splits) {
    std::vector<std::string> metrics;
    for (const CurvePoint& point : curves) {
      if (point.split != split) continue;
      for (const auto& [name, value] : point.metrics) {
        if (std::find(metrics.begin(), metrics.end(), name) == metrics.end())
          metrics.push_back(name);
      }
    }
    std::vector<Column> columns = {{"step", Align::kRight}};
    for (const std::string& metric : metrics) columns.push_back({metric, Align::kRight});
    Table table(std::move(columns));
    for (const CurvePoint& point : curves) {
      if (point.split != split) continue;
      std::vector<Cell> row = {StrCat(point.step)};
      for (const std::string& metric : metrics) {
        auto it = std::find_if(point.metrics.begin(), point.metrics.end(),
                               [&](const auto& m) { return m.first == metric; });
        row.push_back(it == point.metrics.end() ? "" : FormatNumber(it->second));
      }
      table.AddRow(std::move(row));
    }
    out += StrCat(out.empty() ? "" : "\n", Title(StrCat("Curve: ", split), options), "\n",
                  table.Render(options));
  }
  return out;
}

BlessingView LoadBlessing(const metadata::Artifact& artifact) {
  std::error_code error;
  BlessingView view;
  view.blessed = fs::exists(fs::path(artifact.uri) / "BLESSED", error);
  view.current_model_id = metadata::GetInt(artifact.custom_properties, "current_model_id");
  if (artifact.custom_properties.contains("baseline_model_id"))
    view.baseline_model_id = metadata::GetInt(artifact.custom_properties, "baseline_model_id");
  return view;
}

Json BlessingToJson(const BlessingView& view) {
  return {{"blessed", view.blessed},
          {"current_model_id", view.current_model_id},
          {"baseline_model_id",
           view.baseline_model_id ? Json(*view.baseline_model_id) : Json(nullptr)}};
}

std::string RenderBlessing(const BlessingView& view, const TextOptions& options) {
  std::string out =
      Style(view.blessed ? "BLESSED" : "NOT BLESSED", view.blessed ? kGreen : kRed, options);
  out += StrCat(": model ", view.current_model_id);
  if (view.baseline_model_id)
    out += StrCat(", against the baseline model ", *view.baseline_model_id);
  return out + "\n";
}

PushedModelView LoadPushedModel(const metadata::Artifact& artifact) {
  PushedModelView view;
  view.pushed = metadata::GetInt(artifact.custom_properties, "pushed") != 0;
  view.destination = metadata::GetString(artifact.custom_properties, "pushed_destination");
  view.version = metadata::GetString(artifact.custom_properties, "pushed_version");
  if (view.destination.empty()) return view;
  std::vector<fs::path> folders;
  std::error_code error;
  for (const auto& entry :
       fs::directory_iterator(fs::path(view.destination).parent_path(), error)) {
    if (entry.is_directory()) folders.push_back(entry.path());
  }
  std::sort(folders.rbegin(), folders.rend());
  for (const fs::path& folder : folders)
    view.versions.emplace_back(folder.filename().string(), folder.string());
  return view;
}

Json PushedModelToJson(const PushedModelView& view) {
  Json versions = Json::array();
  for (const auto& [version, path] : view.versions)
    versions.push_back({{"version", version}, {"path", path}});
  return {{"pushed", view.pushed},
          {"destination", view.destination.empty() ? Json(nullptr) : Json(view.destination)},
          {"version", view.version.empty() ? Json(nullptr) : Json(view.version)},
          {"versions", std::move(versions)}};
}

std::string RenderPushedModel(const PushedModelView& view, const TextOptions& options) {
  std::string out = view.pushed
                        ? StrCat("Pushed as version ", view.version, " to ", view.destination, "\n")
                        : "Not pushed (the model was not blessed).\n";
  if (view.versions.empty()) return out;
  Table table({{"version"}, {"path", Align::kLeft, Fit::kTruncate}});
  for (const auto& [version, path] : view.versions) table.AddRow({version, path});
  return out + "\n" + Title("Versions in the serving folder", options) + "\n" +
         table.Render(options);
}

}  // namespace weir::views
