// Micro-benchmarks of weir's data-plane kernels (Google Benchmark).
//   build/release/bin/weir_micro_bench [--benchmark_filter=REGEX]
#include <random>
#include <string>

#include "benchmark/benchmark.h"
#include "weir/base/hashing.h"
#include "weir/io/csv/csv_parser.h"
#include "weir/io/example/example_codec.h"
#include "weir/io/tfrecord/tfrecord.h"
#include "weir/stats/quantile_sketch.h"

namespace {

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(1);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

void BM_Crc32c(benchmark::State& state) {
  std::string data = RandomBytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(weir::base::Crc32c(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(64)->Arg(4096)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& state) {
  std::string data = RandomBytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(weir::base::Crc32cPortable(0, data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(4096)->Arg(1 << 20);

void BM_Sha256Example(benchmark::State& state) {
  std::string data = RandomBytes(400);  // About one taxi example.
  for (auto _ : state) benchmark::DoNotOptimize(weir::base::Sha256(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 400);
}
BENCHMARK(BM_Sha256Example);

void BM_ClassifyCell(benchmark::State& state) {
  const char* cells[] = {"41.836150155", "1380593700", "Taxi Affiliation Services", "", "0.0"};
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(weir::io::ClassifyCell(cells[i++ % 5]));
}
BENCHMARK(BM_ClassifyCell);

weir::data::RecordBatch TaxiLikeBatch(size_t rows) {
  weir::data::RecordBatch batch;
  for (int c = 0; c < 6; ++c)
    batch.AddColumn("int_feature_" + std::to_string(c), weir::data::DataType::kInt64);
  for (int c = 0; c < 8; ++c)
    batch.AddColumn("float_feature_" + std::to_string(c), weir::data::DataType::kFloat);
  for (int c = 0; c < 4; ++c)
    batch.AddColumn("bytes_feature_" + std::to_string(c), weir::data::DataType::kBytes);
  std::mt19937_64 rng(2);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      auto& column = batch.mutable_column(c);
      if (rng() % 10 == 0) {
        column.FinishRow(weir::data::Presence::kPresent);  // An empty cell.
        continue;
      }
      switch (column.type()) {
        case weir::data::DataType::kInt64:
          column.AddInt64(static_cast<int64_t>(rng() % 100000));
          break;
        case weir::data::DataType::kFloat:
          column.AddFloat(static_cast<float>(rng() % 10000) / 100.0f);
          break;
        default:
          column.AddBytes("Taxi Affiliation Services");
      }
      column.FinishRow(weir::data::Presence::kPresent);
    }
  }
  return batch;
}

void BM_EncodeExamples(benchmark::State& state) {
  weir::data::RecordBatch batch = TaxiLikeBatch(10000);
  std::string out;
  for (auto _ : state) {
    weir::io::ExampleEncoder encoder(batch);
    out.clear();
    for (size_t r = 0; r < batch.num_rows(); ++r) encoder.Encode(r, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 10000);
}
BENCHMARK(BM_EncodeExamples);

void BM_DecodeExamples(benchmark::State& state) {
  weir::data::RecordBatch batch = TaxiLikeBatch(10000);
  weir::io::ExampleEncoder encoder(batch);
  std::vector<std::string> examples(batch.num_rows());
  for (size_t r = 0; r < batch.num_rows(); ++r) encoder.Encode(r, &examples[r]);
  for (auto _ : state) {
    weir::io::ExampleBatchBuilder builder;
    for (const auto& example : examples) benchmark::DoNotOptimize(builder.Add(example).ok());
    benchmark::DoNotOptimize(builder.Finish());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 10000);
}
BENCHMARK(BM_DecodeExamples);

void BM_GzipMember(benchmark::State& state) {
  weir::data::RecordBatch batch = TaxiLikeBatch(10000);
  weir::io::ExampleEncoder encoder(batch);
  std::string framed, example;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    example.clear();
    encoder.Encode(r, &example);
    weir::io::AppendFramedRecord(example, &framed);
  }
  weir::io::GzipCompressor compressor(static_cast<int>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    compressor.CompressMember(framed, &out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * framed.size()));
  state.counters["ratio"] = static_cast<double>(framed.size()) / static_cast<double>(out.size());
}
BENCHMARK(BM_GzipMember)->Arg(1)->Arg(3)->Arg(6);

void BM_QuantileSketchAdd(benchmark::State& state) {
  std::mt19937_64 rng(3);
  std::vector<double> values(1 << 20);
  for (double& v : values) v = static_cast<double>(rng() % 1000000) / 7.0;
  for (auto _ : state) {
    weir::stats::QuantileSketch sketch;
    for (double v : values) sketch.Add(v);
    benchmark::DoNotOptimize(sketch.count());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values.size()));
}
BENCHMARK(BM_QuantileSketchAdd);

}  // namespace

BENCHMARK_MAIN();
