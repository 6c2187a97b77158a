#include "weir/model/model.h"

#include <map>
#include <mutex>

#include "weir/base/plugin.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/gbdt.h"

namespace weir::model {
namespace {

// The LibTorch families' plug-in, in base::PluginDirectory().
constexpr char kTorchPlugin[] = "libweir_torch_models.so";

// The families weir ships, as the components' RegisterBuiltins lists theirs: built in, or
// registered by a plug-in loaded the first time one of its families is asked for.
struct BuiltinFamily {
  const char* name;
  std::unique_ptr<ModelFamily> (*make)();  // Built in; null for a plug-in's family.
  const char* plugin;                      // The plug-in that registers it.
};
constexpr BuiltinFamily kBuiltinFamilies[] = {
    {"gbdt", MakeGbdtFamily, nullptr},
    {"wide_deep", nullptr, kTorchPlugin},
    {"linear", nullptr, kTorchPlugin},
};

class Registry : public ModelFamilyRegistry {
 public:
  void Register(const std::string& name, std::unique_ptr<ModelFamily> family) override {
    families_[name] = std::move(family);
  }
  std::map<std::string, std::unique_ptr<ModelFamily>> families_;
  std::map<std::string, std::unique_ptr<base::Plugin>> plugins_;  // Never unloaded.
};

}  // namespace

absl::StatusOr<ModelParts> Model::Parts() const {
  return absl::UnimplementedError("this model family does not describe its computation");
}

absl::Status CheckModelFamilyName(const std::string& name) {
  std::string known;
  for (const BuiltinFamily& family : kBuiltinFamilies) {
    if (family.name == name) return absl::OkStatus();
    known += StrCat(known.empty() ? "" : ", ", family.name);
  }
  return absl::InvalidArgumentError(
      StrCat("unknown model family '", name, "' (known: ", known, ")"));
}

absl::StatusOr<const ModelFamily*> FindModelFamily(const std::string& name) {
  static std::mutex mutex;
  static Registry* registry = new Registry();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = registry->families_.find(name); it != registry->families_.end())
    return it->second.get();
  for (const BuiltinFamily& family : kBuiltinFamilies) {
    if (family.name != name) continue;
    if (family.make != nullptr) {
      registry->Register(name, family.make());
    } else if (!registry->plugins_.contains(family.plugin)) {
      const std::filesystem::path path = base::PluginDirectory() / family.plugin;
      absl::StatusOr<std::unique_ptr<base::Plugin>> plugin = base::Plugin::Load(path);
      if (!plugin.ok()) {
        return absl::FailedPreconditionError(
            StrCat("the ", name, " family needs its plug-in: ", plugin.status().message()));
      }
      RETURN_IF_ERROR((*plugin)->Register(static_cast<ModelFamilyRegistry*>(registry)));
      registry->plugins_[family.plugin] = *std::move(plugin);
    }
    if (auto it = registry->families_.find(name); it != registry->families_.end())
      return it->second.get();
  }
  RETURN_IF_ERROR(CheckModelFamilyName(name));
  return absl::InternalError(StrCat("the plug-in for ", name, " did not register it"));
}

}  // namespace weir::model
