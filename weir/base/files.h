// File-system helpers. Every write that publishes a file goes through a temporary name in the
// same folder, fsync and rename, so no reader ever sees a half-written file under its final name.
#ifndef WEIR_BASE_FILES_H_
#define WEIR_BASE_FILES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weir::base {

// Reads a whole file. NotFound when it does not exist.
absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path);

// A name beside `final_path` to write it under before renaming it into place:
// `<final_path>.tmp-<host tag>-<pid>-<random>`, which RemoveLeftoversOfGoneWriters knows.
std::filesystem::path TemporaryPathBeside(const std::filesystem::path& final_path);

// Writes `contents` to `path` atomically (temporary file, fsync, rename).
absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

// An append-only file opened for writing; Close() fsyncs. Errors name the path.
class OutputFile {
 public:
  static absl::StatusOr<OutputFile> Create(const std::filesystem::path& path);
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  ~OutputFile();

  absl::Status Append(std::string_view data);
  // Flushes to disk and closes; the destructor closes without fsync if Close was not called.
  absl::Status Close();
  const std::filesystem::path& path() const { return path_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  OutputFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t bytes_written_ = 0;
};

// A folder that is filled under a hidden temporary name beside its final path and published by
// one rename. If the object is destroyed before Publish(), the temporary folder is removed, so a
// failed run leaves nothing visible. A killed process leaves only the hidden
// `.<name>.tmp-<host tag>-<pid>-*`, which the next Create in the same folder removes.
class StagingDir {
 public:
  // Fails if `final_path` exists and is not an empty folder.
  static absl::StatusOr<StagingDir> Create(const std::filesystem::path& final_path);
  StagingDir(StagingDir&& other) noexcept;
  StagingDir& operator=(StagingDir&&) = delete;
  ~StagingDir();

  const std::filesystem::path& path() const { return staging_path_; }
  // fsyncs the files and folders under the staging folder, then renames it to the final path.
  absl::Status Publish();

 private:
  StagingDir(std::filesystem::path final_path, std::filesystem::path staging_path)
      : final_path_(std::move(final_path)), staging_path_(std::move(staging_path)) {}
  std::filesystem::path final_path_;
  std::filesystem::path staging_path_;
  bool published_ = false;
};

// Removes, in `folder` (not below), the temporary files and staging folders
// (`<name>.tmp-<host tag>-<pid>-<random>`) of writers on this host that are no longer running: what
// a killed process left. A live writer's, or another host's, are left alone. Returns what was (or,
// with `dry_run`, would be) removed, sorted.
std::vector<std::filesystem::path> RemoveLeftoversOfGoneWriters(const std::filesystem::path& folder,
                                                                bool dry_run = false);

// Expands a glob pattern (shell-style: *, ?, [..]) into sorted matching regular files.
absl::StatusOr<std::vector<std::filesystem::path>> Glob(const std::string& pattern);

}  // namespace weir::base

#endif  // WEIR_BASE_FILES_H_
