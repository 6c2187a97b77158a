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
#include <tuple>

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
        tower_layers.emplace_back(std::max<int64_t>(width, 1), units);
        tower->push_back(tower_layers.back());
        tower->push_back(torch::nn::ReLU());
        width = units;
      }
      tower_layers.emplace_back(std::max<int64_t>(width, 1), a.outputs);
      tower->push_back(tower_layers.back());
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
  std::vector<torch::nn::Linear> tower_layers;  // The tower's Linear layers, in order.
};
TORCH_MODULE(Net);

// A copy of `net`'s weights in a network of its own (a checkpoint).
Net CloneNet(const Architecture& arch, const Net& net) {
  Net copy(arch);
  torch::NoGradGuard no_grad;
  auto to = copy->named_parameters();
  for (const auto& from : net->named_parameters()) to[from.key()].copy_(from.value());
  return copy;
}

// The table row of each categorical input of one example: its id, or the last row of its table
// for a missing or out-of-range id.
void TableRows(const Architecture& arch, const int32_t* ids, int64_t* rows) {
  const size_t c = arch.offsets.size();
  for (size_t j = 0; j < c; ++j) {
    const int64_t end = j + 1 < c ? arch.offsets[j + 1] : arch.table_rows;
    const int64_t cardinality = end - arch.offsets[j] - 1;
    rows[j] = arch.offsets[j] + (ids[j] < 0 ? cardinality : ids[j]);
  }
}

// A regression network learns the standardized label (model.proto's RegressionTarget): its
// output o means o * stddev + mean in the label's units.
std::pair<double, double> TargetScale(const ModelSpec& spec) {
  if (!spec.has_regression_target()) return {1.0, 0.0};
  return {spec.regression_target().stddev(), spec.regression_target().mean()};
}

// The network's weights copied out of LibTorch, and its forward pass computed one example at a
// time in a fixed order (double sums): an example's outputs never depend on the other examples
// of its batch. LibTorch's matrix products block the sums differently by batch size, which moved
// predictions by up to 5e-8 between an example served alone and in a batch.
class RowwiseNet {
 public:
  RowwiseNet(const Architecture& arch, const Net& net, std::pair<double, double> target_scale)
      : arch_(arch) {
    parts_.num_dense = arch.num_dense;
    parts_.offsets = arch.offsets;
    parts_.table_rows = arch.table_rows;
    parts_.outputs = arch.outputs;
    parts_.wide_dense = Copy(net->wide_dense);
    if (net->wide_categorical) parts_.wide_table = Values(net->wide_categorical->weight);
    if (net->deep_embedding) {
      parts_.deep_table = Values(net->deep_embedding->weight);
      parts_.embedding_dim = arch.embedding_dim;
    }
    for (const torch::nn::Linear& layer : net->tower_layers) parts_.tower.push_back(Copy(layer));
    std::tie(parts_.output_scale, parts_.output_shift) = target_scale;
  }

  const NetworkParts& parts() const { return parts_; }

  // `dense`: num_dense values; `ids`: one per categorical. Writes arch.outputs logits.
  void Forward(const float* dense, const int32_t* ids, float* logits) const {
    std::vector<int64_t> rows(arch_.offsets.size());
    TableRows(arch_, ids, rows.data());
    const float zero = 0;
    const float* dense_in = arch_.num_dense > 0 ? dense : &zero;
    std::vector<double> out(static_cast<size_t>(arch_.outputs));
    Apply(parts_.wide_dense, dense_in, out.data());
    for (int64_t row : rows) {
      for (int64_t k = 0; k < arch_.outputs; ++k)
        out[static_cast<size_t>(k)] +=
            parts_.wide_table[static_cast<size_t>(row * arch_.outputs + k)];
    }
    if (arch_.deep) {
      std::vector<float> x;
      if (!parts_.deep_table.empty()) {
        x.assign(dense, dense + arch_.num_dense);
        for (int64_t row : rows) {
          const float* embedding = parts_.deep_table.data() + row * arch_.embedding_dim;
          x.insert(x.end(), embedding, embedding + arch_.embedding_dim);
        }
      } else {
        x.assign(dense_in, dense_in + std::max<int64_t>(arch_.num_dense, 1));
      }
      std::vector<double> y;
      for (size_t l = 0; l < parts_.tower.size(); ++l) {
        y.assign(static_cast<size_t>(parts_.tower[l].out), 0.0);
        Apply(parts_.tower[l], x.data(), y.data());
        const bool hidden = l + 1 < parts_.tower.size();
        x.resize(y.size());
        for (size_t k = 0; k < y.size(); ++k)
          x[k] = static_cast<float>(hidden ? std::max(y[k], 0.0) : y[k]);
      }
      for (size_t k = 0; k < out.size(); ++k) out[k] += x[k];
    }
    for (size_t k = 0; k < out.size(); ++k) logits[k] = static_cast<float>(out[k]);
  }

 private:
  static std::vector<float> Values(const torch::Tensor& tensor) {
    torch::Tensor flat = tensor.detach().to(torch::kFloat32).contiguous();
    return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  }
  static DenseLayer Copy(const torch::nn::Linear& linear) {
    DenseLayer layer;
    layer.out = linear->weight.size(0);
    layer.in = linear->weight.size(1);
    layer.weight = Values(linear->weight);
    layer.bias = Values(linear->bias);
    return layer;
  }
  // y = W x + b, each output a double sum in input order.
  static void Apply(const DenseLayer& layer, const float* x, double* y) {
    for (int64_t j = 0; j < layer.out; ++j) {
      const float* w = layer.weight.data() + j * layer.in;
      double sum = layer.bias[static_cast<size_t>(j)];
      for (int64_t k = 0; k < layer.in; ++k) sum += static_cast<double>(w[k]) * x[k];
      y[j] += sum;
    }
  }

  Architecture arch_;
  NetworkParts parts_;
};

// Tensors of a batch (or of rows [begin, end) of it).
std::pair<torch::Tensor, torch::Tensor> Inputs(const Architecture& arch, const Batch& batch) {
  const int64_t n = static_cast<int64_t>(batch.rows);
  torch::Tensor dense =
      torch::from_blob(const_cast<float*>(batch.dense.data()), {n, arch.num_dense}, torch::kFloat32)
          .clone();
  const int64_t c = static_cast<int64_t>(arch.offsets.size());
  torch::Tensor rows = torch::empty({n, c}, torch::kInt64);
  int64_t* out = rows.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) TableRows(arch, batch.categorical.data() + i * c, out + i * c);
  return {dense, rows};
}

// Probabilities, or predictions in the label's units, row after row, from logits.
void Outputs(const ModelSpec& spec, const float* logits, size_t rows, float* out) {
  const size_t width = static_cast<size_t>(OutputsPerRow(spec));
  switch (spec.config().task()) {
    case BINARY_CLASSIFICATION:
      for (size_t i = 0; i < rows; ++i) out[i] = 1.f / (1.f + std::exp(-logits[i]));
      break;
    case MULTICLASS_CLASSIFICATION:
      for (size_t i = 0; i < rows; ++i) {
        const float* z = logits + i * width;
        float* p = out + i * width;
        const float largest = *std::max_element(z, z + width);
        double total = 0;
        for (size_t k = 0; k < width; ++k) total += p[k] = std::exp(z[k] - largest);
        for (size_t k = 0; k < width; ++k) p[k] = static_cast<float>(p[k] / total);
      }
      break;
    default: {
      const auto [scale, shift] = TargetScale(spec);
      for (size_t i = 0; i < rows; ++i) out[i] = static_cast<float>(logits[i] * scale + shift);
      break;
    }
  }
}

torch::Tensor Loss(const ModelSpec& spec, const torch::Tensor& logits,
                   const torch::Tensor& labels) {
  switch (spec.config().task()) {
    case BINARY_CLASSIFICATION:
      return torch::binary_cross_entropy_with_logits(logits.reshape({-1}), labels);
    case MULTICLASS_CLASSIFICATION:
      return torch::nn::functional::cross_entropy(logits, labels.to(torch::kInt64));
    default: {
      const auto [scale, shift] = TargetScale(spec);
      return torch::mse_loss(logits.reshape({-1}), (labels - shift) / scale);
    }
  }
}

class TorchModel : public Model {
 public:
  // Takes `net` as it is: the model's weights are a copy of its weights now.
  TorchModel(ModelSpec spec, Net net)
      : spec_(std::move(spec)),
        arch_(Architecture::Of(spec_)),
        net_(std::move(net)),
        rowwise_(arch_, net_, TargetScale(spec_)) {
    net_->eval();
  }

  absl::StatusOr<std::vector<float>> Predict(const Batch& batch) const override {
    const size_t width = static_cast<size_t>(arch_.outputs);
    std::vector<float> logits(batch.rows * width);
    for (size_t row = 0; row < batch.rows; ++row) {
      rowwise_.Forward(batch.dense.data() + row * batch.num_dense,
                       batch.categorical.data() + row * batch.num_categorical,
                       logits.data() + row * width);
    }
    std::vector<float> out(logits.size());
    Outputs(spec_, logits.data(), batch.rows, out.data());
    return out;
  }

  absl::StatusOr<ModelParts> Parts() const override { return rowwise_.parts(); }

  const Net& net() const { return net_; }

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

 private:
  ModelSpec spec_;
  Architecture arch_;
  Net net_;  // For Save; predictions come from rowwise_.
  RowwiseNet rowwise_;
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
    if (job.warm_start != nullptr) {
      // Start from the base model's weights: the Trainer checked that the architecture is the
      // same (family, inputs, sizes).
      const auto* base = dynamic_cast<const TorchModel*>(job.warm_start);
      if (base == nullptr) {
        return absl::InvalidArgumentError("the warm-start model is not a network of this plug-in");
      }
      torch::NoGradGuard no_grad;
      const auto from = base->net()->named_parameters();
      for (auto& parameter : net->named_parameters()) {
        const torch::Tensor* source = from.find(parameter.key());
        if (source == nullptr || source->sizes() != parameter.value().sizes()) {
          return absl::InvalidArgumentError(
              StrCat("the warm-start model has no parameter ", parameter.key(), " of this shape"));
        }
        parameter.value().copy_(*source);
      }
    }
    torch::optim::Adam optimizer(net->parameters(),
                                 torch::optim::AdamOptions(learning_rate).weight_decay(l2));
    ShuffledBatches batches(*job.train, shuffle_buffer, config.seed());
    const int64_t patience = linear ? config.linear().early_stopping_steps()
                                    : config.wide_deep().early_stopping_steps();  // -1: never.
    const int64_t validation_blocks =
        config.eval_steps() > 0
            ? std::max<int64_t>(
                  1, config.eval_steps() * batch_size / static_cast<int64_t>(io::kExamplesPerBlock))
            : 0;

    // Train curve: the predictions of the steps since the last point.
    std::vector<float> window_predictions, window_labels;
    std::unique_ptr<TorchModel> best;  // The checkpoint with the lowest validation loss.
    double best_loss = HUGE_VAL;
    int64_t best_step = 0;
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
      torch::Tensor detached = logits.detach().contiguous();
      const size_t first = window_predictions.size();
      window_predictions.resize(first + static_cast<size_t>(detached.numel()));
      Outputs(spec, detached.data_ptr<float>(), batch.rows, window_predictions.data() + first);
      window_labels.insert(window_labels.end(), batch.labels.begin(), batch.labels.end());
      if (step % config.log_every_steps() != 0 && step != steps) continue;

      RETURN_IF_ERROR(
          job.curves->Add("train", step, ComputeMetrics(spec, window_predictions, window_labels)));
      window_predictions.clear();
      window_labels.clear();
      net->eval();
      auto checkpoint = std::make_unique<TorchModel>(spec, CloneNet(arch, net));
      if (job.validation == nullptr) {
        best = std::move(checkpoint);
        continue;
      }
      ASSIGN_OR_RETURN(auto metrics,
                       EvaluateModel(*checkpoint, spec, *job.validation, validation_blocks));
      RETURN_IF_ERROR(job.curves->Add("validation", step, metrics));
      double validation_loss = HUGE_VAL;
      for (const auto& [name, value] : metrics) {
        if (name == "loss") validation_loss = value;
      }
      if (best == nullptr || validation_loss < best_loss) {
        best = std::move(checkpoint);
        best_loss = validation_loss;
        best_step = step;
      } else if (patience > 0 && step - best_step >= patience) {
        break;  // No better validation loss for `patience` steps: keep the best checkpoint.
      }
    }
    if (best == nullptr) return absl::InvalidArgumentError("train_steps must be at least 1");
    return std::unique_ptr<Model>(std::move(best));
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
