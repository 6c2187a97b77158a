// Names in the folders of artifacts that more than one layer writes or reads, as TFX lays them
// out. (What the metadata store records about runs is in weir/metadata/run_records.h.)
#ifndef WEIR_BASE_ARTIFACT_LAYOUT_H_
#define WEIR_BASE_ARTIFACT_LAYOUT_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace weir {

// An artifact's splits live in folders named Split-<name>.
inline constexpr char kSplitPrefix[] = "Split-";
inline std::filesystem::path SplitDir(const std::filesystem::path& artifact,
                                      std::string_view split) {
  return artifact / (std::string(kSplitPrefix) + std::string(split));
}

// A Model artifact keeps what serving loads in this folder.
inline constexpr char kServingDir[] = "Format-Serving";

}  // namespace weir

#endif  // WEIR_BASE_ARTIFACT_LAYOUT_H_
