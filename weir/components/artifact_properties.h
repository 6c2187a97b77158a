// Properties a component reports on an output artifact (TFX's custom properties: split_names,
// span, payload_format, ...). The metadata store records them; the CLI prints them as JSON.
#ifndef WEIR_COMPONENTS_ARTIFACT_PROPERTIES_H_
#define WEIR_COMPONENTS_ARTIFACT_PROPERTIES_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/base/artifact_layout.h"

namespace weir::components {

using PropertyValue = std::variant<int64_t, double, std::string>;
using ArtifactProperties = std::map<std::string, PropertyValue>;

// {"name": value, ...} with keys sorted; strings JSON-escaped.
std::string PropertiesToJson(const ArtifactProperties& properties);

// A list of split names encoded as TFX encodes it: Python's json.dumps, e.g. ["train", "eval"].
std::string EncodeSplitNames(const std::vector<std::string>& names);

// The split names of an artifact folder (the <name> of each Split-<name> folder) in the order
// TFX's default output config gives them: train, eval, then the others by name.
absl::StatusOr<std::vector<std::string>> ListSplits(const std::filesystem::path& artifact);

// The split names of several Examples artifacts (a window of spans): those of the first, which
// every other must have too; an error names the two artifacts otherwise.
absl::StatusOr<std::vector<std::string>> ListCommonSplits(
    const std::vector<std::filesystem::path>& artifacts);

// The example files (TFRecords) of one split of each artifact, artifact after artifact.
absl::StatusOr<std::vector<std::filesystem::path>> SplitExampleFiles(
    const std::vector<std::filesystem::path>& artifacts, const std::string& split);

struct SplitFile {
  std::string split;  // Empty when the file is not in a Split-<name> folder.
  std::filesystem::path file;
};

// The `file_name` files that `path` designates: the file itself, the one in the folder `path`
// (say what `weir statisticsgen --csv` writes), or one per Split-<name> folder in it, in
// ListSplits order. A non-empty `split` picks that split alone. Errors say which of these was
// expected and, for an unknown split, which splits there are.
absl::StatusOr<std::vector<SplitFile>> ResolveSplitFiles(const std::filesystem::path& path,
                                                         std::string_view split,
                                                         std::string_view file_name);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_ARTIFACT_PROPERTIES_H_
