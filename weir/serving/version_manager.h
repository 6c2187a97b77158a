// The versions of one model that a server answers with: loaded from a folder of version folders
// (<base>/<number>/, as the Pusher writes them) by a version policy (the latest, or pinned
// numbers), watched for new ones, and swapped in between requests; or one model folder served as
// version 1. Transport-free: the REST handler (and a gRPC one) ask it for a servable.
#ifndef WEIR_SERVING_VERSION_MANAGER_H_
#define WEIR_SERVING_VERSION_MANAGER_H_

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::serving {

struct Servable;  // servable.h: a loaded version with what answering its requests needs.

struct VersionStatus {
  int64_t number = 0;
  std::string state = {};  // AVAILABLE, LOADING, END (retired, or failed to load).
  std::string error = {};  // Why it failed to load, if it did.
};

// Which versions on disk are served, as TF Serving's ServableVersionPolicy: the newest N, all of
// them, or the listed numbers.
struct VersionPolicy {
  enum class Kind { kLatest, kAll, kSpecific };
  Kind kind = Kind::kLatest;
  int latest = 1;                      // kLatest: how many.
  std::vector<int64_t> versions = {};  // kSpecific.
  bool operator==(const VersionPolicy&) const = default;
};

struct VersionManagerOptions {
  std::string model_name;  // For messages.
  // Either a folder of version folders ...
  std::filesystem::path base_path = {};
  // ... or one model folder, served as version 1 and not watched.
  std::filesystem::path model_path = {};
  // Versions to serve. Under kLatest an older version retires once enough newer ones load.
  VersionPolicy policy = {};
  double poll_seconds = 1.0;
};

// Loads a model folder as the version numbered.
using ServableLoader = std::function<absl::StatusOr<std::shared_ptr<const Servable>>(
    const std::filesystem::path&, int64_t)>;

class VersionManager {
 public:
  // Loads what is there now, and watches the base path every poll_seconds. Errors: InvalidArgument
  // without exactly one of base_path and model_path; NotFound for a base path that is not a
  // folder; FailedPrecondition when no version loads (naming each one's error); a model path's
  // load error.
  static absl::StatusOr<std::unique_ptr<VersionManager>> Start(VersionManagerOptions options,
                                                               ServableLoader load);
  ~VersionManager();

  // Looks at the base path once: loads wanted versions not seen yet (outside the lock, so that
  // requests keep being answered), and retires those the policy no longer wants. A version that
  // failed to load is tried again when its files change (it may have been polled while it was
  // still being copied in; publishing a version by renaming a complete folder avoids that).
  void Poll();

  // The servable answering for `version` (nullopt: the newest available), with its number.
  // Errors: NotFound when that version is not available; Unavailable when no version is.
  absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> Pick(
      std::optional<int64_t> version) const;
  // Every version seen, newest first.
  std::vector<VersionStatus> Statuses() const;
  size_t AvailableVersions() const;

 private:
  VersionManager(VersionManagerOptions options, ServableLoader load)
      : options_(std::move(options)), load_(std::move(load)) {}
  struct Version {
    VersionStatus status;
    std::shared_ptr<const Servable> servable = {};
    std::string failed_files = {};  // When it failed to load: its folder's fingerprint then.
  };

  const VersionManagerOptions options_;
  const ServableLoader load_;
  mutable std::mutex mutex_;  // Guards versions_.
  std::map<int64_t, Version> versions_;
  std::thread watcher_;
  std::mutex stop_mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
};

}  // namespace weir::serving

#endif  // WEIR_SERVING_VERSION_MANAGER_H_
