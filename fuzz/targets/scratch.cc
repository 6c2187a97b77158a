#include "fuzz/targets/scratch.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace weir::fuzz {
namespace fs = std::filesystem;

const fs::path& ScratchDir() {
  static const fs::path* const dir = [] {
    std::error_code error;
    const fs::path base =
        fs::is_directory("/dev/shm", error) ? fs::path("/dev/shm") : fs::temp_directory_path(error);
    auto* made = new fs::path(base / ("weir_fuzz_" + std::to_string(::getpid())));
    fs::create_directories(*made, error);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(ScratchDir(), ignored);
    });
    return made;
  }();
  return *dir;
}

fs::path WriteScratchFile(const std::string& name, std::string_view bytes) {
  const fs::path path = ScratchDir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace weir::fuzz
