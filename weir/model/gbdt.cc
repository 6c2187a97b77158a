// The gbdt family: gradient-boosted trees through XGBoost's C API (hist method). Inputs are one
// float per column: the dense features, then each categorical id (missing: NaN).
#include "weir/model/gbdt.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "weir/base/parallel.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/model/libxgboost.h"

namespace weir::model {
namespace {

constexpr char kWeightsFile[] = "model.xgb.json";

// XGBoost, loaded by the first Train or Load: everything else here works on what they made.
const LibXgboost& Xgb() { return **LoadLibXgboost(); }

absl::Status XgbError(int rc, std::string_view what) {
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(StrCat("XGBoost: ", what, ": ", Xgb().XGBGetLastError()));
}

// A number for XGBoost's string parameters, without std::to_string's 6 fixed decimals.
std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

// The float matrix XGBoost reads, row-major.
std::vector<float> Features(const Batch& batch) {
  const size_t width = batch.num_dense + batch.num_categorical;
  std::vector<float> matrix(batch.rows * width);
  for (size_t row = 0; row < batch.rows; ++row) {
    float* out = matrix.data() + row * width;
    std::copy_n(batch.dense.data() + row * batch.num_dense, batch.num_dense, out);
    for (size_t j = 0; j < batch.num_categorical; ++j) {
      const int32_t id = batch.categorical[row * batch.num_categorical + j];
      out[batch.num_dense + j] = id < 0 ? std::numeric_limits<float>::quiet_NaN() : float(id);
    }
  }
  return matrix;
}

// Owns an XGBoost handle.
struct DMatrix {
  DMatrixHandle handle = nullptr;
  ~DMatrix() {
    if (handle) Xgb().XGDMatrixFree(handle);
  }
};

struct Booster {
  BoosterHandle handle = nullptr;
  ~Booster() {
    if (handle) Xgb().XGBoosterFree(handle);
  }
};

// Hands a BatchSource to XGBoost one block at a time (its data-iterator callbacks), so that only
// XGBoost's quantized matrix is held in memory, never the whole float matrix.
class Feeder {
 public:
  explicit Feeder(BatchSource& source) : source_(source) {}

  absl::StatusOr<std::unique_ptr<DMatrix>> QuantileMatrix(int threads, DMatrixHandle reference) {
    DMatrix proxy;
    RETURN_IF_ERROR(XgbError(Xgb().XGProxyDMatrixCreate(&proxy.handle), "creating a proxy matrix"));
    proxy_ = proxy.handle;
    const std::string config =
        StrCat("{\"missing\": NaN, \"nthread\": ", threads, ", \"max_bin\": 256}");
    auto matrix = std::make_unique<DMatrix>();
    const int rc = Xgb().XGQuantileDMatrixCreateFromCallback(
        this, proxy.handle, reference, &Reset, &Next, config.c_str(), &matrix->handle);
    RETURN_IF_ERROR(error_);  // The source's own error, if it failed mid-way.
    RETURN_IF_ERROR(XgbError(rc, "reading the examples"));
    if (rows_ == 0) return absl::InvalidArgumentError("the split has no examples");
    return matrix;
  }

 private:
  static void Reset(DataIterHandle self) {
    auto* feeder = static_cast<Feeder*>(self);
    absl::Status status = feeder->source_.Rewind();
    if (!status.ok() && feeder->error_.ok()) feeder->error_ = status;
  }
  static int Next(DataIterHandle self) {
    auto* feeder = static_cast<Feeder*>(self);
    absl::StatusOr<std::optional<Batch>> batch = feeder->source_.Next();
    if (!batch.ok()) {
      if (feeder->error_.ok()) feeder->error_ = batch.status();
      return 0;
    }
    if (!batch->has_value() || (*batch)->rows == 0) return 0;
    feeder->rows_ += (*batch)->rows;
    feeder->features_ = Features(**batch);
    feeder->labels_ = std::move((*batch)->labels);
    const std::string array =
        StrCat("{\"data\": [", reinterpret_cast<uintptr_t>(feeder->features_.data()),
               ", true], \"shape\": [", (*batch)->rows, ", ",
               (*batch)->num_dense + (*batch)->num_categorical,
               "], \"typestr\": \"<f4\", \"version\": 3}");
    if (Xgb().XGProxyDMatrixSetDataDense(feeder->proxy_, array.c_str()) != 0 ||
        Xgb().XGDMatrixSetFloatInfo(feeder->proxy_, "label", feeder->labels_.data(),
                                    feeder->labels_.size()) != 0) {
      return 0;  // XGBoost reports its own error.
    }
    return 1;
  }

  BatchSource& source_;
  DMatrixHandle proxy_ = nullptr;
  std::vector<float> features_;  // The current block, alive until the next call.
  std::vector<float> labels_;
  size_t rows_ = 0;  // Over all passes: only tells an empty split apart.
  absl::Status error_;
};

// "[12]\ttrain-logloss:0.41\ttrain-auc:0.93\teval-logloss:0.45..." -> {"train": {...}, ...}.
std::map<std::string, std::vector<std::pair<std::string, double>>> ParseEval(const char* text) {
  std::map<std::string, std::vector<std::pair<std::string, double>>> curves;
  std::string_view rest(text);
  while (!rest.empty()) {
    const size_t tab = rest.find('\t');
    std::string_view token = rest.substr(0, tab);
    rest = tab == std::string_view::npos ? std::string_view() : rest.substr(tab + 1);
    const size_t dash = token.find('-');
    const size_t colon = token.rfind(':');
    if (dash == std::string_view::npos || colon == std::string_view::npos) continue;
    curves[std::string(token.substr(0, dash))].emplace_back(
        std::string(token.substr(dash + 1, colon - dash - 1)),
        std::strtod(std::string(token.substr(colon + 1)).c_str(), nullptr));
  }
  return curves;
}

// XGBoost's metric names as weir's curves name them.
std::vector<std::pair<std::string, double>> CurveMetrics(
    const std::vector<std::pair<std::string, double>>& xgboost) {
  std::vector<std::pair<std::string, double>> metrics;
  for (const auto& [name, value] : xgboost) {
    if (name == "auc") metrics.emplace_back("auc", value);
    if (name == "error" || name == "merror") metrics.emplace_back("accuracy", 1 - value);
    if (name == "logloss" || name == "mlogloss") metrics.emplace_back("loss", value);
    if (name == "rmse") metrics.emplace_back("loss", value * value);
    if (name == "mae") metrics.emplace_back("mae", value);
  }
  return metrics;
}

// The trees of a booster, read from XGBoost's JSON model, walked without XGBoost: prediction
// is then a few hundred comparisons with no locks, allocations or library call per request
// (XGBoost's own prediction costs tens of microseconds of fixed overhead per call). A test
// checks that it matches XGBoost's predictions.
class TreeEnsemble {
 public:
  static absl::StatusOr<TreeEnsemble> FromJson(std::string_view text, int outputs) {
    nlohmann::json model = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (model.is_discarded()) return absl::InternalError("XGBoost saved a model that is not JSON");
    try {
      const auto& learner = model.at("learner");
      TreeEnsemble ensemble;
      ensemble.outputs_ = outputs;
      ensemble.objective_ = learner.at("objective").at("name").get<std::string>();
      const double base_score =
          std::stod(learner.at("learner_model_param").at("base_score").get<std::string>());
      // XGBoost starts every margin from base_score, in margin space for the logistic loss.
      ensemble.parts_.base_margin =
          ensemble.objective_ == "binary:logistic"
              ? static_cast<float>(std::log(base_score / (1 - base_score)))
              : static_cast<float>(base_score);
      const auto& booster = learner.at("gradient_booster");
      if (booster.at("name") != "gbtree")
        return absl::UnimplementedError("only gbtree boosters are supported");
      const auto& trees = booster.at("model").at("trees");
      const auto& tree_info = booster.at("model").at("tree_info");
      for (size_t t = 0; t < trees.size(); ++t) {
        const auto& tree = trees[t];
        TreeEnsembleParts::Tree compiled;
        compiled.output = tree_info.at(t).get<int>();
        const auto& left = tree.at("left_children");
        const auto& right = tree.at("right_children");
        const auto& conditions = tree.at("split_conditions");
        const auto& features = tree.at("split_indices");
        const auto& default_left = tree.at("default_left");
        const auto& split_type = tree.at("split_type");
        for (size_t n = 0; n < left.size(); ++n) {
          if (split_type.at(n).get<int>() != 0)
            return absl::UnimplementedError("categorical splits are not supported");
          compiled.nodes.push_back({.left = left.at(n).get<int32_t>(),
                                    .right = right.at(n).get<int32_t>(),
                                    .feature = features.at(n).get<int32_t>(),
                                    .value = conditions.at(n).get<float>(),
                                    .default_left = default_left.at(n).get<int>() != 0});
        }
        ensemble.parts_.trees.push_back(std::move(compiled));
      }
      return ensemble;
    } catch (const nlohmann::json::exception& e) {
      return absl::InternalError(StrCat("reading XGBoost's model: ", e.what()));
    }
  }

  const TreeEnsembleParts& parts() const { return parts_; }

  std::vector<float> Predict(const std::vector<float>& features, size_t rows, size_t width) const {
    std::vector<float> out(rows * static_cast<size_t>(outputs_));
    std::vector<double> sums(static_cast<size_t>(outputs_));
    std::vector<float> margins(static_cast<size_t>(outputs_));
    for (size_t row = 0; row < rows; ++row) {
      const float* x = features.data() + row * width;
      std::fill(sums.begin(), sums.end(), parts_.base_margin);
      for (const TreeEnsembleParts::Tree& tree : parts_.trees) {
        int32_t node = 0;
        while (tree.nodes[node].left >= 0) {
          const TreeEnsembleParts::Node& split = tree.nodes[node];
          const float value = x[split.feature];
          node = std::isnan(value)     ? (split.default_left ? split.left : split.right)
                 : value < split.value ? split.left
                                       : split.right;
        }
        sums[static_cast<size_t>(tree.output)] += tree.nodes[node].value;
      }
      for (size_t k = 0; k < sums.size(); ++k) margins[k] = static_cast<float>(sums[k]);
      float* result = out.data() + row * static_cast<size_t>(outputs_);
      if (objective_ == "binary:logistic") {
        result[0] = 1.f / (1.f + std::exp(-margins[0]));
      } else if (objective_ == "multi:softprob") {
        const float largest = *std::max_element(margins.begin(), margins.end());
        float total = 0;
        for (size_t k = 0; k < margins.size(); ++k)
          total += result[k] = std::exp(margins[k] - largest);
        for (size_t k = 0; k < margins.size(); ++k) result[k] /= total;
      } else {
        result[0] = margins[0];
      }
    }
    return out;
  }

 private:
  TreeEnsembleParts parts_;
  std::string objective_;
  int outputs_ = 1;
};

class GbdtModel : public Model {
 public:
  static absl::StatusOr<std::unique_ptr<GbdtModel>> Create(ModelSpec spec,
                                                           std::unique_ptr<Booster> booster) {
    static constexpr char kJson[] = "{\"format\": \"json\"}";
    bst_ulong length = 0;
    const char* bytes = nullptr;
    RETURN_IF_ERROR(
        XgbError(Xgb().XGBoosterSaveModelToBuffer(booster->handle, kJson, &length, &bytes),
                 "reading the model"));
    ASSIGN_OR_RETURN(TreeEnsemble trees,
                     TreeEnsemble::FromJson(std::string_view(bytes, length), OutputsPerRow(spec)));
    return std::unique_ptr<GbdtModel>(
        new GbdtModel(std::move(spec), std::move(booster), std::move(trees)));
  }

  absl::StatusOr<std::vector<float>> Predict(const Batch& batch) const override {
    if (batch.rows == 0) return std::vector<float>();
    const std::vector<float> features = Features(batch);
    return trees_.Predict(features, batch.rows, batch.num_dense + batch.num_categorical);
  }

  // XGBoost's own prediction, which the tree walk must match (tests compare them).
  absl::StatusOr<std::vector<float>> PredictWithXgboost(const Batch& batch) const {
    if (batch.rows == 0) return std::vector<float>();
    const std::vector<float> features = Features(batch);
    const std::string array =
        StrCat("{\"data\": [", reinterpret_cast<uintptr_t>(features.data()),
               ", true], \"shape\": [", batch.rows, ", ", batch.num_dense + batch.num_categorical,
               "], \"typestr\": \"<f4\", \"version\": 3}");
    // XGBoost 1.7 needs cache_id and missing in the config (see ARCHITECTURE.md).
    static constexpr char kConfig[] =
        "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
        "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}";
    std::lock_guard<std::mutex> lock(mutex_);
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    RETURN_IF_ERROR(
        XgbError(Xgb().XGBoosterPredictFromDense(booster_->handle, array.c_str(), kConfig, nullptr,
                                                 &shape, &dims, &result),
                 "predicting"));
    size_t size = 1;
    for (bst_ulong d = 0; d < dims; ++d) size *= shape[d];
    return std::vector<float>(result, result + size);
  }

  BoosterHandle handle() const { return booster_->handle; }

  absl::StatusOr<ModelParts> Parts() const override { return trees_.parts(); }

  absl::Status Save(const std::filesystem::path& dir) const override {
    return XgbError(Xgb().XGBoosterSaveModel(booster_->handle, (dir / kWeightsFile).c_str()),
                    "saving the model");
  }

 private:
  GbdtModel(ModelSpec spec, std::unique_ptr<Booster> booster, TreeEnsemble trees)
      : spec_(std::move(spec)), booster_(std::move(booster)), trees_(std::move(trees)) {}
  ModelSpec spec_;
  std::unique_ptr<Booster> booster_;
  TreeEnsemble trees_;
  mutable std::mutex mutex_;  // XGBoost's result buffer belongs to the booster.
};

class GbdtFamily : public ModelFamily {
 public:
  std::string WeightsFile() const override { return kWeightsFile; }

  absl::StatusOr<std::unique_ptr<Model>> Train(const TrainingJob& job) const override {
    RETURN_IF_ERROR(LoadLibXgboost().status());
    const ModelSpec& spec = job.spec;
    const TrainerConfig& config = spec.config();
    const GbdtConfig& gbdt = config.gbdt();
    const int threads = job.num_threads > 0 ? job.num_threads : base::DefaultThreadCount();
    Feeder train_feeder(*job.train);
    ASSIGN_OR_RETURN(std::unique_ptr<DMatrix> dtrain,
                     train_feeder.QuantileMatrix(threads, nullptr));
    // The validation matrix is binned with the train matrix's quantiles.
    std::unique_ptr<DMatrix> dvalidation;
    if (job.validation != nullptr) {
      Feeder validation_feeder(*job.validation);
      ASSIGN_OR_RETURN(dvalidation, validation_feeder.QuantileMatrix(threads, dtrain->handle));
    }

    auto booster = std::make_unique<Booster>();
    std::vector<DMatrixHandle> cache = {dtrain->handle};
    if (dvalidation) cache.push_back(dvalidation->handle);
    RETURN_IF_ERROR(XgbError(Xgb().XGBoosterCreate(cache.data(), cache.size(), &booster->handle),
                             "creating the booster"));
    // A warm start continues the base model's boosting: its trees, then train_steps more (as
    // xgboost.train(xgb_model=...) does). The parameters are set after loading, as there.
    int base_rounds = 0;
    if (job.warm_start != nullptr) {
      const auto* base = dynamic_cast<const GbdtModel*>(job.warm_start);
      if (base == nullptr) return absl::InvalidArgumentError("the warm-start model is not gbdt");
      static constexpr char kJson[] = "{\"format\": \"json\"}";
      bst_ulong length = 0;
      const char* bytes = nullptr;
      RETURN_IF_ERROR(
          XgbError(Xgb().XGBoosterSaveModelToBuffer(base->handle(), kJson, &length, &bytes),
                   "reading the warm-start model"));
      RETURN_IF_ERROR(XgbError(Xgb().XGBoosterLoadModelFromBuffer(booster->handle, bytes, length),
                               "loading the warm-start model"));
      RETURN_IF_ERROR(XgbError(Xgb().XGBoosterBoostedRounds(booster->handle, &base_rounds),
                               "counting the warm-start model's rounds"));
    }
    auto set = [&](const char* name, const std::string& value) {
      return XgbError(Xgb().XGBoosterSetParam(booster->handle, name, value.c_str()),
                      StrCat("setting ", name, "=", value));
    };
    // The first metric is the loss early stopping watches; the others are for the curves.
    std::vector<std::string> eval_metrics;
    switch (config.task()) {
      case BINARY_CLASSIFICATION:
        RETURN_IF_ERROR(set("objective", "binary:logistic"));
        eval_metrics = {"logloss", "auc", "error"};
        break;
      case MULTICLASS_CLASSIFICATION:
        RETURN_IF_ERROR(set("objective", "multi:softprob"));
        RETURN_IF_ERROR(set("num_class", std::to_string(config.num_classes())));
        eval_metrics = {"mlogloss", "merror"};
        break;
      default:
        RETURN_IF_ERROR(set("objective", "reg:squarederror"));
        // Trees start from the label's mean rather than XGBoost 1.7's fixed 0.5, so that a label
        // far from 0 needs no rounds just to reach its level; a warm start keeps its base's.
        if (job.warm_start == nullptr)
          RETURN_IF_ERROR(set("base_score", Number(spec.regression_target().mean())));
        eval_metrics = {"rmse", "mae"};
        break;
    }
    for (const std::string& metric : eval_metrics) RETURN_IF_ERROR(set("eval_metric", metric));
    RETURN_IF_ERROR(set("tree_method", "hist"));
    RETURN_IF_ERROR(set("max_depth", std::to_string(gbdt.max_depth())));
    RETURN_IF_ERROR(set("eta", Number(gbdt.learning_rate())));
    RETURN_IF_ERROR(set("subsample", Number(gbdt.subsample())));
    RETURN_IF_ERROR(set("colsample_bytree", Number(gbdt.colsample_bytree())));
    RETURN_IF_ERROR(set("min_child_weight", Number(gbdt.min_child_weight())));
    RETURN_IF_ERROR(set("lambda", Number(gbdt.reg_lambda())));
    RETURN_IF_ERROR(set("seed", std::to_string(config.seed())));
    RETURN_IF_ERROR(set("nthread", std::to_string(threads)));
    RETURN_IF_ERROR(set("verbosity", "0"));

    const int64_t rounds = config.train_steps();
    // -1: never stop early; and nothing to stop on without validation examples.
    const int patience = dvalidation ? gbdt.early_stopping_rounds() : -1;
    double best_loss = HUGE_VAL;
    int64_t best_round = -1;
    const BoosterHandle handle = booster->handle;
    std::vector<const char*> names = {"train", "validation"};
    for (int64_t round = 0; round < rounds; ++round) {
      const int iteration = base_rounds + static_cast<int>(round);
      RETURN_IF_ERROR(XgbError(Xgb().XGBoosterUpdateOneIter(handle, iteration, dtrain->handle),
                               StrCat("boosting round ", round)));
      // Early stopping reads the validation loss every round; the curves read both parts'
      // metrics at their points only.
      const char* out = nullptr;
      bool improved = false;
      if (dvalidation) {
        RETURN_IF_ERROR(
            XgbError(Xgb().XGBoosterEvalOneIter(handle, iteration, &cache[1], &names[1], 1, &out),
                     "evaluating"));
        auto validation_curve = ParseEval(out)["validation"];
        const double loss = validation_curve.empty() ? HUGE_VAL : validation_curve.front().second;
        improved = loss < best_loss;
        if (improved) {
          best_loss = loss;
          best_round = round;
        }
      }
      const bool last = round + 1 == rounds;
      const bool stop = !improved && patience > 0 && round - best_round >= patience;
      if ((round + 1) % config.log_every_steps() == 0 || last || stop) {
        RETURN_IF_ERROR(XgbError(Xgb().XGBoosterEvalOneIter(handle, iteration, cache.data(),
                                                            names.data(), cache.size(), &out),
                                 "evaluating"));
        auto curves = ParseEval(out);
        for (size_t c = 0; c < cache.size(); ++c)
          RETURN_IF_ERROR(job.curves->Add(names[c], round + 1, CurveMetrics(curves[names[c]])));
      }
      if (stop) break;
    }
    if (patience > 0 && best_round >= 0) {
      // Keep the trees up to the best validation round (early stopping).
      BoosterHandle sliced = nullptr;
      RETURN_IF_ERROR(
          XgbError(Xgb().XGBoosterSlice(handle, 0, base_rounds + static_cast<int>(best_round + 1),
                                        1, &sliced),
                   "keeping the best rounds"));
      auto best = std::make_unique<Booster>();
      best->handle = sliced;
      ASSIGN_OR_RETURN(std::unique_ptr<GbdtModel> model, GbdtModel::Create(spec, std::move(best)));
      return std::unique_ptr<Model>(std::move(model));
    }
    ASSIGN_OR_RETURN(std::unique_ptr<GbdtModel> model, GbdtModel::Create(spec, std::move(booster)));
    return std::unique_ptr<Model>(std::move(model));
  }

  absl::StatusOr<std::unique_ptr<Model>> Load(const ModelSpec& spec,
                                              const std::filesystem::path& dir) const override {
    RETURN_IF_ERROR(LoadLibXgboost().status());
    auto booster = std::make_unique<Booster>();
    RETURN_IF_ERROR(
        XgbError(Xgb().XGBoosterCreate(nullptr, 0, &booster->handle), "creating a booster"));
    RETURN_IF_ERROR(
        XgbError(Xgb().XGBoosterLoadModel(booster->handle, (dir / kWeightsFile).c_str()),
                 StrCat("loading ", (dir / kWeightsFile).string())));
    Xgb().XGBoosterSetParam(booster->handle, "nthread", "1");  // Serving: one request, one thread.
    ASSIGN_OR_RETURN(std::unique_ptr<GbdtModel> model, GbdtModel::Create(spec, std::move(booster)));
    return std::unique_ptr<Model>(std::move(model));
  }
};

}  // namespace

std::unique_ptr<ModelFamily> MakeGbdtFamily() { return std::make_unique<GbdtFamily>(); }

absl::StatusOr<std::vector<float>> PredictWithXgboost(const Model& model, const Batch& batch) {
  const auto* gbdt = dynamic_cast<const GbdtModel*>(&model);
  if (gbdt == nullptr) return absl::InvalidArgumentError("not a gbdt model");
  return gbdt->PredictWithXgboost(batch);
}

}  // namespace weir::model
