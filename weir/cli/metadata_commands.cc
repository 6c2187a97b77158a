// weir runs, weir executions, weir artifacts, weir artifact show, weir lineage: what the metadata
// store recorded (the views are in metadata_view.h; this file only wires flags to them); and
// weir gc, which closes what dead processes left in it.
#include <unistd.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "weir/base/json_text.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/orchestrator/recovery.h"
#include "weir/pipeline/component_registry.h"
#include "weir/pipeline/pipeline_spec.h"
#include "weir/views/artifact_view.h"
#include "weir/views/runs.h"

namespace weir::cli {
namespace {

namespace fs = std::filesystem;

// The flags every metadata command takes.
struct StoreFlags {
  std::string db;
  std::string pipeline;
  bool json = false;
};

constexpr char kStoreFooter[] =
    "The store is ${WEIR_HOME}/metadata.db (WEIR_HOME defaults to ~/weir) unless --db or "
    "--pipeline names another. Field names of --json are listed in docs/metadata.md.";

// The store: --db, else the one --pipeline's file names, else ${WEIR_HOME}/metadata.db.
absl::StatusOr<std::string> StoreLocation(const StoreFlags& flags) {
  if (!flags.db.empty()) return flags.db;
  if (flags.pipeline.empty()) return (pipeline::WeirHome() / "metadata.db").string();
  ASSIGN_OR_RETURN(pipeline::PipelineSpec spec,
                   pipeline::LoadPipelineFile(flags.pipeline, pipeline::BuiltinRegistry()));
  return pipeline::MetadataLocation(spec);
}

void AddStoreFlags(CLI::App& cmd, StoreFlags& flags) {
  CLI::Option* db =
      cmd.add_option("--db", flags.db,
                     "The metadata store: an SQLite file (default: ${WEIR_HOME}/metadata.db) or a "
                     "postgresql://USER@HOST:PORT/DATABASE URI")
          ->type_name("PATH");
  cmd.add_option("--pipeline", flags.pipeline,
                 "Read the metadata store this pipeline file names (its metadata: sqlite: path)")
      ->type_name("FILE")
      ->excludes(db);
  cmd.add_flag("--json", flags.json,
               "Print JSON with stable field names (listed in docs/metadata.md) instead of text");
}

// Opens the store, builds the view, prints it as JSON or text; sets `exit_code` on errors.
void Show(
    std::string_view command, const StoreFlags& flags,
    const std::function<absl::StatusOr<nlohmann::ordered_json>(metadata::MetadataStore&)>& build,
    std::string (*render)(const nlohmann::ordered_json&), int& exit_code) {
  absl::StatusOr<std::string> location = StoreLocation(flags);
  if (!location.ok()) {
    exit_code = ReportError(command, location.status());
    return;
  }
  auto store = views::OpenExistingStore(*location);
  if (!store.ok()) {
    exit_code = ReportError(command, store.status());
    return;
  }
  absl::StatusOr<nlohmann::ordered_json> view = build(**store);
  if (!view.ok()) {
    exit_code = ReportError(command, view.status());
    return;
  }
  if (flags.json) {
    std::cout << base::JsonText(*view, 2) << "\n";
  } else {
    std::cout << render(*view);
  }
}

// weir gc's report: what was (or would be) cleaned up.
nlohmann::ordered_json LeftoversJson(const orchestrator::Leftovers& leftovers, bool dry_run) {
  nlohmann::ordered_json json;
  json["dry_run"] = dry_run;
  json["executions"] = leftovers.executions;
  json["artifacts"] = leftovers.artifacts;
  json["runs"] = leftovers.runs;
  json["files"] = nlohmann::ordered_json::array();
  for (const fs::path& file : leftovers.files) json["files"].push_back(file.string());
  json["unknown"] = leftovers.unknown;
  return json;
}

std::string RenderLeftovers(const nlohmann::ordered_json& json) {
  const bool dry_run = json["dry_run"].get<bool>();
  std::string text;
  auto ids = [](const nlohmann::ordered_json& list) {
    std::string joined;
    for (const auto& id : list) joined += StrCat(joined.empty() ? "" : ", ", id.get<int64_t>());
    return joined;
  };
  if (!json["executions"].empty()) {
    text += StrCat(dry_run ? "would cancel " : "canceled ", json["executions"].size(),
                   " execution(s) whose process is gone: ", ids(json["executions"]), "\n");
  }
  if (!json["artifacts"].empty()) {
    text += StrCat(dry_run ? "would abandon " : "abandoned ", json["artifacts"].size(),
                   " pending artifact(s): ", ids(json["artifacts"]), "\n");
  }
  for (const auto& run : json["runs"]) {
    text += StrCat(dry_run ? "would fail run " : "failed run ", run.get<std::string>(),
                   " (its weir run process is gone)\n");
  }
  for (const auto& file : json["files"]) {
    text += StrCat(dry_run ? "would remove " : "removed ", file.get<std::string>(), "\n");
  }
  if (text.empty()) text = "nothing to clean up\n";
  if (!json["unknown"].empty()) {
    text += StrCat("left alone: ", json["unknown"].size(),
                   " unfinished execution(s) whose process cannot be checked from this host (it "
                   "ran on another one, or an older weir recorded it): ",
                   ids(json["unknown"]), "\n");
  }
  return text;
}

}  // namespace

void AddMetadataCommands(CLI::App& app, int& exit_code) {
  // weir runs
  {
    auto flags = std::make_shared<StoreFlags>();
    auto pipeline_name = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "runs",
        "List the pipeline runs recorded in the metadata store, newest first: run id, pipeline, "
        "start time (UTC), state, nodes executed, how many came from the cache, how many "
        "failed, duration.");
    AddStoreFlags(*cmd, *flags);
    cmd->add_option("--pipeline_name", *pipeline_name, "Only the runs of the pipeline so named")
        ->type_name("NAME");
    cmd->footer(StrCat(
        "A run is failed when one of its nodes failed, running when one is still running (or "
        "none is recorded yet; a run whose process died is failed by the next weir run, "
        "run-node, scheduler start or weir gc), success otherwise. A node "
        "run again in the same run (weir run-node) counts by its latest execution; nodes "
        "skipped after a failure have no execution, so they are not counted.\n\n",
        kStoreFooter,
        "\n\nExamples:\n"
        "  weir runs\n"
        "  weir runs --pipeline_name taxi --json | jq -r '.runs[0].run_id'\n"
        "  weir runs --pipeline examples/taxi/pipeline_solution.yaml\n"
        "  weir runs --db /shared/weir/metadata.db"));
    cmd->callback([cmd, flags, pipeline_name, &exit_code]() {
      if (!cmd->get_subcommands().empty()) return;  // `weir runs list` did it.
      Show(
          "runs", *flags,
          [&](metadata::MetadataStore& store) { return views::ListRuns(store, *pipeline_name); },
          views::RenderRuns, exit_code);
    });
    // weir runs list [--pipeline NAME]: Airflow's spelling, the pipeline named rather than its
    // file.
    auto list_flags = std::make_shared<StoreFlags>();
    auto list_pipeline = std::make_shared<std::string>();
    CLI::App* list = cmd->add_subcommand(
        "list", "The same list; --pipeline names a pipeline (as in weir pipelines list).");
    list->add_option("--pipeline", *list_pipeline, "Only the runs of this pipeline")
        ->type_name("NAME");
    list->add_option("--db", list_flags->db,
                     "The metadata store (default: ${WEIR_HOME}/metadata.db)")
        ->type_name("PATH");
    list->add_flag("--json", list_flags->json, "Print JSON");
    list->callback([list_flags, list_pipeline, &exit_code]() {
      Show(
          "runs list", *list_flags,
          [&](metadata::MetadataStore& store) { return views::ListRuns(store, *list_pipeline); },
          views::RenderRuns, exit_code);
    });
  }

  // weir executions
  {
    auto flags = std::make_shared<StoreFlags>();
    auto run = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "executions",
        "List the executions recorded in the metadata store, in the order they started: id, "
        "pipeline, run, node (with its component when the node is named otherwise), state "
        "(complete, cached, failed, running, ...), start time (UTC), duration and the error of "
        "a failed one.");
    AddStoreFlags(*cmd, *flags);
    cmd->add_option("--run", *run,
                    "Only the executions of this run: its run id (see 'weir runs'), or "
                    "<pipeline>.<run id> when several pipelines have a run of that id")
        ->type_name("RUN_ID");
    cmd->footer(StrCat(
        "A cached execution reused the outputs of the execution named in its state, \"cached "
        "(from N)\". The table shows the first line of each error; --json has it whole.\n\n",
        kStoreFooter,
        "\n\nExamples:\n"
        "  weir executions\n"
        "  weir executions --run 20261126T111500.123Z\n"
        "  weir executions --run taxi.nightly --json | jq '.executions[] | select(.state == "
        "\"failed\") | .error'"));
    cmd->callback([flags, run, &exit_code]() {
      Show(
          "executions", *flags,
          [&](metadata::MetadataStore& store) { return views::ListExecutions(store, *run); },
          views::RenderExecutions, exit_code);
    });
  }

  // weir artifacts
  {
    auto flags = std::make_shared<StoreFlags>();
    auto type = std::make_shared<std::string>();
    auto run = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "artifacts",
        "List the artifacts recorded in the metadata store, in the order they were created: id, "
        "type, state (live, pending, abandoned, ...), the run and node that produced it, "
        "creation time (UTC) and uri.");
    AddStoreFlags(*cmd, *flags);
    cmd->add_option("--type", *type,
                    "Only artifacts of this type (Examples, ExampleStatistics, Schema, Model, ...)")
        ->type_name("TYPE");
    cmd->add_option("--run", *run,
                    "Only the artifacts this run produced or took from the cache: its run id, or "
                    "<pipeline>.<run id>")
        ->type_name("RUN_ID");
    cmd->footer(StrCat(
        "An artifact taken from the cache keeps the run and node that first produced it. "
        "--json adds each artifact's properties (split names, span, ...); 'weir artifact show "
        "ID' shows one artifact whole.\n\n",
        kStoreFooter,
        "\n\nExamples:\n"
        "  weir artifacts\n"
        "  weir artifacts --type Model\n"
        "  weir artifacts --type Schema --run 20261126T111500.123Z --json | jq -r "
        "'.artifacts[0].uri'"));
    cmd->callback([flags, type, run, &exit_code]() {
      Show(
          "artifacts", *flags,
          [&](metadata::MetadataStore& store) { return views::ListArtifacts(store, *type, *run); },
          views::RenderArtifacts, exit_code);
    });
  }

  // weir artifact show ID
  {
    CLI::App* artifact = app.add_subcommand(
        "artifact", "Show one artifact of the metadata store: its record, or what it holds.");
    artifact->require_subcommand(1);
    artifact->footer(
        "Examples:\n"
        "  weir artifact show 7\n"
        "  weir artifact show 7 --json\n"
        "  weir artifact view 7");
    auto flags = std::make_shared<StoreFlags>();
    auto id = std::make_shared<int64_t>(0);
    CLI::App* show = artifact->add_subcommand(
        "show",
        "Everything about one artifact: type, uri, name, state, properties, times, the execution "
        "that produced it (node, run), the executions that reused it (cache, resolvers) and those "
        "that read it, and the contexts (run, node) it belongs to.");
    show->add_option("ID", *id, "The artifact id (see 'weir artifacts')")->required();
    AddStoreFlags(*show, *flags);
    show->footer(StrCat(kStoreFooter,
                        "\n\nExamples:\n"
                        "  weir artifact show 7\n"
                        "  weir artifact show 7 --json | jq .properties\n"
                        "  weir artifact show 7 --db /shared/weir/metadata.db"));
    show->callback([flags, id, &exit_code]() {
      Show(
          "artifact show", *flags,
          [&](metadata::MetadataStore& store) { return views::DescribeArtifact(store, *id); },
          views::RenderArtifact, exit_code);
    });

    // weir artifact view ID: what the artifact holds, as the web UI's artifact page shows it.
    auto view_flags = std::make_shared<StoreFlags>();
    auto view_id = std::make_shared<int64_t>(0);
    auto split = std::make_shared<std::string>();
    auto compare = std::make_shared<std::string>();
    CLI::App* view = artifact->add_subcommand(
        "view",
        "What one artifact holds, as the web UI's artifact page shows it: the statistics, schema, "
        "anomalies or evaluation tables, a transform graph's features, a model's spec, a model "
        "run's learning curves, the examples' splits and first rows, a blessing, the pushed "
        "versions.");
    view->add_option("ID", *view_id, "The artifact id (see 'weir artifacts')")->required();
    view->add_option("--split", *split, "Statistics: the split to show (default: every split)");
    view->add_option("--compare", *compare,
                     "Statistics: a second split to show beside --split, feature by feature");
    AddStoreFlags(*view, *view_flags);
    view->footer(StrCat(kStoreFooter,
                        " --json prints the same data as the web API's "
                        "/api/artifacts/ID/view (docs/web-api.md).\n\n"
                        "Examples:\n"
                        "  weir artifact view 3\n"
                        "  weir artifact view 3 --split train --compare eval\n"
                        "  weir artifact view 9 --json | jq .curves"));
    view->callback([view_flags, view_id, split, compare, &exit_code]() {
      absl::Status status = [&]() -> absl::Status {
        ASSIGN_OR_RETURN(std::string location, StoreLocation(*view_flags));
        ASSIGN_OR_RETURN(auto store, views::OpenExistingStore(location));
        ASSIGN_OR_RETURN(metadata::Artifact artifact, store->GetArtifact(*view_id));
        const views::ArtifactView* found = views::FindArtifactView(artifact.type_name);
        if (found == nullptr) {
          return absl::NotFoundError(
              StrCat("artifact ", *view_id, " is a ", artifact.type_name, ", which has no view"));
        }
        const views::ViewRequest request{.artifact = artifact,
                                         .store = *store,
                                         .options = {{"split", *split}, {"compare", *compare}}};
        if (view_flags->json) {
          ASSIGN_OR_RETURN(nlohmann::ordered_json data, found->to_json(request));
          std::cout << base::JsonText(data, 2) << "\n";
          return absl::OkStatus();
        }
        views::TextOptions options;
        options.color = views::ShouldUseColor(STDOUT_FILENO);
        ASSIGN_OR_RETURN(std::string text, found->render(request, options));
        std::cout << text;
        return absl::OkStatus();
      }();
      if (!status.ok()) exit_code = ReportError("artifact view", status);
    });
  }

  // weir lineage ID
  {
    auto flags = std::make_shared<StoreFlags>();
    auto id = std::make_shared<int64_t>(0);
    auto depth = std::make_shared<int>(views::kDefaultLineageDepth);
    CLI::App* cmd = app.add_subcommand(
        "lineage",
        "An artifact's lineage as two trees: upstream, the execution that produced it, the "
        "artifacts that execution read, the executions that produced those, and so on; "
        "downstream, the executions that read it, what they output, what read that, and so on.");
    cmd->add_option("ID", *id, "The artifact id (see 'weir artifacts')")->required();
    AddStoreFlags(*cmd, *flags);
    cmd->add_option("--depth", *depth,
                    StrCat("How many executions away from the artifact to go, each way (default ",
                           views::kDefaultLineageDepth, ")"))
        ->type_name("N")
        ->check(CLI::PositiveNumber);
    cmd->footer(StrCat(
        "Each line names an artifact (\"examples: artifact 1 Examples (live) URI\", under the "
        "input or output name) or an execution (\"execution 5 Transform (run R, complete)\"). "
        "Something already shown higher up is marked \"(shown above)\" and not expanded again; "
        "downstream includes the cached executions that reused an output. --json gives the "
        "same trees as nested objects.\n\n",
        kStoreFooter,
        "\n\nExamples:\n"
        "  weir lineage 7\n"
        "  weir lineage 7 --depth 2\n"
        "  weir lineage 7 --json | jq '.upstream.inputs[].type'"));
    cmd->callback([flags, id, depth, &exit_code]() {
      Show(
          "lineage", *flags,
          [&](metadata::MetadataStore& store) { return views::Lineage(store, *id, *depth); },
          views::RenderLineage, exit_code);
    });
  }

  // weir gc
  {
    auto flags = std::make_shared<StoreFlags>();
    auto dry_run = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "gc",
        "Clean up after processes that died while running nodes (kill -9, a crash, a power cut): "
        "their executions left running are canceled, their pending outputs abandoned, a weir run "
        "they drove failed, and their temporary files, staging folders and unrecorded outputs "
        "removed. Prints what it did.");
    AddStoreFlags(*cmd, *flags);
    cmd->add_flag("--dry-run,--dry_run", *dry_run, "Only print what would be cleaned up");
    cmd->footer(StrCat(
        "weir run, weir run-node and the scheduler do the same as they start; gc does it on "
        "demand and also looks through the folder of every output the store knows. A process "
        "counts as gone only when it ran on this host and no longer runs: what a process on "
        "another host left is listed as left alone (a node rerun with run-node closes its "
        "earlier attempt wherever it ran).\n\n",
        kStoreFooter,
        "\n\nExamples:\n"
        "  weir gc --dry-run\n"
        "  weir gc --pipeline examples/taxi/pipeline_solution.yaml --json"));
    cmd->callback([flags, dry_run, &exit_code]() {
      Show(
          "gc", *flags,
          [&](metadata::MetadataStore& store) -> absl::StatusOr<nlohmann::ordered_json> {
            ASSIGN_OR_RETURN(orchestrator::Leftovers leftovers,
                             orchestrator::CleanUpLeftovers(
                                 store, {.dry_run = *dry_run, .sweep_all_output_folders = true}));
            return LeftoversJson(leftovers, *dry_run);
          },
          RenderLeftovers, exit_code);
    });
  }
}

}  // namespace weir::cli
