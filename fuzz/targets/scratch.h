// What the fuzz targets share: a scratch folder of their own, for the readers that take files.
#ifndef WEIR_FUZZ_TARGETS_SCRATCH_H_
#define WEIR_FUZZ_TARGETS_SCRATCH_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace weir::fuzz {

// A folder for this process under /dev/shm (or TMPDIR), created on first use, removed at exit.
const std::filesystem::path& ScratchDir();

// Writes `bytes` to ScratchDir()/name (replacing it) and returns the path.
std::filesystem::path WriteScratchFile(const std::string& name, std::string_view bytes);

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An HTTP request as the router targets take it: the input's first line "METHOD TARGET", the rest
// the body.
struct RequestInput {
  std::string_view method, target, body;
};
inline std::optional<RequestInput> SplitRequest(std::string_view input) {
  const size_t line_end = std::min(input.find('\n'), input.size());
  const std::string_view line = input.substr(0, line_end);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return RequestInput{line.substr(0, space), line.substr(space + 1),
                      input.substr(std::min(line_end + 1, input.size()))};
}

}  // namespace weir::fuzz

#endif  // WEIR_FUZZ_TARGETS_SCRATCH_H_
