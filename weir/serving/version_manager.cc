#include "weir/serving/version_manager.h"

#include <algorithm>
#include <chrono>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::serving {
namespace fs = std::filesystem;

namespace {

constexpr char kAvailable[] = "AVAILABLE";
constexpr char kLoading[] = "LOADING";
constexpr char kEnd[] = "END";

// Version folders under `base`: names that are numbers.
std::vector<int64_t> VersionsIn(const fs::path& base) {
  std::vector<int64_t> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.size() > 18 ||
        name.find_first_not_of("0123456789") != std::string::npos || !entry.is_directory(ec)) {
      continue;
    }
    versions.push_back(std::stoll(name));
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

// What a version folder holds, in brief (files, bytes, newest change), so that a version that
// failed to load, e.g. because it was polled while still being copied in, is tried again once its
// files change.
std::string FolderFingerprint(const fs::path& folder) {
  uint64_t files = 0, bytes = 0;
  fs::file_time_type newest{};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code entry_error;
    newest = std::max(newest, it->last_write_time(entry_error));
    if (!it->is_regular_file(entry_error)) continue;
    ++files;
    bytes += it->file_size(entry_error);
  }
  return StrCat(files, ":", bytes, ":", newest.time_since_epoch().count());
}

}  // namespace

absl::StatusOr<std::unique_ptr<VersionManager>> VersionManager::Start(VersionManagerOptions options,
                                                                      ServableLoader load) {
  if (options.base_path.empty() == options.model_path.empty()) {
    return absl::InvalidArgumentError(
        "give one of a base path (a folder of version folders) and a model path");
  }
  std::unique_ptr<VersionManager> manager(new VersionManager(std::move(options), std::move(load)));
  const VersionManagerOptions& o = manager->options_;
  if (!o.model_path.empty()) {
    ASSIGN_OR_RETURN(std::shared_ptr<const Servable> servable, manager->load_(o.model_path, 1));
    manager->versions_[1] = {.status = {.number = 1, .state = kAvailable},
                             .servable = std::move(servable)};
    return manager;
  }
  std::error_code ec;
  if (!fs::is_directory(o.base_path, ec))
    return absl::NotFoundError(StrCat(o.base_path.string(), " is not a folder"));
  manager->Poll();
  // No version folder yet is a server started before the first push: as TF Serving, it serves
  // (UNAVAILABLE) and waits for one. Versions that are there and all fail to load are an error.
  if (manager->AvailableVersions() == 0 && !manager->versions_.empty()) {
    std::string errors;
    for (const VersionStatus& version : manager->Statuses())
      errors += StrCat("; version ", version.number, ": ", version.error);
    return absl::FailedPreconditionError(StrCat(
        "no version of ", o.model_name, " could be loaded from ", o.base_path.string(), errors));
  }
  manager->watcher_ = std::thread([raw = manager.get()] {
    std::unique_lock<std::mutex> lock(raw->stop_mutex_);
    while (!raw->stop_.wait_for(lock, std::chrono::duration<double>(raw->options_.poll_seconds),
                                [raw] { return raw->stopping_; })) {
      lock.unlock();
      raw->Poll();
      lock.lock();
    }
  });
  return manager;
}

VersionManager::~VersionManager() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void VersionManager::Poll() {
  const std::vector<int64_t> on_disk = VersionsIn(options_.base_path);
  const VersionPolicy& policy = options_.policy;
  std::vector<int64_t> wanted;
  switch (policy.kind) {
    case VersionPolicy::Kind::kLatest: {
      const size_t keep = static_cast<size_t>(std::max(policy.latest, 1));
      wanted.assign(on_disk.end() - static_cast<std::ptrdiff_t>(std::min(keep, on_disk.size())),
                    on_disk.end());
      break;
    }
    case VersionPolicy::Kind::kAll:
      wanted = on_disk;
      break;
    case VersionPolicy::Kind::kSpecific:
      for (int64_t version : policy.versions) {
        if (std::find(on_disk.begin(), on_disk.end(), version) != on_disk.end())
          wanted.push_back(version);
      }
      break;
  }
  for (int64_t number : wanted) {
    const fs::path folder = options_.base_path / std::to_string(number);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = versions_.find(number); it != versions_.end()) {
        // Loaded or retired: done with. Failed: tried again only once its files change.
        if (it->second.status.error.empty() ||
            it->second.failed_files == FolderFingerprint(folder)) {
          continue;
        }
      }
      versions_[number] = {.status = {.number = number, .state = kLoading}};
    }
    // Taken before loading: files that change during the load make the next poll try again.
    std::string files = FolderFingerprint(folder);
    absl::StatusOr<std::shared_ptr<const Servable>> loaded = load_(folder, number);
    std::lock_guard<std::mutex> lock(mutex_);
    Version& version = versions_[number];
    if (loaded.ok()) {
      version.status.state = kAvailable;
      version.servable = *std::move(loaded);
    } else {
      version.status.state = kEnd;
      version.status.error = std::string(loaded.status().message());
      version.failed_files = std::move(files);
    }
  }
  if (policy.kind != VersionPolicy::Kind::kLatest) return;
  // The newest N available stay; older ones retire once newer ones have loaded.
  std::lock_guard<std::mutex> lock(mutex_);
  int kept = 0;
  for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) {
    Version& version = it->second;
    if (version.status.state != kAvailable) continue;
    if (++kept <= std::max(policy.latest, 1)) continue;
    version.status.state = kEnd;
    version.servable.reset();  // In-flight requests hold their own reference.
  }
}

absl::StatusOr<std::pair<int64_t, std::shared_ptr<const Servable>>> VersionManager::Pick(
    std::optional<int64_t> version) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (version) {
    auto it = versions_.find(*version);
    if (it == versions_.end() || it->second.status.state != kAvailable) {
      return absl::NotFoundError(StrCat("servable not found: ", options_.model_name, " version ",
                                        *version, " is not available"));
    }
    return std::pair(*version, it->second.servable);
  }
  for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) {
    if (it->second.status.state == kAvailable) return std::pair(it->first, it->second.servable);
  }
  return absl::UnavailableError(StrCat("no version of ", options_.model_name, " is available"));
}

std::vector<VersionStatus> VersionManager::Statuses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<VersionStatus> out;
  for (auto it = versions_.rbegin(); it != versions_.rend(); ++it) out.push_back(it->second.status);
  return out;
}

size_t VersionManager::AvailableVersions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t available = 0;
  for (const auto& [number, version] : versions_) available += version.status.state == kAvailable;
  return available;
}

}  // namespace weir::serving
