#include "weir/base/files.h"

#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "weir/base/process_identity.h"
#include "weir/base/strings.h"

namespace weir::base {
namespace fs = std::filesystem;

namespace {

absl::Status ErrnoError(std::string_view what, const fs::path& path) {
  int err = errno;
  std::string message = weir::StrCat(what, " ", path.string(), ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

absl::Status FsyncPath(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return ErrnoError("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("cannot fsync", path);
  return absl::OkStatus();
}

// Names the temporary files and folders of this process: "<host tag>-<pid>-<random>".
std::string RandomSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return weir::StrCat(HostTag(), "-", ::getpid(), "-", rng() % 1000000000);
}

// Whether `name` is a temporary name (RandomSuffix after ".tmp-") of a process that is gone:
// on this host (same tag, or no tag: written before tags were) and no longer running.
bool IsGoneWritersTemporary(std::string_view name) {
  const size_t at = name.rfind(".tmp-");
  if (at == std::string_view::npos) return false;
  std::vector<std::string_view> parts;
  std::string_view rest = name.substr(at + 5);
  for (size_t dash; (dash = rest.find('-')) != std::string_view::npos; rest.remove_prefix(dash + 1))
    parts.push_back(rest.substr(0, dash));
  parts.push_back(rest);
  if (parts.size() == 3) {
    if (parts[0] != HostTag()) return false;
    parts.erase(parts.begin());
  }
  if (parts.size() != 2) return false;
  for (std::string_view part : parts) {
    if (part.empty() || part.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
  }
  const long pid = std::strtol(std::string(parts[0]).c_str(), nullptr, 10);
  return pid > 0 && !LocalProcessIsAlive(static_cast<pid_t>(pid));
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return ErrnoError("cannot open", path);
  std::string contents;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) contents.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status status = ErrnoError("cannot read", path);
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

absl::StatusOr<OutputFile> OutputFile::Create(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", path);
  return OutputFile(path, fd);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), bytes_written_(other.bytes_written_) {
  other.fd_ = -1;
}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = other.fd_;
    bytes_written_ = other.bytes_written_;
    other.fd_ = -1;
  }
  return *this;
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status OutputFile::Append(std::string_view data) {
  if (fd_ < 0) return absl::FailedPreconditionError(weir::StrCat(path_.string(), " is closed"));
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
    bytes_written_ += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status OutputFile::Close() {
  if (fd_ < 0) return absl::OkStatus();
  int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    absl::Status status = ErrnoError("cannot fsync", path_);
    ::close(fd);
    return status;
  }
  if (::close(fd) != 0) return ErrnoError("cannot close", path_);
  return absl::OkStatus();
}

fs::path TemporaryPathBeside(const fs::path& final_path) {
  fs::path temp = final_path;
  temp += weir::StrCat(".tmp-", RandomSuffix());
  return temp;
}

absl::Status WriteFileAtomically(const fs::path& path, std::string_view contents) {
  const fs::path temp = TemporaryPathBeside(path);
  {
    auto file = OutputFile::Create(temp);
    if (!file.ok()) return file.status();
    absl::Status status = file->Append(contents);
    if (status.ok()) status = file->Close();
    if (!status.ok()) {
      std::error_code ignored;
      fs::remove(temp, ignored);
      return status;
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoError("cannot rename into", path);
    std::error_code ignored;
    fs::remove(temp, ignored);
    return status;
  }
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  return FsyncPath(parent, /*directory=*/true);
}

absl::StatusOr<StagingDir> StagingDir::Create(const fs::path& final_path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(final_path, ec);
  if (ec) return absl::InvalidArgumentError(weir::StrCat("bad path ", final_path.string()));
  absolute = absolute.lexically_normal();
  if (absolute.filename().empty()) absolute = absolute.parent_path();
  if (fs::exists(absolute, ec)) {
    if (!fs::is_directory(absolute, ec) || !fs::is_empty(absolute, ec)) {
      return absl::AlreadyExistsError(
          weir::StrCat("output ", absolute.string(),
                       " already exists and is not an empty folder; choose a new path or remove "
                       "it"));
    }
  }
  fs::create_directories(absolute.parent_path(), ec);
  if (ec) {
    return absl::InternalError(
        weir::StrCat("cannot create ", absolute.parent_path().string(), ": ", ec.message()));
  }
  RemoveLeftoversOfGoneWriters(absolute.parent_path());
  fs::path staging = absolute.parent_path() /
                     weir::StrCat(".", absolute.filename().string(), ".tmp-", RandomSuffix());
  if (!fs::create_directory(staging, ec) || ec) {
    return absl::InternalError(weir::StrCat("cannot create ", staging.string(), ": ",
                                            ec ? ec.message() : "already exists"));
  }
  return StagingDir(absolute, staging);
}

StagingDir::StagingDir(StagingDir&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      staging_path_(std::move(other.staging_path_)),
      published_(other.published_) {
  other.published_ = true;  // The moved-from object owns nothing to clean up.
}

StagingDir::~StagingDir() {
  if (!published_ && !staging_path_.empty()) {
    std::error_code ignored;
    fs::remove_all(staging_path_, ignored);
  }
}

absl::Status StagingDir::Publish() {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(staging_path_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    bool is_dir = it->is_directory(ec);
    if (absl::Status s = FsyncPath(it->path(), is_dir); !s.ok()) return s;
  }
  if (ec) return absl::InternalError(weir::StrCat("cannot list ", staging_path_.string()));
  if (absl::Status s = FsyncPath(staging_path_, true); !s.ok()) return s;
  if (fs::exists(final_path_, ec)) {
    fs::remove(final_path_, ec);  // Only ever an empty folder (checked in Create).
    if (ec) {
      return absl::InternalError(
          weir::StrCat("cannot replace ", final_path_.string(), ": ", ec.message()));
    }
  }
  if (::rename(staging_path_.c_str(), final_path_.c_str()) != 0) {
    return ErrnoError("cannot rename into", final_path_);
  }
  published_ = true;
  return FsyncPath(final_path_.parent_path(), true);
}

absl::StatusOr<std::vector<fs::path>> Glob(const std::string& pattern) {
  glob_t matches{};
  int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &matches);
  std::vector<fs::path> paths;
  if (rc == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      std::error_code ec;
      if (fs::is_regular_file(matches.gl_pathv[i], ec)) paths.emplace_back(matches.gl_pathv[i]);
    }
  }
  ::globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return absl::InternalError(weir::StrCat("cannot expand pattern ", pattern));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<fs::path> RemoveLeftoversOfGoneWriters(const fs::path& folder, bool dry_run) {
  std::vector<fs::path> removed;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (!IsGoneWritersTemporary(entry.path().filename().string())) continue;
    std::error_code failed;
    if (!dry_run) fs::remove_all(entry.path(), failed);
    if (!failed) removed.push_back(entry.path());
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace weir::base
