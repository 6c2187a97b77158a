// weir pipeline compile: a pipeline file checked and printed as weir's IR.
#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "weir/base/proto_files.h"
#include "weir/cli/command.h"
#include "weir/pipeline/pipeline_spec.h"

namespace weir::cli {

void AddPipelineCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd =
      app.add_subcommand("pipeline", "Pipeline files: check one and print the IR it compiles to.");
  cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* compile = cmd->add_subcommand(
      "compile",
      "Check a pipeline file (YAML, JSON or .pbtxt) and print its IR (a PipelineSpec text proto).");
  compile->footer(
      "Checks every node against the component registry: unknown components, keys or parameters, "
      "parameters of the wrong type, missing inputs, inputs whose artifact type does not fit, "
      "cycles. Errors name file:line. ${WEIR_HOME} and ${PIPELINE_DIR} expand; relative paths "
      "resolve against the file's folder.\n\n"
      "Example:\n  weir pipeline compile examples/taxi/pipeline_solution.yaml");
  compile->add_option("FILE", *file, "The pipeline file")->required();
  compile->add_flag("--json", *json, "Print the IR as JSON");
  compile->callback([file, json, &exit_code]() {
    auto spec = pipeline::LoadPipelineFile(*file, pipeline::BuiltinRegistry());
    if (!spec.ok()) {
      exit_code = ReportError("pipeline compile", spec.status());
      return;
    }
    std::string out;
    if (*json) {
      google::protobuf::util::JsonPrintOptions options;
      options.add_whitespace = true;
      options.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(*spec, &out, options);
    } else {
      out = base::ToTextProto(*spec);
    }
    std::cout << out;
  });
}

}  // namespace weir::cli
