#include "weir/model/curves.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/proto/event.pb.h"

namespace weir::model {
namespace fs = std::filesystem;

namespace {

double WallTime() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CurveWriter>> CurveWriter::Create(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(StrCat("cannot create ", dir.string(), ": ", ec.message()));
  return std::unique_ptr<CurveWriter>(new CurveWriter(dir));
}

absl::Status CurveWriter::Add(const std::string& curve, int64_t step,
                              const std::vector<std::pair<std::string, double>>& metrics) {
  nlohmann::ordered_json line = {{"curve", curve}, {"step", step}};
  for (const auto& [name, value] : metrics) line[name] = value;  // NaN becomes null.
  json_lines_ += line.dump() + "\n";

  auto it = event_files_.find(curve);
  if (it == event_files_.end()) {
    const fs::path folder = dir_ / curve;
    std::error_code ec;
    fs::create_directories(folder, ec);
    char host[256] = "localhost";
    gethostname(host, sizeof(host) - 1);
    char name[320];
    std::snprintf(name, sizeof(name), "events.out.tfevents.%010lld.%s",
                  static_cast<long long>(WallTime()), host);
    ASSIGN_OR_RETURN(io::TfRecordWriter writer,
                     io::TfRecordWriter::Create(folder / name, io::Compression::kNone));
    auto owned = std::make_unique<io::TfRecordWriter>(std::move(writer));
    tensorflow::Event version;
    version.set_wall_time(WallTime());
    version.set_file_version("brain.Event:2");
    RETURN_IF_ERROR(owned->Write(version.SerializeAsString()));
    it = event_files_.emplace(curve, std::move(owned)).first;
  }
  tensorflow::Event event;
  event.set_wall_time(WallTime());
  event.set_step(step);
  for (const auto& [name, value] : metrics) {
    tensorflow::Summary::Value* scalar = event.mutable_summary()->add_value();
    scalar->set_tag(name);
    scalar->set_simple_value(static_cast<float>(value));
  }
  return it->second->Write(event.SerializeAsString());
}

absl::Status CurveWriter::Close() {
  for (auto& [curve, writer] : event_files_) RETURN_IF_ERROR(writer->Close());
  event_files_.clear();
  return base::WriteFileAtomically(dir_ / kCurvesFileName, json_lines_);
}

}  // namespace weir::model
