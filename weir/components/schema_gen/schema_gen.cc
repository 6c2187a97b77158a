#include "weir/components/schema_gen/schema_gen.h"

#include <algorithm>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/statistics_gen/statistics_gen.h"

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
    result.source = options.import_schema.string();
    result.num_features = schema.feature_size();
  } else {
    std::string split = options.split;
    if (split.empty()) {
      ASSIGN_OR_RETURN(std::vector<std::string> splits, ListSplits(options.statistics));
      if (std::find(splits.begin(), splits.end(), "train") != splits.end()) {
        split = "train";
      } else if (splits.size() == 1) {
        split = splits.front();
      } else {
        return absl::InvalidArgumentError(
            StrCat(options.statistics.string(),
                   " has several splits and none is 'train'; choose one with --split"));
      }
    }
    fs::path file = options.statistics / StrCat("Split-", split) / kStatisticsFileName;
    ASSIGN_OR_RETURN(tfmd::DatasetFeatureStatisticsList stats, ReadStatisticsFile(file));
    if (stats.datasets_size() != 1) {
      return absl::InvalidArgumentError(StrCat(file.string(), " holds ", stats.datasets_size(),
                                               " datasets; SchemaGen needs exactly one"));
    }
    tfmd::Schema schema = schema::InferSchema(stats.datasets(0), options.inference);
    result.source = file.string();
    result.num_features = schema.feature_size();
    ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
    RETURN_IF_ERROR(schema::WriteSchemaFile(staging.path() / schema::kSchemaFileName, schema));
    RETURN_IF_ERROR(staging.Publish());
    return result;
  }
  ASSIGN_OR_RETURN(base::StagingDir staging, base::StagingDir::Create(options.output));
  RETURN_IF_ERROR(base::WriteFileAtomically(staging.path() / schema::kSchemaFileName, text));
  RETURN_IF_ERROR(staging.Publish());
  return result;
}

}  // namespace weir::components
