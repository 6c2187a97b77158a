// The readers of schema.pbtxt and FeatureStats.pb files and what consumes them: the schema and
// statistics views (tables and JSON), schema inference and update, and validation with its drift
// and skew distances. The input's first byte picks the file: even, a text-format schema (checked
// against statistics of three features, an int, a float and a string, that the seed schemas
// describe); odd, a binary DatasetFeatureStatisticsList (each dataset rendered, compared with the
// first, a schema inferred from it and every dataset validated against that schema).
#include <google/protobuf/text_format.h>

#include <cstddef>
#include <cstdint>

#include "fuzz/targets/scratch.h"
#include "weir/base/json_text.h"
#include "weir/components/statistics_gen/statistics_gen_component.h"
#include "weir/schema/schema_inference.h"
#include "weir/validation/validator.h"
#include "weir/views/schema.h"
#include "weir/views/statistics.h"

namespace {

namespace tfmd = ::tensorflow::metadata::v0;

// Statistics of ten examples, as StatisticsGen writes them.
constexpr char kReferenceStatistics[] = R"pb(
  num_examples: 10
  features {
    path { step: "hour" }
    type: INT
    num_stats {
      common_stats { num_non_missing: 10 min_num_values: 1 max_num_values: 1 avg_num_values: 1 }
      mean: 11.5
      std_dev: 6.9
      min: 0
      median: 12
      max: 23
      histograms {
        buckets { low_value: 0 high_value: 12 sample_count: 5 }
        buckets { low_value: 12 high_value: 23 sample_count: 5 }
      }
    }
  }
  features {
    path { step: "fare" }
    type: FLOAT
    num_stats {
      common_stats { num_non_missing: 9 num_missing: 1 min_num_values: 1 max_num_values: 1 }
      mean: 12.25
      min: 3.25
      max: 70
      num_zeros: 1
      histograms {
        type: QUANTILES
        buckets { low_value: 3.25 high_value: 8 sample_count: 4.5 }
        buckets { low_value: 8 high_value: 70 sample_count: 4.5 }
      }
    }
  }
  features {
    path { step: "company" }
    type: STRING
    string_stats {
      common_stats { num_non_missing: 10 min_num_values: 1 max_num_values: 1 }
      unique: 2
      top_values { value: "Flash Cab" frequency: 7 }
      top_values { value: "Taxi Affiliation Services" frequency: 3 }
      rank_histogram {
        buckets { low_rank: 0 high_rank: 0 label: "Flash Cab" sample_count: 7 }
        buckets { low_rank: 1 high_rank: 1 label: "Taxi Affiliation Services" sample_count: 3 }
      }
      avg_length: 12.6
    }
  }
)pb";

const tfmd::DatasetFeatureStatistics& ReferenceStatistics() {
  static const tfmd::DatasetFeatureStatistics* const statistics = [] {
    auto* parsed = new tfmd::DatasetFeatureStatistics();
    google::protobuf::TextFormat::ParseFromString(kReferenceStatistics, parsed);
    return parsed;
  }();
  return *statistics;
}

void Validate(const tfmd::DatasetFeatureStatistics& statistics, const tfmd::Schema& schema,
              const tfmd::DatasetFeatureStatistics& other) {
  const weir::validation::ValidationOptions options{
      .environment = {}, .previous_statistics = &other, .skew_statistics = &other};
  weir::validation::ValidateStatistics(statistics, schema, options);
  (void)weir::validation::CheckEnvironment(schema, "SERVING");
}

void FuzzSchema(std::string_view text) {
  const auto file = weir::fuzz::WriteScratchFile("schema.pbtxt", text);
  absl::StatusOr<tfmd::Schema> schema = weir::schema::ReadSchemaFile(file);
  if (!schema.ok()) return;
  weir::views::RenderSchema(*schema, {});
  weir::base::JsonText(weir::views::SchemaToJson(*schema));
  Validate(ReferenceStatistics(), *schema, ReferenceStatistics());
  weir::schema::UpdateSchema(ReferenceStatistics(), {}, &*schema);
}

void FuzzStatistics(std::string_view bytes) {
  const auto file = weir::fuzz::WriteScratchFile("FeatureStats.pb", bytes);
  absl::StatusOr<tfmd::DatasetFeatureStatisticsList> list =
      weir::components::ReadStatisticsFile(file);
  if (!list.ok() || list->datasets().empty()) return;
  const weir::views::LabeledStatistics first{
      .label = "first", .file = file, .statistics = list->datasets(0)};
  tfmd::Schema schema = weir::schema::InferSchema(first.statistics, {});
  for (const tfmd::DatasetFeatureStatistics& dataset : list->datasets()) {
    const weir::views::LabeledStatistics labeled{
        .label = dataset.name(), .file = file, .statistics = dataset};
    weir::views::RenderStatistics(labeled, {});
    weir::views::RenderStatisticsComparison(first, labeled, {.max_width = 60});
    weir::base::JsonText(weir::views::StatisticsToJson(labeled));
    Validate(dataset, schema, first.statistics);
    weir::schema::UpdateSchema(dataset, {}, &schema);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view payload = weir::fuzz::AsText(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    FuzzSchema(payload);
  } else {
    FuzzStatistics(payload);
  }
  return 0;
}
