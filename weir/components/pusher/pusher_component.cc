#include "weir/components/pusher/pusher_component.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "weir/base/artifact_layout.h"
#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

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

// True when the trees `a` and `b` hold the same files, byte for byte.
bool SameFiles(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  size_t count_a = 0, count_b = 0;
  for (const auto& entry : fs::recursive_directory_iterator(b, ec))
    count_b += entry.is_regular_file();
  for (const auto& entry : fs::recursive_directory_iterator(a, ec)) {
    if (!entry.is_regular_file()) continue;
    ++count_a;
    absl::StatusOr<std::string> left = base::ReadFile(entry.path());
    absl::StatusOr<std::string> right = base::ReadFile(b / fs::relative(entry.path(), a));
    if (!left.ok() || !right.ok() || *left != *right) return false;
  }
  return count_a == count_b && count_a > 0;
}

}  // namespace

absl::StatusOr<PusherResult> RunPusher(const PusherOptions& options) {
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
  if (blessed) {
    fs::create_directories(options.base_directory, ec);
    if (ec) {
      return absl::InternalError(
          StrCat("cannot create ", options.base_directory.string(), ": ", ec.message()));
    }
    // Pushing the model that is already the newest version adds nothing (a rerun of a pipeline
    // whose Evaluator reran against a new baseline but blessed the same model).
    if (std::optional<int64_t> latest = LatestVersion(options.base_directory);
        latest && SameFiles(serving, options.base_directory / std::to_string(*latest))) {
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
