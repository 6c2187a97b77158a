// weir: a production ML pipeline platform in one binary.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "CLI/CLI.hpp"
#include "weir/base/allocator.h"
#include "weir/base/strings.h"
#include "weir/cli/command.h"

namespace weir::cli {

int ReportError(std::string_view command, const absl::Status& status) {
  std::cerr << "weir " << command << ": error: " << status.message() << "\n";
  return 1;
}

}  // namespace weir::cli

int main(int argc, char** argv) {
  // A write beyond the file-size limit (ulimit -f, a quota) then fails with EFBIG, which is
  // reported like a full disk, instead of killing the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  weir::base::TuneAllocatorForBatches();
  CLI::App app{
      "weir: ML pipelines (ingest, statistics, schema, validation, transform, training,\n"
      "evaluation, push, serving) in one native binary, compatible with TFX's files.\n\n"
      "Each pipeline component is also a subcommand that runs on plain paths."};
  app.name("weir");
  app.set_version_flag("--version", weir::StrCat("weir ", WEIR_VERSION));
  app.require_subcommand(1);
  app.fallthrough(false);
  app.footer(
      "Run 'weir <command> --help' for a command's options. Documentation: docs/ in the "
      "weir source tree.");
  int exit_code = 0;
  weir::cli::AddExampleGenCommand(app, exit_code);
  weir::cli::AddStatisticsGenCommand(app, exit_code);
  weir::cli::AddSchemaGenCommand(app, exit_code);
  weir::cli::AddExampleValidatorCommand(app, exit_code);
  weir::cli::AddTransformCommand(app, exit_code);
  weir::cli::AddTrainerCommand(app, exit_code);
  weir::cli::AddServeCommand(app, exit_code);
  weir::cli::AddShowCommand(app, exit_code);
  weir::cli::AddRunCommand(app, exit_code);
  weir::cli::AddRunNodeCommand(app, exit_code);
  weir::cli::AddMetadataCommands(app, exit_code);
  weir::cli::AddPipelineCommand(app, exit_code);
  weir::cli::AddExportCommand(app, exit_code);
  weir::cli::AddSchedulerCommands(app, exit_code);
  weir::cli::AddDatagenCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
