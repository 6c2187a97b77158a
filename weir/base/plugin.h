// Shared-library plug-ins. Heavy back ends (LibTorch) and user extensions live in shared
// libraries that weir loads only when they are needed, so commands that do not use them start
// in milliseconds. A plug-in exports one C function, `weir_plugin_register`, which receives the
// registry to fill (whose type the caller and the plug-in agree on).
#ifndef WEIR_BASE_PLUGIN_H_
#define WEIR_BASE_PLUGIN_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "weir/base/strings.h"

namespace weir::base {

inline constexpr char kPluginRegisterSymbol[] = "weir_plugin_register";
using PluginRegisterFn = int (*)(void* registry);

class Plugin {
 public:
  // Loads the library with RTLD_NOW | RTLD_LOCAL, so a missing symbol fails here rather than
  // later, and its dependencies do not leak into the global namespace. Errors name the path and
  // the loader's message.
  static absl::StatusOr<std::unique_ptr<Plugin>> Load(const std::filesystem::path& path);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  // Calls the plug-in's registration function with `registry`. Fails if the symbol is absent
  // or the function returns non-zero.
  absl::Status Register(void* registry) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  Plugin(std::filesystem::path path, void* handle) : path_(std::move(path)), handle_(handle) {}
  std::filesystem::path path_;
  void* handle_;
};

// A C function of a system library (named by its soname, "libpq.so.5"), which is loaded the
// first time one of its functions is asked for and stays loaded: for heavy dependencies that
// only some commands need, so that the others start without them. Errors name the library or
// the function, with the loader's message.
absl::StatusOr<void*> LibraryFunction(const char* library, const char* function);

// Fills a table of a library's function pointers: `bind("PQexec", table.PQexec)` for each one.
// The first function that cannot be found is remembered in status().
class LibraryBinder {
 public:
  explicit LibraryBinder(const char* library) : library_(library) {}

  template <typename Function>
  LibraryBinder& operator()(const char* name, Function& function) {
    if (!status_.ok()) return *this;
    absl::StatusOr<void*> address = LibraryFunction(library_, name);
    if (address.ok()) {
      function = reinterpret_cast<Function>(*address);
    } else {
      status_ = address.status();
    }
    return *this;
  }
  const absl::Status& status() const { return status_; }

 private:
  const char* library_;
  absl::Status status_;
};

// The table of `library`'s functions that `bind_all` fills, made the first time it is asked for
// (once per Table type) and kept for the life of the process. Errors read "<needed_by>: <why>"
// (needed_by says what needs the library and which package brings it).
template <typename Table>
absl::StatusOr<const Table*> LoadLibraryOnce(const char* library, std::string_view needed_by,
                                             void (*bind_all)(LibraryBinder&, Table&)) {
  static const absl::StatusOr<Table>* const loaded = [&] {
    Table table{};
    LibraryBinder bind(library);
    bind_all(bind, table);
    if (!bind.status().ok()) return new absl::StatusOr<Table>(bind.status());
    return new absl::StatusOr<Table>(table);
  }();
  if (!loaded->ok()) {
    return absl::FailedPreconditionError(weir::StrCat(needed_by, ": ", loaded->status().message()));
  }
  return &**loaded;
}

// The folder holding weir's own plug-ins: $WEIR_PLUGIN_DIR if set, else `lib/weir` beside the
// running binary's folder (an installed layout), else the binary's own folder (a build tree).
std::filesystem::path PluginDirectory();

}  // namespace weir::base

#endif  // WEIR_BASE_PLUGIN_H_
