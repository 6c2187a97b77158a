// The `weir` command line: each subcommand lives in its own file and adds itself to the app.
// A subcommand's callback parses nothing itself (CLI11 has done that), calls one library
// function, prints the outcome and sets the process exit code.
#ifndef WEIR_CLI_COMMAND_H_
#define WEIR_CLI_COMMAND_H_

#include <string_view>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"

namespace weir::cli {

void AddExampleGenCommand(CLI::App& app, int& exit_code);
void AddDatagenCommand(CLI::App& app, int& exit_code);
void AddStatisticsGenCommand(CLI::App& app, int& exit_code);
void AddSchemaGenCommand(CLI::App& app, int& exit_code);
void AddExampleValidatorCommand(CLI::App& app, int& exit_code);
void AddShowCommand(CLI::App& app, int& exit_code);
void AddPipelineCommand(CLI::App& app, int& exit_code);
void AddExportCommand(CLI::App& app, int& exit_code);  // export airflow
void AddRunCommand(CLI::App& app, int& exit_code);
void AddTransformCommand(CLI::App& app, int& exit_code);
void AddTrainerCommand(CLI::App& app, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);
void AddRunNodeCommand(CLI::App& app, int& exit_code);
// init, scheduler, pipelines list|pause|unpause|trigger, tasks logs|clear|mark-success.
void AddSchedulerCommands(CLI::App& app, int& exit_code);
void AddMetadataCommands(CLI::App& app,
                         int& exit_code);  // runs, executions, artifacts, artifact, lineage, gc

// Prints "weir <command>: error: <message>" to stderr and returns the exit code for it (1).
int ReportError(std::string_view command, const absl::Status& status);

}  // namespace weir::cli

#endif  // WEIR_CLI_COMMAND_H_
