// Protobuf messages in files: binary (.pb) and text format (.pbtxt). Errors name the file, and
// for text the line and column. Writes are atomic (see files.h).
#ifndef WEIR_BASE_PROTO_FILES_H_
#define WEIR_BASE_PROTO_FILES_H_

#include <google/protobuf/message.h>

#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace weir::base {

absl::Status ReadBinaryProto(const std::filesystem::path& file, google::protobuf::Message* message);
// Fields unknown to this build's .proto files are an error unless `allow_unknown_fields` (then
// they are skipped).
absl::Status ReadTextProto(const std::filesystem::path& file, google::protobuf::Message* message,
                           bool allow_unknown_fields = false);
absl::Status WriteBinaryProto(const std::filesystem::path& file,
                              const google::protobuf::Message& message);
absl::Status WriteTextProto(const std::filesystem::path& file,
                            const google::protobuf::Message& message);

// The text format of `message`, deterministic (map entries sorted) and with google.protobuf.Any
// fields expanded into their message, so that it reads well and can serve as a cache key.
std::string ToTextProto(const google::protobuf::Message& message);

}  // namespace weir::base

#endif  // WEIR_BASE_PROTO_FILES_H_
