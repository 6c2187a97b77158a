#include "weir/components/schema_gen/schema_gen_component.h"

#include <algorithm>
#include <optional>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"

namespace weir::components {
namespace fs = std::filesystem;

absl::StatusOr<SchemaGenResult> RunSchemaGen(const SchemaGenOptions& options) {
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  if (options.statistics.empty() == options.import_schema.empty()) {
    return absl::InvalidArgumentError("give either --statistics DIR or --import_schema FILE");
  }
  SchemaGenResult result;
  std::string text;
  if (!options.import_schema.empty()) {
    ASSIGN_OR_RETURN(tfmd::Schema schema,
                     schema::ReadSchemaFile(options.import_schema, /*allow_unknown_fields=*/true));
    ASSIGN_OR_RETURN(text, base::ReadFile(options.import_schema));
    result.sources = {options.import_schema.string()};
    result.num_features = schema.feature_size();
  } else {
    ASSIGN_OR_RETURN(std::vector<SplitStatistics> splits,
                     ReadStatisticsArtifact(options.statistics));
    std::optional<tfmd::Schema> schema;
    for (const SplitStatistics& split : splits) {
      if (std::find(options.exclude_splits.begin(), options.exclude_splits.end(), split.split) !=
          options.exclude_splits.end()) {
        continue;
      }
      if (!schema) {
        schema = schema::InferSchema(split.dataset, options.inference);
      } else {
        schema::UpdateSchema(split.dataset, options.inference, &*schema);
      }
      result.sources.push_back(split.file.string());
    }
    if (!schema) {
      std::string names;
      for (const SplitStatistics& split : splits)
        names += StrCat(names.empty() ? "" : ", ", split.split);
      return absl::InvalidArgumentError(StrCat("exclude_splits leaves no split of ",
                                               options.statistics.string(),
                                               " to infer from (it has: ", names, ")"));
    }
    result.num_features = schema->feature_size();
    ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
    RETURN_IF_ERROR(schema::WriteSchemaFile(staging.path() / schema::kSchemaFileName, *schema));
    RETURN_IF_ERROR(staging.Publish());
    return result;
  }
  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  RETURN_IF_ERROR(base::WriteFileAtomically(staging.path() / schema::kSchemaFileName, text));
  RETURN_IF_ERROR(staging.Publish());
  return result;
}

}  // namespace weir::components
