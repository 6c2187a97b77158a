// The examples view: an Examples artifact's splits (files, bytes) and its first examples.
#ifndef WEIR_VIEWS_EXAMPLES_H_
#define WEIR_VIEWS_EXAMPLES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/views/text.h"

namespace weir::views {

struct ExamplesView {
  struct Split {
    std::string name;
    int64_t files = 0;
    int64_t bytes = 0;
  };
  std::vector<Split> splits;  // In name order.
  // The first examples of the train split (or of the first split), as SampleRows gives them.
  nlohmann::ordered_json sample;
};
inline constexpr size_t kSampleRows = 20;

// The first `rows` examples of an Examples artifact's train split (or its first split), each an
// object of feature: value (a list when it has several, null when missing), features in name
// order. An artifact without splits gives [].
absl::StatusOr<nlohmann::ordered_json> SampleRows(const std::filesystem::path& uri, size_t rows);

absl::StatusOr<ExamplesView> LoadExamples(const std::filesystem::path& uri);
// {"splits": [{"name", "files", "bytes"}], "sample": [...]}.
nlohmann::ordered_json ExamplesToJson(const ExamplesView& view);
// The splits, then the first examples one "feature: value" block each.
std::string RenderExamples(const ExamplesView& view, const TextOptions& options);

}  // namespace weir::views

#endif  // WEIR_VIEWS_EXAMPLES_H_
