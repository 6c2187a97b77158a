// The schema view: a tensorflow_metadata Schema as terminal tables and JSON, the way TFDV's
// display_schema shows it in a notebook.
#ifndef WEIR_VIEWS_SCHEMA_H_
#define WEIR_VIEWS_SCHEMA_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "weir/proto/schema.pb.h"
#include "weir/views/text.h"

namespace weir::views {

namespace tfmd = ::tensorflow::metadata::v0;

// A Schema from a text-format file (binary if its name ends in .pb), or from the schema.pbtxt in
// a folder. Parse errors name the file and line.
absl::StatusOr<tfmd::Schema> LoadSchema(const std::filesystem::path& path);

// Features (type, presence, valency, domain), then the named domains with their values
// (abbreviated when long), then dataset constraints when there are any.
std::string RenderSchema(const tfmd::Schema& schema, const TextOptions& options);

// {"features": [...], "domains": [...], "dataset_constraints": {...}}.
nlohmann::ordered_json SchemaToJson(const tfmd::Schema& schema);

}  // namespace weir::views

#endif  // WEIR_VIEWS_SCHEMA_H_
