#include "weir/model/layout.h"

#include <algorithm>
#include <cmath>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/eval/evaluation.h"

namespace weir::model {

int OutputsPerRow(const ModelSpec& spec) {
  return spec.config().task() == MULTICLASS_CLASSIFICATION ? spec.config().num_classes() : 1;
}

absl::StatusOr<ModelSpec> PlanModel(const TrainerConfig& config,
                                    const transform::TransformGraph& graph) {
  ModelSpec spec;
  spec.set_format_version(kModelSpecFormatVersion);
  TrainerConfig& c = *spec.mutable_config();
  c = config;
  if (c.family().empty()) c.set_family("gbdt");
  if (c.train_split().empty()) c.set_train_split("train");
  if (c.eval_split().empty()) c.set_eval_split("eval");
  if (c.log_every_steps() <= 0) c.set_log_every_steps(c.family() == "gbdt" ? 10 : 100);
  // Every default is set here, in one place, so model_spec.pbtxt records what training used.
  auto fill = [](auto* message, auto getter, auto setter, auto value) {
    if ((message->*getter)() <= 0) (message->*setter)(value);
  };
  if (c.family() == "gbdt") {
    fill(&c, &TrainerConfig::train_steps, &TrainerConfig::set_train_steps, int64_t{300});
    GbdtConfig* g = c.mutable_gbdt();
    fill(g, &GbdtConfig::max_depth, &GbdtConfig::set_max_depth, 6);
    fill(g, &GbdtConfig::learning_rate, &GbdtConfig::set_learning_rate, 0.1);
    if (g->early_stopping_rounds() == 0) g->set_early_stopping_rounds(30);
    fill(g, &GbdtConfig::subsample, &GbdtConfig::set_subsample, 1.0);
    fill(g, &GbdtConfig::colsample_bytree, &GbdtConfig::set_colsample_bytree, 1.0);
    fill(g, &GbdtConfig::min_child_weight, &GbdtConfig::set_min_child_weight, 1.0);
    fill(g, &GbdtConfig::reg_lambda, &GbdtConfig::set_reg_lambda, 1.0);
  } else if (c.family() == "wide_deep") {
    fill(&c, &TrainerConfig::train_steps, &TrainerConfig::set_train_steps, int64_t{10000});
    WideDeepConfig* w = c.mutable_wide_deep();
    if (w->hidden_units().empty()) {
      for (int units : {100, 70, 50, 25}) w->add_hidden_units(units);
    }
    fill(w, &WideDeepConfig::learning_rate, &WideDeepConfig::set_learning_rate, 0.001);
    fill(w, &WideDeepConfig::batch_size, &WideDeepConfig::set_batch_size, 40);
    fill(w, &WideDeepConfig::shuffle_buffer, &WideDeepConfig::set_shuffle_buffer, 10000);
  } else if (c.family() == "linear") {
    fill(&c, &TrainerConfig::train_steps, &TrainerConfig::set_train_steps, int64_t{2000});
    LinearConfig* l = c.mutable_linear();
    fill(l, &LinearConfig::learning_rate, &LinearConfig::set_learning_rate, 0.01);
    fill(l, &LinearConfig::batch_size, &LinearConfig::set_batch_size, 256);
    fill(l, &LinearConfig::shuffle_buffer, &LinearConfig::set_shuffle_buffer, 10000);
  }
  if (c.task() == MULTICLASS_CLASSIFICATION && c.num_classes() < 2)
    return absl::InvalidArgumentError("a multiclass model needs num_classes >= 2");
  if (c.label().empty())
    return absl::InvalidArgumentError(
        "the trainer needs a label: the transformed feature to predict");

  std::map<std::string, int> index;
  for (int f = 0; f < graph.spec().features_size(); ++f) index[graph.spec().features(f).name()] = f;
  auto known = [&] {
    std::string names;
    for (const auto& [name, f] : index) names += StrCat(names.empty() ? "" : ", ", name);
    return names;
  };
  auto label = index.find(c.label());
  if (label == index.end())
    return absl::InvalidArgumentError(StrCat(
        "the label '", c.label(), "' is not a transformed feature (they are: ", known(), ")"));
  const transform::FeatureAnalysis& label_analysis = graph.analyses(label->second);
  if (label_analysis.output_type() == transform::STRING || label_analysis.size() != 1) {
    return absl::InvalidArgumentError(StrCat("the label '", c.label(),
                                             "' must be one number per example; map strings to ids "
                                             "with compute_and_apply_vocabulary"));
  }
  std::vector<std::string> features(c.features().begin(), c.features().end());
  if (features.empty()) {
    for (const transform::FeatureSpec& feature : graph.spec().features())
      if (feature.name() != c.label()) features.push_back(feature.name());
  }
  for (const std::string& name : features) {
    auto it = index.find(name);
    if (it == index.end())
      return absl::InvalidArgumentError(StrCat(
          "the model feature '", name, "' is not a transformed feature (they are: ", known(), ")"));
    if (name == c.label())
      return absl::InvalidArgumentError(StrCat("the label '", name, "' cannot also be a feature"));
    const transform::FeatureAnalysis& analysis = graph.analyses(it->second);
    if (analysis.output_type() == transform::STRING) {
      return absl::InvalidArgumentError(
          StrCat("the model feature '", name,
                 "' holds strings; give it compute_and_apply_vocabulary or hash_strings"));
    }
    ModelInput* input = spec.add_inputs();
    input->set_name(name);
    input->set_size(analysis.size());
    if (analysis.output_type() == transform::INT && analysis.cardinality() > 0)
      input->set_cardinality(analysis.cardinality());
  }
  spec.mutable_signature_inputs()->CopyFrom(graph.raw_features());
  spec.add_outputs(c.task() == REGRESSION ? "predictions" : "probabilities");
  return spec;
}

absl::StatusOr<Batch> ToBatch(const ModelSpec& spec, const data::RecordBatch& transformed,
                              bool with_labels) {
  Batch batch;
  batch.rows = transformed.num_rows();
  for (const ModelInput& input : spec.inputs()) {
    if (input.cardinality() > 0) {
      ++batch.num_categorical;
    } else {
      batch.num_dense += static_cast<size_t>(input.size());
    }
  }
  batch.dense.assign(batch.rows * batch.num_dense, 0.f);
  batch.categorical.assign(batch.rows * batch.num_categorical, -1);
  size_t dense_offset = 0, categorical_offset = 0;
  for (const ModelInput& input : spec.inputs()) {
    const data::Column* column = transformed.FindColumn(input.name());
    const bool categorical = input.cardinality() > 0;
    if (column != nullptr && column->type() != data::DataType::kNull) {
      if (column->type() == data::DataType::kBytes)
        return absl::InvalidArgumentError(StrCat("model input '", input.name(), "' holds strings"));
      for (size_t row = 0; row < batch.rows; ++row) {
        const uint32_t begin = column->value_begin(row);
        const uint32_t count =
            std::min<uint32_t>(column->value_count(row), static_cast<uint32_t>(input.size()));
        for (uint32_t k = 0; k < count; ++k) {
          const double value = column->type() == data::DataType::kInt64
                                   ? static_cast<double>(column->int64_values()[begin + k])
                                   : column->float_values()[begin + k];
          if (categorical) {
            const bool in_range = value >= 0 && value < static_cast<double>(input.cardinality());
            batch.categorical[row * batch.num_categorical + categorical_offset] =
                in_range ? static_cast<int32_t>(value) : -1;
          } else {
            batch.dense[row * batch.num_dense + dense_offset + k] = static_cast<float>(value);
          }
        }
      }
    }
    if (categorical) {
      ++categorical_offset;
    } else {
      dense_offset += static_cast<size_t>(input.size());
    }
  }
  if (with_labels) {
    const data::Column* label = transformed.FindColumn(spec.config().label());
    if (label == nullptr)
      return absl::InvalidArgumentError(
          StrCat("the examples have no label '", spec.config().label(), "'"));
    batch.labels.resize(batch.rows);
    for (size_t row = 0; row < batch.rows; ++row) {
      if (label->value_count(row) != 1) {
        return absl::InvalidArgumentError(
            StrCat("example ", row, " has no value for the label '", spec.config().label(), "'"));
      }
      const uint32_t v = label->value_begin(row);
      const float y = label->type() == data::DataType::kInt64
                          ? static_cast<float>(label->int64_values()[v])
                          : label->float_values()[v];
      const Task task = spec.config().task();
      const bool valid = task == BINARY_CLASSIFICATION ? (y == 0 || y == 1)
                         : task == MULTICLASS_CLASSIFICATION
                             ? (y >= 0 && y < spec.config().num_classes() && y == std::floor(y))
                             : std::isfinite(y);
      if (!valid) {
        return absl::InvalidArgumentError(
            StrCat("example ", row, " has label ", y, " for '", spec.config().label(), "'; ",
                   task == BINARY_CLASSIFICATION       ? "a binary label is 0 or 1"
                   : task == MULTICLASS_CLASSIFICATION ? "a class is an integer in [0, num_classes)"
                                                       : "a regression label is a finite number"));
      }
      batch.labels[row] = y;
    }
  }
  return batch;
}

absl::StatusOr<std::optional<Batch>> ExampleBatchSource::Next() {
  ASSIGN_OR_RETURN(std::optional<io::ExampleBlock> block, reader_.Next());
  if (!block) return std::optional<Batch>();
  ASSIGN_OR_RETURN(data::RecordBatch records, block->Decode());
  absl::StatusOr<Batch> batch = ToBatch(spec_, records, /*with_labels=*/true);
  if (!batch.ok())
    return absl::InvalidArgumentError(StrCat(block->file, ": ", batch.status().message()));
  return std::optional<Batch>(*std::move(batch));
}

absl::Status ExampleBatchSource::Rewind() {
  reader_ = io::ExampleBlockReader(files_);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Batch>> CachedBatchSource::Next() {
  if (replaying_) {
    if (next_ == cached_.size()) return std::optional<Batch>();
    return std::optional<Batch>(cached_[next_++]);
  }
  ASSIGN_OR_RETURN(std::optional<Batch> batch, inner_->Next());
  if (!batch) {
    complete_ = !too_big_;
    return batch;
  }
  if (!too_big_ && !complete_) {
    cached_bytes_ += (batch->dense.size() + batch->categorical.size() + batch->labels.size()) * 4;
    if (cached_bytes_ > max_bytes_) {
      too_big_ = true;
      cached_.clear();
      cached_.shrink_to_fit();
    } else {
      cached_.push_back(*batch);
    }
  }
  return batch;
}

absl::Status CachedBatchSource::Rewind() {
  next_ = 0;
  if (complete_) {
    replaying_ = true;
    return absl::OkStatus();
  }
  // A pass that did not reach the end, or a split too big to keep: start again from disk.
  if (!too_big_) {
    cached_.clear();
    cached_bytes_ = 0;
  }
  return inner_->Rewind();
}

std::vector<std::pair<std::string, double>> ComputeMetrics(const ModelSpec& spec,
                                                           const std::vector<float>& predictions,
                                                           const std::vector<float>& labels) {
  return eval::BasicMetrics(spec.config().task(), spec.config().num_classes(), predictions, labels);
}

absl::StatusOr<std::vector<std::pair<std::string, double>>> EvaluateModel(const Model& model,
                                                                          const ModelSpec& spec,
                                                                          BatchSource& source,
                                                                          int64_t max_batches) {
  RETURN_IF_ERROR(source.Rewind());
  std::vector<float> predictions, labels;
  for (int64_t n = 0; max_batches <= 0 || n < max_batches; ++n) {
    ASSIGN_OR_RETURN(std::optional<Batch> batch, source.Next());
    if (!batch) break;
    ASSIGN_OR_RETURN(std::vector<float> scores, model.Predict(*batch));
    predictions.insert(predictions.end(), scores.begin(), scores.end());
    labels.insert(labels.end(), batch->labels.begin(), batch->labels.end());
  }
  return ComputeMetrics(spec, predictions, labels);
}

}  // namespace weir::model
