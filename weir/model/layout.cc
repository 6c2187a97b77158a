#include "weir/model/layout.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/eval/evaluation.h"

namespace weir::model {

int OutputsPerRow(const ModelSpec& spec) {
  return spec.config().task() == MULTICLASS_CLASSIFICATION ? spec.config().num_classes() : 1;
}

namespace {

using transform::FeatureAnalysis;
using transform::FeatureSpec;
using transform::Op;

std::string OpName(const Op& op) {
  if (op.op_case() == Op::kCustom) return StrCat("custom op '", op.custom().name(), "'");
  if (op.op_case() == Op::OP_NOT_SET) return "an empty op";
  return Op::descriptor()->FindFieldByNumber(op.op_case())->name();
}

// Whether the label's units survive the op, so that regression predictions can be given in them:
// ops that keep a present value as it is (fill_missing, clip) or scale it by an affine map.
bool KeepsLabelUnits(const Op& op) {
  return op.has_fill_missing() || op.has_clip() || op.has_scale_to_z_score() ||
         op.has_scale_to_0_1();
}

absl::Status NotInLabelUnits(const FeatureSpec& label, const Op& op) {
  return absl::InvalidArgumentError(StrCat(
      "the regression label '", label.name(), "' goes through ", OpName(op),
      ", which weir cannot undo to give predictions in the label's own units; give the label no "
      "op, or only fill_missing, clip, scale_to_z_score or scale_to_0_1 (these are undone: "
      "predictions and metrics come out in the raw label's units)"));
}

// Whether the op gives a categorical int (whose cardinality a multiclass label's classes are).
bool GivesCategories(const Op& op) {
  return op.has_compute_and_apply_vocabulary() || op.has_categorical_identity() ||
         op.has_bucketize() || op.has_hash_strings() || op.has_cross();
}

// The regression label's units: the inverse of the affine scalings its ops apply. Ops that keep a
// present value as it is (fill_missing, clip) pass; any other op cannot be undone, and is refused.
absl::StatusOr<RegressionTarget> LabelUnits(const FeatureSpec& label,
                                            const FeatureAnalysis& analysis) {
  double scale = 1, offset = 0;  // transformed = raw * scale + offset.
  int analyzer = 0;
  for (const Op& op : label.ops()) {
    switch (op.op_case()) {
      case Op::kFillMissing:
      case Op::kClip:
        break;
      case Op::kScaleToZScore: {
        const transform::Moments& m = analysis.analyzers(analyzer++).moments();
        const double std_dev = m.variance() > 0 ? std::sqrt(m.variance()) : 1.0;
        scale /= std_dev;
        offset = (offset - m.mean()) / std_dev;
        break;
      }
      case Op::kScaleTo01: {
        const transform::MinMax& m = analysis.analyzers(analyzer++).min_max();
        if (!(m.max() > m.min())) {
          return absl::InvalidArgumentError(
              StrCat("the regression label '", label.name(),
                     "' is constant in the analyzed split, so scale_to_0_1 maps it through a "
                     "sigmoid that weir cannot undo; leave the label unscaled"));
        }
        scale /= m.max() - m.min();
        offset = (offset - m.min()) / (m.max() - m.min());
        break;
      }
      default:
        return NotInLabelUnits(label, op);
    }
  }
  RegressionTarget target;
  target.set_label_scale(1 / scale);
  target.set_label_offset(-offset / scale);
  target.set_stddev(1);
  return target;
}

// The name of each class of a categorical label: its vocabulary's tokens (then one name per OOV
// bucket), or the class ids.
std::vector<std::string> ClassNames(const FeatureSpec& label, const FeatureAnalysis& analysis,
                                    const transform::Transform& transform, int num_classes) {
  std::vector<std::string> names;
  int analyzer = 0;
  const std::vector<std::string>* vocabulary = nullptr;
  for (const Op& op : label.ops()) {
    const bool analyzes = op.has_scale_to_z_score() || op.has_scale_to_0_1() ||
                          op.has_bucketize() || op.has_compute_and_apply_vocabulary();
    if (op.has_compute_and_apply_vocabulary()) {
      vocabulary = &transform.vocabulary(analysis.analyzers(analyzer).vocabulary().filename());
    } else if (op.has_bucketize() || op.has_hash_strings() || op.has_categorical_identity() ||
               op.has_cross()) {
      vocabulary = nullptr;  // A later op renumbered the classes.
    }
    if (analyzes) ++analyzer;
  }
  for (int id = 0; id < num_classes; ++id) {
    if (vocabulary != nullptr && static_cast<size_t>(id) < vocabulary->size()) {
      names.push_back((*vocabulary)[static_cast<size_t>(id)]);
    } else if (vocabulary != nullptr) {
      names.push_back(StrCat("[OOV ", static_cast<size_t>(id) - vocabulary->size(), "]"));
    } else {
      names.push_back(StrCat(id));
    }
  }
  return names;
}

}  // namespace

absl::Status CheckTrainerConfig(const TrainerConfig& config, const transform::TransformSpec* spec) {
  if (config.label().empty())
    return absl::InvalidArgumentError(
        "the trainer needs a label: the transformed feature to predict");
  if (!config.family().empty()) RETURN_IF_ERROR(CheckModelFamilyName(config.family()));
  if (config.has_validation_fraction() &&
      (config.validation_fraction() < 0 || config.validation_fraction() >= 1)) {
    return absl::InvalidArgumentError(
        StrCat("validation_fraction is ", config.validation_fraction(), "; it must be in [0, 1)"));
  }
  const std::string train_split = config.train_split().empty() ? "train" : config.train_split();
  if (config.validation_split() == train_split) {
    return absl::InvalidArgumentError(
        StrCat("validation_split '", config.validation_split(),
               "' is the train split; leave it unset to hold out a part of the train split"));
  }
  if (config.task() == MULTICLASS_CLASSIFICATION && config.num_classes() == 1) {
    return absl::InvalidArgumentError("a multiclass model needs num_classes >= 2");
  }
  // The rest needs the transform's features: their names, unless a pattern names them.
  if (spec == nullptr) {
    if (config.task() == MULTICLASS_CLASSIFICATION && config.num_classes() == 0) {
      return absl::InvalidArgumentError(
          "a multiclass model needs num_classes (or a categorical label from a Transform)");
    }
    return absl::OkStatus();
  }
  std::map<std::string, const FeatureSpec*> outputs;
  bool all_named = true;
  for (const FeatureSpec& feature : spec->features()) {
    if (!feature.each_matching().empty()) {
      all_named = false;
    } else if (!feature.each().empty()) {
      const size_t slot = feature.name().find("{}");
      if (slot == std::string::npos) continue;  // The transform reports it.
      for (const std::string& column : feature.each()) {
        outputs[feature.name().substr(0, slot) + column + feature.name().substr(slot + 2)] =
            &feature;
      }
    } else {
      outputs[feature.name()] = &feature;
    }
  }
  auto label = outputs.find(config.label());
  if (label == outputs.end()) {
    if (!all_named) return absl::OkStatus();
    std::string names;
    for (const auto& [name, feature] : outputs) names += StrCat(names.empty() ? "" : ", ", name);
    return absl::InvalidArgumentError(StrCat(
        "the label '", config.label(), "' is not a transformed feature (they are: ", names, ")"));
  }
  if (all_named) {
    for (const std::string& feature : config.features()) {
      if (!outputs.contains(feature)) {
        return absl::InvalidArgumentError(
            StrCat("the model feature '", feature, "' is not a transformed feature"));
      }
    }
  }
  const FeatureSpec& label_spec = *label->second;
  if (config.task() == REGRESSION) {
    for (const Op& op : label_spec.ops()) {
      if (!KeepsLabelUnits(op)) return NotInLabelUnits(label_spec, op);
    }
  }
  if (config.task() == MULTICLASS_CLASSIFICATION && config.num_classes() == 0 &&
      std::none_of(label_spec.ops().begin(), label_spec.ops().end(), GivesCategories)) {
    return absl::InvalidArgumentError(StrCat(
        "a multiclass model needs num_classes: set it, or make the label '", config.label(),
        "' categorical (compute_and_apply_vocabulary, categorical_identity, bucketize), whose "
        "cardinality gives it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelSpec> PlanModel(const TrainerConfig& config,
                                    const transform::Transform& transform) {
  const transform::TransformGraph& graph = transform.graph();
  RETURN_IF_ERROR(CheckTrainerConfig(config, &graph.spec()));
  ModelSpec spec;
  spec.set_format_version(kModelSpecFormatVersion);
  TrainerConfig& c = *spec.mutable_config();
  c = config;
  if (c.family().empty()) c.set_family("gbdt");
  if (c.train_split().empty()) c.set_train_split("train");
  if (!c.has_validation_fraction()) c.set_validation_fraction(kDefaultValidationFraction);
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
    if (w->early_stopping_steps() == 0) w->set_early_stopping_steps(kDefaultEarlyStoppingSteps);
  } else if (c.family() == "linear") {
    fill(&c, &TrainerConfig::train_steps, &TrainerConfig::set_train_steps, int64_t{2000});
    LinearConfig* l = c.mutable_linear();
    fill(l, &LinearConfig::learning_rate, &LinearConfig::set_learning_rate, 0.01);
    fill(l, &LinearConfig::batch_size, &LinearConfig::set_batch_size, 256);
    fill(l, &LinearConfig::shuffle_buffer, &LinearConfig::set_shuffle_buffer, 10000);
    if (l->early_stopping_steps() == 0) l->set_early_stopping_steps(kDefaultEarlyStoppingSteps);
  }
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
  const FeatureSpec& label_spec = graph.spec().features(label->second);
  const FeatureAnalysis& label_analysis = graph.analyses(label->second);
  if (label_analysis.output_type() == transform::STRING || label_analysis.size() != 1) {
    return absl::InvalidArgumentError(StrCat("the label '", c.label(),
                                             "' must be one number per example; map strings to ids "
                                             "with compute_and_apply_vocabulary"));
  }
  const int64_t categories =
      label_analysis.output_type() == transform::INT ? label_analysis.cardinality() : 0;
  switch (c.task()) {
    case MULTICLASS_CLASSIFICATION:
      if (c.num_classes() == 0 && categories > 0)
        c.set_num_classes(static_cast<int32_t>(categories));
      if (c.num_classes() < 2) {
        return absl::InvalidArgumentError(StrCat(
            "a multiclass model needs num_classes >= 2: set it, or make the label '", c.label(),
            "' categorical (compute_and_apply_vocabulary, categorical_identity, bucketize), "
            "whose cardinality gives it"));
      }
      if (categories > 0 && c.num_classes() != categories) {
        return absl::InvalidArgumentError(StrCat("num_classes is ", c.num_classes(),
                                                 " but the label '", c.label(), "' has ",
                                                 categories, " categories"));
      }
      break;
    case BINARY_CLASSIFICATION:
      if (categories > 2) {
        return absl::InvalidArgumentError(StrCat("the binary label '", c.label(), "' has ",
                                                 categories,
                                                 " categories; a binary label is 0 or 1 (set task: "
                                                 "multiclass_classification for more)"));
      }
      break;
    default: {
      ASSIGN_OR_RETURN(*spec.mutable_regression_target(), LabelUnits(label_spec, label_analysis));
      break;
    }
  }
  if (c.task() != REGRESSION) {
    const int classes = c.task() == BINARY_CLASSIFICATION ? 2 : c.num_classes();
    for (std::string& name : ClassNames(label_spec, label_analysis, transform, classes))
      spec.add_class_names(std::move(name));
  }

  std::vector<std::string> features(c.features().begin(), c.features().end());
  if (features.empty()) {
    for (const FeatureSpec& feature : graph.spec().features())
      if (feature.name() != c.label()) features.push_back(feature.name());
  }
  std::set<std::string> input_names;
  for (const std::string& name : features) {
    auto it = index.find(name);
    if (it == index.end())
      return absl::InvalidArgumentError(StrCat(
          "the model feature '", name, "' is not a transformed feature (they are: ", known(), ")"));
    if (name == c.label())
      return absl::InvalidArgumentError(StrCat("the label '", name, "' cannot also be a feature"));
    const FeatureAnalysis& analysis = graph.analyses(it->second);
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
    input_names.insert(name);
  }
  // The signature takes what the inputs are computed from, and accepts the schema's other raw
  // features; never the label's own columns (those it is computed from and no input is).
  std::set<std::string> taken;
  for (transform::RawFeature& raw : transform.RawFeaturesOf(input_names)) {
    taken.insert(raw.name());
    *spec.add_signature_inputs() = std::move(raw);
  }
  for (const transform::RawFeature& raw : transform.RawFeaturesOf({c.label()}))
    taken.insert(raw.name());
  for (const transform::RawFeature& raw : graph.schema_features())
    if (!taken.contains(raw.name())) *spec.add_unread_inputs() = raw;
  spec.add_outputs(c.task() == REGRESSION ? "predictions" : "probabilities");
  if (c.task() == MULTICLASS_CLASSIFICATION) spec.add_outputs(kClassesOutput);
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
      float y = label->type() == data::DataType::kInt64
                    ? static_cast<float>(label->int64_values()[v])
                    : label->float_values()[v];
      if (spec.has_regression_target()) {  // In the label's own units.
        y = static_cast<float>(y * spec.regression_target().label_scale() +
                               spec.regression_target().label_offset());
      }
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

absl::StatusOr<std::optional<Batch>> MemoryBatchSource::Next() {
  if (next_ >= all_.rows) return std::optional<Batch>();
  Batch out{.rows = std::min(block_, all_.rows - next_),
            .num_dense = all_.num_dense,
            .num_categorical = all_.num_categorical};
  out.dense.assign(all_.dense.begin() + next_ * all_.num_dense,
                   all_.dense.begin() + (next_ + out.rows) * all_.num_dense);
  out.categorical.assign(all_.categorical.begin() + next_ * all_.num_categorical,
                         all_.categorical.begin() + (next_ + out.rows) * all_.num_categorical);
  if (!all_.labels.empty())
    out.labels.assign(all_.labels.begin() + next_, all_.labels.begin() + next_ + out.rows);
  next_ += out.rows;
  return std::optional<Batch>(std::move(out));
}

absl::Status MemoryBatchSource::Rewind() {
  next_ = 0;
  return absl::OkStatus();
}

bool PartitionedBatchSource::IsValidation(uint64_t example, double validation_fraction) {
  return std::floor(static_cast<double>(example + 1) * validation_fraction) >
         std::floor(static_cast<double>(example) * validation_fraction);
}

absl::StatusOr<std::optional<Batch>> PartitionedBatchSource::Next() {
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Batch> batch, inner_->Next());
    if (!batch) return batch;
    Batch kept;
    kept.num_dense = batch->num_dense;
    kept.num_categorical = batch->num_categorical;
    for (size_t row = 0; row < batch->rows; ++row) {
      if (IsValidation(next_example_++, fraction_) != validation_) continue;
      kept.dense.insert(kept.dense.end(), batch->dense.begin() + row * batch->num_dense,
                        batch->dense.begin() + (row + 1) * batch->num_dense);
      kept.categorical.insert(kept.categorical.end(),
                              batch->categorical.begin() + row * batch->num_categorical,
                              batch->categorical.begin() + (row + 1) * batch->num_categorical);
      if (!batch->labels.empty()) kept.labels.push_back(batch->labels[row]);
      ++kept.rows;
    }
    if (kept.rows > 0) return std::optional<Batch>(std::move(kept));
  }
}

absl::Status PartitionedBatchSource::Rewind() {
  next_example_ = 0;
  return inner_->Rewind();
}

absl::Status FitRegressionTarget(BatchSource& source, ModelSpec& spec) {
  RETURN_IF_ERROR(source.Rewind());
  double count = 0, mean = 0, m2 = 0;  // Welford's running moments.
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Batch> batch, source.Next());
    if (!batch) break;
    for (float label : batch->labels) {
      count += 1;
      const double delta = label - mean;
      mean += delta / count;
      m2 += delta * (label - mean);
    }
  }
  if (count == 0) return absl::InvalidArgumentError("the training examples are empty");
  const double stddev = std::sqrt(m2 / count);
  RegressionTarget* target = spec.mutable_regression_target();
  target->set_mean(mean);
  target->set_stddev(stddev > 0 && std::isfinite(stddev) ? stddev : 1.0);
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
