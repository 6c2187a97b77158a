// Orchestration overhead per node, without any component work: a chain of no-op nodes run
// through the real runner (driver, cache key, metadata writes, staging and publishing the
// output folder, the node's log), first for real and then from the cache, on SQLite.
//   build/release/bin/weir_bench_node_overhead [NODES]   (default 50)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "weir/base/files.h"
#include "weir/orchestrator/local_runner.h"
#include "weir/pipeline/pipeline_spec.h"

namespace fs = std::filesystem;
using namespace weir;

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::atoi(argv[1]) : 50;
  const fs::path home =
      fs::temp_directory_path() / ("weir_node_overhead_" + std::to_string(getpid()));
  fs::remove_all(home);
  setenv("WEIR_HOME", home.c_str(), 1);

  pipeline::ComponentRegistry registry;
  registry.Register({
      .type = "NoOp",
      .version = "1",
      .description = "Publishes an empty output folder",
      .inputs = {{"in", "Examples", /*optional=*/true}},
      .outputs = {{"out", "Examples"}},
      .params = {},
      .executor = [](const pipeline::ExecutionContext& context) -> absl::Status {
        auto staging = base::StagingDir::Create(context.outputs.at("out"));
        if (!staging.ok()) return staging.status();
        return staging->Publish();
      },
  });
  pipeline::PipelineSpec spec;
  spec.set_name("overhead");
  spec.set_enable_cache(true);
  spec.set_pipeline_root((home / "artifacts").string());
  spec.mutable_metadata()->mutable_sqlite()->set_path((home / "metadata.db").string());
  for (int i = 0; i < nodes; ++i) {
    pipeline::NodeSpec* node = spec.add_nodes();
    node->set_id("n" + std::to_string(i));
    node->set_component("NoOp");
    if (i > 0) (*node->mutable_inputs())["in"] = "n" + std::to_string(i - 1) + ".out";
  }
  auto store = orchestrator::OpenPipelineStore(spec);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  double per_node[2] = {0, 0};
  for (int pass = 0; pass < 2; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    auto result = orchestrator::RunPipeline(spec, registry, **store, "", nullptr);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!result.ok() || !result->ok()) {
      std::fprintf(stderr, "run failed\n");
      return 1;
    }
    per_node[pass] = seconds * 1000 / nodes;
  }
  std::printf(
      "%d no-op nodes on SQLite: %.2f ms per node run, %.2f ms per cached node (goal <= 5 ms "
      "each)\n",
      nodes, per_node[0], per_node[1]);
  fs::remove_all(home);
  return 0;
}
