// YAML to protobuf through reflection, so that any config message can be written by hand in a
// pipeline file and every mistake is reported at its file:line with what was expected.
#ifndef WEIR_PIPELINE_YAML_PROTO_H_
#define WEIR_PIPELINE_YAML_PROTO_H_

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace weir::pipeline {

// Fills `message` from `node`, a YAML map whose keys are field names as spelled in the .proto.
// Values by field type:
//   - integers: decimal, 0x hex or 0o octal, range-checked for the field's type;
//   - float / double: any number, plus .inf, -.inf and .nan; a float must fit in a float;
//   - bool: a YAML bool (true/false, yes/no, on/off);
//   - enum: a value name, case-insensitive;
//   - string / bytes: the scalar's text as written;
//   - repeated: a YAML list (one value alone is an error suggesting [value]);
//   - map<K, V>: a YAML map;
//   - message: a YAML map of its fields, or the shorthand of a scalar naming one of its
//     message-typed fields, which is then set to its defaults (`- scale_to_z_score` in a list of
//     ops whose oneof holds a ScaleToZScore).
// An empty value (`key:` or `~`) sets a message field with its defaults (like `{}`), leaves a
// repeated or map field as it was, and is an error for any other field; an empty value in a map of
// messages is a default message. An empty or undefined `node` leaves `message` as it was. Fields
// absent from `node` keep their values; repeated and map fields are appended to. Errors (all
// InvalidArgument, prefixed "file:LINE: " where the node has a position): an unknown field (listing
// the known ones); a value of the wrong type or out of range; a field set twice; two members of one
// oneof; a list item or map key that is empty or repeated; nesting deeper than 100 levels (e.g. a
// recursive alias). On error, `message` is partly filled: discard it. yaml-cpp exceptions are
// caught and returned as errors.
absl::Status YamlToMessage(const YAML::Node& node, const std::string& file,
                           google::protobuf::Message* message);

// What YAML itself lets through but no weir file may hold, checked over the whole document under
// `node` before it is read: a map that repeats a key (yaml-cpp keeps both, and a reader would
// silently take one; "file:LINE: key 'k' is set twice (first at line N)"), text that is not UTF-8
// (which would fail later, where a protobuf string field is serialized), and nesting deeper than
// 100 levels. Errors are InvalidArgument at the offending line.
absl::Status CheckYamlDocument(const YAML::Node& node, const std::string& file);

// Reads a message from a file: text format for .pbtxt, otherwise YAML (or JSON) as above.
absl::Status ReadMessageFile(const std::filesystem::path& file, google::protobuf::Message* message);

}  // namespace weir::pipeline

#endif  // WEIR_PIPELINE_YAML_PROTO_H_
