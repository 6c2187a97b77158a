#include "weir/components/artifact_properties.h"

#include <algorithm>
#include <cstdio>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_files.h"

namespace weir::components {

std::string EncodeSplitNames(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += JsonQuote(names[i]);
  }
  out += "]";
  return out;
}

std::string PropertiesToJson(const ArtifactProperties& properties) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : properties) {
    if (!first) out += ", ";
    first = false;
    out += JsonQuote(name) + ": ";
    if (const auto* i = std::get_if<int64_t>(&value)) {
      out += StrCat(*i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      out += StrCat(*d);
    } else {
      out += JsonQuote(std::get<std::string>(value));
    }
  }
  out += "}";
  return out;
}

namespace fs = std::filesystem;

absl::StatusOr<std::vector<std::string>> ListSplits(const fs::path& artifact) {
  std::error_code ec;
  if (!fs::is_directory(artifact, ec)) {
    return absl::NotFoundError(StrCat(artifact.string(), " is not a folder"));
  }
  std::vector<std::string> splits;
  constexpr std::string_view kPrefix = kSplitPrefix;
  for (const auto& entry : fs::directory_iterator(artifact, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.starts_with(kPrefix))
      splits.push_back(name.substr(kPrefix.size()));
  }
  if (splits.empty()) {
    return absl::NotFoundError(StrCat(artifact.string(), " has no Split-<name> folders"));
  }
  auto rank = [](const std::string& name) { return name == "train" ? 0 : name == "eval" ? 1 : 2; };
  std::sort(splits.begin(), splits.end(), [&](const std::string& a, const std::string& b) {
    return std::pair(rank(a), a) < std::pair(rank(b), b);
  });
  return splits;
}

absl::StatusOr<std::vector<std::string>> ListCommonSplits(const std::vector<fs::path>& artifacts) {
  if (artifacts.empty()) return absl::InvalidArgumentError("no Examples artifact was given");
  ASSIGN_OR_RETURN(std::vector<std::string> splits, ListSplits(artifacts.front()));
  for (size_t i = 1; i < artifacts.size(); ++i) {
    ASSIGN_OR_RETURN(std::vector<std::string> other, ListSplits(artifacts[i]));
    if (other != splits) {
      return absl::InvalidArgumentError(
          StrCat(artifacts[i].string(), " has splits ", EncodeSplitNames(other), " but ",
                 artifacts.front().string(), " has ", EncodeSplitNames(splits),
                 "; examples read together must have the same splits"));
    }
  }
  return splits;
}

absl::StatusOr<std::vector<fs::path>> SplitExampleFiles(const std::vector<fs::path>& artifacts,
                                                        const std::string& split) {
  std::vector<fs::path> files;
  for (const fs::path& artifact : artifacts) {
    ASSIGN_OR_RETURN(std::vector<fs::path> of_one, io::ExampleFiles(SplitDir(artifact, split)));
    files.insert(files.end(), of_one.begin(), of_one.end());
  }
  return files;
}

absl::StatusOr<std::vector<SplitFile>> ResolveSplitFiles(const fs::path& path,
                                                         std::string_view split,
                                                         std::string_view file_name) {
  std::error_code ec;
  fs::path file;
  if (fs::is_regular_file(path, ec)) {
    file = path;
  } else if (fs::is_directory(path, ec) && fs::is_regular_file(path / file_name, ec)) {
    file = path / file_name;
  }
  if (!file.empty()) {
    // A lone file belongs to a split when it sits in a Split-<name> folder.
    const std::string folder = fs::absolute(file, ec).parent_path().filename().string();
    constexpr std::string_view kPrefix = kSplitPrefix;
    std::string file_split = folder.starts_with(kPrefix) ? folder.substr(kPrefix.size()) : "";
    if (!split.empty() && file_split != split) {
      return absl::InvalidArgumentError(StrCat("split '", split, "': ", file.string(),
                                               " is not in a Split-", split,
                                               " folder; give the artifact folder that holds "
                                               "Split-",
                                               split, "/ instead"));
    }
    return std::vector<SplitFile>{{file_split, file}};
  }
  if (!fs::exists(path, ec)) return absl::NotFoundError(StrCat(path.string(), " does not exist"));
  absl::StatusOr<std::vector<std::string>> splits = ListSplits(path);
  if (!splits.ok()) {
    return absl::NotFoundError(
        StrCat(path.string(), " holds neither ", file_name,
               " nor Split-<name>/ folders; give an artifact folder, a split "
               "folder or the file itself"));
  }
  std::vector<SplitFile> files;
  for (const std::string& name : *splits) {
    if (!split.empty() && name != split) continue;
    files.push_back({name, SplitDir(path, name) / file_name});
  }
  if (files.empty()) {
    std::string available;
    for (const std::string& name : *splits)
      available += StrCat(available.empty() ? "" : ", ", name);
    return absl::NotFoundError(
        StrCat("no split '", split, "' in ", path.string(), " (it has: ", available, ")"));
  }
  for (const SplitFile& each : files) {
    if (!fs::is_regular_file(each.file, ec)) {
      return absl::NotFoundError(StrCat(each.file.string(), " does not exist; is ", path.string(),
                                        " the right kind of artifact?"));
    }
  }
  return files;
}

}  // namespace weir::components
