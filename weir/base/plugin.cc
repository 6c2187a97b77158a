#include "weir/base/plugin.h"

#include <dlfcn.h>

#include <cstdlib>

#include "weir/base/strings.h"

namespace weir::base {
namespace fs = std::filesystem;

absl::StatusOr<std::unique_ptr<Plugin>> Plugin::Load(const fs::path& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    return absl::NotFoundError(
        weir::StrCat("cannot load plug-in ", path.string(), ": ", error ? error : "unknown error"));
  }
  return std::unique_ptr<Plugin>(new Plugin(path, handle));
}

Plugin::~Plugin() {
  // Plug-ins stay mapped for the life of the process: objects they created (registered
  // factories, static state of LibTorch) may outlive this handle.
}

absl::Status Plugin::Register(void* registry) const {
  auto fn = reinterpret_cast<PluginRegisterFn>(::dlsym(handle_, kPluginRegisterSymbol));
  if (fn == nullptr) {
    return absl::InvalidArgumentError(
        weir::StrCat("plug-in ", path_.string(), " does not export ", kPluginRegisterSymbol));
  }
  if (int rc = fn(registry); rc != 0) {
    return absl::InternalError(
        weir::StrCat("plug-in ", path_.string(), " failed to register (code ", rc, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<void*> LibraryFunction(const char* library, const char* function) {
  // dlopen counts references: loading again is cheap and never unloads. The loader's error state
  // is per thread, so concurrent first uses are safe.
  void* handle = ::dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = ::dlerror();
    return absl::FailedPreconditionError(
        weir::StrCat("cannot load ", library, ": ", error ? error : "unknown error"));
  }
  void* address = ::dlsym(handle, function);
  if (address == nullptr) {
    return absl::FailedPreconditionError(
        weir::StrCat(library, " has no function ", function, " (too old a version?)"));
  }
  return address;
}

fs::path PluginDirectory() {
  if (const char* dir = std::getenv("WEIR_PLUGIN_DIR"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fs::current_path();
  fs::path installed = exe.parent_path().parent_path() / "lib" / "weir";
  if (fs::is_directory(installed, ec)) return installed;
  return exe.parent_path();
}

}  // namespace weir::base
