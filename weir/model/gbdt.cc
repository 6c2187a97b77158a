// The gbdt family: gradient-boosted trees through XGBoost's C API (hist method). Inputs are one
// float per column: the dense features, then each categorical id (missing: NaN).
#include "weir/model/gbdt.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include "weir/base/parallel.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"

namespace weir::model {
namespace {

constexpr char kWeightsFile[] = "model.xgb.json";

absl::Status XgbError(int rc, std::string_view what) {
  if (rc == 0) return absl::OkStatus();
  return absl::InternalError(StrCat("XGBoost: ", what, ": ", XGBGetLastError()));
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
    if (handle) XGDMatrixFree(handle);
  }
};

struct Booster {
  BoosterHandle handle = nullptr;
  ~Booster() {
    if (handle) XGBoosterFree(handle);
  }
};

// Every batch of a source, concatenated.
absl::StatusOr<Batch> ReadAll(BatchSource& source) {
  RETURN_IF_ERROR(source.Rewind());
  Batch all;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Batch> batch, source.Next());
    if (!batch) break;
    all.num_dense = batch->num_dense;
    all.num_categorical = batch->num_categorical;
    all.rows += batch->rows;
    all.dense.insert(all.dense.end(), batch->dense.begin(), batch->dense.end());
    all.categorical.insert(all.categorical.end(), batch->categorical.begin(),
                           batch->categorical.end());
    all.labels.insert(all.labels.end(), batch->labels.begin(), batch->labels.end());
  }
  return all;
}

absl::StatusOr<std::unique_ptr<DMatrix>> MakeDMatrix(const Batch& batch, int threads) {
  auto matrix = std::make_unique<DMatrix>();
  const std::vector<float> features = Features(batch);
  RETURN_IF_ERROR(XgbError(XGDMatrixCreateFromMat_omp(
                               features.data(), batch.rows, batch.num_dense + batch.num_categorical,
                               std::numeric_limits<float>::quiet_NaN(), &matrix->handle, threads),
                           "creating a matrix"));
  RETURN_IF_ERROR(XgbError(
      XGDMatrixSetFloatInfo(matrix->handle, "label", batch.labels.data(), batch.labels.size()),
      "setting labels"));
  return matrix;
}

class GbdtModel : public Model {
 public:
  GbdtModel(ModelSpec spec, std::unique_ptr<Booster> booster)
      : spec_(std::move(spec)), booster_(std::move(booster)) {}

  absl::StatusOr<std::vector<float>> Predict(const Batch& batch) const override {
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
    std::lock_guard<std::mutex> lock(mutex_);  // The result buffer belongs to the booster.
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    RETURN_IF_ERROR(XgbError(XGBoosterPredictFromDense(booster_->handle, array.c_str(), kConfig,
                                                       nullptr, &shape, &dims, &result),
                             "predicting"));
    size_t size = 1;
    for (bst_ulong d = 0; d < dims; ++d) size *= shape[d];
    return std::vector<float>(result, result + size);
  }

  BoosterHandle handle() const { return booster_->handle; }

  absl::Status Save(const std::filesystem::path& dir) const override {
    return XgbError(XGBoosterSaveModel(booster_->handle, (dir / kWeightsFile).c_str()),
                    "saving the model");
  }

 private:
  ModelSpec spec_;
  std::unique_ptr<Booster> booster_;
  mutable std::mutex mutex_;
};

class GbdtFamily : public ModelFamily {
 public:
  std::string WeightsFile() const override { return kWeightsFile; }

  absl::StatusOr<std::unique_ptr<Model>> Train(const TrainingJob& job) const override {
    const ModelSpec& spec = job.spec;
    const TrainerConfig& config = spec.config();
    const GbdtConfig& gbdt = config.gbdt();
    const int threads = job.num_threads > 0 ? job.num_threads : base::DefaultThreadCount();
    ASSIGN_OR_RETURN(Batch train, ReadAll(*job.train));
    ASSIGN_OR_RETURN(Batch eval, ReadAll(*job.eval));
    if (train.rows == 0) return absl::InvalidArgumentError("the train split has no examples");
    ASSIGN_OR_RETURN(std::unique_ptr<DMatrix> dtrain, MakeDMatrix(train, threads));
    ASSIGN_OR_RETURN(std::unique_ptr<DMatrix> deval, MakeDMatrix(eval, threads));

    auto booster = std::make_unique<Booster>();
    DMatrixHandle cache[] = {dtrain->handle, deval->handle};
    RETURN_IF_ERROR(XgbError(XGBoosterCreate(cache, eval.rows > 0 ? 2 : 1, &booster->handle),
                             "creating the booster"));
    auto set = [&](const char* name, const std::string& value) {
      return XgbError(XGBoosterSetParam(booster->handle, name, value.c_str()),
                      StrCat("setting ", name, "=", value));
    };
    std::string eval_metric;
    switch (config.task()) {
      case BINARY_CLASSIFICATION:
        RETURN_IF_ERROR(set("objective", "binary:logistic"));
        eval_metric = "logloss";
        break;
      case MULTICLASS_CLASSIFICATION:
        RETURN_IF_ERROR(set("objective", "multi:softprob"));
        RETURN_IF_ERROR(set("num_class", std::to_string(config.num_classes())));
        eval_metric = "mlogloss";
        break;
      default:
        RETURN_IF_ERROR(set("objective", "reg:squarederror"));
        eval_metric = "rmse";
        break;
    }
    RETURN_IF_ERROR(set("eval_metric", eval_metric));
    RETURN_IF_ERROR(set("tree_method", "hist"));
    RETURN_IF_ERROR(set("max_depth", std::to_string(gbdt.max_depth() > 0 ? gbdt.max_depth() : 6)));
    RETURN_IF_ERROR(
        set("eta", std::to_string(gbdt.learning_rate() > 0 ? gbdt.learning_rate() : 0.1)));
    RETURN_IF_ERROR(
        set("subsample", std::to_string(gbdt.subsample() > 0 ? gbdt.subsample() : 1.0)));
    RETURN_IF_ERROR(
        set("colsample_bytree",
            std::to_string(gbdt.colsample_bytree() > 0 ? gbdt.colsample_bytree() : 1.0)));
    RETURN_IF_ERROR(
        set("min_child_weight",
            std::to_string(gbdt.min_child_weight() > 0 ? gbdt.min_child_weight() : 1.0)));
    RETURN_IF_ERROR(set("lambda", std::to_string(gbdt.reg_lambda() > 0 ? gbdt.reg_lambda() : 1.0)));
    RETURN_IF_ERROR(set("seed", std::to_string(config.seed())));
    RETURN_IF_ERROR(set("nthread", std::to_string(threads)));
    RETURN_IF_ERROR(set("verbosity", "0"));

    const int64_t rounds = config.train_steps() > 0 ? config.train_steps() : 300;
    const int patience = gbdt.early_stopping_rounds() == 0 ? 30 : gbdt.early_stopping_rounds();
    double best_loss = HUGE_VAL;
    int64_t best_round = -1;
    // The model owns the booster from here on, so that curves can use its Predict.
    auto model = std::make_unique<GbdtModel>(spec, std::move(booster));
    const BoosterHandle handle = model->handle();
    for (int64_t round = 0; round < rounds; ++round) {
      RETURN_IF_ERROR(
          XgbError(XGBoosterUpdateOneIter(handle, static_cast<int>(round), dtrain->handle),
                   StrCat("boosting round ", round)));
      if (eval.rows > 0) {
        DMatrixHandle eval_only[] = {deval->handle};
        const char* names[] = {"eval"};
        const char* out = nullptr;
        RETURN_IF_ERROR(XgbError(
            XGBoosterEvalOneIter(handle, static_cast<int>(round), eval_only, names, 1, &out),
            "evaluating"));
        // "[3]\teval-logloss:0.4123"
        const char* colon = std::strrchr(out, ':');
        const double loss = colon ? std::strtod(colon + 1, nullptr) : HUGE_VAL;
        if (loss < best_loss) {
          best_loss = loss;
          best_round = round;
        } else if (patience > 0 && round - best_round >= patience) {
          break;
        }
      }
      const bool last = round + 1 == rounds;
      if ((round + 1) % config.log_every_steps() == 0 || last) {
        RETURN_IF_ERROR(LogCurves(*model, spec, train, eval, round + 1, *job.curves));
      }
    }
    if (best_round >= 0) {
      // Keep the trees up to the best eval round (early stopping).
      BoosterHandle sliced = nullptr;
      RETURN_IF_ERROR(
          XgbError(XGBoosterSlice(handle, 0, static_cast<int>(best_round + 1), 1, &sliced),
                   "keeping the best rounds"));
      auto best = std::make_unique<Booster>();
      best->handle = sliced;
      return std::unique_ptr<Model>(std::make_unique<GbdtModel>(spec, std::move(best)));
    }
    return std::unique_ptr<Model>(std::move(model));
  }

  absl::StatusOr<std::unique_ptr<Model>> Load(const ModelSpec& spec,
                                              const std::filesystem::path& dir) const override {
    auto booster = std::make_unique<Booster>();
    RETURN_IF_ERROR(XgbError(XGBoosterCreate(nullptr, 0, &booster->handle), "creating a booster"));
    RETURN_IF_ERROR(XgbError(XGBoosterLoadModel(booster->handle, (dir / kWeightsFile).c_str()),
                             StrCat("loading ", (dir / kWeightsFile).string())));
    XGBoosterSetParam(booster->handle, "nthread", "1");  // Serving: one request, one thread.
    return std::unique_ptr<Model>(std::make_unique<GbdtModel>(spec, std::move(booster)));
  }

 private:
  static absl::Status LogCurves(const Model& model, const ModelSpec& spec, const Batch& train,
                                const Batch& eval, int64_t step, CurveSink& curves) {
    for (const auto& [name, batch] : {std::pair<const char*, const Batch*>{"train", &train},
                                      std::pair<const char*, const Batch*>{"eval", &eval}}) {
      if (batch->rows == 0) continue;
      ASSIGN_OR_RETURN(std::vector<float> predictions, model.Predict(*batch));
      RETURN_IF_ERROR(curves.Add(name, step, ComputeMetrics(spec, predictions, batch->labels)));
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<ModelFamily> MakeGbdtFamily() { return std::make_unique<GbdtFamily>(); }

}  // namespace weir::model
