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

class Registry : public ModelFamilyRegistry {
 public:
  void Register(const std::string& name, std::unique_ptr<ModelFamily> family) override {
    families_[name] = std::move(family);
  }
  std::map<std::string, std::unique_ptr<ModelFamily>> families_;
  std::unique_ptr<base::Plugin> torch_plugin_;
};

}  // namespace

absl::StatusOr<const ModelFamily*> FindModelFamily(const std::string& name) {
  static std::mutex mutex;
  static Registry* registry = [] {
    auto* r = new Registry();
    r->Register("gbdt", MakeGbdtFamily());
    return r;
  }();
  std::lock_guard<std::mutex> lock(mutex);
  if (!registry->families_.contains(name) && (name == "wide_deep" || name == "linear") &&
      registry->torch_plugin_ == nullptr) {
    const std::filesystem::path path = base::PluginDirectory() / kTorchPlugin;
    absl::StatusOr<std::unique_ptr<base::Plugin>> plugin = base::Plugin::Load(path);
    if (!plugin.ok()) {
      return absl::FailedPreconditionError(
          StrCat("the ", name, " family needs LibTorch's plug-in: ", plugin.status().message()));
    }
    RETURN_IF_ERROR((*plugin)->Register(static_cast<ModelFamilyRegistry*>(registry)));
    registry->torch_plugin_ = *std::move(plugin);  // Never unloaded: families point into it.
  }
  auto it = registry->families_.find(name);
  if (it == registry->families_.end()) {
    return absl::InvalidArgumentError(
        StrCat("unknown model family '", name, "' (known: gbdt, wide_deep, linear)"));
  }
  return it->second.get();
}

}  // namespace weir::model
