#include "weir/views/examples.h"

#include <algorithm>

#include "weir/base/artifact_layout.h"
#include "weir/base/json_text.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/io/example/example_files.h"

namespace weir::views {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

// The Split-<name> folders of an artifact, in name order.
std::vector<fs::path> SplitFolders(const fs::path& uri) {
  std::vector<fs::path> folders;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(uri, error)) {
    if (entry.is_directory() && entry.path().filename().string().starts_with(kSplitPrefix))
      folders.push_back(entry.path());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

// How many examples the text shows of the sample.
constexpr size_t kRenderedRows = 3;

}  // namespace

absl::StatusOr<Json> SampleRows(const fs::path& uri, size_t rows) {
  std::error_code error;
  fs::path split = SplitDir(uri, "train");
  if (!fs::is_directory(split, error)) {
    const std::vector<fs::path> splits = SplitFolders(uri);
    if (splits.empty()) return Json::array();
    split = splits.front();
  }
  ASSIGN_OR_RETURN(std::vector<fs::path> files, io::ExampleFiles(split));
  io::ExampleBlockReader reader(files);
  ASSIGN_OR_RETURN(std::optional<io::ExampleBlock> block, reader.Next());
  Json sample = Json::array();
  if (!block.has_value()) return sample;
  ASSIGN_OR_RETURN(data::RecordBatch batch, block->Decode());
  std::vector<const data::Column*> columns;
  for (const data::Column& column : batch.columns()) columns.push_back(&column);
  std::sort(columns.begin(), columns.end(),
            [](const data::Column* a, const data::Column* b) { return a->name() < b->name(); });
  for (size_t row = 0; row < std::min(rows, batch.num_rows()); ++row) {
    Json example = Json::object();
    for (const data::Column* column : columns) {
      if (!column->is_present(row)) {
        example[column->name()] = nullptr;
        continue;
      }
      Json values = Json::array();
      for (uint32_t i = column->value_begin(row); i < column->value_end(row); ++i) {
        switch (column->type()) {
          case data::DataType::kInt64:
            values.push_back(column->int64_values()[i]);
            break;
          case data::DataType::kFloat:
            values.push_back(column->float_values()[i]);
            break;
          case data::DataType::kBytes:
            values.push_back(std::string(column->bytes_value(i)));
            break;
          case data::DataType::kNull:
            break;
        }
      }
      example[column->name()] = values.size() == 1 ? values[0] : values;
    }
    sample.push_back(std::move(example));
  }
  return sample;
}

absl::StatusOr<ExamplesView> LoadExamples(const fs::path& uri) {
  ExamplesView view;
  std::error_code error;
  for (const fs::path& folder : SplitFolders(uri)) {
    ExamplesView::Split split{
        .name = folder.filename().string().substr(std::string_view(kSplitPrefix).size())};
    for (const auto& file : fs::directory_iterator(folder, error)) {
      ++split.files;
      split.bytes += static_cast<int64_t>(file.file_size(error));
    }
    view.splits.push_back(std::move(split));
  }
  ASSIGN_OR_RETURN(view.sample, SampleRows(uri, kSampleRows));
  return view;
}

Json ExamplesToJson(const ExamplesView& view) {
  Json splits = Json::array();
  for (const ExamplesView::Split& split : view.splits)
    splits.push_back({{"name", split.name}, {"files", split.files}, {"bytes", split.bytes}});
  return Json{{"splits", std::move(splits)}, {"sample", view.sample}};
}

std::string RenderExamples(const ExamplesView& view, const TextOptions& options) {
  Table splits({{"split"}, {"files", Align::kRight}, {"bytes", Align::kRight}});
  for (const ExamplesView::Split& split : view.splits)
    splits.AddRow({split.name, StrCat(split.files), StrCat(split.bytes)});
  std::string out = Title("Splits", options) + "\n" + splits.Render(options);
  for (size_t row = 0; row < std::min(kRenderedRows, view.sample.size()); ++row) {
    out += "\n" + Title(StrCat("Example ", row + 1), options) + "\n";
    Table values({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
                  {"value", Align::kLeft, Fit::kTruncate}});
    for (const auto& [feature, value] : view.sample[row].items())
      values.AddRow({feature, value.is_null() ? "(missing)" : base::JsonText(value)});
    out += values.Render(options);
  }
  return out;
}

}  // namespace weir::views
