#include "weir/components/pusher/pusher_component.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "weir/base/artifact_layout.h"
#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/serving_model.h"
#include "weir/onnx/onnx_export.h"

namespace weir::components {
namespace fs = std::filesystem;

namespace {

// The newest version folder under `base` (a number), or nullopt.
std::optional<int64_t> LatestVersion(const fs::path& base) {
  std::optional<int64_t> latest;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int64_t version = std::stoll(name);
    if (!latest || version > *latest) latest = version;
  }
  return latest;
}

// True when the folder `version` holds exactly the files of the tree `model` plus `extra`
// (file name -> contents), byte for byte.
bool SameFiles(const fs::path& model, const std::map<std::string, std::string>& extra,
               const fs::path& version) {
  std::error_code ec;
  size_t count_model = extra.size(), count_version = 0;
  for (const auto& entry : fs::recursive_directory_iterator(version, ec))
    count_version += entry.is_regular_file();
  for (const auto& entry : fs::recursive_directory_iterator(model, ec)) {
    if (!entry.is_regular_file()) continue;
    ++count_model;
    absl::StatusOr<std::string> left = base::ReadFile(entry.path());
    absl::StatusOr<std::string> right = base::ReadFile(version / fs::relative(entry.path(), model));
    if (!left.ok() || !right.ok() || *left != *right) return false;
  }
  for (const auto& [name, contents] : extra) {
    absl::StatusOr<std::string> pushed = base::ReadFile(version / name);
    if (!pushed.ok() || *pushed != contents) return false;
  }
  return count_model == count_version && count_model > 0;
}

// The files a version holds besides the Format-Serving folder's, by the push formats.
absl::StatusOr<std::map<std::string, std::string>> ExtraFiles(const fs::path& serving,
                                                              const PusherOptions& options) {
  std::map<std::string, std::string> extra;
  if (std::find(options.formats.begin(), options.formats.end(), "onnx") != options.formats.end()) {
    ASSIGN_OR_RETURN(std::unique_ptr<model::ServingModel> model,
                     model::ServingModel::Load(serving));
    absl::StatusOr<onnx::OnnxExport> exported = onnx::ExportOnnx(*model);
    if (!exported.ok()) {
      return absl::Status(exported.status().code(),
                          StrCat("push format onnx: ", exported.status().message()));
    }
    extra[kOnnxFileName] = exported->model.SerializeAsString();
  }
  return extra;
}

}  // namespace

absl::Status CheckPushFormats(const std::vector<std::string>& formats) {
  for (const std::string& format : formats) {
    if (format != "weir" && format != "onnx") {
      return absl::InvalidArgumentError(
          StrCat("unknown push format '", format, "' (the formats are weir and onnx)"));
    }
  }
  if (std::find(formats.begin(), formats.end(), "weir") == formats.end()) {
    return absl::InvalidArgumentError(
        "push_formats must include weir: weir serve reads it, and so does the next push when it "
        "compares the model with the newest version");
  }
  return absl::OkStatus();
}

absl::StatusOr<PusherResult> RunPusher(const PusherOptions& options) {
  RETURN_IF_ERROR(CheckPushFormats(options.formats));
  if (options.model.empty()) return absl::InvalidArgumentError("--model is required");
  if (options.blessing.empty()) return absl::InvalidArgumentError("--model_blessing is required");
  if (options.base_directory.empty())
    return absl::InvalidArgumentError("--base_directory is required");
  std::error_code ec;
  const bool blessed = fs::exists(options.blessing / "BLESSED", ec);
  if (!blessed && !fs::exists(options.blessing / "NOT_BLESSED", ec)) {
    return absl::NotFoundError(StrCat(options.blessing.string(),
                                      " is not a ModelBlessing (no BLESSED or NOT_BLESSED file)"));
  }
  const fs::path serving = options.model / kServingDir;
  if (!fs::is_directory(serving, ec))
    return absl::NotFoundError(StrCat(options.model.string(), " has no Format-Serving folder"));

  PusherResult result;
  result.pushed = blessed;
  std::map<std::string, std::string> extra;
  if (blessed) {
    ASSIGN_OR_RETURN(extra, ExtraFiles(serving, options));
    fs::create_directories(options.base_directory, ec);
    if (ec) {
      return absl::InternalError(
          StrCat("cannot create ", options.base_directory.string(), ": ", ec.message()));
    }
    // Pushing the model that is already the newest version adds nothing (a rerun of a pipeline
    // whose Evaluator reran against a new baseline but blessed the same model).
    if (std::optional<int64_t> latest = LatestVersion(options.base_directory);
        latest && SameFiles(serving, extra, options.base_directory / std::to_string(*latest))) {
      result.version = *latest;
      result.destination = options.base_directory / std::to_string(*latest);
    }
  }
  if (blessed && result.version == 0) {
    // The version is the push time in seconds; a second push within the same second takes the
    // next free number, so versions only grow.
    result.version = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    while (fs::exists(options.base_directory / std::to_string(result.version), ec))
      ++result.version;
    result.destination = options.base_directory / std::to_string(result.version);
    ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(result.destination));
    fs::copy(serving, staging.path(), fs::copy_options::recursive, ec);
    if (ec) {
      return absl::InternalError(StrCat("cannot copy ", serving.string(), " to ",
                                        staging.path().string(), ": ", ec.message()));
    }
    for (const auto& [name, contents] : extra)
      RETURN_IF_ERROR(base::WriteFileAtomically(staging.path() / name, contents));
    RETURN_IF_ERROR(staging.Publish());
  }
  result.properties["pushed"] = int64_t{blessed ? 1 : 0};
  if (blessed) {
    result.properties["pushed_destination"] = result.destination.string();
    result.properties["pushed_version"] = std::to_string(result.version);
  }
  ASSIGN_OR_RETURN(base::StagingDir record, base::StagingDir::Create(options.pushed_model));
  nlohmann::ordered_json push = {{"pushed", blessed},
                                 {"model", options.model.string()},
                                 {"destination", blessed ? result.destination.string() : ""},
                                 {"version", result.version}};
  RETURN_IF_ERROR(base::WriteFileAtomically(record.path() / kPushFileName, push.dump(1) + "\n"));
  RETURN_IF_ERROR(record.Publish());
  return result;
}

}  // namespace weir::components
