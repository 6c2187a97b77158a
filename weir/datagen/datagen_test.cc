#include "weir/datagen/datagen.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/datagen/copula.h"
#include "weir/io/csv/csv_reader.h"

namespace weir::datagen {
namespace {
namespace fs = std::filesystem;
using data::DataType;
using ::testing::HasSubstr;

const fs::path kTaxiCsv = fs::path(WEIR_SHARED_DIR) / "data/taxi/data.csv";

// A folder of this test binary's own; `sub` separates tests whose files must not mix (ctest runs
// tests of one binary in parallel processes).
// One folder per process: ctest runs each test in its own process, several at once, and they
// would otherwise overwrite each other's files.
fs::path TempDir(const std::string& sub = "") {
  fs::path dir =
      fs::path(::testing::TempDir()) / ("datagen_test_" + std::to_string(getpid())) / sub;
  fs::create_directories(dir);
  return dir;
}

// A CSV file read back with weir's reader: numbers as doubles (NaN when the cell is empty),
// strings as text ("" when empty).
struct Table {
  std::vector<std::string> names;
  std::vector<DataType> types;
  std::vector<std::vector<double>> numbers;
  std::vector<std::vector<std::string>> strings;
  size_t rows = 0;

  size_t Index(const std::string& name) const {
    return std::find(names.begin(), names.end(), name) - names.begin();
  }
  bool Missing(size_t column, size_t row) const {
    return types[column] == DataType::kBytes ? strings[column][row].empty()
                                             : std::isnan(numbers[column][row]);
  }
};

Table ReadTable(const fs::path& path) {
  Table table;
  auto inference = io::InferCsvSchema({path}, {});
  EXPECT_TRUE(inference.ok()) << inference.status();
  if (!inference.ok()) return table;
  table.names = inference->schema.names;
  table.types = inference->schema.types;
  size_t d = table.names.size();
  table.numbers.resize(d);
  table.strings.resize(d);
  absl::Status status =
      io::ReadCsv({path}, inference->schema, {}, [&](data::RecordBatch&& batch) -> absl::Status {
        for (size_t c = 0; c < d; ++c) {
          const data::Column& column = batch.column(c);
          for (size_t r = 0; r < batch.num_rows(); ++r) {
            bool present = column.type() != DataType::kNull && column.value_count(r) > 0;
            uint32_t i = present ? column.value_begin(r) : 0;
            switch (column.type()) {
              case DataType::kBytes:
                table.strings[c].emplace_back(present ? column.bytes_value(i) : "");
                break;
              case DataType::kInt64:
                table.numbers[c].push_back(present ? column.int64_values()[i] : NAN);
                break;
              case DataType::kFloat:
                table.numbers[c].push_back(present ? column.float_values()[i] : NAN);
                break;
              case DataType::kNull:
                table.numbers[c].push_back(NAN);
                break;
            }
          }
        }
        table.rows += batch.num_rows();
        return absl::OkStatus();
      });
  EXPECT_TRUE(status.ok()) << status;
  return table;
}

double MissingRate(const Table& table, size_t column) {
  size_t missing = 0;
  for (size_t r = 0; r < table.rows; ++r) missing += table.Missing(column, r);
  return static_cast<double>(missing) / table.rows;
}

std::vector<double> Present(const Table& table, size_t column) {
  std::vector<double> out;
  for (double value : table.numbers[column]) {
    if (!std::isnan(value)) out.push_back(value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Average ranks (ties share their mean rank).
std::vector<double> Ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    for (size_t k = i; k < j; ++k) ranks[order[k]] = 0.5 * (i + j - 1);
    i = j;
  }
  return ranks;
}

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  double my = std::accumulate(y.begin(), y.end(), 0.0) / y.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

// Spearman correlation over rows where both are present.
double Spearman(const Table& table, const std::string& a, const std::string& b) {
  size_t ia = table.Index(a), ib = table.Index(b);
  std::vector<double> x, y;
  for (size_t r = 0; r < table.rows; ++r) {
    if (table.Missing(ia, r) || table.Missing(ib, r)) continue;
    x.push_back(table.numbers[ia][r]);
    y.push_back(table.numbers[ib][r]);
  }
  return Pearson(Ranks(x), Ranks(y));
}

// Share of rows with tips > 0.2 * fare: the label of the taxi example.
double GenerousTipShare(const Table& table) {
  size_t fare = table.Index("fare"), tips = table.Index("tips"), count = 0;
  for (size_t r = 0; r < table.rows; ++r) {
    if (!table.Missing(fare, r) && !table.Missing(tips, r) &&
        table.numbers[tips][r] > 0.2 * table.numbers[fare][r]) {
      ++count;
    }
  }
  return static_cast<double>(count) / table.rows;
}

class DatagenTaxiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto fitted = FitProfile({kTaxiCsv});
    ASSERT_TRUE(fitted.ok()) << fitted.status();
    profile_ = new Profile(std::move(*fitted));
    synthetic_path_ = new fs::path(TempDir() / "taxi_synthetic.csv");
    GenerateOptions options;
    options.rows = 20000;
    options.seed = 1;
    options.num_threads = 2;
    ASSERT_TRUE(GenerateCsv(*profile_, options, *synthetic_path_).ok());
    real_ = new Table(ReadTable(kTaxiCsv));
    synthetic_ = new Table(ReadTable(*synthetic_path_));
  }
  static void TearDownTestSuite() {
    delete profile_;
    delete synthetic_path_;
    delete real_;
    delete synthetic_;
  }

  static std::string Bytes(const fs::path& path) {
    auto bytes = base::ReadFile(path);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : "";
  }
  static std::string GenerateBytes(const Profile& profile, uint64_t rows, uint64_t seed,
                                   int threads) {
    fs::path path = TempDir() / "determinism.csv";
    GenerateOptions options;
    options.rows = rows;
    options.seed = seed;
    options.num_threads = threads;
    absl::Status status = GenerateCsv(profile, options, path);
    EXPECT_TRUE(status.ok()) << status;
    return Bytes(path);
  }

  static Profile* profile_;
  static fs::path* synthetic_path_;
  static Table* real_;
  static Table* synthetic_;
};
Profile* DatagenTaxiTest::profile_ = nullptr;
fs::path* DatagenTaxiTest::synthetic_path_ = nullptr;
Table* DatagenTaxiTest::real_ = nullptr;
Table* DatagenTaxiTest::synthetic_ = nullptr;

TEST_F(DatagenTaxiTest, KeepsHeaderAndInferredTypes) {
  EXPECT_EQ(synthetic_->rows, 20000u);
  EXPECT_EQ(synthetic_->names, real_->names);
  ASSERT_EQ(synthetic_->types.size(), real_->types.size());
  for (size_t c = 0; c < real_->types.size(); ++c) {
    EXPECT_EQ(synthetic_->types[c], real_->types[c]) << real_->names[c];
  }
  EXPECT_EQ(profile_->source_rows, 15000u);
}

TEST_F(DatagenTaxiTest, KeepsMissingRates) {
  for (size_t c = 0; c < real_->names.size(); ++c) {
    EXPECT_NEAR(MissingRate(*synthetic_, c), MissingRate(*real_, c), 0.015) << real_->names[c];
  }
}

// The synthetic 10%, 50% and 90% quantiles of every numeric column fall where the real
// distribution function is within 3 points of those levels (robust to point masses).
TEST_F(DatagenTaxiTest, KeepsNumericQuantiles) {
  for (size_t c = 0; c < real_->names.size(); ++c) {
    if (real_->types[c] != DataType::kInt64 && real_->types[c] != DataType::kFloat) continue;
    std::vector<double> real = Present(*real_, c), synthetic = Present(*synthetic_, c);
    ASSERT_FALSE(synthetic.empty()) << real_->names[c];
    for (double level : {0.1, 0.5, 0.9}) {
      double value = synthetic[static_cast<size_t>(level * (synthetic.size() - 1))];
      double below =
          static_cast<double>(std::lower_bound(real.begin(), real.end(), value) - real.begin()) /
          real.size();
      double at_or_below =
          static_cast<double>(std::upper_bound(real.begin(), real.end(), value) - real.begin()) /
          real.size();
      EXPECT_LE(below, level + 0.03) << real_->names[c] << " at " << level << ": " << value;
      EXPECT_GE(at_or_below, level - 0.03) << real_->names[c] << " at " << level << ": " << value;
    }
  }
}

TEST_F(DatagenTaxiTest, KeepsFrequentCategoryShares) {
  for (size_t c = 0; c < real_->names.size(); ++c) {
    if (real_->types[c] != DataType::kBytes) continue;
    std::map<std::string, double> real, synthetic;
    for (const std::string& s : real_->strings[c]) real[s] += 1.0 / real_->rows;
    for (const std::string& s : synthetic_->strings[c]) synthetic[s] += 1.0 / synthetic_->rows;
    for (const auto& [value, share] : real) {
      if (share < 0.05) continue;
      EXPECT_NEAR(synthetic[value], share, 0.02) << real_->names[c] << " = '" << value << "'";
    }
  }
}

TEST_F(DatagenTaxiTest, KeepsTipsVersusFare) {
  double real = Spearman(*real_, "tips", "fare");
  double synthetic = Spearman(*synthetic_, "tips", "fare");
  EXPECT_GT(real, 0.2);  // Guards the test itself: there is a relationship to keep.
  EXPECT_NEAR(synthetic, real, 0.05);
  EXPECT_NEAR(GenerousTipShare(*synthetic_), GenerousTipShare(*real_), 0.03);
}

TEST_F(DatagenTaxiTest, KeepsCoMissingness) {
  // In the real file a missing dropoff latitude always comes with a missing longitude.
  size_t lat = real_->Index("dropoff_latitude"), lon = real_->Index("dropoff_longitude");
  size_t lat_missing = 0, both = 0;
  for (size_t r = 0; r < synthetic_->rows; ++r) {
    if (!synthetic_->Missing(lat, r)) continue;
    ++lat_missing;
    both += synthetic_->Missing(lon, r);
  }
  ASSERT_GT(lat_missing, 0u);
  EXPECT_GT(static_cast<double>(both) / lat_missing, 0.8);
}

TEST_F(DatagenTaxiTest, OutputDependsOnlyOnSeed) {
  std::string one_thread = GenerateBytes(*profile_, 20000, 1, 1);
  EXPECT_EQ(one_thread, Bytes(*synthetic_path_));  // Made with 2 threads.
  EXPECT_EQ(GenerateBytes(*profile_, 20000, 1, 3), one_thread);
  EXPECT_NE(GenerateBytes(*profile_, 20000, 2, 2), one_thread);
  // A shorter run is a prefix of a longer one with the same seed.
  std::string shorter = GenerateBytes(*profile_, 100, 1, 2);
  EXPECT_EQ(shorter, one_thread.substr(0, shorter.size()));
  EXPECT_EQ(std::count(shorter.begin(), shorter.end(), '\n'), 101);
}

TEST_F(DatagenTaxiTest, SavedProfileGeneratesTheSameRows) {
  fs::path path = TempDir("saved_profile") / "profile.json";
  ASSERT_TRUE(SaveProfile(*profile_, path).ok());
  auto loaded = LoadProfile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(GenerateBytes(*loaded, 20000, 1, 2), Bytes(*synthetic_path_));
  // No temporary file is left beside the output.
  for (const auto& entry : fs::directory_iterator(TempDir("saved_profile"))) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp-")));
  }
}

TEST(DatagenProfileTest, LoadErrorsNameFileAndField) {
  fs::path path = TempDir() / "bad_profile.json";
  ASSERT_TRUE(base::WriteFileAtomically(path, R"({"format": "weir.datagen.profile", "version": 1,
    "columns": [{"name": "a", "type": "bytes", "missing_rate": 0, "marginal": "categories",
                 "categories": ["x", "y"], "weights": [0.5]}],
    "correlation": [[1]]})")
                  .ok());
  auto loaded = LoadProfile(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr(path.string()));
  EXPECT_THAT(loaded.status().message(), HasSubstr("columns[0].weights"));

  ASSERT_TRUE(base::WriteFileAtomically(path, "{not json").ok());
  EXPECT_THAT(LoadProfile(path).status().message(), HasSubstr(path.string()));
  EXPECT_EQ(LoadProfile(TempDir() / "absent.json").status().code(), absl::StatusCode::kNotFound);
}

TEST(DatagenProfileTest, ResolvesFilesAndExampleNames) {
  fs::path examples = TempDir() / "examples";
  fs::create_directories(examples / "toy");
  fs::path toy = examples / "toy" / "datagen_profile.json";
  ASSERT_TRUE(base::WriteFileAtomically(toy, "{}").ok());
  ASSERT_EQ(setenv("WEIR_EXAMPLES_DIR", examples.c_str(), 1), 0);
  auto by_name = ResolveProfile("toy");
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(*by_name, toy);
  auto by_path = ResolveProfile(toy.string());
  ASSERT_TRUE(by_path.ok());
  EXPECT_EQ(*by_path, toy);
  auto unknown = ResolveProfile("no_such_example");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr(examples.string()));
  EXPECT_THAT(unknown.status().message(), HasSubstr(WEIR_SOURCE_DIR "/examples"));
  unsetenv("WEIR_EXAMPLES_DIR");
}

TEST(DatagenCopulaTest, NormalQuantileInvertsTheCdf) {
  for (double p : {1e-12, 0.001, 0.2, 0.5, 0.7, 0.999}) {
    EXPECT_NEAR(NormalCdf(NormalQuantile(p)), p, 1e-12 + 1e-9 * p);
  }
  EXPECT_NEAR(NormalQuantile(0.975), 1.959964, 1e-6);
}

TEST(DatagenCopulaTest, LatentCorrelationUndoesDiscretisation) {
  // Many equal bins behave like a continuous variable: nothing to undo.
  std::vector<double> fine(2000, 1.0 / 2000);
  BinScores continuous = ScoreBins(fine);
  EXPECT_NEAR(continuous.variance, 1, 0.01);
  EXPECT_NEAR(LatentCorrelation(continuous, continuous, 0.5), 0.5, 0.01);
  // Two halves: the score correlation of median splits is (2/pi) asin(rho).
  std::vector<double> halves = {0.5, 0.5};
  BinScores binary = ScoreBins(halves);
  double rho = 0.6;
  double observed = 2 / M_PI * std::asin(rho);
  EXPECT_NEAR(LatentCorrelation(binary, binary, observed), rho, 0.01);
}

}  // namespace
}  // namespace weir::datagen
