// custom: an op a plug-in registered under `name`, with its own arguments. Plug-ins are shared
// libraries that export weir_plugin_register and are loaded once, never unloaded.
#include <mutex>

#include "weir/base/plugin.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/transform/ops/op_kernel.h"
#include "weir/transform/transform.h"

namespace weir::transform {
namespace fs = std::filesystem;
namespace {

class GlobalOpRegistry : public CustomOpRegistry {
 public:
  static GlobalOpRegistry& Get() {
    static auto* registry = new GlobalOpRegistry();
    return *registry;
  }
  void Register(const std::string& name, CustomOpFn op) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_[name] = std::make_shared<CustomOpFn>(std::move(op));
  }
  std::shared_ptr<CustomOpFn> Find(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = ops_.find(name);
    return it == ops_.end() ? nullptr : it->second;
  }
  std::vector<std::string> Names() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, op] : ops_) names.push_back(name);
    return names;
  }
  absl::Status Load(const fs::path& path) {
    std::lock_guard<std::mutex> load_lock(load_mutex_);
    // A relative path is relative to the working folder (never searched on the library path).
    const fs::path absolute = fs::absolute(path).lexically_normal();
    const std::string key = absolute.string();
    if (plugins_.contains(key)) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::unique_ptr<base::Plugin> plugin, base::Plugin::Load(absolute));
    RETURN_IF_ERROR(plugin->Register(static_cast<CustomOpRegistry*>(this)));
    plugins_[key] = std::move(plugin);  // Never unloaded: registered ops point into it.
    return absl::OkStatus();
  }

 private:
  std::mutex mutex_;
  std::mutex load_mutex_;
  std::map<std::string, std::shared_ptr<CustomOpFn>> ops_;
  std::map<std::string, std::unique_ptr<base::Plugin>> plugins_;
};

class CustomKernel : public OpKernel {
 public:
  absl::Status Compile(const Op& op, CompileState& state, CompiledOp& step) const override {
    step.custom = GlobalOpRegistry::Get().Find(op.custom().name());
    if (step.custom == nullptr) {
      std::string known;
      for (const std::string& name : GlobalOpRegistry::Get().Names())
        known += StrCat(known.empty() ? "" : ", ", name);
      return absl::InvalidArgumentError(
          StrCat("no custom op of that name is registered (registered: ",
                 known.empty() ? "none; list plug-ins under 'plugins'" : known, ")"));
    }
    state.known_type = false;  // Known only when it runs.
    return absl::OkStatus();
  }
  absl::Status Apply(const CompiledOp& step, const ApplyInputs&, Values& values) const override {
    const size_t n = values.size();
    const auto& op = step.op->custom();
    std::map<std::string, std::string> args(op.args().begin(), op.args().end());
    RETURN_IF_ERROR((*step.custom)(args, values));
    if (values.missing.size() != n)
      return absl::InvalidArgumentError("changed the number of examples");
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<OpKernel> MakeCustom() { return std::make_unique<CustomKernel>(); }

absl::Status LoadCustomOpPlugin(const fs::path& path) { return GlobalOpRegistry::Get().Load(path); }

}  // namespace weir::transform
