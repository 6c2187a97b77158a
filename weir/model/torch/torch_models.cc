// The LibTorch model families, built as a plug-in (libweir_torch_models.so) so that only
// training and serving of these families load LibTorch. This is the one file that includes
// LibTorch's headers.
//   wide_deep: the tutorial's wide-and-deep network. Wide: a linear model over the dense
//              features and every categorical one-hot (an embedding of width num_outputs,
//              summed). Deep: a ReLU tower over the dense features (and, with embedding_dim,
//              an embedding of every categorical). The two logits add.
//   linear:    the wide part alone (logistic, softmax or linear regression).
// Each categorical gets cardinality + 1 rows: the last one stands for a missing value.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <random>

#include "weir/base/parallel.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/model/layout.h"
#include "weir/model/model.h"

// OpenBLAS's thread setting, when the BLAS LibTorch loaded is OpenBLAS (weak: absent otherwise).
extern "C" void openblas_set_num_threads(int threads) __attribute__((weak));

namespace weir::model {
namespace {

constexpr char kWeightsFile[] = "model.torch.pt";

// The network's shape, from the spec alone, so that Load rebuilds exactly what Train made.
struct Architecture {
  int64_t num_dense = 0;
  std::vector<int64_t> offsets;  // Per categorical: its first row in the shared tables.
  int64_t table_rows = 0;
  int64_t outputs = 1;
  bool deep = false;
  std::vector<int64_t> hidden_units;
  int64_t embedding_dim = 0;

  static Architecture Of(const ModelSpec& spec) {
    Architecture a;
    for (const ModelInput& input : spec.inputs()) {
      if (input.cardinality() > 0) {
        a.offsets.push_back(a.table_rows);
        a.table_rows += input.cardinality() + 1;
      } else {
        a.num_dense += input.size();
      }
    }
    a.outputs = OutputsPerRow(spec);
    a.deep = spec.config().family() == "wide_deep";
    const WideDeepConfig& wd = spec.config().wide_deep();
    if (a.deep) {
      a.hidden_units.assign(wd.hidden_units().begin(), wd.hidden_units().end());
      a.embedding_dim = std::max(0, wd.embedding_dim());
    }
    return a;
  }
};

struct NetImpl : torch::nn::Module {
  explicit NetImpl(const Architecture& a) : arch(a) {
    wide_dense = register_module("wide_dense",
                                 torch::nn::Linear(std::max<int64_t>(a.num_dense, 1), a.outputs));
    if (a.table_rows > 0) {
      wide_categorical = register_module(
          "wide_categorical",
          torch::nn::Embedding(torch::nn::EmbeddingOptions(a.table_rows, a.outputs)));
      torch::nn::init::zeros_(wide_categorical->weight);
    }
    if (a.deep) {
      int64_t width = a.num_dense;
      if (a.table_rows > 0 && a.embedding_dim > 0) {
        deep_embedding = register_module(
            "deep_embedding",
            torch::nn::Embedding(torch::nn::EmbeddingOptions(a.table_rows, a.embedding_dim)));
        width += static_cast<int64_t>(a.offsets.size()) * a.embedding_dim;
      }
      tower = register_module("tower", torch::nn::Sequential());
      for (int64_t units : a.hidden_units) {
        tower->push_back(torch::nn::Linear(std::max<int64_t>(width, 1), units));
        tower->push_back(torch::nn::ReLU());
        width = units;
      }
      tower->push_back(torch::nn::Linear(std::max<int64_t>(width, 1), a.outputs));
    }
  }

  // dense: [B, num_dense] float; rows: [B, num_categorical] int64 (table rows). Logits [B, out].
  torch::Tensor forward(const torch::Tensor& dense, const torch::Tensor& rows) {
    const int64_t batch = dense.size(0);
    torch::Tensor dense_in = arch.num_dense > 0 ? dense : torch::zeros({batch, 1});
    torch::Tensor logits = wide_dense->forward(dense_in);
    if (wide_categorical) logits = logits + wide_categorical->forward(rows).sum(1);
    if (arch.deep) {
      torch::Tensor deep_in = dense_in;
      if (deep_embedding) {
        torch::Tensor embedded = deep_embedding->forward(rows).reshape({batch, -1});
        deep_in = arch.num_dense > 0 ? torch::cat({dense, embedded}, 1) : embedded;
      }
      logits = logits + tower->forward(deep_in);
    }
    return logits;
  }

  Architecture arch;
  torch::nn::Linear wide_dense{nullptr};
  torch::nn::Embedding wide_categorical{nullptr};
  torch::nn::Embedding deep_embedding{nullptr};
  torch::nn::Sequential tower{nullptr};
};
TORCH_MODULE(Net);

// Tensors of a batch (or of rows [begin, end) of it).
std::pair<torch::Tensor, torch::Tensor> Inputs(const Architecture& arch, const Batch& batch) {
  const int64_t n = static_cast<int64_t>(batch.rows);
  torch::Tensor dense =
      torch::from_blob(const_cast<float*>(batch.dense.data()), {n, arch.num_dense}, torch::kFloat32)
          .clone();
  const int64_t c = static_cast<int64_t>(arch.offsets.size());
  torch::Tensor rows = torch::empty({n, c}, torch::kInt64);
  int64_t* out = rows.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < c; ++j) {
      const int32_t id = batch.categorical[static_cast<size_t>(i * c + j)];
      const int64_t cardinality =
          (j + 1 < c ? arch.offsets[static_cast<size_t>(j + 1)] : arch.table_rows) -
          arch.offsets[static_cast<size_t>(j)] - 1;
      out[i * c + j] = arch.offsets[static_cast<size_t>(j)] + (id < 0 ? cardinality : id);
    }
  }
  return {dense, rows};
}

torch::Tensor Outputs(const ModelSpec& spec, const torch::Tensor& logits) {
  switch (spec.config().task()) {
    case BINARY_CLASSIFICATION:
      return torch::sigmoid(logits).reshape({-1});
    case MULTICLASS_CLASSIFICATION:
      return torch::softmax(logits, 1).reshape({-1});
    default:
      return logits.reshape({-1});
  }
}

torch::Tensor Loss(const ModelSpec& spec, const torch::Tensor& logits,
                   const torch::Tensor& labels) {
  switch (spec.config().task()) {
    case BINARY_CLASSIFICATION:
      return torch::binary_cross_entropy_with_logits(logits.reshape({-1}), labels);
    case MULTICLASS_CLASSIFICATION:
      return torch::nn::functional::cross_entropy(logits, labels.to(torch::kInt64));
    default:
      return torch::mse_loss(logits.reshape({-1}), labels);
  }
}

class TorchModel : public Model {
 public:
  TorchModel(ModelSpec spec, Net net)
      : spec_(std::move(spec)), arch_(Architecture::Of(spec_)), net_(std::move(net)) {
    net_->eval();
  }

  absl::StatusOr<std::vector<float>> Predict(const Batch& batch) const override {
    if (batch.rows == 0) return std::vector<float>();
    try {
      torch::NoGradGuard no_grad;
      auto [dense, rows] = Inputs(arch_, batch);
      torch::Tensor out = Outputs(spec_, net_->forward(dense, rows)).contiguous();
      const float* data = out.data_ptr<float>();
      return std::vector<float>(data, data + out.numel());
    } catch (const std::exception& e) {
      return absl::InternalError(StrCat("LibTorch: predicting: ", e.what()));
    }
  }

  absl::Status Save(const std::filesystem::path& dir) const override {
    try {
      torch::serialize::OutputArchive archive;
      net_->save(archive);
      archive.save_to((dir / kWeightsFile).string());
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return absl::InternalError(StrCat("LibTorch: saving the model: ", e.what()));
    }
  }

  Net& net() { return net_; }

 private:
  ModelSpec spec_;
  Architecture arch_;
  mutable Net net_;
};

// Draws shuffled training batches from a stream of blocks, through a buffer of examples as
// tf.data's shuffle does; rewinds the source at its end (a new epoch).
class ShuffledBatches {
 public:
  ShuffledBatches(BatchSource& source, size_t buffer_size, uint64_t seed)
      : source_(source), buffer_size_(std::max<size_t>(buffer_size, 1)), rng_(seed) {}

  absl::StatusOr<Batch> Next(size_t batch_size) {
    Batch out;
    while (out.rows < batch_size) {
      while (rows_.size() < buffer_size_ && !exhausted_twice_) RETURN_IF_ERROR(Fill());
      if (rows_.empty()) return absl::InvalidArgumentError("the train split has no examples");
      std::uniform_int_distribution<size_t> pick(0, rows_.size() - 1);
      const size_t i = pick(rng_);
      Row& row = rows_[i];
      out.num_dense = num_dense_;
      out.num_categorical = num_categorical_;
      out.dense.insert(out.dense.end(), row.dense.begin(), row.dense.end());
      out.categorical.insert(out.categorical.end(), row.categorical.begin(), row.categorical.end());
      out.labels.push_back(row.label);
      ++out.rows;
      std::swap(rows_[i], rows_.back());
      rows_.pop_back();
      exhausted_twice_ = false;
    }
    return out;
  }

 private:
  struct Row {
    std::vector<float> dense;
    std::vector<int32_t> categorical;
    float label;
  };

  absl::Status Fill() {
    absl::StatusOr<std::optional<Batch>> block = source_.Next();
    if (!block.ok()) return block.status();
    if (!block->has_value()) {
      // End of an epoch: start over; two ends in a row mean the source is empty.
      exhausted_twice_ = saw_end_;
      saw_end_ = true;
      return source_.Rewind();
    }
    saw_end_ = false;
    const Batch& batch = **block;
    num_dense_ = batch.num_dense;
    num_categorical_ = batch.num_categorical;
    for (size_t r = 0; r < batch.rows; ++r) {
      Row row;
      row.dense.assign(batch.dense.begin() + r * batch.num_dense,
                       batch.dense.begin() + (r + 1) * batch.num_dense);
      row.categorical.assign(batch.categorical.begin() + r * batch.num_categorical,
                             batch.categorical.begin() + (r + 1) * batch.num_categorical);
      row.label = batch.labels[r];
      rows_.push_back(std::move(row));
    }
    return absl::OkStatus();
  }

  BatchSource& source_;
  size_t buffer_size_;
  std::mt19937_64 rng_;
  std::vector<Row> rows_;
  size_t num_dense_ = 0;
  size_t num_categorical_ = 0;
  bool saw_end_ = false;
  bool exhausted_twice_ = false;
};

class TorchFamily : public ModelFamily {
 public:
  explicit TorchFamily(bool deep) : deep_(deep) {}
  std::string WeightsFile() const override { return kWeightsFile; }

  absl::StatusOr<std::unique_ptr<Model>> Train(const TrainingJob& job) const override {
    try {
      return TrainOrThrow(job);
    } catch (const std::exception& e) {
      return absl::InternalError(StrCat("LibTorch: training: ", e.what()));
    }
  }

  absl::StatusOr<std::unique_ptr<Model>> Load(const ModelSpec& spec,
                                              const std::filesystem::path& dir) const override {
    try {
      at::set_num_threads(1);  // Serving: one request, one thread; requests run side by side.
      Net net(Architecture::Of(spec));
      torch::serialize::InputArchive archive;
      archive.load_from((dir / kWeightsFile).string());
      net->load(archive);
      return std::unique_ptr<Model>(std::make_unique<TorchModel>(spec, std::move(net)));
    } catch (const std::exception& e) {
      return absl::InternalError(
          StrCat("LibTorch: loading ", (dir / kWeightsFile).string(), ": ", e.what()));
    }
  }

 private:
  absl::StatusOr<std::unique_ptr<Model>> TrainOrThrow(const TrainingJob& job) const {
    const ModelSpec& spec = job.spec;
    const TrainerConfig& config = spec.config();
    const bool linear = !deep_;
    const int64_t steps = config.train_steps();
    const int64_t batch_size =
        linear ? config.linear().batch_size() : config.wide_deep().batch_size();
    const double learning_rate =
        linear ? config.linear().learning_rate() : config.wide_deep().learning_rate();
    const double l2 = linear ? config.linear().l2() : 0.0;
    const size_t shuffle_buffer = static_cast<size_t>(linear ? config.linear().shuffle_buffer()
                                                             : config.wide_deep().shuffle_buffer());

    // Steps of a few dozen examples are too small to split across cores: one thread by default
    // (docs/trainer.md has the measurement); an explicit thread count is honoured.
    at::set_num_threads(job.num_threads > 0 ? job.num_threads : 1);
    // OpenBLAS (Debian's BLAS for LibTorch) keeps its own worker threads spinning between
    // calls; at these sizes they only burn the other core.
    if (openblas_set_num_threads != nullptr) openblas_set_num_threads(1);
    torch::manual_seed(config.seed());
    const Architecture arch = Architecture::Of(spec);
    Net net(arch);
    torch::optim::Adam optimizer(net->parameters(),
                                 torch::optim::AdamOptions(learning_rate).weight_decay(l2));
    ShuffledBatches batches(*job.train, shuffle_buffer, config.seed());

    // Train curve: the loss and predictions of the steps since the last point.
    std::vector<float> window_predictions, window_labels;
    double window_loss = 0;
    int64_t window_steps = 0;
    auto model = std::make_unique<TorchModel>(spec, net);
    for (int64_t step = 1; step <= steps; ++step) {
      ASSIGN_OR_RETURN(Batch batch, batches.Next(static_cast<size_t>(batch_size)));
      net->train();
      auto [dense, rows] = Inputs(arch, batch);
      torch::Tensor labels = torch::from_blob(batch.labels.data(),
                                              {static_cast<int64_t>(batch.rows)}, torch::kFloat32);
      optimizer.zero_grad();
      torch::Tensor logits = net->forward(dense, rows);
      torch::Tensor loss = Loss(spec, logits, labels);
      loss.backward();
      optimizer.step();
      window_loss += loss.item<double>();
      ++window_steps;
      torch::Tensor out = Outputs(spec, logits.detach()).contiguous();
      window_predictions.insert(window_predictions.end(), out.data_ptr<float>(),
                                out.data_ptr<float>() + out.numel());
      window_labels.insert(window_labels.end(), batch.labels.begin(), batch.labels.end());
      if (step % config.log_every_steps() == 0 || step == steps) {
        std::vector<std::pair<std::string, double>> train_metrics =
            ComputeMetrics(spec, window_predictions, window_labels);
        for (auto& [name, value] : train_metrics) {
          if (name == "loss") value = window_loss / static_cast<double>(window_steps);
        }
        RETURN_IF_ERROR(job.curves->Add("train", step, train_metrics));
        window_predictions.clear();
        window_labels.clear();
        window_loss = 0;
        window_steps = 0;
        net->eval();
        const int64_t eval_blocks =
            config.eval_steps() > 0
                ? std::max<int64_t>(1, config.eval_steps() * batch_size /
                                           static_cast<int64_t>(io::kExamplesPerBlock))
                : 0;
        ASSIGN_OR_RETURN(auto eval_metrics, EvaluateModel(*model, spec, *job.eval, eval_blocks));
        RETURN_IF_ERROR(job.curves->Add("eval", step, eval_metrics));
      }
    }
    net->eval();
    return std::unique_ptr<Model>(std::move(model));
  }

  bool deep_;
};

}  // namespace
}  // namespace weir::model

extern "C" int weir_plugin_register(void* registry) {
  auto* families = static_cast<weir::model::ModelFamilyRegistry*>(registry);
  families->Register("wide_deep", std::make_unique<weir::model::TorchFamily>(/*deep=*/true));
  families->Register("linear", std::make_unique<weir::model::TorchFamily>(/*deep=*/false));
  return 0;
}
