#include "weir/components/testing/taxi_artifacts.h"

#include <google/protobuf/text_format.h>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/components/example_gen/example_gen_component.h"
#include "weir/components/schema_gen/schema_gen_component.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/components/transform/transform_component.h"

namespace weir::components::testing {
namespace fs = std::filesystem;

transform::TransformSpec TutorialTransformSpec() {
  transform::TransformSpec spec;
  // A feature a line or two, as in examples/taxi/pipeline_solution.yaml.
  google::protobuf::TextFormat::ParseFromString(R"(
    features { name: 'trip_miles_xf' input: 'trip_miles'
               ops { fill_missing {} } ops { scale_to_z_score {} } }
    features { name: 'fare_xf' input: 'fare' ops { fill_missing {} } ops { scale_to_z_score {} } }
    features { name: 'trip_seconds_xf' input: 'trip_seconds'
               ops { fill_missing {} } ops { scale_to_z_score {} } }
    features { name: 'pickup_latitude_xf' input: 'pickup_latitude'
               ops { fill_missing {} } ops { bucketize { num_buckets: 10 } } }
    features { name: 'dropoff_longitude_xf' input: 'dropoff_longitude'
               ops { fill_missing {} } ops { bucketize { num_buckets: 10 } } }
    features { name: 'payment_type_xf' input: 'payment_type'
               ops { fill_missing {} }
               ops { compute_and_apply_vocabulary { top_k: 1000 num_oov_buckets: 10 } } }
    features { name: 'company_xf' input: 'company'
               ops { fill_missing {} }
               ops { compute_and_apply_vocabulary { top_k: 1000 num_oov_buckets: 10 } } }
    features { name: 'trip_start_hour_xf' input: 'trip_start_hour'
               ops { fill_missing {} } ops { categorical_identity { num_buckets: 24 } } }
    features { name: 'tips_xf' expression: 'tips > 0.2 * fare' expression_type: INT }
  )",
                                                &spec);
  return spec;
}

absl::Status MakeArtifacts(const fs::path& csv, const fs::path& root,
                           const transform::TransformSpec* spec) {
  std::error_code ec;
  fs::create_directories(root / "csv", ec);
  fs::copy_file(csv, root / "csv" / csv.filename(), fs::copy_options::overwrite_existing, ec);
  if (ec) return absl::InternalError(StrCat("copying ", csv.string(), ": ", ec.message()));
  ExampleGenOptions example_gen;
  example_gen.input_base = root / "csv";
  example_gen.output = root / "examples";
  RETURN_IF_ERROR(RunCsvExampleGen(example_gen).status());
  StatisticsGenOptions statistics_gen;
  statistics_gen.examples = {root / "examples"};
  statistics_gen.output = root / "statistics";
  RETURN_IF_ERROR(RunStatisticsGen(statistics_gen).status());
  SchemaGenOptions schema_gen;
  schema_gen.statistics = root / "statistics";
  schema_gen.output = root / "schema";
  RETURN_IF_ERROR(RunSchemaGen(schema_gen).status());
  if (spec == nullptr) return absl::OkStatus();
  TransformOptions transform;
  transform.examples = {root / "examples"};
  transform.schema = root / "schema";
  transform.spec = *spec;
  transform.transform_graph = root / "transform_graph";
  transform.transformed_examples = root / "transformed_examples";
  return RunTransform(transform).status();
}

absl::Status MakeTaxiArtifacts(const fs::path& root, bool with_transform) {
  const transform::TransformSpec spec = TutorialTransformSpec();
  return MakeArtifacts(fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv", root,
                       with_transform ? &spec : nullptr);
}

}  // namespace weir::components::testing
