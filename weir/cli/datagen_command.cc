// weir datagen: synthetic CSV rows from a profile, and fitting such a profile to real CSV files.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "weir/base/strings.h"
#include "weir/cli/command.h"
#include "weir/datagen/datagen.h"

namespace weir::cli {
namespace {

struct DatagenFlags {
  std::string profile;
  uint64_t rows = 10000;
  uint64_t seed = 0;
  int threads = 0;
  std::string out;
};

struct FitFlags {
  std::vector<std::string> csv;
  std::string out;
};

absl::Status RunGenerate(const DatagenFlags& flags) {
  if (flags.profile.empty()) {
    return absl::InvalidArgumentError(
        "missing PROFILE: give an example name (e.g. taxi) or a profile JSON file; see "
        "'weir datagen --help'");
  }
  if (flags.out.empty()) return absl::InvalidArgumentError("missing --out FILE");
  absl::StatusOr<std::filesystem::path> path = datagen::ResolveProfile(flags.profile);
  if (!path.ok()) return path.status();
  absl::StatusOr<datagen::Profile> profile = datagen::LoadProfile(*path);
  if (!profile.ok()) return profile.status();
  datagen::GenerateOptions options;
  options.rows = flags.rows;
  options.seed = flags.seed;
  options.num_threads = flags.threads;
  auto start = std::chrono::steady_clock::now();
  if (absl::Status status = datagen::GenerateCsv(*profile, options, flags.out); !status.ok()) {
    return status;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code error;
  uintmax_t bytes = std::filesystem::file_size(flags.out, error);
  std::printf("weir datagen: wrote %llu rows (%llu bytes) to %s in %.2f s (%.0f rows/s)\n",
              static_cast<unsigned long long>(flags.rows),
              static_cast<unsigned long long>(error ? 0 : bytes), flags.out.c_str(), seconds,
              seconds > 0 ? static_cast<double>(flags.rows) / seconds : 0.0);
  return absl::OkStatus();
}

absl::Status RunFit(const FitFlags& flags) {
  std::vector<std::filesystem::path> files(flags.csv.begin(), flags.csv.end());
  absl::StatusOr<datagen::Profile> profile = datagen::FitProfile(files);
  if (!profile.ok()) return profile.status();
  if (absl::Status status = datagen::SaveProfile(*profile, flags.out); !status.ok()) {
    return status;
  }
  std::printf("weir datagen fit: %zu columns fitted to %llu rows; profile written to %s\n",
              profile->columns.size(), static_cast<unsigned long long>(profile->source_rows),
              flags.out.c_str());
  return absl::OkStatus();
}

}  // namespace

void AddDatagenCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DatagenFlags>();
  auto fit_flags = std::make_shared<FitFlags>();
  CLI::App* command = app.add_subcommand(
      "datagen",
      "Synthetic CSV rows with the columns, distributions and correlations of a fitted "
      "profile (weir datagen taxi ...), or fit a profile (weir datagen fit ...).");
  command->require_subcommand(0, 1);
  command->add_option("PROFILE", flags->profile, "Profile JSON file or example name (e.g. taxi)");
  command->add_option("--rows", flags->rows, "Rows to generate")->default_val(10000);
  command->add_option("--seed", flags->seed, "Random seed; the same seed gives the same bytes")
      ->default_val(0);
  command->add_option("--out", flags->out, "CSV file to write (replaced if it exists)");
  command->add_option("--threads", flags->threads, "Threads to use (0: all cores)")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
  CLI::App* fit = command->add_subcommand(
      "fit", "Fit a profile to real CSV files and write it as JSON (see 'weir datagen fit -h')");
  fit->footer(
      "Fits, per column, its type (as weir's CSV reader infers it), missing rate and\n"
      "distribution (a quantile table, or a table of values for strings and discrete numbers),\n"
      "plus a Gaussian copula over all columns fitted from rank-based normal scores.\n"
      "Files over 1,000,000 rows are subsampled. Example:\n"
      "  weir datagen fit --csv data.csv --out my_profile.json\n"
      "See docs/datagen.md for what a profile preserves and what it does not.");
  fit->add_option("--csv", fit_flags->csv, "CSV files to fit (all with the same header)")
      ->required()
      ->expected(1, -1);
  fit->add_option("--out", fit_flags->out, "Profile JSON file to write")->required();
  command->footer(
      "Usage:\n"
      "  weir datagen PROFILE --rows N --seed S --out FILE\n"
      "  weir datagen fit --csv FILE... --out PROFILE.json\n\n"
      "PROFILE is a profile JSON file or the name of an example (e.g. taxi, found as\n"
      "<examples>/taxi/datagen_profile.json in $WEIR_EXAMPLES_DIR, "
      "<binary>/../share/weir/examples\n"
      "or the source tree's examples/). Rows keep each column's type, missing rate and\n"
      "distribution and, through a Gaussian copula, the rank correlations between columns.\n"
      "The output depends only on the profile, --rows and --seed (not on --threads); it is\n"
      "streamed, so memory does not grow with --rows, and appears under its name only once\n"
      "complete.\n\n"
      "Examples:\n"
      "  weir datagen taxi --rows 1000000 --seed 7 --out taxi.csv\n"
      "  weir datagen fit --csv data.csv --out my_profile.json\n"
      "  weir datagen my_profile.json --rows 50000 --out synthetic.csv\n"
      "See docs/datagen.md for how profiles are fitted and what they preserve.");

  fit->callback([fit_flags, &exit_code] {
    if (absl::Status status = RunFit(*fit_flags); !status.ok()) {
      exit_code = ReportError("datagen fit", status);
    }
  });
  command->callback([command, fit, flags, &exit_code] {
    if (command->got_subcommand(fit)) return;
    if (absl::Status status = RunGenerate(*flags); !status.ok()) {
      exit_code = ReportError("datagen", status);
    }
  });
}

}  // namespace weir::cli
