// What the fuzz targets share: a scratch folder of their own, for the readers that take files.
#ifndef WEIR_FUZZ_TARGETS_SCRATCH_H_
#define WEIR_FUZZ_TARGETS_SCRATCH_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
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

}  // namespace weir::fuzz

#endif  // WEIR_FUZZ_TARGETS_SCRATCH_H_
