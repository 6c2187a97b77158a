#include "weir/serving/testing/test_model.h"

#include <random>

#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/model/layout.h"
#include "weir/model/serving_model.h"
#include "weir/transform/transform.h"

namespace weir::serving::testing {
namespace fs = std::filesystem;

data::RecordBatch TestRows(size_t rows, uint64_t seed) {
  static constexpr const char* kCompanies[] = {"Flash Cab", "Taxi Affiliation Services",
                                               "City Service"};
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<float> fare(3, 60);
  std::uniform_int_distribution<int> company(0, 2), hour(0, 23), pick(0, 19);
  data::RecordBatch batch;
  data::Column& fares = batch.AddColumn("fare", data::DataType::kFloat);
  data::Column& companies = batch.AddColumn("company", data::DataType::kBytes);
  data::Column& hours = batch.AddColumn("trip_start_hour", data::DataType::kInt64);
  data::Column& tips = batch.AddColumn("tips", data::DataType::kFloat);
  for (size_t row = 0; row < rows; ++row) {
    const float f = fare(random);
    const int c = company(random);
    const int h = hour(random);
    fares.AddFloat(f);
    fares.FinishRow(data::Presence::kPresent);
    if (pick(random) == 0) {
      companies.AppendMissing(data::Presence::kAbsent);
    } else {
      companies.AddBytes(kCompanies[c]);
      companies.FinishRow(data::Presence::kPresent);
    }
    hours.AddInt64(h);
    hours.FinishRow(data::Presence::kPresent);
    // Big tips on long rides at night from the first company, mostly.
    const bool big = (f > 25) + (h >= 20 || h < 4) + (c == 0) >= 2;
    tips.AddFloat(big ? 0.3f * f : 0.05f * f);
    tips.FinishRow(data::Presence::kPresent);
  }
  return batch;
}

absl::Status WriteTestModel(const fs::path& dir, int rounds, model::Task task) {
  const data::RecordBatch rows = TestRows(400, /*seed=*/1);
  transform::TransformSpec spec;
  auto add = [&](const char* name, const char* input) {
    transform::FeatureSpec* feature = spec.add_features();
    feature->set_name(name);
    feature->set_input(input);
    feature->add_ops()->mutable_fill_missing();
    return feature;
  };
  add("fare_xf", "fare")->add_ops()->mutable_scale_to_z_score();
  add("company_xf", "company")
      ->add_ops()
      ->mutable_compute_and_apply_vocabulary()
      ->set_num_oov_buckets(1);
  add("hour_xf", "trip_start_hour")->add_ops()->mutable_categorical_identity()->set_num_buckets(24);
  transform::FeatureSpec* label = spec.add_features();
  label->set_name("big_tip");
  label->set_expression("tips > 0.2 * fare");
  label->set_expression_type(transform::INT);
  add("tip_amount", "tips");
  ASSIGN_OR_RETURN(transform::Transform transform,
                   transform::Transform::Analyze(
                       spec,
                       {{"fare", transform::FLOAT},
                        {"company", transform::STRING},
                        {"trip_start_hour", transform::INT},
                        {"tips", transform::FLOAT},
                        {"payment_type", transform::STRING}},
                       [&](const auto& accumulate, const auto& merge) -> absl::Status {
                         ASSIGN_OR_RETURN(transform::AnalyzerState state, accumulate(rows));
                         return merge(std::move(state));
                       }));
  model::TrainerConfig config;
  config.set_family("gbdt");
  config.set_task(task);
  config.set_label(task == model::REGRESSION ? "tip_amount" : "big_tip");
  for (const char* feature : {"fare_xf", "company_xf", "hour_xf"}) config.add_features(feature);
  config.set_train_steps(rounds);
  config.set_validation_fraction(0);
  config.set_seed(1);
  ASSIGN_OR_RETURN(model::ModelSpec model_spec, model::PlanModel(config, transform));
  ASSIGN_OR_RETURN(const model::ModelFamily* family, model::FindModelFamily("gbdt"));
  model_spec.set_weights_file(family->WeightsFile());
  ASSIGN_OR_RETURN(data::RecordBatch transformed, transform.Apply(rows));
  ASSIGN_OR_RETURN(model::Batch batch, model::ToBatch(model_spec, transformed, true));
  model::MemoryBatchSource train(std::move(batch), 128);
  class NoCurves : public model::CurveSink {
    absl::Status Add(const std::string&, int64_t,
                     const std::vector<std::pair<std::string, double>>&) override {
      return absl::OkStatus();
    }
  } curves;
  ASSIGN_OR_RETURN(std::unique_ptr<model::Model> trained,
                   family->Train({.spec = model_spec, .train = &train, .curves = &curves}));
  std::error_code error;
  fs::create_directories(dir / model::kServingTransformDir, error);
  if (error) return absl::InternalError(error.message());
  RETURN_IF_ERROR(trained->Save(dir));
  RETURN_IF_ERROR(transform.Save(dir / model::kServingTransformDir));
  return base::WriteTextProto(dir / model::kModelSpecFileName, model_spec);
}

}  // namespace weir::serving::testing
