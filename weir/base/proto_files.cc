#include "weir/base/proto_files.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::base {
namespace {

// Keeps the first parse error (later ones usually follow from it), 1-based.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) error_ = StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::Status ReadBinaryProto(const std::filesystem::path& file,
                             google::protobuf::Message* message) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(file));
  if (!message->ParseFromString(bytes)) {
    return absl::DataLossError(StrCat(file.string(), " is not a binary ", message->GetTypeName(),
                                      " (corrupt, or in text format)"));
  }
  return absl::OkStatus();
}

absl::Status ReadTextProto(const std::filesystem::path& file, google::protobuf::Message* message,
                           bool allow_unknown_fields) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(allow_unknown_fields);
  if (!parser.ParseFromString(text, message)) {
    return absl::InvalidArgumentError(
        StrCat(file.string(), ":", errors.error().empty() ? "1:1: " : errors.error(),
               " (expected a ", message->GetTypeName(), " in protobuf text format)"));
  }
  return absl::OkStatus();
}

absl::Status WriteBinaryProto(const std::filesystem::path& file,
                              const google::protobuf::Message& message) {
  return WriteFileAtomically(file, message.SerializeAsString());
}

absl::Status WriteTextProto(const std::filesystem::path& file,
                            const google::protobuf::Message& message) {
  return WriteFileAtomically(file, ToTextProto(message));
}

std::string ToTextProto(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetExpandAny(true);
  std::string text;
  printer.PrintToString(message, &text);
  return text;
}

}  // namespace weir::base
