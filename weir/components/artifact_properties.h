// Properties a component reports on an output artifact (TFX's custom properties: split_names,
// span, payload_format, ...). The metadata store records them; the CLI prints them as JSON.
#ifndef WEIR_COMPONENTS_ARTIFACT_PROPERTIES_H_
#define WEIR_COMPONENTS_ARTIFACT_PROPERTIES_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::components {

using PropertyValue = std::variant<int64_t, double, std::string>;
using ArtifactProperties = std::map<std::string, PropertyValue>;

// {"name": value, ...} with keys sorted; strings JSON-escaped.
std::string PropertiesToJson(const ArtifactProperties& properties);

// A list of split names encoded as TFX encodes it: Python's json.dumps, e.g. ["train", "eval"].
std::string EncodeSplitNames(const std::vector<std::string>& names);

// The split names of an artifact folder: the <name> of each Split-<name> folder, sorted.
absl::StatusOr<std::vector<std::string>> ListSplits(const std::filesystem::path& artifact);

// JSON string literal for `text` (quotes included).
std::string JsonQuote(const std::string& text);

}  // namespace weir::components

#endif  // WEIR_COMPONENTS_ARTIFACT_PROPERTIES_H_
